// Organizations the user belongs to, and creating one.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { keys } from '../api/keys';
import { createOrg, listOrgs } from '../api/orgs';
import { paths } from '../paths';
import { Icon } from '../ui/Icons';
import { Card, ListStates } from '../ui/kit';

export default function OrgsPage() {
  const q = useQuery({ queryKey: keys.orgs, queryFn: listOrgs });
  return (
    <div className="page page-narrow">
      <h1>Organizations</h1>
      <p>Organizations hold workspaces shared by their members and teams. Your personal workspace needs none.</p>
      <Card title="Your organizations">
        <ListStates query={q} what="organizations" empty="You are not in any organization yet." emptyIcon="building">
          {(rows) => (
            <ul className="entity-list">
              {rows.map((o) => (
                <li key={o.orgId}>
                  <Icon name="building" />
                  <Link to={paths.org(o.orgId)}>{o.fullName || o.name}</Link> <span className="muted">@{o.name}</span>
                  {o.memberRole ? <span className="pill">{o.memberRole}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <CreateOrg />
    </div>
  );
}

function CreateOrg() {
  const [name, setName] = useState('');
  const [fullName, setFullName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  return (
    <Card title="New organization">
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await createOrg(name.trim(), fullName.trim() || name.trim(), description.trim());
            setName('');
            setFullName('');
            setDescription('');
            await client.invalidateQueries({ queryKey: keys.orgs });
          } catch (err) {
            setError(errorMessage(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label className="field">
          <span>Short name (letters, digits, - and _)</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[A-Za-z0-9][A-Za-z0-9_\-]*" maxLength={40} />
        </label>
        <label className="field">
          <span>Full name</span>
          <input value={fullName} onChange={(e) => setFullName(e.target.value)} maxLength={100} />
        </label>
        <label className="field">
          <span>Description</span>
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1000} />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
            Create organization
          </button>
        </div>
      </form>
    </Card>
  );
}
