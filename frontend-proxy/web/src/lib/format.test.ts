import { describe, expect, it } from 'vitest';
import {
  displayName,
  formatBytes,
  formatCost,
  formatCount,
  formatCpuHours,
  formatDuration,
  formatPercent,
  formatRelative,
  parseEnv,
  repositoryLink,
  runDuration,
} from './format';

describe('formatDuration', () => {
  it('shows milliseconds below a second', () => expect(formatDuration(850)).toBe('850ms'));
  it('shows tenths of seconds below ten seconds', () => expect(formatDuration(2345)).toBe('2.3s'));
  it('shows whole seconds below a minute', () => expect(formatDuration(42_900)).toBe('42s'));
  it('shows the two largest units', () => {
    expect(formatDuration(3 * 60_000 + 4_000)).toBe('3m 4s');
    expect(formatDuration(3_600_000 + 2 * 60_000 + 5_000)).toBe('1h 2m');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d 3h');
  });
  it('keeps a zero middle unit', () => expect(formatDuration(3_600_000 + 5_000)).toBe('1h 0m'));
  it('shows a dash for nothing', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(-1)).toBe('–');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KB');
    expect(formatBytes(15 * 1024 * 1024)).toBe('15.0 MB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.00 GB');
    expect(formatBytes(200 * 1024 ** 4)).toBe('200 TB');
  });
  it('shows a dash for null', () => expect(formatBytes(undefined)).toBe('–'));
});

describe('formatCount', () => {
  it('is exact below a thousand', () => expect(formatCount(999)).toBe('999'));
  it('is compact above', () => {
    expect(formatCount(1234)).toBe('1.2K');
    expect(formatCount(12_345)).toBe('12K');
    expect(formatCount(3_456_789)).toBe('3.4M');
  });
});

describe('other formats', () => {
  it('CPU hours', () => {
    expect(formatCpuHours(0)).toBe('0.0');
    expect(formatCpuHours(3_600_000 * 12.34)).toBe('12.3');
    expect(formatCpuHours(36_000)).toBe('0.010');
  });
  it('cost', () => {
    expect(formatCost(0.0042)).toBe('$0.004');
    expect(formatCost(12.345)).toBe('$12.35');
  });
  it('percent', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(7.46)).toBe('7.5%');
    expect(formatPercent(120.4)).toBe('120%');
  });
  it('relative dates', () => {
    const now = Date.parse('2024-05-06T12:00:00Z');
    expect(formatRelative('2024-05-06T11:59:30Z', now)).toBe('just now');
    expect(formatRelative('2024-05-06T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2024-05-06T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2024-05-05T11:00:00Z', now)).toBe('yesterday');
    expect(formatRelative('2024-05-01T11:00:00Z', now)).toBe('5 days ago');
  });
});

describe('runDuration', () => {
  const start = '2024-05-06T12:00:00Z';
  it('ticks while the run is active', () => {
    expect(runDuration({ status: 'RUNNING', start, duration: null }, Date.parse(start) + 90_000)).toBe(90_000);
  });
  it('uses the stored duration once finished', () => {
    expect(runDuration({ status: 'SUCCEEDED', start, duration: 5000 }, Date.parse(start) + 90_000)).toBe(5000);
  });
  it('falls back to complete - start', () => {
    expect(runDuration({ status: 'FAILED', start, complete: '2024-05-06T12:01:00Z', duration: null })).toBe(60_000);
  });
});

describe('names', () => {
  it('prefers the manifest name', () => {
    expect(displayName({ manifest: { name: 'nf-core/rnaseq' }, projectName: 'x/y', runName: 'r' })).toBe('nf-core/rnaseq');
    expect(displayName({ manifest: { name: null }, projectName: 'nextflow-io/hello', runName: 'r' })).toBe('nextflow-io/hello');
  });
  it('links web repositories only', () => {
    expect(repositoryLink('https://github.com/nextflow-io/hello.git')).toBe('https://github.com/nextflow-io/hello');
    expect(repositoryLink('/local/path')).toBeNull();
  });
  it('parses a task environment', () => {
    expect(parseEnv('A=1\nPATH=/bin:/usr/bin\n\nB=x=y')).toEqual([
      ['A', '1'],
      ['PATH', '/bin:/usr/bin'],
      ['B', 'x=y'],
    ]);
  });
});
