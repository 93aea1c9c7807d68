// The parameters of a pipeline's nextflow_schema.json as a form, beside the raw parameters: each
// change writes the parameters as JSON into the raw editor, which stays what is launched.

import { useQuery } from '@tanstack/react-query';
import { latestDatasetVersions } from '../api/datasets';
import type { SchemaField, SchemaGroup } from '../lib/schema';
import { useWorkspaceId } from '../paths';

export function SchemaForm({ groups, values, set }: { groups: SchemaGroup[]; values: Record<string, unknown>; set: (v: Record<string, unknown>) => void }) {
  const change = (name: string, v: unknown) => {
    const next = { ...values };
    if (v === undefined || v === '') delete next[name];
    else next[name] = v;
    set(next);
  };
  return (
    <div className="stack" data-testid="schema-form">
      {groups.map((g) => (
        <fieldset key={g.title} className="schema-group">
          <legend>{g.title}</legend>
          {g.fields.map((f) => (
            <Field key={f.name} f={f} value={values[f.name]} change={(v) => change(f.name, v)} />
          ))}
        </fieldset>
      ))}
    </div>
  );
}

function Field({ f, value, change }: { f: SchemaField; value: unknown; change: (v: unknown) => void }) {
  const label = (
    <span>
      {f.name}
      {f.required ? ' *' : ''}
      {f.description ? <span className="muted"> — {f.description}</span> : null}
    </span>
  );
  if (f.type === 'boolean') {
    return (
      <label className="check" title={f.help}>
        <input type="checkbox" name={`param-${f.name}`} checked={value === true} onChange={(e) => change(e.target.checked)} /> {label}
      </label>
    );
  }
  if (f.enum) {
    return (
      <label className="field" title={f.help}>
        {label}
        <select name={`param-${f.name}`} value={value === undefined ? '' : String(value)} onChange={(e) => change(e.target.value === '' ? undefined : f.type === 'string' ? e.target.value : Number(e.target.value))}>
          <option value="">—</option>
          {f.enum.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  if (f.datasetType) return <DatasetField f={f} label={label} value={value} change={change} />;
  const numeric = f.type === 'integer' || f.type === 'number';
  return (
    <label className="field" title={f.help}>
      {label}
      <input
        name={`param-${f.name}`}
        type={numeric ? 'number' : 'text'}
        step={f.type === 'integer' ? 1 : 'any'}
        value={value === undefined ? '' : String(value)}
        placeholder={f.default !== undefined ? String(f.default) : undefined}
        onChange={(e) => change(e.target.value === '' ? undefined : numeric ? Number(e.target.value) : e.target.value)}
      />
    </label>
  );
}

/** A CSV/TSV file path: the workspace's datasets of that type to pick (their latest version's URL,
 * which the launched run reads with its token), or any path typed in. */
function DatasetField({ f, label, value, change }: { f: SchemaField; label: React.ReactNode; value: unknown; change: (v: unknown) => void }) {
  const ws = useWorkspaceId();
  const q = useQuery({ queryKey: ['dataset-versions-latest', ws ?? 0, f.datasetType], queryFn: () => latestDatasetVersions(ws, f.datasetType!) });
  const text = value === undefined ? '' : String(value);
  const options = q.data ?? [];
  return (
    <div className="field" title={f.help}>
      {label}
      <select
        name={`dataset-${f.name}`}
        aria-label={`Dataset for ${f.name}`}
        value={options.some((v) => v.url === text) ? text : ''}
        onChange={(e) => change(e.target.value === '' ? undefined : e.target.value)}
      >
        <option value="">{options.length ? 'A dataset of this workspace…' : 'No dataset of this type here'}</option>
        {options.map((v) => (
          <option key={v.datasetId} value={v.url}>
            {`${v.datasetName} (version ${v.version})`}
          </option>
        ))}
      </select>
      <input name={`param-${f.name}`} value={text} placeholder="or a path or URL" onChange={(e) => change(e.target.value === '' ? undefined : e.target.value)} />
    </div>
  );
}
