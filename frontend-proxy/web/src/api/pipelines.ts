// The Launchpad's pipelines (/pipelines) and their launch settings.

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
  lastUpdated: string;
}

export const listPipelines = (ws: WorkspaceId, search: string) =>
  api<{ pipelines: Pipeline[]; totalSize: number }>('/pipelines', { query: { ...wsQuery(ws), search: search || undefined, max: 100 } });
export const createPipeline = (ws: WorkspaceId, name: string, description: string, launch: LaunchRequest) =>
  api<{ pipeline: Pipeline }>('/pipelines', { method: 'POST', query: wsQuery(ws), body: { name, description: description || undefined, launch } });
export const deletePipeline = (ws: WorkspaceId, id: number) => api(`/pipelines/${id}`, { method: 'DELETE', query: wsQuery(ws) });
export const pipelineLaunch = (ws: WorkspaceId, id: number) => api<{ launch: LaunchRecord }>(`/pipelines/${id}/launch`, { query: wsQuery(ws) }).then((r) => r.launch);
export const pipelineSchema = (ws: WorkspaceId, id: number) => api<{ schema: string; params?: string | null }>(`/pipelines/${id}/schema`, { query: wsQuery(ws) });
