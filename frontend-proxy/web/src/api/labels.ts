// Labels of a workspace and their attachment to runs (GET/POST /labels, /workflow/labels/add|remove).

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';
import type { Label } from './types';

export const listLabels = (ws: WorkspaceId) => api<{ labels: Label[] }>('/labels', { query: { ...wsQuery(ws), max: 1000 } }).then((r) => r.labels);

export const createLabel = (ws: WorkspaceId, name: string, value: string | null) =>
  api<Label>('/labels', { method: 'POST', query: wsQuery(ws), body: { name, value, resource: value !== null } });

export const attachLabels = (ws: WorkspaceId, runId: string, labelIds: number[], attach: boolean) =>
  api(`/workflow/labels/${attach ? 'add' : 'remove'}`, { method: 'POST', query: wsQuery(ws), body: { workflowIds: [runId], labelIds } });
