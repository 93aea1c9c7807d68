// The runs list: Seqera search syntax with status chips, live updates, paging by "load more"
// (and on scroll), star and delete (also for runs stuck as running) with confirmation.

import { useEffect, useMemo, useRef, useState } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { keys, type WorkspaceId } from '../api/keys';
import { deleteRun, listRuns, RUNS_PAGE, setStar } from '../api/runs';
import type { ListWorkflowsElement } from '../api/types';
import { displayName, formatDateTime, formatDuration, formatRelative, isActive, runDuration } from '../lib/format';
import { runTone } from '../lib/progress';
import { isStarredOnly, RUN_STATUSES, statusesOf, toggleStarred, toggleStatus, validateSearch, withLabel } from '../lib/search';
import { useLive } from '../live/live';
import { paths, useWorkspaceId } from '../paths';
import { ConfirmDialog } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Empty, ErrorBox, Loading, RunStatus, useNow } from '../ui/kit';
import { useToast } from '../ui/toast';
import { errorMessage } from '../api/client';

export function RunsPage() {
  const ws = useWorkspaceId();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const [input, setInput] = useState(search);
  const invalid = validateSearch(input);

  // The URL follows the box after a short pause, so each keystroke does not hit the server.
  useEffect(() => setInput(search), [search]);
  useEffect(() => {
    if (input === search || validateSearch(input)) return;
    const t = setTimeout(() => setParams(input.trim() ? { search: input } : {}, { replace: true }), 400);
    return () => clearTimeout(t);
  }, [input, search, setParams]);

  const setSearch = (s: string) => {
    setInput(s);
    setParams(s.trim() ? { search: s } : {}, { replace: true });
  };

  const query = useInfiniteQuery({
    queryKey: keys.runList(ws, search),
    queryFn: ({ pageParam, signal }) => listRuns(ws, search, pageParam, signal),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => (last.hasMore ? pages.length * RUNS_PAGE : undefined),
  });
  const runs = useMemo(() => query.data?.pages.flatMap((p) => p.workflows) ?? [], [query.data]);
  const total = query.data?.pages[0]?.totalSize ?? 0;
  const live = useLive({ kind: 'runs', workspaceId: ws }, true);
  const statuses = statusesOf(search);

  return (
    <div className="page page-runs">
      <div className="page-head">
        <h1>Runs</h1>
        <LiveBadge status={live} />
      </div>
      <form
        className="searchbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid) setSearch(input);
        }}
      >
        <label className="search-input">
          <Icon name="search" />
          <span className="sr-only">Search runs</span>
          <input
            type="search"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder='Search: rna* status:failed label:prod after:2024-05 is:starred runName:"my run"'
            aria-invalid={!!invalid}
            aria-describedby="search-help"
            name="search"
          />
        </label>
      </form>
      <p id="search-help" className={invalid ? 'form-error' : 'hint'} role={invalid ? 'alert' : undefined}>
        {invalid ??
          'Free text matches run name, project and session (use * as a wildcard). Filters: status:, label:, runName:, projectName:, userName:, sessionId:, workflowId:, after:, before:, is:starred.'}
      </p>
      <div className="chips" role="group" aria-label="Filter by status">
        {RUN_STATUSES.map((s) => (
          <button key={s} type="button" className={`chip chip-${s}`} aria-pressed={statuses.has(s)} onClick={() => setSearch(toggleStatus(search, s))}>
            {s}
          </button>
        ))}
        <button type="button" className="chip" aria-pressed={isStarredOnly(search)} onClick={() => setSearch(toggleStarred(search))}>
          <Icon name="star" size={12} /> starred
        </button>
      </div>

      {query.isPending ? <Loading what="runs" /> : null}
      {query.isError && !query.data ? <ErrorBox error={query.error} retry={() => query.refetch()} title="Cannot load the runs" /> : null}
      {query.data ? (
        <>
          <p className="count" aria-live="polite">
            {total === 0 ? null : `${runs.length < total ? `Showing ${runs.length} of ` : ''}${total} run${total === 1 ? '' : 's'}`}
          </p>
          {runs.length === 0 ? (
            search ? (
              <Empty>
                No run matches <code>{search}</code>.{' '}
                <button type="button" className="btn btn-link" onClick={() => setSearch('')}>
                  Clear the search
                </button>
              </Empty>
            ) : (
              <Empty icon="play">
                No runs here yet. <Link to={paths.gettingStarted(ws)}>Get started</Link>: add <code>-with-tower</code> to a{' '}
                <code>nextflow run</code> and it shows up here live.
              </Empty>
            )
          ) : (
            <ul className="run-list" aria-label="Runs">
              {runs.map((r) => (
                <RunRow key={r.workflow.id} run={r} ws={ws} onLabel={(l) => setSearch(withLabel(search, l))} />
              ))}
            </ul>
          )}
          {query.hasNextPage ? <LoadMore loading={query.isFetchingNextPage} onMore={() => query.fetchNextPage()} /> : null}
          {query.isError ? <ErrorBox error={query.error} retry={() => query.refetch()} title="Could not refresh" /> : null}
        </>
      ) : null}
    </div>
  );
}

export function LiveBadge({ status }: { status: 'idle' | 'live' | 'offline' }) {
  if (status === 'idle') return null;
  return status === 'live' ? (
    <span className="live live-on" title="Updates every few seconds">
      <span className="live-dot" aria-hidden="true" /> Live
    </span>
  ) : (
    <span className="live live-off" role="status" title="Live updates are failing; retrying">
      <Icon name="offline" /> Offline, retrying
    </span>
  );
}

function LoadMore({ loading, onMore }: { loading: boolean; onMore: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) onMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [loading, onMore]);
  return (
    <button ref={ref} type="button" className="btn btn-block" onClick={onMore} disabled={loading}>
      {loading ? 'Loading…' : 'Load more runs'}
    </button>
  );
}

function RunRow({ run, ws, onLabel }: { run: ListWorkflowsElement; ws: WorkspaceId; onLabel: (l: string) => void }) {
  const w = run.workflow;
  const active = isActive(w.status);
  const now = useNow(active);
  const runWs = run.workspaceId ?? ws;
  return (
    <li className={`run-row tone-${runTone(w)}`}>
      <RunStatus status={w.status} tone={runTone(w)} compact />
      <div className="run-main">
        <Link to={paths.run(runWs, w.id)} className="run-title">
          {displayName(w)}
        </Link>
        <div className="run-sub">
          <span className="run-name">{w.runName}</span>
          {w.userName ? <span>by {w.userName}</span> : null}
          <span title={formatDateTime(w.submit ?? w.start)}>{w.start ? 'started' : 'submitted'} {formatRelative(w.start ?? w.submit ?? w.dateCreated, now)}</span>
        </div>
        {run.labels && run.labels.length > 0 ? (
          <div className="labels">
            {run.labels.map((l) => (
              <button key={l.id} type="button" className="label" onClick={() => onLabel(l.value ? `${l.name}=${l.value}` : l.name)} title="Filter by this label">
                {l.name}
                {l.value ? `=${l.value}` : ''}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      <span className="run-duration" title="Wall time">
        {formatDuration(runDuration(w, now))}
      </span>
      <div className="run-actions">
        <StarButton ws={runWs} id={w.id} starred={run.starred} />
        <DeleteRunButton ws={runWs} id={w.id} runName={w.runName} status={w.status} />
      </div>
    </li>
  );
}

export function StarButton({ ws, id, starred }: { ws: WorkspaceId; id: string; starred: boolean }) {
  const client = useQueryClient();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [on, setOn] = useState(starred);
  useEffect(() => setOn(starred), [starred]);
  return (
    <button
      type="button"
      className={`btn btn-icon star ${on ? 'star-on' : ''}`}
      aria-pressed={on}
      aria-label={on ? 'Unstar this run' : 'Star this run'}
      title={on ? 'Starred' : 'Star'}
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        setOn(!on);
        try {
          await setStar(ws, id, !on);
          await client.invalidateQueries({ queryKey: keys.runs(ws) });
          await client.invalidateQueries({ queryKey: keys.run(ws, id) });
        } catch (e) {
          setOn(on);
          toast(errorMessage(e), 'error');
        } finally {
          setBusy(false);
        }
      }}
    >
      <Icon name="star" fill={on ? 'currentColor' : undefined} />
    </button>
  );
}

export function DeleteRunButton({
  ws,
  id,
  runName,
  status,
  onDeleted,
  withText,
}: {
  ws: WorkspaceId;
  id: string;
  runName: string;
  status: string;
  onDeleted?: () => void;
  withText?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  const active = isActive(status);
  return (
    <>
      <button type="button" className={withText ? 'btn btn-danger-outline' : 'btn btn-icon'} aria-label={`Delete run ${runName}`} title="Delete" onClick={() => setOpen(true)}>
        <Icon name="trash" />
        {withText ? ' Delete' : null}
      </button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Delete run ${runName}?`}
        action="Delete run"
        confirmText={active ? runName : undefined}
        onConfirm={async () => {
          await deleteRun(ws, id, active);
          client.removeQueries({ queryKey: keys.run(ws, id) });
          await client.invalidateQueries({ queryKey: keys.runs(ws) });
          toast(`Run ${runName} deleted`);
          onDeleted?.();
        }}
      >
        {active ? (
          <p>
            This run is still marked <strong>{status.toLowerCase()}</strong>. If Nextflow is no longer running (killed, crashed, lost
            connection), deleting removes it anyway. Its tasks and metrics are deleted too; the pipeline itself is not stopped.
          </p>
        ) : (
          <p>The run, its tasks and metrics are deleted for everyone who can see it. This cannot be undone.</p>
        )}
      </ConfirmDialog>
    </>
  );
}
