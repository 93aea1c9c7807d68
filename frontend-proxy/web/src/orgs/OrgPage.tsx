// One organization: its workspaces, members (with roles), teams and roles.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { keys } from '../api/keys';
import {
  addMember,
  createTeam,
  createWorkspace,
  getOrg,
  listMembers,
  listRoles,
  listTeams,
  listWorkspaces,
  ORG_ROLES,
  removeMember,
  setMemberRole,
} from '../api/orgs';
import { paths } from '../paths';
import { AddByName, Card, ErrorBox, ListStates, Loading, Tabs, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

export default function OrgPage() {
  const orgId = Number(useParams().orgId);
  const org = useQuery({ queryKey: keys.org(orgId), queryFn: () => getOrg(orgId) });
  if (org.isPending) return <Loading what="the organization" />;
  if (org.isError) return <ErrorBox error={org.error} retry={() => org.refetch()} title="Cannot show this organization" />;
  const o = org.data;
  return (
    <div className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to={paths.orgs}>Organizations</Link> / <span>{o.name}</span>
      </nav>
      <h1>{o.fullName || o.name}</h1>
      {o.description ? <p>{o.description}</p> : null}
      <p className="muted">Your role: {o.memberRole ?? 'root'}</p>
      <Card>
        <Tabs
          label="Organization"
          tabs={[
            { id: 'ws', title: 'Workspaces', render: () => <Workspaces orgId={orgId} /> },
            { id: 'members', title: 'Members', render: () => <Members orgId={orgId} /> },
            { id: 'teams', title: 'Teams', render: () => <Teams orgId={orgId} /> },
            { id: 'roles', title: 'Roles', render: () => <Roles orgId={orgId} /> },
          ]}
        />
      </Card>
    </div>
  );
}

function Workspaces({ orgId }: { orgId: number }) {
  const q = useQuery({ queryKey: keys.orgPart(orgId, 'workspaces'), queryFn: () => listWorkspaces(orgId) });
  const [name, setName] = useState('');
  const [visibility, setVisibility] = useState('PRIVATE');
  const a = useAction();
  const client = useQueryClient();
  return (
    <div className="stack">
      <ListStates query={q} what="workspaces" empty="No workspaces yet.">
        {(rows) => (
          <ul className="entity-list">
            {rows.map((w) => (
              <li key={w.id}>
                <Link to={paths.orgWorkspace(orgId, w.id)}>{w.fullName || w.name}</Link> <span className="muted">{w.name}</span>
                <span className="pill">{w.visibility.toLowerCase()}</span>
                <Link to={paths.runs(w.id)} className="btn btn-small">
                  Runs
                </Link>
              </li>
            ))}
          </ul>
        )}
      </ListStates>
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await a.run(() => createWorkspace(orgId, name.trim(), name.trim(), visibility))) {
            setName('');
            await client.invalidateQueries({ queryKey: keys.orgPart(orgId, 'workspaces') });
            await client.invalidateQueries({ queryKey: ['user-workspaces'] });
          }
        }}
      >
        <label className="field">
          <span>New workspace name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[A-Za-z0-9][A-Za-z0-9_\-]*" maxLength={40} />
        </label>
        <label className="field">
          <span>Visibility</span>
          <select value={visibility} onChange={(e) => setVisibility(e.target.value)}>
            <option value="PRIVATE">private</option>
            <option value="SHARED">shared</option>
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={a.busy || !name.trim()}>
          Create workspace
        </button>
        {a.shown}
      </form>
    </div>
  );
}

function Members({ orgId }: { orgId: number }) {
  const q = useQuery({ queryKey: keys.orgPart(orgId, 'members'), queryFn: () => listMembers(orgId) });
  const a = useAction();
  const client = useQueryClient();
  const toast = useToast();
  const refresh = () => client.invalidateQueries({ queryKey: keys.orgPart(orgId, 'members') });
  return (
    <div className="stack">
      {q.isPending ? <Loading what="members" /> : null}
      {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} /> : null}
      {q.data ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>User</th>
                <th>E-mail</th>
                <th>Role</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {q.data.members.map((m) => (
                <tr key={m.memberId}>
                  <td>{m.userName}</td>
                  <td>{m.email}</td>
                  <td>
                    <select
                      aria-label={`Role of ${m.userName}`}
                      value={m.role}
                      onChange={async (e) => {
                        if (await a.run(() => setMemberRole(orgId, m.memberId, e.target.value))) await refresh();
                      }}
                    >
                      {ORG_ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-danger-outline"
                      onClick={async () => {
                        if (await a.run(() => removeMember(orgId, m.memberId))) {
                          toast(`${m.userName} removed`);
                          await refresh();
                        }
                      }}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <AddByName
        label="Add a member (user name or e-mail)"
        button="Add member"
        busy={a.busy}
        add={async (user) => {
          const added = await a.run(() => addMember(orgId, user));
          if (added) await refresh();
          return added;
        }}
      />
      {a.shown}
    </div>
  );
}

function Teams({ orgId }: { orgId: number }) {
  const q = useQuery({ queryKey: keys.orgPart(orgId, 'teams'), queryFn: () => listTeams(orgId) });
  const [name, setName] = useState('');
  const a = useAction();
  const client = useQueryClient();
  return (
    <div className="stack">
      <ListStates query={q} what="teams" empty="No teams yet.">
        {(rows) => (
          <ul className="entity-list">
            {rows.map((t) => (
              <li key={t.teamId}>
                <strong>{t.name}</strong> <span className="muted">{t.membersCount} member{t.membersCount === 1 ? '' : 's'}</span>
                {t.description ? <span className="muted"> · {t.description}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </ListStates>
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await a.run(() => createTeam(orgId, name.trim(), ''))) {
            setName('');
            await client.invalidateQueries({ queryKey: keys.orgPart(orgId, 'teams') });
          }
        }}
      >
        <label className="field">
          <span>New team name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={40} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={a.busy || !name.trim()}>
          Create team
        </button>
        {a.shown}
      </form>
    </div>
  );
}

function Roles({ orgId }: { orgId: number }) {
  const q = useQuery({ queryKey: keys.orgPart(orgId, 'roles'), queryFn: () => listRoles(orgId) });
  if (q.isPending) return <Loading what="roles" />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => q.refetch()} />;
  return (
    <ul className="entity-list">
      {q.data.map((r) => (
        <li key={r.name}>
          <strong>{r.name}</strong> {r.isPredefined ? <span className="pill">built in</span> : <span className="pill">custom</span>}
          <span className="muted"> {r.description}</span>
        </li>
      ))}
    </ul>
  );
}
