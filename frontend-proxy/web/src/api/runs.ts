// Calls on runs and tasks (GET/DELETE /workflow..., stars, cancel, tasks, metrics).

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';
import type { DescribeWorkflowResponse, ListTasksResponse, ListWorkflowsResponse, Task, WorkflowMetrics } from './types';

export const RUNS_PAGE = 30;

export function listRuns(ws: WorkspaceId, search: string, offset: number, signal?: AbortSignal) {
  return api<ListWorkflowsResponse>('/workflow', {
    // The total is counted for the first page only: it is shown once, and counting costs.
    query: { ...wsQuery(ws), max: RUNS_PAGE, offset, search: search.trim() || undefined, attributes: 'labels', includeTotalSize: offset === 0 || undefined },
    signal,
  });
}

export function describeRun(ws: WorkspaceId, id: string, signal?: AbortSignal) {
  return api<DescribeWorkflowResponse>(`/workflow/${encodeURIComponent(id)}`, { query: wsQuery(ws), signal });
}

export function deleteRun(ws: WorkspaceId, id: string, force: boolean) {
  return api(`/workflow/${encodeURIComponent(id)}`, { method: 'DELETE', query: { ...wsQuery(ws), force: force || undefined } });
}

export function cancelRun(ws: WorkspaceId, id: string) {
  return api(`/workflow/${encodeURIComponent(id)}/cancel`, { method: 'POST', query: wsQuery(ws) });
}

export function setStar(ws: WorkspaceId, id: string, starred: boolean) {
  return api(`/workflow/${encodeURIComponent(id)}/star`, { method: starred ? 'POST' : 'DELETE', query: wsQuery(ws) });
}

export interface TaskQuery {
  max: number;
  offset: number;
  search?: string;
  sortBy?: string;
  sortDir?: 'asc' | 'desc';
}

export function listTasks(ws: WorkspaceId, id: string, q: TaskQuery, signal?: AbortSignal) {
  return api<ListTasksResponse>(`/workflow/${encodeURIComponent(id)}/tasks`, {
    query: { ...wsQuery(ws), max: q.max, offset: q.offset, search: q.search?.trim() || undefined, sortBy: q.sortBy, sortDir: q.sortDir },
    signal,
  });
}

/** Up to `limit` tasks in submission order, for the timeline (pages of 1000). */
export async function allTasks(ws: WorkspaceId, id: string, limit = 5000, signal?: AbortSignal): Promise<{ tasks: Task[]; total: number }> {
  const out: Task[] = [];
  let total = 0;
  for (let offset = 0; offset < limit; offset += 1000) {
    const page = await listTasks(ws, id, { max: 1000, offset, sortBy: 'taskId', sortDir: 'asc' }, signal);
    total = page.total;
    out.push(...page.tasks.map((t) => t.task));
    if (out.length >= page.total || page.tasks.length === 0) break;
  }
  return { tasks: out, total };
}

export function getTask(ws: WorkspaceId, id: string, taskId: number, signal?: AbortSignal) {
  return api<{ task: Task }>(`/workflow/${encodeURIComponent(id)}/task/${taskId}`, { query: wsQuery(ws), signal }).then((r) => r.task);
}

export function getMetrics(ws: WorkspaceId, id: string, signal?: AbortSignal) {
  return api<{ metrics: WorkflowMetrics[] }>(`/workflow/${encodeURIComponent(id)}/metrics`, { query: wsQuery(ws), signal }).then((r) => r.metrics);
}
