// The Seqera runs search syntax on the client: free text with `*` wildcards plus `key:value`
// filters (status:, label:, workflowId:, runName:, userName:, projectName:, sessionId:, after:,
// before:, is:starred). The server does the searching; this module splits a query into terms
// the same way, so the status chips can toggle `status:` terms, the filters can be shown as
// chips, and a bad term is reported before the request goes out. Mirrors backend/src/domain/search.rs.

export const RUN_STATUSES = ['submitted', 'running', 'succeeded', 'failed', 'cancelled', 'unknown'] as const;
export type RunStatusWord = (typeof RUN_STATUSES)[number];

const KEYS: Record<string, string> = {
  status: 'status',
  label: 'label',
  workflowid: 'workflowId',
  runname: 'runName',
  username: 'userName',
  projectname: 'projectName',
  sessionid: 'sessionId',
  after: 'after',
  before: 'before',
  is: 'is',
};

export interface Term {
  /** As written, quotes included. */
  raw: string;
  /** Canonical filter key (`runName`), or null for free text. */
  key: string | null;
  /** The value without quotes (the whole term for free text). */
  value: string;
}

/** Splits on whitespace, keeping `"quoted values"` (also after `key:`) together. */
export function splitTerms(input: string): { terms: Term[]; error: string | null } {
  const out: Term[] = [];
  let start = -1;
  let value = '';
  let quoted = false;
  const push = (end: number) => {
    const raw = input.slice(start, end);
    out.push(classify(raw, value));
    start = -1;
    value = '';
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (/\s/.test(c) && !quoted) {
      if (start >= 0) push(i);
      continue;
    }
    if (start < 0) start = i;
    if (c === '"') quoted = !quoted;
    else value += c;
  }
  let error: string | null = null;
  if (start >= 0) {
    if (quoted) error = `Search term '${input.slice(start)}' has an unterminated quote`;
    push(input.length);
  }
  return { terms: out.filter((t) => t.value !== '' || t.key !== null), error };
}

function classify(raw: string, value: string): Term {
  const i = value.indexOf(':');
  if (i > 0) {
    const key = KEYS[value.slice(0, i).toLowerCase()];
    if (key) return { raw, key, value: value.slice(i + 1) };
  }
  return { raw, key: null, value };
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/** The first problem of a query, worded as the server would, or null when it is fine. */
export function validateSearch(input: string): string | null {
  const { terms, error } = splitTerms(input);
  if (error) return error;
  for (const t of terms) {
    if (t.key === null) continue;
    if (t.value === '') return `Search term '${t.raw}' has no value`;
    if (t.key === 'status' && !RUN_STATUSES.includes(t.value.toLowerCase() as RunStatusWord)) {
      return `Search term '${t.raw}': unknown status '${t.value}' (use ${RUN_STATUSES.join(', ')})`;
    }
    if ((t.key === 'after' || t.key === 'before') && !DATE.test(t.value) && Number.isNaN(Date.parse(t.value))) {
      return `Search term '${t.raw}' has an invalid date: use YYYY, YYYY-MM, YYYY-MM-DD or an ISO-8601 date-time`;
    }
    if (t.key === 'is' && t.value.toLowerCase() !== 'starred') {
      return `Search term '${t.raw}' is not supported: the only 'is:' filter is is:starred`;
    }
  }
  return null;
}

/** The status words a query filters on, lower-case. */
export function statusesOf(input: string): Set<string> {
  return new Set(
    splitTerms(input)
      .terms.filter((t) => t.key === 'status')
      .map((t) => t.value.toLowerCase()),
  );
}

/** The query with `status:<word>` added, or removed if present (any case); other terms kept as written. */
export function toggleStatus(input: string, status: string): string {
  const word = status.toLowerCase();
  const { terms } = splitTerms(input);
  const has = terms.some((t) => t.key === 'status' && t.value.toLowerCase() === word);
  const kept = has ? terms.filter((t) => !(t.key === 'status' && t.value.toLowerCase() === word)) : terms;
  const parts = kept.map((t) => t.raw);
  if (!has) parts.push(`status:${word}`);
  return parts.join(' ');
}

/** Whether the query asks for starred runs only. */
export function isStarredOnly(input: string): boolean {
  return splitTerms(input).terms.some((t) => t.key === 'is' && t.value.toLowerCase() === 'starred');
}

/** The query with `is:starred` toggled. */
export function toggleStarred(input: string): string {
  const { terms } = splitTerms(input);
  const has = terms.some((t) => t.key === 'is' && t.value.toLowerCase() === 'starred');
  const parts = terms.filter((t) => !(t.key === 'is' && t.value.toLowerCase() === 'starred')).map((t) => t.raw);
  if (!has) parts.push('is:starred');
  return parts.join(' ');
}

/** The query with a `label:` term for this label added (quoted when it has spaces), unless already there. */
export function withLabel(input: string, label: string): string {
  const { terms } = splitTerms(input);
  if (terms.some((t) => t.key === 'label' && t.value === label)) return input;
  const v = /\s/.test(label) ? `"${label}"` : label;
  return [...terms.map((t) => t.raw), `label:${v}`].join(' ');
}

/** Removes one term (by its raw text) from a query. */
export function withoutTerm(input: string, raw: string): string {
  const { terms } = splitTerms(input);
  const i = terms.findIndex((t) => t.raw === raw);
  if (i < 0) return input;
  return terms
    .filter((_, j) => j !== i)
    .map((t) => t.raw)
    .join(' ');
}
