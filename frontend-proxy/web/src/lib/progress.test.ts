import { describe, expect, it } from 'vitest';
import { loadGauges, processBar, runTone, shortProcessName } from './progress';

const zero = { succeeded: 0, cached: 0, running: 0, submitted: 0, pending: 0, failed: 0, aborted: 0 };

describe('processBar', () => {
  it('counts completed as succeeded + cached out of every task', () => {
    const b = processBar({ ...zero, process: 'FASTQC', succeeded: 3, cached: 1, running: 2, pending: 4 });
    expect(b.completed).toBe(4);
    expect(b.total).toBe(10);
    expect(b.segments.map((s) => [s.state, s.pct])).toEqual([
      ['succeeded', 30],
      ['cached', 10],
      ['running', 20],
      ['pending', 40],
    ]);
    expect(b.summary).toBe('3 succeeded, 1 cached, 2 running, 4 pending');
  });
  it('says when a process has no task yet', () => {
    const b = processBar({ ...zero, process: 'X' });
    expect(b.total).toBe(0);
    expect(b.segments).toEqual([]);
    expect(b.summary).toBe('no tasks yet');
  });
});

describe('gauges', () => {
  it('compares load with the peak', () => {
    const g = loadGauges({ loadCpus: 4, peakCpus: 8, running: 2, peakTasks: 2 } as never);
    expect(g.cores).toEqual({ value: 4, max: 8, ratio: 0.5 });
    expect(g.tasks.ratio).toBe(1);
  });
  it('shows 0 of 1 when idle', () => {
    const g = loadGauges({ loadCpus: 0, peakCpus: 0, running: 0, peakTasks: 0 } as never);
    expect(g.cores).toEqual({ value: 0, max: 1, ratio: 0 });
  });
});

describe('names and tones', () => {
  it('shortens qualified process names', () => expect(shortProcessName('NFCORE:RNASEQ:FASTQC')).toBe('FASTQC'));
  it('marks a success with ignored failures as partial', () => {
    expect(runTone({ status: 'SUCCEEDED', stats: { ignoredCount: 2 } })).toBe('partial');
    expect(runTone({ status: 'SUCCEEDED', stats: null })).toBe('succeeded');
    expect(runTone({ status: 'FAILED' })).toBe('failed');
  });
});
