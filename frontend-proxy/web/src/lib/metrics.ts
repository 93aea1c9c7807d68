// The metrics box plots: which series each tab shows and how its values are scaled
// (memory and I/O in bytes shown with binary units, time in minutes), following the old UI.

import type { MetricStats, WorkflowMetrics } from '../api/types';
import { formatBytes, formatDuration, formatPercent } from './format';

export type SeriesKey = 'cpu' | 'cpuUsage' | 'mem' | 'vmem' | 'memUsage' | 'time' | 'timeUsage' | 'reads' | 'writes';

export interface MetricTab {
  id: string;
  title: string;
  views: { key: SeriesKey; label: string; unit: 'percent' | 'bytes' | 'ms' }[];
}

export const METRIC_TABS: MetricTab[] = [
  {
    id: 'cpu',
    title: 'CPU',
    views: [
      { key: 'cpu', label: 'Raw usage', unit: 'percent' },
      { key: 'cpuUsage', label: '% allocated', unit: 'percent' },
    ],
  },
  {
    id: 'memory',
    title: 'Memory',
    views: [
      { key: 'mem', label: 'Physical (RAM)', unit: 'bytes' },
      { key: 'vmem', label: 'Virtual (RAM + disk swap)', unit: 'bytes' },
      { key: 'memUsage', label: '% RAM allocated', unit: 'percent' },
    ],
  },
  {
    id: 'time',
    title: 'Job duration',
    views: [
      { key: 'time', label: 'Raw usage', unit: 'ms' },
      { key: 'timeUsage', label: '% allocated', unit: 'percent' },
    ],
  },
  {
    id: 'io',
    title: 'I/O',
    views: [
      { key: 'reads', label: 'Read', unit: 'bytes' },
      { key: 'writes', label: 'Write', unit: 'bytes' },
    ],
  },
];

export function formatMetric(v: number, unit: 'percent' | 'bytes' | 'ms'): string {
  if (unit === 'bytes') return formatBytes(v);
  if (unit === 'ms') return formatDuration(v);
  return formatPercent(v);
}

export interface Box {
  process: string;
  stats: MetricStats;
}

/** The boxes of one series: processes that have it, in the order given. */
export function boxesOf(metrics: WorkflowMetrics[], key: SeriesKey): Box[] {
  return metrics.filter((m) => m[key] && typeof m[key]?.max === 'number').map((m) => ({ process: m.process, stats: m[key] as MetricStats }));
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten (of 1024 for bytes). */
export function niceMax(v: number, unit: 'percent' | 'bytes' | 'ms' = 'percent'): number {
  if (!(v > 0)) return 1;
  if (unit === 'bytes') {
    const p = 1024 ** Math.floor(Math.log(v) / Math.log(1024));
    for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]) if (m * p >= v) return m * p;
  }
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
