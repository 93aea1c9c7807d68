// Actions (/actions): a stored launch started by a call with a token (tower), a signed GitHub
// push (github) or a schedule (cron).

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';
import type { LaunchRequest } from './launch';

export type ActionSource = 'tower' | 'github' | 'cron';

export interface ActionEvent {
  discriminator: ActionSource;
  timestamp?: string;
  workflowId?: string;
  ref?: string;
  commitId?: string;
  scheduledTime?: string;
}

export interface Action {
  id: string;
  name: string;
  source: ActionSource;
  status: 'ACTIVE' | 'PAUSED';
  config: { discriminator: ActionSource; expression?: string; timezone?: string; catchUp?: boolean };
  event?: ActionEvent | null;
  error?: string | null;
  hookUrl?: string | null;
  usageCmd?: string | null;
  pipeline?: string | null;
  launch: LaunchRequest & { computeEnv?: { id: string; name: string; platform: string } };
  nextExecution?: string | null;
  lastSeen?: string | null;
  dateCreated: string;
}

export interface CronRequest {
  expression: string;
  timezone?: string;
  catchUp?: boolean;
}

export const listActions = (ws: WorkspaceId) => api<{ actions: Action[] }>('/actions', { query: wsQuery(ws) }).then((r) => r.actions);
export const describeAction = (ws: WorkspaceId, id: string) =>
  api<{ action: Action }>(`/actions/${encodeURIComponent(id)}`, { query: wsQuery(ws) }).then((r) => r.action);
export const createAction = (ws: WorkspaceId, body: { name: string; source: ActionSource; launch: LaunchRequest; cron?: CronRequest }) =>
  api<{ actionId: string; hookSecret?: string }>('/actions', { method: 'POST', query: wsQuery(ws), body });
export const deleteAction = (ws: WorkspaceId, id: string) => api(`/actions/${encodeURIComponent(id)}`, { method: 'DELETE', query: wsQuery(ws) });
/** Pauses an active action, resumes a paused one. */
export const togglePause = (ws: WorkspaceId, id: string) => api(`/actions/${encodeURIComponent(id)}/pause`, { method: 'POST', query: wsQuery(ws) });
export const launchAction = (ws: WorkspaceId, id: string, params: Record<string, unknown> = {}) =>
  api<{ workflowId: string }>(`/actions/${encodeURIComponent(id)}/launch`, { method: 'POST', query: wsQuery(ws), body: { params } });
export const resolveCron = (ws: WorkspaceId, expression: string, timezone: string) =>
  api<{ expression: string; timezone: string; nextExecutions: string[] }>('/actions/cron/resolve', {
    method: 'POST',
    query: wsQuery(ws),
    body: { expression, timezone },
  });
