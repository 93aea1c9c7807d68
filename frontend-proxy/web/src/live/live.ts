// The one source of live updates for the app. Pages say what they show (`useLive(scope,
// active)`) and this module keeps the matching queries fresh.
//
// Today the backend has no event stream yet, so this polls: every POLL_MS while the page is
// visible it invalidates the scope's queries (TanStack Query refetches only what is on screen).
// When `GET /api/live` (Server-Sent Events) exists, replace `startPolling` by one shared
// EventSource whose WORKFLOW_UPDATE / PROGRESS_UPDATE events invalidate `keys.run(ws, id)` and
// `keys.runs(ws)`; the pages need no change.

import { useEffect, useState } from 'react';
import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { keys, type WorkspaceId } from '../api/keys';

export const POLL_MS = 3000;

export type LiveScope = { kind: 'run'; workspaceId: WorkspaceId; runId: string } | { kind: 'runs'; workspaceId: WorkspaceId };

export function scopeKey(scope: LiveScope): QueryKey {
  return scope.kind === 'run' ? keys.run(scope.workspaceId, scope.runId) : keys.runs(scope.workspaceId);
}

function startPolling(client: QueryClient, key: QueryKey, onTick: (ok: boolean) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      await client.invalidateQueries({ queryKey: key, refetchType: 'active' });
      const failed = client
        .getQueryCache()
        .findAll({ queryKey: key, type: 'active' })
        .some((q) => q.state.status === 'error' || (q.state.fetchFailureCount > 0 && q.state.fetchStatus === 'idle' && q.state.error));
      onTick(!failed);
    }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  timer = setTimeout(tick, POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export type LiveStatus = 'idle' | 'live' | 'offline';

/** Keeps the scope's queries live while `active`; says whether updates are coming through. */
export function useLive(scope: LiveScope, active: boolean): LiveStatus {
  const client = useQueryClient();
  const [ok, setOk] = useState(true);
  const key = JSON.stringify(scopeKey(scope));
  useEffect(() => {
    if (!active) return;
    return startPolling(client, JSON.parse(key) as QueryKey, setOk);
  }, [client, key, active]);
  if (!active) return 'idle';
  return ok ? 'live' : 'offline';
}
