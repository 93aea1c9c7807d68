import { describe, expect, it } from 'vitest';
import { keysForEvent, scopeKey } from './live';

describe('live events', () => {
  it('progress refreshes only the run', () => {
    expect(keysForEvent({ type: 'PROGRESS_UPDATED', workflowId: 'abc' }, null)).toEqual([['run', 0, 'abc']]);
  });
  it('a run change refreshes the run and the list of its workspace', () => {
    expect(keysForEvent({ type: 'WORKFLOW_COMPLETED', workflowId: 'abc', status: 'SUCCEEDED' }, 7)).toEqual([
      ['run', 7, 'abc'],
      ['runs', 7],
    ]);
  });
  it('a page scope covers every query under it', () => {
    expect(scopeKey({ kind: 'run', workspaceId: null, runId: 'x' })).toEqual(['run', 0, 'x']);
    expect(scopeKey({ kind: 'runs', workspaceId: 3 })).toEqual(['runs', 3]);
  });
});
