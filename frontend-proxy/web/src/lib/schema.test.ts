import { describe, expect, it } from 'vitest';
import { checkParams, schemaGroups } from './schema';

const schema = {
  definitions: {
    input_output_options: {
      title: 'Input/output options',
      required: ['input'],
      properties: { input: { type: 'string', description: 'Sample sheet', pattern: '^\\S+\\.csv$' }, outdir: { type: 'string', default: 'results' } },
    },
    other: { title: 'Other', properties: { mode: { type: 'string', enum: ['fast', 'slow'] }, cpus: { type: 'integer', default: 2 } } },
  },
  allOf: [{ $ref: '#/definitions/input_output_options' }, { $ref: '#/definitions/other' }],
  properties: { verbose: { type: 'boolean' } },
};

describe('pipeline schema forms', () => {
  it('groups the parameters as the schema orders them', () => {
    const g = schemaGroups(schema);
    expect(g.map((x) => x.title)).toEqual(['Input/output options', 'Other', 'Parameters']);
    expect(g[0].fields[0]).toMatchObject({ name: 'input', required: true, type: 'string' });
    expect(g[1].fields[1]).toMatchObject({ name: 'cpus', type: 'integer', default: 2 });
  });
  it('offers datasets for a file path to a CSV or TSV file, and only there', () => {
    const g = schemaGroups({
      properties: {
        input: { type: 'string', format: 'file-path', mimetype: 'text/csv' },
        sheet: { type: 'string', format: 'file-path', mimetype: 'text/tab-separated-values' },
        fasta: { type: 'string', format: 'file-path', mimetype: 'text/plain' },
        outdir: { type: 'string', format: 'directory-path' },
      },
    });
    expect(g[0].fields.map((f) => f.datasetType)).toEqual(['text/csv', 'text/tab-separated-values', undefined, undefined]);
  });
  it('says what is wrong before the launch', () => {
    const g = schemaGroups(schema);
    expect(checkParams(g, {})).toEqual(['input is required']);
    expect(checkParams(g, { input: 'x.tsv', mode: 'medium', cpus: 1.5 })).toEqual([
      'input does not match ^\\S+\\.csv$',
      'mode must be one of fast, slow',
      'cpus must be a whole number',
    ]);
    expect(checkParams(g, { input: 'samples.csv', mode: 'fast', cpus: 4, verbose: true })).toEqual([]);
  });
});
