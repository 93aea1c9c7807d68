// Launching pipelines (POST /workflow/launch), a run's launch record and its head job's log.

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';

export interface LaunchRequest {
  /** From a Launchpad pipeline: its version's id. */
  id?: string;
  computeEnvId?: string;
  pipeline: string;
  revision?: string;
  runName?: string;
  workDir?: string;
  configProfiles?: string[];
  paramsText?: string;
  configText?: string;
  preRunScript?: string;
  postRunScript?: string;
  resume?: boolean;
  sessionId?: string;
}

export interface LaunchRecord extends LaunchRequest {
  id: string;
  /** The Launchpad pipeline version launched, if any. */
  pipelineVersionId?: string | null;
  /** The action that launched the run, if one did. */
  actionId?: string | null;
  computeEnv?: { id: string; name: string; platform: string } | null;
  jobId?: string | null;
  message?: string | null;
}

export interface LogPage {
  entries: string[];
  pending: boolean;
  truncated: boolean;
  message: string;
  forwardToken?: string | null;
}

export const launchPipeline = (ws: WorkspaceId, launch: LaunchRequest) =>
  api<{ workflowId: string }>('/workflow/launch', { method: 'POST', query: wsQuery(ws), body: { launch } });
export const describeLaunch = (ws: WorkspaceId, id: string) =>
  api<{ launch: LaunchRecord | null }>(`/workflow/${encodeURIComponent(id)}/launch`, { query: wsQuery(ws) }).then((r) => r.launch);
export const runLog = (ws: WorkspaceId, id: string, next?: string) =>
  api<{ log: LogPage }>(`/workflow/${encodeURIComponent(id)}/log`, { query: { ...wsQuery(ws), next } }).then((r) => r.log);
