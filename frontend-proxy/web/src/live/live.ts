// The one source of live updates for the app. Pages say what they show (`useLive(scope,
// active)`) and this module keeps the matching queries fresh.
//
// Preferred: one shared EventSource per workspace on `GET /api/live` (Server-Sent Events with
// WORKFLOW_CREATED / WORKFLOW_UPDATED / PROGRESS_UPDATED / WORKFLOW_COMPLETED / WORKFLOW_DELETED);
// each event invalidates the queries of that run (and the runs list for run-level changes),
// at most once a second per query. While the stream is open, pages still poll slowly as a safety
// net. When the server has no stream (older backend) or it drops, pages poll every POLL_MS
// while the tab is visible, and the stream is retried with a growing delay.

import { useEffect, useState, useSyncExternalStore } from 'react';
import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { keys, type WorkspaceId } from '../api/keys';

export const POLL_MS = 3000;
const SAFETY_POLL_MS = 30_000;
const RETRY_MIN_MS = 15_000;
const RETRY_MAX_MS = 5 * 60_000;
const THROTTLE_MS = 1000;

export const EVENT_TYPES = ['WORKFLOW_CREATED', 'WORKFLOW_UPDATED', 'PROGRESS_UPDATED', 'WORKFLOW_COMPLETED', 'WORKFLOW_DELETED'] as const;

export interface LiveEvent {
  type: string;
  workflowId: string;
  workspaceId?: number | null;
  status?: string | null;
  updated?: number;
}

export type LiveScope = { kind: 'run'; workspaceId: WorkspaceId; runId: string } | { kind: 'runs'; workspaceId: WorkspaceId };

export function scopeKey(scope: LiveScope): QueryKey {
  return scope.kind === 'run' ? keys.run(scope.workspaceId, scope.runId) : keys.runs(scope.workspaceId);
}

/** The queries an event makes stale: the run always, the runs list when the run itself changed. */
export function keysForEvent(e: LiveEvent, ws: WorkspaceId): QueryKey[] {
  const out: QueryKey[] = [keys.run(ws, e.workflowId)];
  if (e.type !== 'PROGRESS_UPDATED') out.push(keys.runs(ws));
  return out;
}

// ---- the shared event stream, one per workspace ----------------------------------------

type StreamState = 'open' | 'connecting' | 'unavailable';

interface Stream {
  state: StreamState;
  refs: number;
  source: EventSource | null;
  retry: ReturnType<typeof setTimeout> | undefined;
  delay: number;
  listeners: Set<() => void>;
  pending: Map<string, ReturnType<typeof setTimeout>>;
  dirty: Set<string>;
}

const streams = new Map<string, Stream>();

function setState(s: Stream, state: StreamState) {
  if (s.state === state) return;
  s.state = state;
  s.listeners.forEach((l) => l());
}

function connect(s: Stream, ws: WorkspaceId, client: QueryClient) {
  if (typeof EventSource === 'undefined') return setState(s, 'unavailable');
  const es = new EventSource(`/api/live${ws ? `?workspaceId=${ws}` : ''}`);
  s.source = es;
  setState(s, 'connecting');
  es.onopen = () => {
    s.delay = RETRY_MIN_MS;
    setState(s, 'open');
  };
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      // Refused (no such endpoint, signed out, ...): poll, and try the stream again later.
      es.close();
      s.source = null;
      setState(s, 'unavailable');
      s.retry = setTimeout(() => s.refs > 0 && connect(s, ws, client), s.delay);
      s.delay = Math.min(RETRY_MAX_MS, s.delay * 2);
    } else {
      setState(s, 'connecting'); // the browser reconnects on its own (with Last-Event-ID)
    }
  };
  const onEvent = (m: MessageEvent) => {
    let e: LiveEvent;
    try {
      e = { type: m.type, ...JSON.parse(m.data) };
    } catch {
      return;
    }
    if (!e.workflowId) return;
    // At once for the first event, then at most once per THROTTLE_MS while more arrive.
    for (const key of keysForEvent(e, ws)) {
      const id = JSON.stringify(key);
      if (s.pending.has(id)) {
        s.dirty.add(id);
        continue;
      }
      const refresh = () => {
        client.invalidateQueries({ queryKey: key, refetchType: 'active' });
        s.pending.set(
          id,
          setTimeout(() => {
            s.pending.delete(id);
            if (s.dirty.delete(id)) refresh();
          }, THROTTLE_MS),
        );
      };
      refresh();
    }
  };
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent);
}

function acquire(ws: WorkspaceId, client: QueryClient): Stream {
  const id = String(ws ?? 0);
  let s = streams.get(id);
  if (!s) {
    s = { state: 'connecting', refs: 0, source: null, retry: undefined, delay: RETRY_MIN_MS, listeners: new Set(), pending: new Map(), dirty: new Set() };
    streams.set(id, s);
  }
  s.refs++;
  if (!s.source && !s.retry) connect(s, ws, client);
  return s;
}

function release(ws: WorkspaceId) {
  const id = String(ws ?? 0);
  const s = streams.get(id);
  if (!s || --s.refs > 0) return;
  // Kept a moment, so going from the runs list to a run reuses the connection.
  setTimeout(() => {
    if (s.refs > 0 || streams.get(id) !== s) return;
    s.source?.close();
    clearTimeout(s.retry);
    s.pending.forEach((t) => clearTimeout(t));
    streams.delete(id);
  }, 5000);
}

function useStream(ws: WorkspaceId, on: boolean): StreamState {
  const client = useQueryClient();
  const [stream, setStream] = useState<Stream | null>(null);
  useEffect(() => {
    if (!on) return;
    const s = acquire(ws, client);
    setStream(s);
    return () => {
      setStream(null);
      release(ws);
    };
  }, [ws, on, client]);
  return useSyncExternalStore(
    (cb) => {
      stream?.listeners.add(cb);
      return () => stream?.listeners.delete(cb);
    },
    () => stream?.state ?? 'connecting',
  );
}

// ---- polling ------------------------------------------------------------------------------

function startPolling(client: QueryClient, key: QueryKey, every: number, onTick: (ok: boolean) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      await client.invalidateQueries({ queryKey: key, refetchType: 'active' });
      const failed = client
        .getQueryCache()
        .findAll({ queryKey: key, type: 'active' })
        .some((q) => q.state.status === 'error');
      onTick(!failed);
    }
    if (!stopped) timer = setTimeout(tick, every);
  };
  timer = setTimeout(tick, every);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export type LiveStatus = 'idle' | 'live' | 'offline';

/** Keeps the scope's queries live while `active`; says whether updates are coming through. */
export function useLive(scope: LiveScope, active: boolean): LiveStatus {
  const client = useQueryClient();
  const stream = useStream(scope.workspaceId, active);
  const [ok, setOk] = useState(true);
  const key = JSON.stringify(scopeKey(scope));
  const every = stream === 'open' ? SAFETY_POLL_MS : POLL_MS;
  useEffect(() => {
    if (!active) return;
    return startPolling(client, JSON.parse(key) as QueryKey, every, setOk);
  }, [client, key, active, every]);
  if (!active) return 'idle';
  return stream === 'open' || ok ? 'live' : 'offline';
}
