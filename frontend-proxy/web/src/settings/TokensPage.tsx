// Access tokens: create (the secret is shown once, with a copy button), list with last use,
// revoke one or all.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { errorMessage } from '../api/client';
import { keys } from '../api/keys';
import { createToken, deleteAllTokens, deleteToken, listTokens } from '../api/tokens';
import type { AccessToken } from '../api/types';
import { formatDateTime, formatRelative } from '../lib/format';
import { ConfirmDialog } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, CopyButton, ListStates } from '../ui/kit';
import { useToast } from '../ui/toast';

export default function TokensPage() {
  const q = useQuery({ queryKey: keys.tokens, queryFn: listTokens });
  const [created, setCreated] = useState<{ name: string; accessKey: string } | null>(null);
  const [revokeAll, setRevokeAll] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  return (
    <div className="page page-narrow">
      <h1>Access tokens</h1>
      <p>
        Tokens let Nextflow (<code>TOWER_ACCESS_TOKEN</code>), the <code>tw</code> CLI and scripts use this server as you. Only a hash is
        kept: a token is shown once, when you create it. See <Link to="/getting-started">Getting started</Link> for the Nextflow setup.
      </p>
      <CreateTokenForm onCreated={setCreated} />
      {created ? (
        <div className="new-token" role="status" data-testid="new-token">
          <p>
            <strong>Token {created.name} created.</strong> Copy it now: it will not be shown again.
          </p>
          <div className="code-block">
            <pre className="code" data-testid="new-token-value">
              {created.accessKey}
            </pre>
            <CopyButton text={created.accessKey} />
          </div>
          <button type="button" className="btn btn-link" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
      <Card
        title="Your tokens"
        actions={
          q.data && q.data.length > 1 ? (
            <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setRevokeAll(true)}>
              Revoke all
            </button>
          ) : null
        }
      >
        <ListStates query={q} what="tokens" empty="No tokens yet. Create one above." emptyIcon="key">
          {(rows) => (
            <ul className="token-list">
              {rows.map((t) => (
                <TokenRow key={t.id} token={t} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <ConfirmDialog
        open={revokeAll}
        onClose={() => setRevokeAll(false)}
        title="Revoke all tokens?"
        action="Revoke all"
        confirmText="REVOKE"
        onConfirm={async () => {
          await deleteAllTokens();
          await client.invalidateQueries({ queryKey: keys.tokens });
          toast('All tokens revoked');
        }}
      >
        <p>Every Nextflow run, script and CLI using one of your tokens stops being able to report or read. This cannot be undone.</p>
      </ConfirmDialog>
    </div>
  );
}

export function CreateTokenForm({ onCreated, defaultName = '' }: { onCreated: (t: { name: string; accessKey: string }) => void; defaultName?: string }) {
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  return (
    <form
      className="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const r = await createToken(name.trim());
          onCreated({ name: r.token.name, accessKey: r.accessKey });
          setName('');
          await client.invalidateQueries({ queryKey: keys.tokens });
        } catch (err) {
          setError(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label className="field">
        <span>New token name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={50} placeholder="e.g. laptop" name="token-name" />
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
        <Icon name="plus" /> {busy ? 'Creating…' : 'Create token'}
      </button>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function TokenRow({ token }: { token: AccessToken }) {
  const [open, setOpen] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  return (
    <li className="token-row" data-testid="token-row">
      <Icon name="key" />
      <div className="token-main">
        <strong>{token.name}</strong>
        <span className="muted">
          created {formatRelative(token.dateCreated)} ·{' '}
          <span title={token.lastUsed ? formatDateTime(token.lastUsed) : undefined}>{token.lastUsed ? `last used ${formatRelative(token.lastUsed)}` : 'never used'}</span>
        </span>
      </div>
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setOpen(true)} aria-label={`Revoke token ${token.name}`}>
        Revoke
      </button>
      <ConfirmDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Revoke token ${token.name}?`}
        action="Revoke"
        onConfirm={async () => {
          await deleteToken(token.id);
          await client.invalidateQueries({ queryKey: keys.tokens });
          toast(`Token ${token.name} revoked`);
        }}
      >
        <p>Anything using this token stops working at once.</p>
      </ConfirmDialog>
    </li>
  );
}
