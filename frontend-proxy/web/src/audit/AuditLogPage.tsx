// The audit log: who did what, when, from where, and how it ended, newest first; filtered by
// event and time, paged, exported as CSV. Root users see every event, organization owners their
// organizations' events.

import { useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { exportPath, listAuditLog, type AuditEvent, type AuditFilter } from '../api/audit';
import { formatDateTime } from '../lib/format';
import { Card, Empty, ErrorBox, Loading } from '../ui/kit';

function who(e: AuditEvent): string {
  const person = e.actor.userName ?? e.actor.email ?? (e.actor.userId != null ? `user ${e.actor.userId}` : 'unknown');
  return e.actor.type === 'system' ? `system (for ${person})` : person;
}

function where(e: AuditEvent): string {
  const t = e.target;
  const place = t.workspace ? `workspace ${t.workspace.name ?? t.workspace.id}` : t.organization ? `organization ${t.organization.name ?? t.organization.id}` : 'personal';
  return `${t.type ?? ''}${t.id ? ` ${t.id}` : ''} · ${place}`;
}

export default function AuditLogPage() {
  const [form, setForm] = useState<AuditFilter>({});
  const [filter, setFilter] = useState<AuditFilter>({});
  const q = useInfiniteQuery({
    queryKey: ['audit-log', filter],
    queryFn: ({ pageParam }) => listAuditLog(filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextPageToken,
    retry: false,
  });
  const rows = q.data?.pages.flatMap((p) => p.auditLogs) ?? [];
  return (
    <div className="page">
      <h1>Audit log</h1>
      <p>Sign-ins, tokens, credentials and secrets, compute environments, memberships and roles, launches, actions and datasets: who, when, from where, and how it ended.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(form);
        }}
      >
        <label className="field">
          <span>Event</span>
          <input name="event" value={form.event ?? ''} onChange={(e) => setForm({ ...form, event: e.target.value.trim() })} placeholder="e.g. credentials_created" />
        </label>
        <label className="field">
          <span>From</span>
          <input name="from" type="datetime-local" value={form.from ?? ''} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </label>
        <label className="field">
          <span>To</span>
          <input name="to" type="datetime-local" value={form.to ?? ''} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </label>
        <button type="submit" className="btn btn-primary">
          Filter
        </button>
        <a className="btn" href={exportPath(filter)} download="audit-log.csv">
          Export CSV
        </a>
      </form>
      <Card>
        {q.isPending ? <Loading what="the audit log" /> : null}
        {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} /> : null}
        {q.isSuccess && rows.length === 0 ? <Empty>No events.</Empty> : null}
        {rows.length ? (
          <div className="table-wrap">
            <table className="table" data-testid="audit-log">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Event</th>
                  <th>Outcome</th>
                  <th>Who</th>
                  <th>From</th>
                  <th>Target</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id} data-testid="audit-row">
                    <td>{formatDateTime(e.timestamp)}</td>
                    <td className="mono">{e.event}</td>
                    <td className={e.outcome === 'failure' ? 'form-error' : undefined}>{e.outcome === 'failure' ? `failed (${e.status})` : 'ok'}</td>
                    <td>{who(e)}</td>
                    <td title={e.client.userAgent ?? undefined}>{e.client.ip ?? ''}</td>
                    <td className="mono">{where(e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {q.hasNextPage ? (
          <button type="button" className="btn" disabled={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
            {q.isFetchingNextPage ? 'Loading…' : 'Older events'}
          </button>
        ) : null}
      </Card>
    </div>
  );
}
