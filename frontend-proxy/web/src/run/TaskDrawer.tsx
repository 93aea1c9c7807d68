// Every field of one task, in a drawer opened from the tasks table (`?task=<taskId>`):
// command, exit and error action, work directory, environment, then time, requested
// resources, usage, and whatever else the task carries.

import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { keys, type WorkspaceId } from '../api/keys';
import { getTask } from '../api/runs';
import type { Task } from '../api/types';
import { formatBytes, formatCost, formatDateTime, formatDuration, formatInteger, formatPercent, parseEnv } from '../lib/format';
import { Drawer } from '../ui/Dialog';
import { CopyButton, ErrorBox, Loading, TaskStatusPill } from '../ui/kit';

type Row = [field: keyof Task & string, label: string, format: (t: Task) => React.ReactNode, description: string];

const bytes = (k: keyof Task) => (t: Task) => (t[k] === null || t[k] === undefined ? '–' : `${formatBytes(t[k] as number)} (${formatInteger(t[k] as number)} B)`);
const date = (k: keyof Task) => (t: Task) => formatDateTime(t[k] as string);
const ms = (k: keyof Task) => (t: Task) => (t[k] === null || t[k] === undefined ? '–' : formatDuration(t[k] as number));
const plain = (k: keyof Task) => (t: Task) => (t[k] === null || t[k] === undefined || t[k] === '' ? '–' : String(t[k]));
const int = (k: keyof Task) => (t: Task) => formatInteger(t[k] as number);

const TIME: Row[] = [
  ['submit', 'Submitted', date('submit'), 'When the task was submitted to the executor'],
  ['start', 'Started', date('start'), 'When the task started running'],
  ['complete', 'Completed', date('complete'), 'When the task finished'],
  ['duration', 'Duration', ms('duration'), 'From submission to completion'],
  ['realtime', 'Realtime', ms('realtime'), 'Time the task ran'],
];

const REQUESTED: Row[] = [
  ['container', 'Container', plain('container'), 'Container image'],
  ['queue', 'Queue', plain('queue'), 'Executor queue'],
  ['cpus', 'CPUs', plain('cpus'), 'CPUs requested'],
  ['memory', 'Memory', bytes('memory'), 'Memory requested'],
  ['disk', 'Disk', bytes('disk'), 'Disk requested'],
  ['time', 'Time', ms('time'), 'Time limit'],
  ['executor', 'Executor', plain('executor'), 'Where the task ran'],
  ['machineType', 'Machine type', plain('machineType'), 'Cloud instance type'],
  ['cloudZone', 'Cloud zone', plain('cloudZone'), 'Cloud zone'],
  ['priceModel', 'Price model', plain('priceModel'), 'standard or spot'],
  ['accelerator', 'Accelerators', plain('accelerator'), 'GPUs requested'],
  ['acceleratorType', 'Accelerator type', plain('acceleratorType'), 'GPU type'],
  ['cost', 'Cost', (t) => (t.cost ? formatCost(t.cost) : '–'), 'Estimated cost'],
];

const USAGE: Row[] = [
  ['pcpu', '% CPU', (t) => formatPercent(t.pcpu), 'CPU usage (100% = one core)'],
  ['pmem', '% memory', (t) => formatPercent(t.pmem), 'Share of the machine memory'],
  ['rss', 'RSS', bytes('rss'), 'Resident memory at the end'],
  ['peakRss', 'Peak RSS', bytes('peakRss'), 'Largest resident memory'],
  ['vmem', 'Virtual memory', bytes('vmem'), 'Virtual memory at the end'],
  ['peakVmem', 'Peak virtual memory', bytes('peakVmem'), 'Largest virtual memory'],
  ['rchar', 'Read (chars)', bytes('rchar'), 'Bytes read (rchar)'],
  ['wchar', 'Written (chars)', bytes('wchar'), 'Bytes written (wchar)'],
  ['readBytes', 'Read from storage', bytes('readBytes'), 'Bytes read from storage'],
  ['writeBytes', 'Written to storage', bytes('writeBytes'), 'Bytes written to storage'],
  ['syscr', 'Read calls', int('syscr'), 'Read system calls'],
  ['syscw', 'Write calls', int('syscw'), 'Write system calls'],
  ['volCtxt', 'Voluntary context switches', int('volCtxt'), ''],
  ['invCtxt', 'Involuntary context switches', int('invCtxt'), ''],
];

const SHOWN = new Set<string>([
  ...[...TIME, ...REQUESTED, ...USAGE].map((r) => r[0]),
  'name', 'status', 'script', 'workdir', 'env', 'exit', 'exitStatus', 'attempt', 'errorAction', 'id', 'taskId',
]);

function Table({ title, rows, task }: { title: string; rows: Row[]; task: Task }) {
  return (
    <section className="drawer-section">
      <h3>{title}</h3>
      <table className="kv">
        <tbody>
          {rows.map(([k, label, fmt, desc]) => (
            <tr key={k}>
              <th scope="row" title={desc || undefined}>
                {label}
              </th>
              <td>{fmt(task)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function TaskDrawer({ ws, runId }: { ws: WorkspaceId; runId: string }) {
  const [params, setParams] = useSearchParams();
  const raw = params.get('task');
  const taskId = raw && /^\d+$/.test(raw) ? Number(raw) : null;
  const q = useQuery({
    queryKey: keys.task(ws, runId, taskId ?? 0),
    queryFn: ({ signal }) => getTask(ws, runId, taskId!, signal),
    enabled: taskId !== null,
  });
  const close = () =>
    setParams(
      (p) => {
        p.delete('task');
        return p;
      },
      { replace: false },
    );
  const t = q.data;
  return (
    <Drawer open={taskId !== null} onClose={close} title={t ? t.name ?? `Task ${t.taskId}` : `Task ${taskId ?? ''}`}>
      {q.isPending ? <Loading what="the task" /> : null}
      {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} /> : null}
      {t ? (
        <div className="drawer-content" data-testid="task-drawer">
          <p className="task-summary">
            <TaskStatusPill status={t.status} /> Task {t.taskId}
            {t.exit !== null && t.exit !== undefined && t.exit !== 2147483647 ? <> · exit {t.exit}</> : null}
            {t.attempt ? <> · attempt {t.attempt}</> : null}
            {t.errorAction ? <> · error action {t.errorAction}</> : null}
            {t.hash ? (
              <>
                {' '}
                · <code>{t.hash}</code>
              </>
            ) : null}
          </p>
          {t.errorMessage ? <pre className="code code-error">{t.errorMessage}</pre> : null}
          <section className="drawer-section">
            <h3>Command</h3>
            {t.script ? (
              <div className="code-block">
                <pre className="code">{t.script.trim()}</pre>
                <CopyButton text={t.script} />
              </div>
            ) : (
              <p className="muted">Not reported.</p>
            )}
          </section>
          <section className="drawer-section">
            <h3>Work directory</h3>
            {t.workdir ? (
              <div className="code-block">
                <pre className="code">{t.workdir}</pre>
                <CopyButton text={t.workdir} />
              </div>
            ) : (
              <p className="muted">Not reported.</p>
            )}
          </section>
          <section className="drawer-section">
            <h3>Environment</h3>
            {parseEnv(t.env).length ? (
              <table className="kv mono">
                <tbody>
                  {parseEnv(t.env).map(([k, v], i) => (
                    <tr key={`${k}-${i}`}>
                      <th scope="row">{k}</th>
                      <td>{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">Not reported.</p>
            )}
          </section>
          <Table title="Execution time" rows={TIME} task={t} />
          <Table title="Resources requested" rows={REQUESTED} task={t} />
          <Table title="Resource usage" rows={USAGE} task={t} />
          <section className="drawer-section">
            <h3>Other fields</h3>
            <table className="kv">
              <tbody>
                {Object.entries(t)
                  .filter(([k]) => !SHOWN.has(k))
                  .sort(([a], [b]) => a.localeCompare(b))
                  .map(([k, v]) => (
                    <tr key={k}>
                      <th scope="row">{k}</th>
                      <td className="mono">{v === null || v === undefined ? '–' : typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
        </div>
      ) : null}
    </Drawer>
  );
}
