// The run page: status (live), failure banner, command line / parameters / configuration,
// general facts, status counters, one bar per process, aggregate stats, load and utilization,
// tasks table with a detail drawer, the timeline and the metrics box plots (both lazy).

import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { describeAction } from '../api/actions';
import { api, ApiError } from '../api/client';
import { keys, wsQuery, type WorkspaceId } from '../api/keys';
import { describeLaunch } from '../api/launch';
import { cancelRun, describeRun } from '../api/runs';
import type { DescribeWorkflowResponse, Workflow, WorkflowLoad } from '../api/types';
import { useUserInfo, useWorkspaceLabel, useWorkspaces } from '../auth/session';
import {
  displayName,
  formatBytes,
  formatCost,
  formatCount,
  formatCpuHours,
  formatDateTime,
  formatDuration,
  formatInteger,
  formatPercent,
  isActive,
  repositoryLink,
  runDuration,
} from '../lib/format';
import { COUNTER_KEYS, loadGauges, processBar, runTone, shortProcessName } from '../lib/progress';
import { useLive } from '../live/live';
import { paths, useWorkspaceId } from '../paths';
import { DeleteRunButton, LiveBadge, StarButton } from '../runs/RunsPage';
import { ConfirmDialog } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, CopyButton, Empty, ErrorBox, Loading, RunStatus, Tabs, useNow } from '../ui/kit';
import { useToast } from '../ui/toast';
import { Donut, Gauge } from './Gauges';
import { LabelsEditor } from './LabelsEditor';
import { RunLog } from './RunLog';
import { TaskDrawer } from './TaskDrawer';
import { TasksTable } from './TasksTable';

const TimelinePanel = lazy(() => import('./charts/TimelinePanel'));
const MetricsPanel = lazy(() => import('./charts/MetricsPanel'));

export default function RunPage() {
  const ws = useWorkspaceId();
  const { runId = '' } = useParams();
  const run = useQuery({
    queryKey: keys.runDetail(ws, runId),
    queryFn: ({ signal }) => describeRun(ws, runId, signal),
  });
  const status = run.data?.workflow.status;
  const live = useLive({ kind: 'run', workspaceId: ws, runId }, isActive(status) || status === 'UNKNOWN');

  if (run.isPending) return <Loading what="the run" />;
  if (!run.data) {
    if (run.error instanceof ApiError && run.error.status === 404 && ws === null) return <FindRunInWorkspaces runId={runId} />;
    return (
      <div className="page">
        <ErrorBox error={run.error} retry={() => run.refetch()} title={`Cannot show run ${runId}`} />
        <p>
          <Link to={paths.runs(ws)}>Back to the runs</Link>
        </p>
      </div>
    );
  }
  return <RunView ws={ws} data={run.data} live={live} refreshError={run.error} />;
}

/** `/watch/:id` is the link Nextflow prints; the run may live in one of the user's workspaces. */
function FindRunInWorkspaces({ runId }: { runId: string }) {
  const me = useUserInfo();
  const list = useWorkspaces(me.data?.user.id);
  const navigate = useNavigate();
  const ids = (list.data ?? []).map((w) => w.workspaceId!);
  const found = useQuery({
    queryKey: ['locate-run', runId, ids],
    enabled: list.isSuccess,
    queryFn: async () => {
      for (const id of ids) {
        try {
          await describeRun(id, runId);
          return id;
        } catch {
          /* not in this one */
        }
      }
      return null;
    },
  });
  useEffect(() => {
    if (found.data) navigate(paths.run(found.data, runId), { replace: true });
  }, [found.data, navigate, runId]);
  if (list.isPending || found.isPending) return <Loading what={`run ${runId} in your workspaces`} />;
  return (
    <div className="page">
      <Empty icon="help">
        Run <code>{runId}</code> was not found: it does not exist, was deleted, or you cannot see it. <Link to="/runs">Back to your runs</Link>.
      </Empty>
    </div>
  );
}

function RunView({ ws, data, live, refreshError }: { ws: WorkspaceId; data: DescribeWorkflowResponse; live: 'idle' | 'live' | 'offline'; refreshError: unknown }) {
  const w = data.workflow;
  const p = data.progress.workflowProgress;
  const active = isActive(w.status);
  const navigate = useNavigate();
  const tone = runTone(w);
  const repo = repositoryLink(w.repository);
  const wsLabel = useWorkspaceLabel(ws);
  const starred = useQuery({
    queryKey: keys.star(ws, w.id),
    // 404 means "not starred" here.
    queryFn: () =>
      api(`/workflow/${w.id}/star`, { query: wsQuery(ws) })
        .then(() => true)
        .catch((e) => {
          if (e instanceof ApiError && e.status === 404) return false;
          throw e;
        }),
  });

  return (
    <div className={`page page-run tone-${tone}`}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={paths.runs(ws)}>Runs</Link> <Icon name="chevronRight" size={12} /> <span>{w.runName}</span>
      </nav>
      <header className="run-head">
        <div className="run-head-main">
          <h1>
            {repo ? (
              <a href={repo} target="_blank" rel="noreferrer">
                {displayName(w)}
              </a>
            ) : (
              displayName(w)
            )}
          </h1>
          <div className="run-head-sub">
            <RunStatus status={w.status} tone={tone} />
            <span className="run-name" data-testid="run-name">
              {w.runName}
            </span>
            <LiveBadge status={live} />
            {wsLabel ? <span className="muted">in {wsLabel}</span> : null}
            {w.launchId ? <StartedBy ws={ws} runId={w.id} /> : null}
          </div>
          {data.labels.length ? (
            <div className="labels">
              {data.labels.map((l) => (
                <Link key={l.id} className="label" to={paths.runs(ws, `label:${l.value ? `${l.name}=${l.value}` : l.name}`)}>
                  {l.name}
                  {l.value ? `=${l.value}` : ''}
                </Link>
              ))}
            </div>
          ) : null}
        </div>
        <div className="run-head-actions">
          <StarButton ws={ws} id={w.id} starred={starred.data ?? false} />
          <LabelsEditor ws={ws} target={{ run: w.id }} current={data.labels} />
          {/* Only runs Tower launched can be cancelled from here; command-line runs are stopped where they run. */}
          {active && w.launchId ? <CancelButton ws={ws} w={w} /> : null}
          {!active && w.launchId ? (
            <>
              <Link className="btn" to={`${paths.launch(ws)}?from=${w.id}`}>
                Relaunch
              </Link>
              <Link className="btn" to={`${paths.launch(ws)}?from=${w.id}&resume=1`}>
                Resume
              </Link>
            </>
          ) : null}
          <DeleteRunButton ws={ws} id={w.id} runName={w.runName} status={w.status} withText onDeleted={() => navigate(paths.runs(ws))} />
        </div>
      </header>
      {refreshError ? <ErrorBox error={refreshError} title="Live update failed (retrying)" /> : null}
      <Banners w={w} />

      <Card>
        <Tabs
          label="Run definition"
          tabs={[
            { id: 'cmd', title: 'Command line', render: () => <CommandLine text={w.commandLine} /> },
            { id: 'params', title: 'Parameters', render: () => <ParamsTree params={w.params} /> },
            { id: 'config', title: 'Configuration', render: () => <Configuration w={w} /> },
            ...(w.launchId ? [{ id: 'log', title: 'Log', render: () => <RunLog ws={ws} runId={w.id} active={active} /> }] : []),
          ]}
        />
      </Card>

      <div className="grid-2">
        <General w={w} executors={p.executors} />
        <div className="stack">
          <StatusCounters p={p} />
          <Processes data={data} />
        </div>
      </div>

      <div className="grid-3">
        <AggregateStats w={w} p={p} cost={data.cost} />
        <Card title="Load">
          <div className="gauges">
            <Gauge label="Cores" {...loadGauges(p).cores} />
            <Gauge label="Tasks" {...loadGauges(p).tasks} />
          </div>
        </Card>
        <Card title="Utilization">
          <div className="gauges">
            <Donut label="Memory efficiency" value={p.memoryEfficiency} />
            <Donut label="CPU efficiency" value={p.cpuEfficiency} />
          </div>
        </Card>
      </div>

      <TasksTable ws={ws} runId={w.id} />
      <TaskDrawer ws={ws} runId={w.id} />

      <Suspense fallback={<Loading what="charts" />}>
        <TimelinePanel ws={ws} runId={w.id} active={active} />
        <MetricsPanel ws={ws} runId={w.id} status={w.status} />
      </Suspense>
    </div>
  );
}

function CancelButton({ ws, w }: { ws: WorkspaceId; w: Workflow }) {
  const [open, setOpen] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  return (
    <>
      <button type="button" className="btn" onClick={() => setOpen(true)}>
        <Icon name="stop" /> Cancel
      </button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Cancel run ${w.runName}?`}
        action="Cancel run"
        onConfirm={async () => {
          await cancelRun(ws, w.id);
          await client.invalidateQueries({ queryKey: keys.run(ws, w.id) });
          toast(`Run ${w.runName} cancelled`);
        }}
      >
        <p>Its Nextflow head job is stopped on its compute environment, and with it the tasks it runs.</p>
      </ConfirmDialog>
    </>
  );
}

function Banners({ w }: { w: Workflow }) {
  if (w.status === 'FAILED') {
    return (
      <div className="banner banner-failed" role="alert">
        <Icon name="x" size={20} />
        <div>
          <strong>Workflow execution completed unsuccessfully</strong>
          {w.exitStatus !== null && w.exitStatus !== undefined ? <span> (exit status {w.exitStatus})</span> : null}
          {w.errorMessage ? <p className="banner-message">{w.errorMessage}</p> : null}
          {w.errorReport ? (
            <details>
              <summary>Error report</summary>
              <pre className="code">{w.errorReport}</pre>
            </details>
          ) : null}
        </div>
      </div>
    );
  }
  if (w.status === 'UNKNOWN') {
    return (
      <div className="banner banner-unknown" role="status">
        <Icon name="help" size={20} />
        <div>
          <strong>No news from Nextflow for a while.</strong> The run may have been interrupted abruptly (killed, out of memory, machine
          lost) or may be cut off from this server by the network. It turns back to running as soon as Nextflow reports again. If it is
          gone for good, you can delete it.
        </div>
      </div>
    );
  }
  if (w.status === 'CANCELLED') {
    return (
      <div className="banner banner-unknown" role="status">
        <Icon name="ban" size={20} />
        <div>
          <strong>This run was cancelled.</strong>
        </div>
      </div>
    );
  }
  if (w.status === 'SUCCEEDED' && runTone(w) === 'partial') {
    return (
      <div className="banner banner-partial" role="status">
        <Icon name="alert" size={20} />
        <div>
          <strong>Succeeded with ignored task failures.</strong> Some tasks failed and their errors were ignored (errorStrategy
          &apos;ignore&apos;).
        </div>
      </div>
    );
  }
  return null;
}

function CommandLine({ text }: { text: string | null | undefined }) {
  if (!text) return <Empty>No command line was reported.</Empty>;
  return (
    <div className="code-block">
      <pre className="code">{text}</pre>
      <CopyButton text={text} />
    </div>
  );
}

function ParamsTree({ params }: { params: Record<string, unknown> | null | undefined }) {
  if (!params || Object.keys(params).length === 0) return <Empty>No parameters.</Empty>;
  return (
    <div className="params">
      <ParamsNode value={params} />
    </div>
  );
}

function ParamsNode({ value }: { value: unknown }): ReactNode {
  if (value === null || value === undefined) return <span className="muted">null</span>;
  if (Array.isArray(value) || typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as object);
    if (entries.length === 0) return <span className="muted">{Array.isArray(value) ? '[]' : '{}'}</span>;
    return (
      <ul className="tree">
        {entries.map(([k, v]) =>
          v !== null && typeof v === 'object' ? (
            <li key={k}>
              <details open>
                <summary>
                  <span className="tree-key">{k}</span>
                </summary>
                <ParamsNode value={v} />
              </details>
            </li>
          ) : (
            <li key={k}>
              <span className="tree-key">{k}</span>: <span className="tree-value">{JSON.stringify(v)}</span>
            </li>
          ),
        )}
      </ul>
    );
  }
  return <span className="tree-value">{JSON.stringify(value)}</span>;
}

function Configuration({ w }: { w: Workflow }) {
  const files = w.configFiles ?? [];
  return (
    <div className="stack">
      {files.length ? (
        <div>
          <h3>Configuration files</h3>
          <ul className="plain-list mono">
            {files.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {w.configText ? (
        <div>
          <h3>Resolved configuration</h3>
          <pre className="code">{w.configText}</pre>
        </div>
      ) : null}
      {!files.length && !w.configText ? <Empty>No configuration was reported.</Empty> : null}
    </div>
  );
}

function Fact({ label, children, mono, help }: { label: string; children: ReactNode; mono?: boolean; help?: string }) {
  return (
    <>
      <dt title={help}>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{children ?? '–'}</dd>
    </>
  );
}

function General({ w, executors }: { w: Workflow; executors: string[] }) {
  const active = isActive(w.status);
  const now = useNow(active);
  const nf = w.nextflow;
  return (
    <Card title="General">
      <dl className="facts">
        <Fact label="Workflow ID" mono>
          {w.id}
        </Fact>
        <Fact label="Run name">{w.runName}</Fact>
        <Fact label="Submitted">{formatDateTime(w.submit ?? w.dateCreated)}</Fact>
        <Fact label="Started">{formatDateTime(w.start)}</Fact>
        <Fact label="Completed">{w.complete ? formatDateTime(w.complete) : active ? 'still running' : '–'}</Fact>
        <Fact label="Wall time">{formatDuration(runDuration(w, now))}</Fact>
        <Fact label="Project">{w.projectName}</Fact>
        <Fact label="Revision" mono>
          {[w.revision, w.commitId ? w.commitId.slice(0, 10) : null].filter(Boolean).join(' · ') || null}
        </Fact>
        <Fact label="Session ID" mono help="Nextflow session; resumed runs share it">
          {w.sessionId}
        </Fact>
        <Fact label="User">{w.userName}</Fact>
        <Fact label="Profile">{w.profile}</Fact>
        <Fact label="Work directory" mono>
          {w.workDir}
        </Fact>
        <Fact label="Launch directory" mono>
          {w.launchDir}
        </Fact>
        <Fact label="Container" mono>
          {w.container ? `${w.container}${w.containerEngine ? ` (${w.containerEngine})` : ''}` : null}
        </Fact>
        <Fact label="Executors">{executors.length ? executors.join(', ') : null}</Fact>
        <Fact label="Nextflow">{nf?.version ? `${nf.version}${nf.build ? ` build ${nf.build}` : ''}` : null}</Fact>
        <Fact label="Resumed">{w.resume ? 'yes' : 'no'}</Fact>
      </dl>
    </Card>
  );
}

function StatusCounters({ p }: { p: WorkflowLoad }) {
  const extra = (['aborted', 'ignored', 'retries'] as const).filter((k) => (p[k] ?? 0) > 0);
  return (
    <Card title="Status">
      <ul className="counters" aria-label="Task counts by status">
        {[...COUNTER_KEYS, ...extra].map((k) => (
          <li key={k} className={`counter counter-${k}`} data-testid={`counter-${k}`}>
            <span className="counter-value" title={formatInteger(p[k])} data-value={p[k] ?? 0}>
              {formatCount(p[k])}
            </span>
            <span className="counter-label">{k}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Processes({ data }: { data: DescribeWorkflowResponse }) {
  const procs = data.progress.processesProgress;
  return (
    <Card title={`Processes${procs.length ? ` (${procs.length})` : ''}`}>
      {procs.length === 0 ? (
        <Empty icon="clock">No process has reported yet.</Empty>
      ) : (
        <ul className="process-bars">
          {procs.map((pl) => {
            const b = processBar(pl);
            return (
              <li key={pl.process} className="process" data-testid="process" data-process={pl.process}>
                <div className="process-line">
                  <span className="process-name" title={pl.process}>
                    {shortProcessName(pl.process)}
                  </span>
                  <span className="process-count" data-testid="process-count">
                    {b.completed} of {b.total}
                  </span>
                </div>
                <div
                  className="bar"
                  role="img"
                  aria-label={`${shortProcessName(pl.process)}: ${b.summary}`}
                  title={b.summary}
                  data-completed={b.completed}
                  data-total={b.total}
                >
                  {b.segments.map((s) => (
                    <span key={s.state} className={`bar-seg seg-${s.state}`} style={{ width: `${s.pct}%` }} />
                  ))}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}

function AggregateStats({ w, p, cost }: { w: Workflow; p: WorkflowLoad; cost: number }) {
  const now = useNow(isActive(w.status));
  const c = cost || p.cost;
  return (
    <Card title="Aggregate stats">
      <dl className="stats">
        <Fact label="Wall time">{formatDuration(runDuration(w, now))}</Fact>
        <Fact label="CPU hours">{formatCpuHours(p.cpuTime)}</Fact>
        <Fact label="Memory (peak RSS sum)">{formatBytes(p.memoryRss)}</Fact>
        <Fact label="Read">{formatBytes(p.readBytes)}</Fact>
        <Fact label="Written">{formatBytes(p.writeBytes)}</Fact>
        <Fact label="CPU efficiency">{formatPercent(p.cpuEfficiency)}</Fact>
        {c > 0 ? (
          <Fact label="Estimated cost" help="0.1 USD per CPU hour unless the executor reports a price">
            {formatCost(c)}
          </Fact>
        ) : null}
      </dl>
    </Card>
  );
}

/** The action that launched a run, if one did. */
function StartedBy({ ws, runId }: { ws: WorkspaceId; runId: string }) {
  const launch = useQuery({ queryKey: ['run-launch', ws ?? 0, runId], queryFn: () => describeLaunch(ws, runId), staleTime: Infinity });
  const actionId = launch.data?.actionId;
  const action = useQuery({ queryKey: ['action', ws ?? 0, actionId], queryFn: () => describeAction(ws, actionId!), enabled: !!actionId, retry: false });
  if (!actionId) return null;
  return (
    <span className="muted" data-testid="started-by">
      started by action <Link to={paths.actions(ws)}>{action.data?.name ?? actionId}</Link>
    </span>
  );
}
