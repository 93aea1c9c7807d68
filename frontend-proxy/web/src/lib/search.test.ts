import { describe, expect, it } from 'vitest';
import { isStarredOnly, splitTerms, statusesOf, toggleStarred, toggleStatus, validateSearch, withLabel, withoutTerm } from './search';

describe('splitTerms', () => {
  it('splits free text and filters', () => {
    const { terms, error } = splitTerms('rna*  status:FAILED label:prod');
    expect(error).toBeNull();
    expect(terms).toEqual([
      { raw: 'rna*', key: null, value: 'rna*' },
      { raw: 'status:FAILED', key: 'status', value: 'FAILED' },
      { raw: 'label:prod', key: 'label', value: 'prod' },
    ]);
  });
  it('keeps quoted values together and strips the quotes', () => {
    const { terms } = splitTerms('runName:"my run" "two words"');
    expect(terms.map((t) => [t.key, t.value])).toEqual([
      ['runName', 'my run'],
      [null, 'two words'],
    ]);
  });
  it('matches keys in any case', () => {
    expect(splitTerms('RUNNAME:x workflowid:y').terms.map((t) => t.key)).toEqual(['runName', 'workflowId']);
  });
  it('treats unknown keys as free text', () => {
    expect(splitTerms('foo:bar').terms[0]).toEqual({ raw: 'foo:bar', key: null, value: 'foo:bar' });
  });
  it('reports an unterminated quote', () => {
    expect(splitTerms('runName:"abc').error).toMatch(/unterminated quote/);
  });
  it('drops empty quotes', () => expect(splitTerms('""').terms).toEqual([]));
});

describe('validateSearch', () => {
  it('accepts the documented examples', () => {
    expect(validateSearch('status:failed label:x after:2024-01 is:starred foo*')).toBeNull();
    expect(validateSearch('before:2024-05-06T10:00:00Z')).toBeNull();
    expect(validateSearch('')).toBeNull();
  });
  it('rejects an unknown status', () => expect(validateSearch('status:done')).toMatch(/unknown status 'done'/));
  it('rejects a bad date', () => expect(validateSearch('after:24-1')).toMatch(/invalid date/));
  it('rejects an empty value', () => expect(validateSearch('label:')).toMatch(/has no value/));
  it('rejects other is: filters', () => expect(validateSearch('is:mine')).toMatch(/only 'is:' filter/));
});

describe('status chips', () => {
  it('reads the statuses of a query', () => {
    expect([...statusesOf('x status:Failed status:running')]).toEqual(['failed', 'running']);
  });
  it('adds a status', () => expect(toggleStatus('hello', 'FAILED')).toBe('hello status:failed'));
  it('removes a status in any case, keeping the rest as written', () => {
    expect(toggleStatus('runName:"a b" status:FAILED x*', 'failed')).toBe('runName:"a b" x*');
  });
  it('toggles starred', () => {
    expect(toggleStarred('x')).toBe('x is:starred');
    expect(isStarredOnly('x is:starred')).toBe(true);
    expect(toggleStarred('x is:Starred')).toBe('x');
  });
  it('adds a label filter once, quoting spaces', () => {
    expect(withLabel('', 'prod')).toBe('label:prod');
    expect(withLabel('label:prod', 'prod')).toBe('label:prod');
    expect(withLabel('a', 'two words')).toBe('a label:"two words"');
  });
  it('removes a term', () => expect(withoutTerm('a label:prod b', 'label:prod')).toBe('a b'));
});
