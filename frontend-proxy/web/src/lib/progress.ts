// What the run page derives from the progress counters: per-process bars, load gauges and the
// six status counters (as the old UI did, plus aborted and retries when non-zero).

import type { Counters, ProcessLoad, Workflow } from '../api/types';

export const BAR_STATES = ['succeeded', 'cached', 'running', 'submitted', 'pending', 'failed', 'aborted'] as const;
export type BarState = (typeof BAR_STATES)[number];

export interface ProcessBar {
  name: string;
  /** succeeded + cached */
  completed: number;
  /** every task the process has created */
  total: number;
  segments: { state: BarState; count: number; pct: number }[];
  /** Non-zero counts, for the tooltip: `3 succeeded, 1 running`. */
  summary: string;
}

export function processBar(p: Pick<ProcessLoad, 'process' | BarState>): ProcessBar {
  const counts = BAR_STATES.map((s) => [s, Math.max(0, p[s] ?? 0)] as const);
  const total = counts.reduce((a, [, n]) => a + n, 0);
  return {
    name: p.process,
    completed: (p.succeeded ?? 0) + (p.cached ?? 0),
    total,
    segments: counts.filter(([, n]) => n > 0).map(([state, count]) => ({ state, count, pct: total ? (count / total) * 100 : 0 })),
    summary:
      counts
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ') || 'no tasks yet',
  };
}

/** The short name of a process: the last `:`-separated part of `WF:SUB:PROC`. */
export function shortProcessName(name: string): string {
  const i = name.lastIndexOf(':');
  return i >= 0 ? name.slice(i + 1) : name;
}

export interface Gauge {
  value: number;
  max: number;
  /** 0..1 */
  ratio: number;
}

function gauge(value: number, peak: number): Gauge {
  const max = Math.max(peak, value, 0);
  return { value, max: max || 1, ratio: max ? Math.min(1, value / max) : 0 };
}

/** Cores in use against the peak, and running tasks against the peak (0/1 when both are 0). */
export function loadGauges(c: Counters): { cores: Gauge; tasks: Gauge } {
  return { cores: gauge(c.loadCpus ?? 0, c.peakCpus ?? 0), tasks: gauge(c.running ?? 0, c.peakTasks ?? 0) };
}

export const COUNTER_KEYS = ['pending', 'submitted', 'running', 'cached', 'succeeded', 'failed'] as const;

/** Colour class of a run: `partial` when it succeeded with ignored failures. */
export function runTone(w: Pick<Workflow, 'status' | 'stats'>): string {
  const s = w.status;
  if (s === 'SUCCEEDED') {
    const ignored = Number((w.stats as Record<string, unknown> | null | undefined)?.ignoredCount ?? 0);
    return ignored > 0 ? 'partial' : 'succeeded';
  }
  return (s ?? 'unknown').toLowerCase();
}
