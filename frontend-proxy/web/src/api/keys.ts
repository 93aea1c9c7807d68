// Query keys, in one place so that the live module can refresh exactly what a page shows.
// Everything about one run lives under runKey(ws, id), so one invalidation refreshes the run,
// its tasks, its timeline and its metrics together.

export type WorkspaceId = number | null;

export const keys = {
  serviceInfo: ['service-info'] as const,
  userInfo: ['user-info'] as const,
  workspaces: (userId: number) => ['user-workspaces', userId] as const,
  runs: (ws: WorkspaceId) => ['runs', ws ?? 0] as const,
  runList: (ws: WorkspaceId, search: string) => ['runs', ws ?? 0, search] as const,
  run: (ws: WorkspaceId, id: string) => ['run', ws ?? 0, id] as const,
  runDetail: (ws: WorkspaceId, id: string) => ['run', ws ?? 0, id, 'detail'] as const,
  tasks: (ws: WorkspaceId, id: string, params: object) => ['run', ws ?? 0, id, 'tasks', params] as const,
  // Outside runKey on purpose: the timeline reads every task, so it refreshes on its own, slower clock.
  timeline: (ws: WorkspaceId, id: string, active: boolean) => ['run-timeline', ws ?? 0, id, active] as const,
  task: (ws: WorkspaceId, id: string, taskId: number) => ['run', ws ?? 0, id, 'task', taskId] as const,
  metrics: (ws: WorkspaceId, id: string) => ['run', ws ?? 0, id, 'metrics'] as const,
  star: (ws: WorkspaceId, id: string) => ['run', ws ?? 0, id, 'star'] as const,
  tokens: ['tokens'] as const,
  credentials: (ws: WorkspaceId) => ['credentials', ws ?? 0] as const,
  secrets: (ws: WorkspaceId) => ['pipeline-secrets', ws ?? 0] as const,
  computeEnvs: (ws: WorkspaceId) => ['compute-envs', ws ?? 0] as const,
  orgs: ['orgs'] as const,
  org: (orgId: number) => ['org', orgId] as const,
  orgPart: (orgId: number, part: string) => ['org', orgId, part] as const,
  workspace: (orgId: number, wsId: number) => ['org', orgId, 'workspace', wsId] as const,
  participants: (orgId: number, wsId: number) => ['org', orgId, 'workspace', wsId, 'participants'] as const,
};

/** `?workspaceId=` for API calls: omitted for the personal workspace. */
export function wsQuery(ws: WorkspaceId): { workspaceId?: number } {
  return ws ? { workspaceId: ws } : {};
}
