import { describe, expect, it } from 'vitest';
import type { Task } from '../api/types';
import { buildTimeline } from './timeline';

const t0 = Date.parse('2024-05-06T12:00:00Z');
const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
const task = (taskId: number, submit: number, start: number | null, complete: number | null, status = 'COMPLETED'): Task =>
  ({ id: taskId, taskId, status, name: `P (${taskId})`, process: 'P', submit: iso(submit), start: start === null ? null : iso(start), complete: complete === null ? null : iso(complete) }) as Task;

describe('buildTimeline', () => {
  it('counts running tasks over time', () => {
    const tl = buildTimeline([task(1, 0, 1, 5), task(2, 0, 2, 4), task(3, 3, 5, 8)]);
    expect(tl.origin).toBe(t0);
    expect(tl.length).toBe(8000);
    expect(tl.running).toEqual([
      [1000, 1],
      [2000, 2],
      [4000, 1],
      [5000, 1],
      [8000, 0],
    ]);
    expect(tl.peak).toBe(2);
  });
  it('runs a running task up to now', () => {
    const tl = buildTimeline([task(1, 0, 1, null, 'RUNNING')], t0 + 10_000);
    expect(tl.spans[0].end).toBe(10_000);
  });
  it('is empty without tasks', () => {
    expect(buildTimeline([]).spans).toEqual([]);
  });
});
