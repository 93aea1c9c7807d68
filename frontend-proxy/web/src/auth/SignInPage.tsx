// Sign-in: an OpenID Connect button, an e-mail link, or pasting a personal access token,
// whichever the server offers (GET /service-info authTypes).

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { errorMessage } from '../api/client';
import { keys } from '../api/keys';
import { ErrorBox, Loading } from '../ui/kit';
import { Icon } from '../ui/Icons';
import { oidcLoginUrl, requestEmailLink, signInWithToken, useServiceInfo } from './session';

/** Only same-site paths are followed after sign-in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function SignInPage() {
  const info = useServiceInfo();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const expired = params.get('expired') === '1';

  return (
    <main className="signin" id="main">
      <div className="signin-box">
        <div className="brand brand-large">
          <img src="/favicon.svg" alt="" width={36} height={36} /> Tower
        </div>
        <h1>Sign in</h1>
        {expired ? (
          <p className="notice" role="status">
            Your session has ended. Sign in again to continue.
          </p>
        ) : null}
        {info.isPending ? <Loading what="sign-in options" /> : null}
        {info.isError ? <ErrorBox error={info.error} retry={() => info.refetch()} /> : null}
        {info.data ? (
          <>
            {info.data.authTypes.includes('oidc') ? (
              <a className="btn btn-primary btn-block" href={oidcLoginUrl(next)}>
                Sign in with your organization (OpenID Connect)
              </a>
            ) : null}
            {info.data.authTypes.includes('email') ? <EmailForm /> : null}
            <TokenForm next={next} />
          </>
        ) : null}
      </div>
    </main>
  );
}

function EmailForm() {
  const [email, setEmail] = useState('');
  const [state, setState] = useState<'idle' | 'busy' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (state === 'sent') {
    return (
      <div className="signin-section" role="status">
        <h2>Check your inbox</h2>
        <p>
          If <strong>{email}</strong> may sign in here, a sign-in link is on its way. It works once and expires soon. Nothing after a
          few minutes? Look in the spam folder.
        </p>
        <button type="button" className="btn btn-link" onClick={() => setState('idle')}>
          Use another address
        </button>
      </div>
    );
  }
  return (
    <form
      className="signin-section"
      onSubmit={async (e) => {
        e.preventDefault();
        setState('busy');
        setError(null);
        try {
          await requestEmailLink(email);
          setState('sent');
        } catch (err) {
          setError(errorMessage(err));
          setState('idle');
        }
      }}
    >
      <h2>E-mail me a sign-in link</h2>
      <label className="field">
        <span>E-mail address</span>
        <input type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <p className="hint">No password needed.</p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn btn-block" disabled={state === 'busy' || !email}>
        {state === 'busy' ? 'Sending…' : 'Send the link'}
      </button>
    </form>
  );
}

function TokenForm({ next }: { next: string }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const navigate = useNavigate();
  return (
    <form
      className="signin-section"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await signInWithToken(token);
          await client.invalidateQueries({ queryKey: keys.userInfo });
          await client.refetchQueries({ queryKey: keys.userInfo });
          navigate(next, { replace: true });
        } catch (err) {
          setError(errorMessage(err));
          setBusy(false);
        }
      }}
    >
      <h2>Sign in with an access token</h2>
      <label className="field">
        <span>Personal access token</span>
        <input
          type="password"
          required
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          name="token"
        />
      </label>
      <p className="hint">
        <Icon name="key" /> Create one on the server with <code>tower-backend token create --email you@example.com --name laptop</code>, or
        use the token Nextflow uses (<code>TOWER_ACCESS_TOKEN</code>).
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary btn-block" disabled={busy || !token.trim()}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
