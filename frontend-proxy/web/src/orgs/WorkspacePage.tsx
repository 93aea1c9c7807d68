// One workspace of an organization: its participants and their workspace roles.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../api/client';
import { keys } from '../api/keys';
import { addParticipant, getWorkspace, listParticipants, removeParticipant, setParticipantRole, WORKSPACE_ROLES } from '../api/orgs';
import { paths } from '../paths';
import { Card, ErrorBox, ListStates, Loading } from '../ui/kit';

export default function WorkspacePage() {
  const params = useParams();
  const orgId = Number(params.orgId);
  const wsId = Number(params.wsId);
  const ws = useQuery({ queryKey: keys.workspace(orgId, wsId), queryFn: () => getWorkspace(orgId, wsId) });
  const parts = useQuery({ queryKey: keys.participants(orgId, wsId), queryFn: () => listParticipants(orgId, wsId) });
  const [who, setWho] = useState('');
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      await client.invalidateQueries({ queryKey: keys.participants(orgId, wsId) });
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  };
  if (ws.isPending) return <Loading what="the workspace" />;
  if (ws.isError) return <ErrorBox error={ws.error} retry={() => ws.refetch()} title="Cannot show this workspace" />;
  return (
    <div className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={paths.orgs}>Organizations</Link> / <Link to={paths.org(orgId)}>Organization</Link> / <span>{ws.data.name}</span>
      </nav>
      <h1>{ws.data.fullName || ws.data.name}</h1>
      <p>
        {ws.data.description} <Link to={paths.runs(wsId)}>Open its runs</Link>
      </p>
      <Card title="Participants">
        <ListStates query={parts} what="participants" empty="No participants yet.">
          {(rows) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>Participant</th>
                    <th>Type</th>
                    <th>Workspace role</th>
                    <th>
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((p) => {
                    const name = p.teamName ?? p.userName ?? p.email ?? String(p.participantId);
                    return (
                      <tr key={p.participantId}>
                        <td>
                          {name} {p.email && p.userName ? <span className="muted">{p.email}</span> : null}
                        </td>
                        <td>{p.type.toLowerCase()}</td>
                        <td>
                          <select aria-label={`Role of ${name}`} value={p.wspRole} onChange={(e) => act(() => setParticipantRole(orgId, wsId, p.participantId, e.target.value))}>
                            {WORKSPACE_ROLES.map((r) => (
                              <option key={r}>{r}</option>
                            ))}
                          </select>
                        </td>
                        <td>
                          <button type="button" className="btn btn-small btn-danger-outline" onClick={() => act(() => removeParticipant(orgId, wsId, p.participantId))}>
                            Remove
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </ListStates>
        <form
          className="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await act(() => addParticipant(orgId, wsId, who.trim()))) setWho('');
          }}
        >
          <label className="field">
            <span>Add a participant (user name or e-mail of an organization member)</span>
            <input value={who} onChange={(e) => setWho(e.target.value)} required />
          </label>
          <button type="submit" className="btn btn-primary" disabled={!who.trim()}>
            Add
          </button>
        </form>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
      </Card>
    </div>
  );
}
