// Timeline of a run (lazy chunk): how many tasks were running over time, and one bar per task
// from submission (waiting, pale) through start to completion (coloured by status).

import { useMemo, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { keys, type WorkspaceId } from '../../api/keys';
import { allTasks } from '../../api/runs';
import { formatDuration } from '../../lib/format';
import { shortProcessName } from '../../lib/progress';
import { buildTimeline, type Timeline } from '../../lib/timeline';
import { Card, Empty, ErrorBox, Loading } from '../../ui/kit';

const MAX_ROWS = 400;
const LIMIT = 5000;
const TIMELINE_REFRESH_MS = 10_000;

function ticks(length: number, n = 5): number[] {
  if (length <= 0) return [0];
  return Array.from({ length: n + 1 }, (_, i) => (length * i) / n);
}

export default function TimelinePanel({ ws, runId, active }: { ws: WorkspaceId; runId: string; active: boolean }) {
  const q = useQuery({
    // `active` is part of the key, so the run ending triggers one last full read.
    queryKey: keys.timeline(ws, runId, active),
    queryFn: ({ signal }) => allTasks(ws, runId, LIMIT, signal),
    refetchInterval: active ? TIMELINE_REFRESH_MS : false,
    placeholderData: keepPreviousData,
  });
  const now = q.dataUpdatedAt || Date.now();
  const tl = useMemo(() => (q.data ? buildTimeline(q.data.tasks, now) : null), [q.data, now]);
  return (
    <Card title="Timeline" className="timeline-card">
      {q.isPending ? <Loading what="the timeline" /> : null}
      {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} /> : null}
      {tl && tl.spans.length === 0 ? <Empty icon="clock">No task has been submitted yet.</Empty> : null}
      {tl && tl.spans.length > 0 ? (
        <>
          {q.data && q.data.total > q.data.tasks.length ? (
            <p className="hint">
              Showing the first {q.data.tasks.length} of {q.data.total} tasks.
            </p>
          ) : null}
          <RunningChart tl={tl} />
          <Gantt tl={tl} />
        </>
      ) : null}
    </Card>
  );
}

function RunningChart({ tl }: { tl: Timeline }) {
  const W = 800;
  const H = 120;
  const pad = { l: 36, r: 8, t: 8, b: 20 };
  const len = Math.max(1, tl.length);
  const peak = Math.max(1, tl.peak);
  const x = (t: number) => pad.l + (t / len) * (W - pad.l - pad.r);
  const y = (n: number) => H - pad.b - (n / peak) * (H - pad.t - pad.b);
  let d = `M${x(0)} ${y(0)}`;
  let prev = 0;
  for (const [t, n] of tl.running) {
    d += `L${x(t).toFixed(1)} ${y(prev).toFixed(1)}L${x(t).toFixed(1)} ${y(n).toFixed(1)}`;
    prev = n;
  }
  d += `L${x(len)} ${y(prev)}L${x(len)} ${y(0)}Z`;
  return (
    <figure className="chart">
      <figcaption>Running tasks over time (peak {tl.peak})</figcaption>
      <div className="chart-scroll">
        <svg viewBox={`0 0 ${W} ${H}`} className="chart-svg" role="img" aria-label={`Running tasks over ${formatDuration(tl.length)}, peak ${tl.peak}`}>
          {[0, peak].map((n) => (
            <g key={n}>
              <line x1={pad.l} x2={W - pad.r} y1={y(n)} y2={y(n)} className="grid-line" />
              <text x={pad.l - 4} y={y(n) + 4} textAnchor="end" className="axis-text">
                {n}
              </text>
            </g>
          ))}
          <path d={d} className="area" />
          {ticks(tl.length).map((t, i, all) => (
            <text key={t} x={x(t)} y={H - 4} textAnchor={i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle'} className="axis-text">
              {formatDuration(t)}
            </text>
          ))}
        </svg>
      </div>
    </figure>
  );
}

function Gantt({ tl }: { tl: Timeline }) {
  const [, setParams] = useSearchParams();
  const [all, setAll] = useState(false);
  const spans = all ? tl.spans : tl.spans.slice(0, MAX_ROWS);
  const W = 800;
  const row = 8;
  const pad = { l: 4, r: 4, t: 4, b: 18 };
  const H = pad.t + pad.b + spans.length * row;
  const len = Math.max(1, tl.length);
  const x = (t: number) => pad.l + (t / len) * (W - pad.l - pad.r);
  return (
    <figure className="chart">
      <figcaption>Tasks from submission to completion (pale: waiting to start)</figcaption>
      <div className="chart-scroll gantt-scroll">
        <svg viewBox={`0 0 ${W} ${H}`} className="chart-svg gantt" role="img" aria-label={`${spans.length} tasks over ${formatDuration(tl.length)}`}>
          {spans.map((s, i) => {
            const top = pad.t + i * row;
            const label = `${s.name} (${s.status.toLowerCase()}): ${s.start !== null ? `waited ${formatDuration(s.start - s.submit)}, ran ${formatDuration(s.end - s.start)}` : 'not started'}`;
            return (
              <g key={s.taskId} className={`span span-${s.status.toLowerCase()}`} onClick={() => setParams((p) => (p.set('task', String(s.taskId)), p))}>
                <title>{`${shortProcessName(s.process)} · ${label}`}</title>
                <rect x={x(s.submit)} y={top + 1} width={Math.max(1, x(s.start ?? s.end) - x(s.submit))} height={row - 2} className="span-wait" />
                {s.start !== null ? <rect x={x(s.start)} y={top + 1} width={Math.max(1.5, x(s.end) - x(s.start))} height={row - 2} className="span-run" /> : null}
              </g>
            );
          })}
          {ticks(tl.length).map((t, i, all) => (
            <text key={t} x={x(t)} y={H - 4} textAnchor={i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle'} className="axis-text">
              {formatDuration(t)}
            </text>
          ))}
        </svg>
      </div>
      {tl.spans.length > MAX_ROWS && !all ? (
        <button type="button" className="btn btn-small" onClick={() => setAll(true)}>
          Show all {tl.spans.length} tasks
        </button>
      ) : null}
    </figure>
  );
}
