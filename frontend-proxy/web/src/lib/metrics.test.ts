import { describe, expect, it } from 'vitest';
import { boxesOf, formatMetric, niceMax } from './metrics';

describe('metrics', () => {
  const s = { mean: 2, min: 1, q1: 1.5, q2: 2, q3: 2.5, max: 3 };
  it('keeps processes that have the series', () => {
    const boxes = boxesOf([{ id: 1, process: 'a', cpu: s }, { id: 2, process: 'b', cpu: null }], 'cpu');
    expect(boxes.map((b) => b.process)).toEqual(['a']);
  });
  it('rounds axes up', () => {
    expect(niceMax(73)).toBe(100);
    expect(niceMax(0.3)).toBe(0.5);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(3 * 1024 ** 2, 'bytes')).toBe(4 * 1024 ** 2);
  });
  it('formats by unit', () => {
    expect(formatMetric(1536, 'bytes')).toBe('1.50 KB');
    expect(formatMetric(90_000, 'ms')).toBe('1m 30s');
    expect(formatMetric(55, 'percent')).toBe('55%');
  });
});
