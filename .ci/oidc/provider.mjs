// A real OpenID Connect provider for Tower's sign-in tests: the certified `oidc-provider`
// package with a login form and a consent form, listening on 127.0.0.1. Started by
// `.ci/services.sh start` (see there); the tests drive it over HTTP like a browser.
//
// Environment:
//   OIDC_PORT            port on 127.0.0.1 (default 3390); the issuer is http://127.0.0.1:<port>
//   OIDC_REDIRECT_URIS   comma-separated redirect URIs the clients may use
//                        (default http://localhost:8000/api/oauth/callback/oidc)
//   OIDC_PID_FILE        where to write the process id (optional)
//
// Clients (all with secret `tower-test-secret`):
//   tower               an ordinary confidential client
//   tower-short-lived   its ID tokens live one second and the token response is delayed two, so
//                       the relying party receives an ID token that has already expired
//
// Users: any e-mail address signs in with the password `tower-test-password`. The subject is
// derived from the address; addresses starting with `unverified` have email_verified=false.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 3390);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.OIDC_REDIRECT_URIS || 'http://localhost:8000/api/oauth/callback/oidc')
  .split(',').map((s) => s.trim()).filter(Boolean);
const SECRET = 'tower-test-secret';
const PASSWORD = 'tower-test-password';
const SHORT_LIVED = 'tower-short-lived';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

/** sub -> claims of everybody who signed in. */
const accounts = new Map();

function account(email) {
  const address = email.trim().toLowerCase();
  const sub = `u-${createHash('sha256').update(address).digest('hex').slice(0, 20)}`;
  const [first, last] = address.split('@')[0].split(/[._-]/);
  const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : undefined);
  accounts.set(sub, {
    sub,
    email: address,
    email_verified: !address.startsWith('unverified'),
    given_name: cap(first),
    family_name: cap(last),
    name: [cap(first), cap(last)].filter(Boolean).join(' '),
  });
  return sub;
}

const client = (client_id) => ({
  client_id,
  client_secret: SECRET,
  redirect_uris: redirectUris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client('tower'), client(SHORT_LIVED)],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] },
  findAccount: async (ctx, sub) => {
    const claims = accounts.get(sub);
    return claims && { accountId: sub, claims: async () => claims };
  },
  features: { devInteractions: { enabled: false } },
  pkce: { methods: ['S256'], required: () => true },
  ttl: {
    IdToken: (ctx, token, c) => (c && c.clientId === SHORT_LIVED ? 1 : 3600),
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.oidc && ctx.oidc.client && ctx.oidc.client.clientId === SHORT_LIVED) {
    await new Promise((r) => setTimeout(r, 2000));
  }
});

const page = (title, body) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginForm(uid, message) {
  return page('Sign in', `${message ? `<p class="error">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<input type="email" name="email" required><input type="password" name="password" required>
<button type="submit">Sign in</button></form>`);
}

function consentForm(uid, clientId, scopes) {
  return page('Allow access', `<p>${escape(clientId)} asks for: ${escape(scopes)}</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Deny</button></form>`);
}

async function formBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', 'interaction mismatch'));
  const { prompt, params } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return send(res, 200, loginForm(uid));
    return send(res, 200, consentForm(uid, params.client_id, params.scope));
  }
  if (req.method !== 'POST') return send(res, 405, page('Error', 'method not allowed'));
  if (action === 'login') {
    const form = await formBody(req);
    const email = form.get('email') || '';
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || form.get('password') !== PASSWORD) {
      return send(res, 401, loginForm(uid, 'Wrong e-mail address or password'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: account(email) } }, { mergeWithLastSubmission: false });
  }
  if (action === 'confirm') {
    const { accountId } = details.session;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user denied access' }, { mergeWithLastSubmission: false });
  }
  return send(res, 404, page('Error', 'unknown action'));
}

const callback = provider.callback();
const server = createServer((req, res) => {
  const m = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?(?:\?.*)?$/.exec(req.url || '');
  if (!m) return callback(req, res);
  interaction(req, res, m[1], m[2]).catch((err) => {
    console.error(err);
    if (!res.headersSent) send(res, 400, page('Error', escape(err.message)));
  });
});

server.listen(port, '127.0.0.1', () => {
  if (process.env.OIDC_PID_FILE) writeFileSync(process.env.OIDC_PID_FILE, String(process.pid));
  console.log(`oidc-provider ${issuer} (clients tower, ${SHORT_LIVED}; redirect URIs ${redirectUris.join(' ')})`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
