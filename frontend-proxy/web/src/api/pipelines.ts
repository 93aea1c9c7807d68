// The Launchpad's pipelines (/pipelines), their launch settings and their versions.

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';
import type { LaunchRecord, LaunchRequest } from './launch';
import type { Label } from './types';

export interface Pipeline {
  pipelineId: number;
  name: string;
  description?: string | null;
  repository: string;
  computeEnv?: { id: string; name: string; platform: string } | null;
  labels: Label[];
  /** The default version; in a versions list, the version listed. */
  version?: PipelineVersion | null;
  lastUpdated: string;
}

export interface PipelineVersion {
  id: string;
  /** Null for a draft. */
  name?: string | null;
  isDefault: boolean;
  hash: string;
  creatorUserName?: string | null;
  dateCreated?: string | null;
}

export interface PipelineFields {
  name: string;
  description?: string;
  launch: LaunchRequest;
}

export const listPipelines = (ws: WorkspaceId, search: string) =>
  api<{ pipelines: Pipeline[]; totalSize: number }>('/pipelines', { query: { ...wsQuery(ws), search: search || undefined, max: 100 } });
export const createPipeline = (ws: WorkspaceId, name: string, description: string, launch: LaunchRequest) =>
  api<{ pipeline: Pipeline }>('/pipelines', { method: 'POST', query: wsQuery(ws), body: { name, description: description || undefined, launch } });
export const updatePipeline = (ws: WorkspaceId, id: number, fields: PipelineFields) =>
  api<{ pipeline: Pipeline }>(`/pipelines/${id}`, { method: 'PUT', query: wsQuery(ws), body: fields });
export const deletePipeline = (ws: WorkspaceId, id: number) => api(`/pipelines/${id}`, { method: 'DELETE', query: wsQuery(ws) });
/** The launch settings of a pipeline's version (its default one when none is given). */
export const pipelineLaunch = (ws: WorkspaceId, id: number, versionId?: string | null) =>
  api<{ launch: LaunchRecord }>(`/pipelines/${id}/launch`, { query: { ...wsQuery(ws), versionId: versionId || undefined } }).then((r) => r.launch);
export const pipelineSchema = (ws: WorkspaceId, id: number, versionId?: string | null) =>
  api<{ schema: string; params?: string | null }>(`/pipelines/${id}/schema`, { query: { ...wsQuery(ws), versionId: versionId || undefined } });
export const listVersions = (ws: WorkspaceId, id: number) =>
  api<{ versions: Pipeline[]; totalSize: number }>(`/pipelines/${id}/versions`, { query: { ...wsQuery(ws), max: 100 } }).then((r) =>
    r.versions.map((p) => p.version!),
  );
/** Publishes a version under a name and/or makes it the default. */
export const manageVersion = (ws: WorkspaceId, id: number, versionId: string, change: { name?: string; isDefault?: boolean }) =>
  api(`/pipelines/${id}/versions/${encodeURIComponent(versionId)}/manage`, { method: 'PUT', query: wsQuery(ws), body: change });
