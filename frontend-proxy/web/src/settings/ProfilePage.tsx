// Profile: who you are on this server (GET /user-info), editable through POST /users/{id},
// including the switch for an e-mail when one of your runs ends.

import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, errorMessage } from '../api/client';
import { keys } from '../api/keys';
import type { User } from '../api/types';
import { useUserInfo } from '../auth/session';
import { formatDateTime } from '../lib/format';
import { paths } from '../paths';
import { Card, ErrorBox, Loading } from '../ui/kit';
import { useToast } from '../ui/toast';

type Editable = Pick<User, 'userName' | 'firstName' | 'lastName' | 'organization' | 'description' | 'notification'>;

function editable(u: User): Editable {
  return {
    userName: u.userName,
    firstName: u.firstName ?? '',
    lastName: u.lastName ?? '',
    organization: u.organization ?? '',
    description: u.description ?? '',
    notification: u.notification,
  };
}

export default function ProfilePage() {
  const me = useUserInfo();
  if (me.isPending) return <Loading what="your profile" />;
  if (me.isError) return <ErrorBox error={me.error} retry={() => me.refetch()} />;
  return <ProfileForm user={me.data!.user} />;
}

function ProfileForm({ user }: { user: User }) {
  const [form, setForm] = useState<Editable>(() => editable(user));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const toast = useToast();
  useEffect(() => setForm(editable(user)), [user]);
  const field = (k: 'userName' | 'firstName' | 'lastName' | 'organization' | 'description', label: string, required = false) => (
    <label className="field">
      <span>{label}</span>
      <input name={k} value={form[k] ?? ''} required={required} maxLength={k === 'description' ? 1000 : 100} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
    </label>
  );
  const blankToNull = (v: string | null | undefined) => (v && v.trim() ? v.trim() : null);
  return (
    <div className="page page-narrow">
      <h1>Profile</h1>
      <Card>
        <form
          className="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              await api(`/users/${user.id}`, {
                method: 'POST',
                body: {
                  email: user.email,
                  userName: form.userName.trim(),
                  firstName: blankToNull(form.firstName),
                  lastName: blankToNull(form.lastName),
                  organization: blankToNull(form.organization),
                  description: blankToNull(form.description),
                  notification: form.notification,
                },
              });
              await client.invalidateQueries({ queryKey: keys.userInfo });
              toast('Profile saved');
            } catch (err) {
              setError(errorMessage(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          <dl className="facts">
            <dt>E-mail</dt>
            <dd>{user.email}</dd>
            <dt>Member since</dt>
            <dd>{formatDateTime(user.dateCreated)}</dd>
            <dt>User ID</dt>
            <dd className="mono">{user.id}</dd>
          </dl>
          {field('userName', 'User name', true)}
          <div className="inline-form">
            {field('firstName', 'First name')}
            {field('lastName', 'Last name')}
          </div>
          {field('organization', 'Organization')}
          {field('description', 'Description')}
          <label className="switch">
            <input type="checkbox" name="notification" checked={form.notification} onChange={(e) => setForm({ ...form, notification: e.target.checked })} />
            <span>E-mail me when one of my runs ends</span>
          </label>
          {error ? (
            <p className="form-error" role="alert">
              {error}
            </p>
          ) : null}
          <div>
            <button type="submit" className="btn btn-primary" disabled={busy || !form.userName.trim()}>
              {busy ? 'Saving…' : 'Save profile'}
            </button>
          </div>
        </form>
      </Card>
      <p>
        <Link to={paths.tokens}>Manage your access tokens</Link> · <Link to={paths.orgs}>Your organizations</Link>
      </p>
    </div>
  );
}
