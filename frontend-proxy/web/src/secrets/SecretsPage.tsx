// Pipeline secrets of the workspace (or the user's own): names and dates; a value is entered,
// replaced or deleted, never shown. Nextflow reads them as `secrets.NAME`.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createSecret, deleteSecret, listSecrets, updateSecret, type PipelineSecret } from '../api/credentials';
import { keys } from '../api/keys';
import { formatRelative } from '../lib/format';
import { useWorkspaceId } from '../paths';
import { ConfirmDialog, Modal } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, ListStates, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

export default function SecretsPage() {
  const ws = useWorkspaceId();
  const q = useQuery({ queryKey: keys.secrets(ws), queryFn: () => listSecrets(ws) });
  const [editing, setEditing] = useState<PipelineSecret | 'new' | null>(null);
  return (
    <div className="page page-narrow">
      <h1>Secrets</h1>
      <p>
        Values your pipelines read as <code>secrets.NAME</code> when Tower launches them: passwords, API keys. They are encrypted at rest; a value
        can be replaced but is never shown again.
      </p>
      <Card
        title={ws ? 'Workspace secrets' : 'Your secrets'}
        actions={
          <button type="button" className="btn btn-primary btn-small" onClick={() => setEditing('new')}>
            <Icon name="plus" /> Add secret
          </button>
        }
      >
        <ListStates query={q} what="secrets" empty="No secrets yet." emptyIcon="key">
          {(rows) => (
            <ul className="token-list">
              {rows.map((s) => (
                <SecretRow key={s.id} s={s} onEdit={() => setEditing(s)} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <Modal open={editing !== null} onClose={() => setEditing(null)} title={editing && editing !== 'new' ? `Replace the value of ${editing.name}` : 'Add a secret'} labelledBy="secret-title">
        <SecretForm key={editing && editing !== 'new' ? editing.id : 'new'} existing={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
      </Modal>
    </div>
  );
}

function SecretRow({ s, onEdit }: { s: PipelineSecret; onEdit: () => void }) {
  const ws = useWorkspaceId();
  const [confirm, setConfirm] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  return (
    <li className="token-row" data-testid="secret-row">
      <Icon name="key" />
      <div className="token-main">
        <strong className="mono">{s.name}</strong>
        <span className="muted">
          added {formatRelative(s.dateCreated)} · updated {formatRelative(s.lastUpdated)} · {s.lastUsed ? `last used ${formatRelative(s.lastUsed)}` : 'never used'}
        </span>
      </div>
      <button type="button" className="btn btn-small" onClick={onEdit} aria-label={`Replace the value of ${s.name}`}>
        Replace value
      </button>
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setConfirm(true)} aria-label={`Delete secret ${s.name}`}>
        Delete
      </button>
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Delete secret ${s.name}?`}
        action="Delete"
        onConfirm={async () => {
          await deleteSecret(ws, s.id);
          await client.invalidateQueries({ queryKey: keys.secrets(ws) });
          toast(`Secret ${s.name} deleted`);
        }}
      >
        <p>Pipelines that read it fail until it is added again.</p>
      </ConfirmDialog>
    </li>
  );
}

function SecretForm({ existing, onDone }: { existing: PipelineSecret | null; onDone: () => void }) {
  const ws = useWorkspaceId();
  const [name, setName] = useState(existing?.name ?? '');
  const [value, setValue] = useState('');
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  return (
    <form
      className="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await action.run(() => (existing ? updateSecret(ws, existing.id, value) : createSecret(ws, name.trim(), value)));
        if (ok) {
          await client.invalidateQueries({ queryKey: keys.secrets(ws) });
          toast(existing ? `Secret ${existing.name} replaced` : `Secret ${name.trim()} added`);
          onDone();
        }
      }}
    >
      {existing ? null : (
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} name="name" className="mono" pattern="[A-Za-z_][A-Za-z0-9_]+" title="Letters, digits and underscores, starting with a letter or underscore" />
        </label>
      )}
      <label className="field">
        <span>Value</span>
        <textarea value={value} onChange={(e) => setValue(e.target.value)} required rows={3} name="value" spellCheck={false} autoComplete="off" className="mono" />
      </label>
      {action.shown}
      <footer className="modal-foot">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={action.busy || !value || (!existing && !name.trim())}>
          {action.busy ? 'Saving…' : existing ? 'Replace' : 'Add'}
        </button>
      </footer>
    </form>
  );
}
