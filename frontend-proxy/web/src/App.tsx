// Routes and the signed-in frame (top bar with workspace switcher, navigation, theme, sign-out).

import { lazy, Suspense, useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, Navigate, Outlet, Route, Routes, useLocation, useNavigate } from 'react-router';
import { listAuditLog } from './api/audit';
import { onSessionEnded } from './api/client';
import { keys } from './api/keys';
import { SignInPage } from './auth/SignInPage';
import { useServiceInfo, useSignOut, useUserInfo, useWorkspaces } from './auth/session';
import { paths, useWorkspaceId } from './paths';
import { RunsPage } from './runs/RunsPage';
import { Icon } from './ui/Icons';
import { ErrorBox, Loading } from './ui/kit';
import { applyTheme, effectiveTheme, storedTheme, type Theme } from './ui/theme';

const RunPage = lazy(() => import('./run/RunPage'));
const TokensPage = lazy(() => import('./settings/TokensPage'));
const ProfilePage = lazy(() => import('./settings/ProfilePage'));
const GettingStartedPage = lazy(() => import('./settings/GettingStartedPage'));
const OrgsPage = lazy(() => import('./orgs/OrgsPage'));
const CredentialsPage = lazy(() => import('./secrets/CredentialsPage'));
const SecretsPage = lazy(() => import('./secrets/SecretsPage'));
const ComputeEnvsPage = lazy(() => import('./compute/ComputeEnvsPage'));
const LaunchPage = lazy(() => import('./launch/LaunchPage'));
const LaunchpadPage = lazy(() => import('./launch/LaunchpadPage'));
const DatasetsPage = lazy(() => import('./datasets/DatasetsPage'));
const ActionsPage = lazy(() => import('./actions/ActionsPage'));
const AuditLogPage = lazy(() => import('./audit/AuditLogPage'));
const OrgPage = lazy(() => import('./orgs/OrgPage'));
const WorkspacePage = lazy(() => import('./orgs/WorkspacePage'));

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<SignInPage />} />
      <Route element={<SignedIn />}>
        <Route index element={<Navigate to="/runs" replace />} />
        <Route path="runs" element={<RunsPage />} />
        <Route path="watch/:runId" element={<RunPage />} />
        <Route path="getting-started" element={<GettingStartedPage />} />
        <Route path="credentials" element={<CredentialsPage />} />
        <Route path="secrets" element={<SecretsPage />} />
        <Route path="compute-envs" element={<ComputeEnvsPage />} />
        <Route path="launch" element={<LaunchPage />} />
        <Route path="launchpad" element={<LaunchpadPage />} />
        <Route path="datasets" element={<DatasetsPage />} />
        <Route path="actions" element={<ActionsPage />} />
        <Route path="ws/:workspaceId">
          <Route index element={<NavigateRuns />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="watch/:runId" element={<RunPage />} />
          <Route path="getting-started" element={<GettingStartedPage />} />
          <Route path="credentials" element={<CredentialsPage />} />
          <Route path="secrets" element={<SecretsPage />} />
          <Route path="compute-envs" element={<ComputeEnvsPage />} />
          <Route path="launch" element={<LaunchPage />} />
          <Route path="launchpad" element={<LaunchpadPage />} />
          <Route path="datasets" element={<DatasetsPage />} />
          <Route path="actions" element={<ActionsPage />} />
        </Route>
        <Route path="tokens" element={<TokensPage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="orgs" element={<OrgsPage />} />
        <Route path="audit-log" element={<AuditLogPage />} />
        <Route path="orgs/:orgId" element={<OrgPage />} />
        <Route path="orgs/:orgId/workspaces/:wsId" element={<WorkspacePage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

function NavigateRuns() {
  const ws = useWorkspaceId();
  return <Navigate to={paths.runs(ws)} replace />;
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/runs">Go to your runs</Link>.
      </p>
    </div>
  );
}

/** Everything behind sign-in: checks the session, then shows the frame around the page. */
function SignedIn() {
  const me = useUserInfo();
  const location = useLocation();
  const client = useQueryClient();
  const [expired, setExpired] = useState(false);

  // Any call that finds the session gone (after one refresh attempt) ends up here.
  useEffect(
    () =>
      onSessionEnded(() => {
        setExpired(true);
        client.setQueryData(keys.userInfo, null);
      }),
    [client],
  );

  if (me.isPending) return <Loading what="your session" />;
  if (me.isError) return <ErrorBox error={me.error} retry={() => me.refetch()} title="Cannot check your session" />;
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?${expired ? 'expired=1&' : ''}next=${next}`} replace />;
  }
  return (
    <div className="frame">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <TopBar userName={me.data.user.userName} userId={me.data.user.id} />
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<Loading what="page" />}>
          <Outlet />
        </Suspense>
      </main>
      <Footer />
    </div>
  );
}

function TopBar({ userName, userId }: { userName: string; userId: number }) {
  const ws = useWorkspaceId();
  const [menu, setMenu] = useState(false);
  // Only root users and organization owners read the audit log: the link shows when it answers.
  const audit = useQuery({ queryKey: ['audit-access', userId], queryFn: () => listAuditLog({}).then(() => true), retry: false, staleTime: Infinity });
  const location = useLocation();
  useEffect(() => setMenu(false), [location.pathname]);
  return (
    <header className="topbar">
      <Link to={paths.runs(ws)} className="brand" aria-label="Tower home">
        <img src="/favicon.svg" alt="" width={24} height={24} /> <span>Tower</span>
      </Link>
      <WorkspaceSwitcher userId={userId} />
      <button type="button" className="btn btn-icon menu-toggle" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)} aria-label="Menu">
        <Icon name="menu" />
      </button>
      <nav id="nav" className={`nav ${menu ? 'nav-open' : ''}`} aria-label="Main">
        <NavLink to={paths.runs(ws)}>Runs</NavLink>
        <NavLink to={paths.launchpad(ws)}>Launchpad</NavLink>
        <NavLink to={paths.datasets(ws)}>Datasets</NavLink>
        <NavLink to={paths.actions(ws)}>Actions</NavLink>
        <NavLink to={paths.computeEnvs(ws)}>Compute</NavLink>
        <NavLink to={paths.credentials(ws)}>Credentials</NavLink>
        <NavLink to={paths.secrets(ws)}>Secrets</NavLink>
        <NavLink to={paths.gettingStarted(ws)}>Getting started</NavLink>
        <NavLink to={paths.tokens}>Tokens</NavLink>
        <NavLink to={paths.orgs}>Organizations</NavLink>
        {audit.data ? <NavLink to={paths.auditLog}>Audit log</NavLink> : null}
        <NavLink to={paths.profile} title={`Signed in as ${userName}`}>
          <Icon name="user" /> {userName}
        </NavLink>
        <ThemeToggle />
        <SignOutButton />
      </nav>
    </header>
  );
}

function WorkspaceSwitcher({ userId }: { userId: number }) {
  const ws = useWorkspaceId();
  const list = useWorkspaces(userId);
  const navigate = useNavigate();
  const options = list.data ?? [];
  return (
    <label className="ws-switch">
      <span className="sr-only">Workspace</span>
      <select
        value={ws ?? ''}
        onChange={(e) => navigate(paths.runs(e.target.value ? Number(e.target.value) : null))}
        disabled={list.isPending}
        title={list.isError ? 'Could not load your workspaces' : 'Workspace'}
      >
        <option value="">Personal</option>
        {options.map((o) => (
          <option key={o.workspaceId!} value={o.workspaceId!}>
            {o.orgName} / {o.workspaceName}
          </option>
        ))}
        {ws && !options.some((o) => o.workspaceId === ws) ? <option value={ws}>Workspace {ws}</option> : null}
      </select>
    </label>
  );
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme());
  const dark = effectiveTheme(theme) === 'dark';
  return (
    <button
      type="button"
      className="btn btn-icon"
      aria-label={dark ? 'Switch to light mode' : 'Switch to dark mode'}
      title={dark ? 'Light mode' : 'Dark mode'}
      onClick={() => {
        const t: Theme = dark ? 'light' : 'dark';
        applyTheme(t);
        setTheme(t);
      }}
    >
      <Icon name={dark ? 'sun' : 'moon'} />
    </button>
  );
}

function SignOutButton() {
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={async () => {
        try {
          await signOut();
        } finally {
          navigate('/login', { replace: true });
        }
      }}
    >
      <Icon name="logout" /> Sign out
    </button>
  );
}

function Footer() {
  const info = useServiceInfo();
  return (
    <footer className="footer">
      <span>Tower {info.data ? `${info.data.version} (API ${info.data.apiVersion})` : ''}</span>
      <a href="/api/swagger-ui/" target="_blank" rel="noreferrer">
        API reference
      </a>
      {info.data?.contactEmail ? <a href={`mailto:${info.data.contactEmail}`}>Contact</a> : null}
    </footer>
  );
}
