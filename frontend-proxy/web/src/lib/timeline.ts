// The timeline of a run (asked by users, missing in the old UI): when each task ran, and how
// many tasks were running over time. Built from the task list (submit, start, complete).

import type { Task } from '../api/types';

export interface Span {
  taskId: number;
  name: string;
  process: string;
  status: string;
  /** ms since the run's first event */
  submit: number;
  start: number | null;
  end: number;
}

export interface Timeline {
  origin: number;
  /** total length in ms */
  length: number;
  spans: Span[];
  /** Step series of running tasks: [ms since origin, running count from then on]. */
  running: [number, number][];
  peak: number;
}

function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** `now` ends the spans of tasks still running. Tasks with no submit or start time are skipped. */
export function buildTimeline(tasks: Task[], now: number = Date.now()): Timeline {
  const raw = tasks
    .map((t) => {
      const submit = time(t.submit) ?? time(t.start);
      const start = time(t.start);
      const done = time(t.complete);
      if (submit === null) return null;
      const end = done ?? (t.status === 'RUNNING' || t.status === 'SUBMITTED' ? now : (start ?? submit));
      return { t, submit, start, end: Math.max(end, start ?? submit) };
    })
    .filter((x): x is NonNullable<typeof x> => x !== null);
  if (raw.length === 0) return { origin: now, length: 0, spans: [], running: [], peak: 0 };
  const origin = Math.min(...raw.map((r) => r.submit));
  const last = Math.max(...raw.map((r) => r.end));
  const spans: Span[] = raw
    .map(({ t, submit, start, end }) => ({
      taskId: t.taskId,
      name: t.name ?? `task ${t.taskId}`,
      process: t.process ?? '',
      status: t.status,
      submit: submit - origin,
      start: start === null ? null : start - origin,
      end: end - origin,
    }))
    .sort((a, b) => a.submit - b.submit || a.taskId - b.taskId);
  // Running = between start and end; +1 at start, -1 at end, ends before starts at the same instant.
  const events: [number, number][] = [];
  for (const s of spans) {
    if (s.start === null) continue;
    events.push([s.start, 1], [s.end, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const running: [number, number][] = [];
  let n = 0;
  let peak = 0;
  for (const [t, d] of events) {
    n += d;
    peak = Math.max(peak, n);
    if (running.length && running[running.length - 1][0] === t) running[running.length - 1][1] = n;
    else running.push([t, n]);
  }
  return { origin, length: last - origin, spans, running, peak };
}
