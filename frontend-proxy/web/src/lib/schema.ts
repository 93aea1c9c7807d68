// A pipeline's nextflow_schema.json as form fields: the parameters of each group (`definitions`
// or `$defs`, in `allOf` order) and of the top level, with their type, choices, default, help and
// whether they are required; and the checks a launch form runs before it submits.

export interface SchemaField {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  help?: string;
  enum?: (string | number)[];
  default?: unknown;
  required: boolean;
  pattern?: string;
  /** For a `format: file-path` field whose `mimetype` is CSV or TSV: the type a dataset must have. */
  datasetType?: 'text/csv' | 'text/tab-separated-values';
}

/** The dataset media type a field takes, if it is a file path to a CSV or TSV file. */
function datasetType(p: Json): SchemaField['datasetType'] {
  if (p.format !== 'file-path') return undefined;
  const m = String(p.mimetype ?? '').toLowerCase();
  return m === 'text/csv' || m === 'text/tab-separated-values' ? m : undefined;
}

export interface SchemaGroup {
  title: string;
  fields: SchemaField[];
}

type Json = Record<string, unknown>;

function fieldsOf(props: Json | undefined, required: string[]): SchemaField[] {
  return Object.entries(props ?? {}).map(([name, raw]) => {
    const p = raw as Json;
    const t = p.type as string;
    return {
      name,
      type: t === 'integer' || t === 'number' || t === 'boolean' ? t : 'string',
      description: p.description as string | undefined,
      help: p.help_text as string | undefined,
      enum: p.enum as (string | number)[] | undefined,
      default: p.default,
      required: required.includes(name),
      pattern: p.pattern as string | undefined,
      datasetType: datasetType(p),
    };
  });
}

export function schemaGroups(schema: Json): SchemaGroup[] {
  const defs = (schema.definitions ?? schema.$defs ?? {}) as Record<string, Json>;
  const groups: SchemaGroup[] = [];
  const order = ((schema.allOf as Json[] | undefined) ?? []).map((a) => String(a.$ref ?? '').split('/').pop() ?? '');
  const names = [...order.filter((n) => n in defs), ...Object.keys(defs).filter((n) => !order.includes(n))];
  for (const n of names) {
    const d = defs[n];
    const fields = fieldsOf(d.properties as Json, (d.required as string[]) ?? []);
    if (fields.length) groups.push({ title: (d.title as string) ?? n, fields });
  }
  const top = fieldsOf(schema.properties as Json, (schema.required as string[]) ?? []);
  if (top.length) groups.push({ title: 'Parameters', fields: top });
  return groups;
}

/** What is wrong with the values, a message per field. */
export function checkParams(groups: SchemaGroup[], values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const f of groups.flatMap((g) => g.fields)) {
    const v = values[f.name];
    const missing = v === undefined || v === null || v === '';
    if (f.required && missing) problems.push(`${f.name} is required`);
    if (missing) continue;
    if (f.type === 'integer' && !Number.isInteger(v)) problems.push(`${f.name} must be a whole number`);
    if (f.type === 'number' && typeof v !== 'number') problems.push(`${f.name} must be a number`);
    if (f.enum && !f.enum.includes(v as string | number)) problems.push(`${f.name} must be one of ${f.enum.join(', ')}`);
    if (f.pattern && typeof v === 'string' && !new RegExp(f.pattern).test(v)) problems.push(`${f.name} does not match ${f.pattern}`);
  }
  return problems;
}
