// Profile: who you are on this server (read from GET /user-info).

import { Link } from 'react-router';
import { useUserInfo } from '../auth/session';
import { formatDateTime } from '../lib/format';
import { paths } from '../paths';
import { Card, ErrorBox, Loading } from '../ui/kit';

export default function ProfilePage() {
  const me = useUserInfo();
  if (me.isPending) return <Loading what="your profile" />;
  if (me.isError) return <ErrorBox error={me.error} retry={() => me.refetch()} />;
  const u = me.data!.user;
  return (
    <div className="page page-narrow">
      <h1>Profile</h1>
      <Card>
        <dl className="facts">
          <dt>User name</dt>
          <dd>{u.userName}</dd>
          <dt>E-mail</dt>
          <dd>{u.email}</dd>
          <dt>Name</dt>
          <dd>{[u.firstName, u.lastName].filter(Boolean).join(' ') || '–'}</dd>
          <dt>Organization</dt>
          <dd>{u.organization || '–'}</dd>
          <dt>Description</dt>
          <dd>{u.description || '–'}</dd>
          <dt>Member since</dt>
          <dd>{formatDateTime(u.dateCreated)}</dd>
          <dt>User ID</dt>
          <dd className="mono">{u.id}</dd>
        </dl>
        <label className="switch">
          <input type="checkbox" checked={u.notification} disabled aria-describedby="notif-help" />
          <span>Send me an e-mail when a run of mine completes</span>
        </label>
        <p id="notif-help" className="hint">
          This server does not offer changing the profile yet; the switch shows the current setting.
        </p>
      </Card>
      <p>
        <Link to={paths.tokens}>Manage your access tokens</Link> · <Link to={paths.orgs}>Your organizations</Link>
      </p>
    </div>
  );
}
