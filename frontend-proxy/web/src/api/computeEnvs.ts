// Compute environments of a workspace or of the personal context (/compute-envs).

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';

export interface EnvVar {
  name: string;
  value: string;
  head: boolean;
  compute: boolean;
}

export type ComputeConfig = Record<string, string | number | boolean | EnvVar[] | undefined> & { environment?: EnvVar[] };

export interface ComputeEnvEntry {
  id: string;
  name: string;
  platform: string;
  status: string;
  message?: string | null;
  primary: boolean;
  credentialsId?: string | null;
  workDir?: string | null;
  description?: string | null;
}

export interface ComputeEnv extends ComputeEnvEntry {
  config: ComputeConfig;
  dateCreated: string;
  lastUpdated: string;
}

export interface NewComputeEnv {
  name: string;
  platform: string;
  description?: string;
  credentialsId?: string;
  config: ComputeConfig;
}

export const listComputeEnvs = (ws: WorkspaceId) =>
  api<{ computeEnvs: ComputeEnvEntry[] }>('/compute-envs', { query: wsQuery(ws) }).then((r) => r.computeEnvs);
export const describeComputeEnv = (ws: WorkspaceId, id: string) =>
  api<{ computeEnv: ComputeEnv }>(`/compute-envs/${id}`, { query: wsQuery(ws) }).then((r) => r.computeEnv);
export const createComputeEnv = (ws: WorkspaceId, computeEnv: NewComputeEnv) =>
  api<{ computeEnvId: string }>('/compute-envs', { method: 'POST', query: wsQuery(ws), body: { computeEnv } });
export const computeEnvAction = (ws: WorkspaceId, id: string, action: 'primary' | 'disable' | 'enable' | 'validate') =>
  api<{ status?: string; message?: string | null }>(`/compute-envs/${id}/${action}`, { method: 'POST', query: wsQuery(ws) });
export const deleteComputeEnv = (ws: WorkspaceId, id: string) => api(`/compute-envs/${id}`, { method: 'DELETE', query: wsQuery(ws) });
export const listPlatforms = (ws: WorkspaceId) =>
  api<{ platforms: { id: string; name: string; credentialsProviders: string[] }[] }>('/platforms', { query: wsQuery(ws) }).then((r) => r.platforms);
