// The audit log (/admin/audit-logs-v2): security events, newest first, for root users and
// organization owners.

import { api } from './client';

export interface AuditEvent {
  id: string;
  timestamp: string;
  event: string;
  operation: string;
  outcome: 'success' | 'failure';
  status: number;
  actor: { type: 'user' | 'system'; userId?: number | null; userName?: string | null; email?: string | null; isRoot: boolean };
  client: { ip?: string | null; userAgent?: string | null; accessTokenId?: number | null };
  target: {
    type?: string | null;
    id?: string | null;
    context: string;
    organization?: { id: number; name?: string | null } | null;
    workspace?: { id: number; name?: string | null } | null;
  };
}

export interface AuditFilter {
  event?: string;
  from?: string;
  to?: string;
}

const query = (f: AuditFilter) => ({
  event: f.event || undefined,
  timestampAfterOrEqual: f.from ? new Date(f.from).toISOString() : undefined,
  timestampBeforeOrEqual: f.to ? new Date(f.to).toISOString() : undefined,
});

export const listAuditLog = (f: AuditFilter, nextPageToken?: string) =>
  api<{ auditLogs: AuditEvent[]; nextPageToken?: string }>('/admin/audit-logs-v2', { query: { ...query(f), max: 100, nextPageToken } });

/** The CSV export of the same filter, downloaded with the session. */
export function exportPath(f: AuditFilter): string {
  const q = new URLSearchParams(Object.entries(query(f)).filter((e): e is [string, string] => !!e[1]));
  const s = q.toString();
  return `/api/admin/audit-logs-v2/export-csv${s ? `?${s}` : ''}`;
}
