// How numbers, sizes, durations and dates read on screen. Pure functions, unit-tested.

import type { Workflow } from '../api/types';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `850ms`, `12s`, `3m 4s`, `1h 2m`, `2d 3h`: the two largest units, as the old UI did. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < SECOND) return `${Math.round(ms)}ms`;
  if (ms < MINUTE) {
    const s = ms / SECOND;
    return s < 10 ? `${(Math.floor(s * 10) / 10).toString()}s` : `${Math.floor(s)}s`;
  }
  const units: [number, string][] = [
    [DAY, 'd'],
    [HOUR, 'h'],
    [MINUTE, 'm'],
    [SECOND, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [size, unit] of units) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join(' ');
}

/** Bytes with binary prefixes: `0 B`, `512 B`, `1.5 KB`, `2.00 GB`, three significant digits. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n < 0) return `-${formatBytes(-n)}`;
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)} B`;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** `999`, `1.2K`, `12K`, `3.4M`: compact counts for status cards (exact value goes in a tooltip). */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '0';
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  const [div, unit] = abs >= 1e9 ? [1e9, 'B'] : abs >= 1e6 ? [1e6, 'M'] : [1e3, 'K'];
  const v = n / div;
  const s = Math.abs(v) < 10 ? (Math.floor(v * 10) / 10).toString() : Math.floor(v).toString();
  return `${s}${unit}`;
}

/** Thousands separators: `12,345`. */
export function formatInteger(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** CPU time in ms as CPU hours with one decimal (`0.0`, `12.3`); below 0.1 h, more precision. */
export function formatCpuHours(cpuMs: number | null | undefined): string {
  if (!cpuMs || cpuMs <= 0) return '0.0';
  const h = cpuMs / HOUR;
  return h >= 0.1 ? h.toFixed(1) : h.toFixed(3);
}

/** US dollars: `$0.004`, `$12.35`. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '–';
  return usd < 1 ? `$${usd.toFixed(3)}` : `$${usd.toFixed(2)}`;
}

/** `42%`, `7.5%`; clamps nothing (efficiencies above 100% are real). */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p >= 10 || p === 0 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local date and time, `2024-05-06 12:04:20`; `–` for none or invalid. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`, then the date. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '–';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '–';
  const d = now - t;
  if (d < 0) return formatDateTime(iso);
  if (d < MINUTE) return 'just now';
  if (d < HOUR) return `${Math.floor(d / MINUTE)} min ago`;
  if (d < DAY) return `${Math.floor(d / HOUR)} h ago`;
  if (d < 30 * DAY) {
    const days = Math.floor(d / DAY);
    return days === 1 ? 'yesterday' : `${days} days ago`;
  }
  return formatDateTime(iso).slice(0, 10);
}

export function isActive(status: string | null | undefined): boolean {
  return status === 'SUBMITTED' || status === 'RUNNING';
}

/** Wall time of a run: the stored duration once finished, else the time since it started. */
export function runDuration(w: Pick<Workflow, 'status' | 'duration' | 'start' | 'submit' | 'complete'>, now: number = Date.now()): number | null {
  if (!isActive(w.status) && w.duration !== null && w.duration !== undefined) return w.duration;
  const from = w.start ?? w.submit;
  if (!from) return w.duration ?? null;
  const start = new Date(from).getTime();
  if (Number.isNaN(start)) return w.duration ?? null;
  const end = !isActive(w.status) && w.complete ? new Date(w.complete).getTime() : now;
  return Math.max(0, end - start);
}

/** The title of a run: its manifest name, else the project name, else the run name. */
export function displayName(w: Pick<Workflow, 'manifest' | 'projectName' | 'runName'>): string {
  return w.manifest?.name || w.projectName || w.runName;
}

/** A repository URL without the `.git` suffix, if it is a web URL (else null). */
export function repositoryLink(repo: string | null | undefined): string | null {
  if (!repo || !/^https?:\/\//.test(repo)) return null;
  return repo.replace(/\.git$/, '');
}

/** `KEY=value` lines of a task environment as pairs. */
export function parseEnv(env: string | null | undefined): [string, string][] {
  if (!env) return [];
  return env
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
    });
}
