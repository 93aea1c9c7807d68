// Client-side routes. A run lives in the personal workspace (`/watch/:id`, the link Nextflow
// prints) or in an organization workspace (`/ws/:workspaceId/watch/:id`).

import { useParams } from 'react-router';
import type { WorkspaceId } from './api/keys';

export function useWorkspaceId(): WorkspaceId {
  const { workspaceId } = useParams();
  const n = workspaceId ? Number(workspaceId) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

export const paths = {
  runs: (ws: WorkspaceId, search?: string) => `${ws ? `/ws/${ws}` : ''}/runs${search ? `?search=${encodeURIComponent(search)}` : ''}`,
  run: (ws: WorkspaceId, id: string) => `${ws ? `/ws/${ws}` : ''}/watch/${id}`,
  task: (ws: WorkspaceId, id: string, taskId: number) => `${ws ? `/ws/${ws}` : ''}/watch/${id}?task=${taskId}`,
  gettingStarted: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/getting-started`,
  credentials: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/credentials`,
  secrets: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/secrets`,
  computeEnvs: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/compute-envs`,
  launch: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/launch`,
  launchpad: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/launchpad`,
  datasets: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/datasets`,
  actions: (ws: WorkspaceId) => `${ws ? `/ws/${ws}` : ''}/actions`,
  tokens: '/tokens',
  profile: '/profile',
  orgs: '/orgs',
  auditLog: '/audit-log',
  org: (orgId: number) => `/orgs/${orgId}`,
  orgWorkspace: (orgId: number, wsId: number) => `/orgs/${orgId}/workspaces/${wsId}`,
};
