// Labels of a workspace and their attachment to runs (GET/POST /labels, /workflow/labels/add|remove).

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';
import type { Label } from './types';

export const listLabels = (ws: WorkspaceId) => api<{ labels: Label[] }>('/labels', { query: { ...wsQuery(ws), max: 1000 } }).then((r) => r.labels);

export const createLabel = (ws: WorkspaceId, name: string, value: string | null) =>
  api<Label>('/labels', { method: 'POST', query: wsQuery(ws), body: { name, value, resource: value !== null } });

/** What labels are attached to: a run (by its id) or a pipeline of the Launchpad. */
export type Labelled = { run: string } | { pipeline: number };

export const attachLabels = (ws: WorkspaceId, target: Labelled, labelIds: number[], attach: boolean) =>
  'run' in target
    ? api(`/workflow/labels/${attach ? 'add' : 'remove'}`, { method: 'POST', query: wsQuery(ws), body: { workflowIds: [target.run], labelIds } })
    : api(`/pipelines/labels/${attach ? 'add' : 'remove'}`, { method: 'POST', query: wsQuery(ws), body: { pipelineIds: [target.pipeline], labelIds } });
