// Credentials and pipeline secrets of a workspace or of the personal context
// (/credentials, /pipeline-secrets). Secret fields and values are sent, never read back.

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';

export interface Credentials {
  id: string;
  name: string;
  provider: string;
  description?: string | null;
  baseUrl?: string | null;
  keys: Record<string, string>;
  status: string;
  lastUsed?: string | null;
  dateCreated: string;
  lastUpdated: string;
}

export interface CredentialsInput {
  name: string;
  provider: string;
  description?: string;
  baseUrl?: string;
  keys: Record<string, string>;
}

export interface PipelineSecret {
  id: number;
  name: string;
  lastUsed?: string | null;
  dateCreated: string;
  lastUpdated: string;
}

export const listCredentials = (ws: WorkspaceId) =>
  api<{ credentials: Credentials[] }>('/credentials', { query: wsQuery(ws) }).then((r) => r.credentials);
export const createCredentials = (ws: WorkspaceId, credentials: CredentialsInput) =>
  api<{ credentialsId: string }>('/credentials', { method: 'POST', query: wsQuery(ws), body: { credentials } });
export const updateCredentials = (ws: WorkspaceId, id: string, credentials: CredentialsInput) =>
  api(`/credentials/${id}`, { method: 'PUT', query: wsQuery(ws), body: { credentials } });
export const deleteCredentials = (ws: WorkspaceId, id: string) => api(`/credentials/${id}`, { method: 'DELETE', query: { ...wsQuery(ws), checked: true } });

export const listSecrets = (ws: WorkspaceId) =>
  api<{ pipelineSecrets: PipelineSecret[] }>('/pipeline-secrets', { query: wsQuery(ws) }).then((r) => r.pipelineSecrets);
export const createSecret = (ws: WorkspaceId, name: string, value: string) =>
  api<{ secretId: number }>('/pipeline-secrets', { method: 'POST', query: wsQuery(ws), body: { name, value } });
export const updateSecret = (ws: WorkspaceId, id: number, value: string) => api(`/pipeline-secrets/${id}`, { method: 'PUT', query: wsQuery(ws), body: { value } });
export const deleteSecret = (ws: WorkspaceId, id: number) => api(`/pipeline-secrets/${id}`, { method: 'DELETE', query: wsQuery(ws) });
