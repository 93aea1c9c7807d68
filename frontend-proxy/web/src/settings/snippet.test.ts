import { describe, expect, it } from 'vitest';
import { apiEndpoint, configSnippet, nextflowSnippet } from './GettingStartedPage';

describe('getting started snippets', () => {
  it('points Nextflow at this server under /api', () => {
    expect(apiEndpoint('http://localhost:8000/')).toBe('http://localhost:8000/api');
    expect(nextflowSnippet('https://tower.example.org/api', 'tok', null)).toBe(
      'export TOWER_ACCESS_TOKEN=tok\nnextflow run hello -with-tower https://tower.example.org/api',
    );
  });
  it('adds the workspace when one is selected', () => {
    expect(nextflowSnippet('http://h/api', 'tok', 42)).toContain('export TOWER_WORKSPACE_ID=42\n');
    expect(configSnippet('http://h/api', 42)).toContain("workspaceId = '42'");
  });
});
