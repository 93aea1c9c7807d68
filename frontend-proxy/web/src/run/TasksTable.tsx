// The tasks of a run: server-side search, sort and paging, a column chooser remembered in the
// browser, and a row opens the task drawer (?task=<id> in the URL, so it can be linked).

import { useEffect, useMemo, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { keys, type WorkspaceId } from '../api/keys';
import { listTasks } from '../api/runs';
import type { Task } from '../api/types';
import { formatBytes, formatCost, formatDateTime, formatDuration, formatInteger, formatPercent } from '../lib/format';
import { shortProcessName } from '../lib/progress';
import { Icon } from '../ui/Icons';
import { Menu } from '../ui/Menu';
import { Card, Empty, ErrorBox, Loading, Spinner, TaskStatusPill } from '../ui/kit';

interface Column {
  id: string;
  title: string;
  /** Field the server sorts on (the column id unless stated). */
  sort?: string;
  render: (t: Task) => React.ReactNode;
  numeric?: boolean;
}

export const TASK_COLUMNS: Column[] = [
  { id: 'taskId', title: 'ID', render: (t) => t.taskId, numeric: true },
  { id: 'process', title: 'Process', render: (t) => <span title={t.process ?? ''}>{shortProcessName(t.process ?? '')}</span> },
  { id: 'tag', title: 'Tag', render: (t) => t.tag ?? '' },
  { id: 'name', title: 'Name', render: (t) => t.name ?? '' },
  { id: 'status', title: 'Status', render: (t) => <TaskStatusPill status={t.status} /> },
  { id: 'hash', title: 'Hash', render: (t) => <code>{t.hash}</code> },
  { id: 'exit', title: 'Exit', render: (t) => (t.exit === 2147483647 || t.exit === null || t.exit === undefined ? '' : t.exit), numeric: true },
  { id: 'attempt', title: 'Attempt', render: (t) => t.attempt ?? '', numeric: true },
  { id: 'submit', title: 'Submitted', render: (t) => formatDateTime(t.submit) },
  { id: 'start', title: 'Started', render: (t) => formatDateTime(t.start) },
  { id: 'complete', title: 'Completed', render: (t) => formatDateTime(t.complete) },
  { id: 'duration', title: 'Duration', render: (t) => formatDuration(t.duration), numeric: true },
  { id: 'realtime', title: 'Realtime', render: (t) => formatDuration(t.realtime), numeric: true },
  { id: 'cpus', title: 'CPUs', render: (t) => t.cpus ?? '', numeric: true },
  { id: 'memory', title: 'Memory', render: (t) => (t.memory ? formatBytes(t.memory) : ''), numeric: true },
  { id: 'pcpu', title: '% CPU', render: (t) => formatPercent(t.pcpu), numeric: true },
  { id: 'pmem', title: '% mem', render: (t) => formatPercent(t.pmem), numeric: true },
  { id: 'peakRss', title: 'Peak RSS', render: (t) => formatBytes(t.peakRss), numeric: true },
  { id: 'peakVmem', title: 'Peak vmem', render: (t) => formatBytes(t.peakVmem), numeric: true },
  { id: 'rchar', title: 'Read', render: (t) => formatBytes(t.rchar), numeric: true },
  { id: 'wchar', title: 'Written', render: (t) => formatBytes(t.wchar), numeric: true },
  { id: 'volCtxt', title: 'Vol. ctx', render: (t) => formatInteger(t.volCtxt), numeric: true },
  { id: 'invCtxt', title: 'Inv. ctx', render: (t) => formatInteger(t.invCtxt), numeric: true },
  { id: 'executor', title: 'Executor', render: (t) => t.executor ?? '' },
  { id: 'nativeId', title: 'Native ID', render: (t) => t.nativeId ?? '' },
  { id: 'container', title: 'Container', render: (t) => <span className="mono">{t.container ?? ''}</span> },
  { id: 'cost', title: 'Cost', render: (t) => (t.cost ? formatCost(t.cost) : ''), numeric: true },
];

const DEFAULT_COLUMNS = ['taskId', 'process', 'tag', 'status', 'hash', 'exit', 'submit', 'duration', 'realtime', 'pcpu', 'peakRss', 'rchar', 'wchar'];
const COLUMNS_KEY = 'tower-task-columns';
const PAGE_SIZES = [25, 50, 100];

function storedColumns(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
    if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length) return v;
  } catch {
    /* ignore */
  }
  return DEFAULT_COLUMNS;
}

export function TasksTable({ ws, runId }: { ws: WorkspaceId; runId: string }) {
  const [input, setInput] = useState('');
  const [search, setSearch] = useState('');
  const [sortBy, setSortBy] = useState('taskId');
  const [sortDir, setSortDir] = useState<'asc' | 'desc'>('asc');
  const [offset, setOffset] = useState(0);
  const [max, setMax] = useState(25);
  const [columns, setColumns] = useState<string[]>(storedColumns);
  const [, setParams] = useSearchParams();

  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(input);
      setOffset(0);
    }, 300);
    return () => clearTimeout(t);
  }, [input]);

  const params = { search, sortBy, sortDir, offset, max };
  const q = useQuery({
    queryKey: keys.tasks(ws, runId, params),
    queryFn: ({ signal }) => listTasks(ws, runId, params, signal),
    placeholderData: keepPreviousData,
  });
  const shown = useMemo(() => TASK_COLUMNS.filter((c) => columns.includes(c.id)), [columns]);
  const total = q.data?.total ?? 0;
  const tasks = q.data?.tasks.map((t) => t.task) ?? [];
  const open = (t: Task) =>
    setParams(
      (p) => {
        p.set('task', String(t.taskId));
        return p;
      },
      { replace: false },
    );
  const sort = (c: Column) => {
    const field = c.sort ?? c.id;
    if (sortBy === field) setSortDir(sortDir === 'asc' ? 'desc' : 'asc');
    else {
      setSortBy(field);
      setSortDir('asc');
    }
    setOffset(0);
  };
  const lastOffset = Math.max(0, Math.floor((total - 1) / max) * max);

  return (
    <Card
      title={
        <>
          Tasks <span className="muted">({formatInteger(total)})</span> {q.isFetching && q.data ? <Spinner label="Refreshing tasks" size={12} /> : null}
        </>
      }
      actions={<ColumnChooser columns={columns} onChange={(c) => {
        setColumns(c);
        try {
          localStorage.setItem(COLUMNS_KEY, JSON.stringify(c));
        } catch {
          /* ignore */
        }
      }} />}
      className="tasks-card"
    >
      <label className="search-input search-small">
        <Icon name="search" />
        <span className="sr-only">Search tasks</span>
        <input
          type="search"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          placeholder="Search name, process, tag, hash; status words like failed or running"
          name="task-search"
        />
      </label>
      {q.isPending ? <Loading what="tasks" /> : null}
      {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} title="Cannot load the tasks" /> : null}
      {q.data && tasks.length === 0 ? <Empty>{search ? <>No task matches <code>{search}</code>.</> : 'No task has been reported yet.'}</Empty> : null}
      {tasks.length > 0 ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Tasks table">
          <table className="table">
            <thead>
              <tr>
                {shown.map((c) => {
                  const field = c.sort ?? c.id;
                  const active = sortBy === field;
                  return (
                    <th key={c.id} aria-sort={active ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none'} className={c.numeric ? 'num' : undefined}>
                      <button type="button" className="th-sort" onClick={() => sort(c)}>
                        {c.title}
                        <span className="sort-mark" aria-hidden="true">
                          {active ? (sortDir === 'asc' ? '▲' : '▼') : ''}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => (
                <tr
                  key={t.taskId}
                  tabIndex={0}
                  className="row-link"
                  data-testid="task-row"
                  onClick={() => open(t)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      open(t);
                    }
                  }}
                  aria-label={`Task ${t.taskId} ${t.name ?? ''}: open details`}
                >
                  {shown.map((c) => (
                    <td key={c.id} className={c.numeric ? 'num' : undefined}>
                      {c.render(t)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {total > 0 ? (
        <nav className="pager" aria-label="Task pages">
          <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(0)}>
            First
          </button>
          <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - max))}>
            Previous
          </button>
          <span aria-live="polite">
            {formatInteger(offset + 1)}–{formatInteger(Math.min(total, offset + max))} of {formatInteger(total)}
          </span>
          <button type="button" className="btn btn-small" disabled={offset + max >= total} onClick={() => setOffset(offset + max)}>
            Next
          </button>
          <button type="button" className="btn btn-small" disabled={offset >= lastOffset} onClick={() => setOffset(lastOffset)}>
            Last
          </button>
          <label className="page-size">
            Rows
            <select
              value={max}
              onChange={(e) => {
                setMax(Number(e.target.value));
                setOffset(0);
              }}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        </nav>
      ) : null}
    </Card>
  );
}

function ColumnChooser({ columns, onChange }: { columns: string[]; onChange: (c: string[]) => void }) {
  return (
    <Menu
      label="Visible columns"
      button={
        <>
          <Icon name="columns" /> Columns
        </>
      }
    >
      {TASK_COLUMNS.map((c) => (
        <label key={c.id} className="check">
          <input
            type="checkbox"
            checked={columns.includes(c.id)}
            onChange={(e) => {
              const next = e.target.checked ? TASK_COLUMNS.map((x) => x.id).filter((id) => id === c.id || columns.includes(id)) : columns.filter((id) => id !== c.id);
              if (next.length) onChange(next);
            }}
          />
          {c.title}
        </label>
      ))}
      <button type="button" className="btn btn-link" onClick={() => onChange(DEFAULT_COLUMNS)}>
        Reset
      </button>
    </Menu>
  );
}
