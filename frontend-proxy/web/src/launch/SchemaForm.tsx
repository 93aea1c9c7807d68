// The parameters of a pipeline's nextflow_schema.json as a form, beside the raw parameters: each
// change writes the parameters as JSON into the raw editor, which stays what is launched.

import type { SchemaField, SchemaGroup } from '../lib/schema';

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
