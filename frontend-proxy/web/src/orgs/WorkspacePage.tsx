// One workspace of an organization: its participants and their workspace roles.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { keys } from '../api/keys';
import { addParticipant, getWorkspace, listParticipants, removeParticipant, setParticipantRole, WORKSPACE_ROLES } from '../api/orgs';
import { paths } from '../paths';
import { AddByName, Card, ErrorBox, ListStates, Loading, useAction } from '../ui/kit';

export default function WorkspacePage() {
  const params = useParams();
  const orgId = Number(params.orgId);
  const wsId = Number(params.wsId);
  const ws = useQuery({ queryKey: keys.workspace(orgId, wsId), queryFn: () => getWorkspace(orgId, wsId) });
  const parts = useQuery({ queryKey: keys.participants(orgId, wsId), queryFn: () => listParticipants(orgId, wsId) });
  const a = useAction();
  const client = useQueryClient();
  /** Runs a change to the participants, then reloads them. */
  const act = async (f: () => Promise<unknown>) => {
    const done = await a.run(f);
    if (done) await client.invalidateQueries({ queryKey: keys.participants(orgId, wsId) });
    return done;
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
        <AddByName
          label="Add a participant (user name or e-mail of an organization member)"
          button="Add"
          busy={a.busy}
          add={(who) => act(() => addParticipant(orgId, wsId, who))}
        />
        {a.shown}
      </Card>
    </div>
  );
}
