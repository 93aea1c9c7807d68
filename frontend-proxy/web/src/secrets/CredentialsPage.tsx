// Credentials of the workspace (or the personal context): list, add with a form per provider
// (key files from a file picker), edit without ever showing a stored secret, delete.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createCredentials, deleteCredentials, listCredentials, updateCredentials, type Credentials } from '../api/credentials';
import { keys } from '../api/keys';
import { formatDateTime, formatRelative } from '../lib/format';
import { keysToSend, providerForm, PROVIDERS, type ProviderField } from '../lib/providers';
import { useWorkspaceId } from '../paths';
import { ConfirmDialog, Modal } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, ListStates, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

export default function CredentialsPage() {
  const ws = useWorkspaceId();
  const q = useQuery({ queryKey: keys.credentials(ws), queryFn: () => listCredentials(ws) });
  const [editing, setEditing] = useState<Credentials | 'new' | null>(null);
  return (
    <div className="page page-narrow">
      <h1>Credentials</h1>
      <p>
        Keys that launched pipelines use: SSH keys for a cluster's login node, Kubernetes tokens, Git and registry logins, cloud keys. Secret fields
        are encrypted at rest and never shown again, not even here.
      </p>
      <Card
        title={ws ? 'Workspace credentials' : 'Your credentials'}
        actions={
          <button type="button" className="btn btn-primary btn-small" onClick={() => setEditing('new')}>
            <Icon name="plus" /> Add credentials
          </button>
        }
      >
        <ListStates query={q} what="credentials" empty="No credentials yet." emptyIcon="key">
          {(rows) => (
            <ul className="token-list">
              {rows.map((c) => (
                <CredentialsRow key={c.id} c={c} onEdit={() => setEditing(c)} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <CredentialsForm open={editing !== null} existing={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
    </div>
  );
}

function CredentialsRow({ c, onEdit }: { c: Credentials; onEdit: () => void }) {
  const ws = useWorkspaceId();
  const [confirm, setConfirm] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  const shown = Object.entries(c.keys).filter(([k]) => k !== 'discriminator');
  return (
    <li className="token-row" data-testid="credentials-row">
      <Icon name="key" />
      <div className="token-main">
        <strong>{c.name}</strong>
        <span className="muted">
          {providerForm(c.provider)?.title ?? c.provider}
          {shown.map(([k, v]) => ` · ${k}: ${v.length > 40 ? `${v.slice(0, 40)}…` : v}`).join('')}
        </span>
        <span className="muted">
          added {formatRelative(c.dateCreated)} ·{' '}
          <span title={c.lastUsed ? formatDateTime(c.lastUsed) : undefined}>{c.lastUsed ? `last used ${formatRelative(c.lastUsed)}` : 'never used'}</span>
        </span>
      </div>
      <button type="button" className="btn btn-small" onClick={onEdit} aria-label={`Edit credentials ${c.name}`}>
        Edit
      </button>
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setConfirm(true)} aria-label={`Delete credentials ${c.name}`}>
        Delete
      </button>
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Delete credentials ${c.name}?`}
        action="Delete"
        onConfirm={async () => {
          await deleteCredentials(ws, c.id);
          await client.invalidateQueries({ queryKey: keys.credentials(ws) });
          toast(`Credentials ${c.name} deleted`);
        }}
      >
        <p>The stored keys are erased. Anything still configured with these credentials can no longer use them.</p>
      </ConfirmDialog>
    </li>
  );
}

function CredentialsForm({ open, existing, onClose }: { open: boolean; existing: Credentials | null; onClose: () => void }) {
  return (
    <Modal open={open} onClose={onClose} title={existing ? `Edit credentials ${existing.name}` : 'Add credentials'} labelledBy="credentials-title">
      {/* Keyed so that each opening starts from the stored values, never from a previous edit. */}
      <CredentialsFields key={existing?.id ?? 'new'} existing={existing} onDone={onClose} />
    </Modal>
  );
}

function CredentialsFields({ existing, onDone }: { existing: Credentials | null; onDone: () => void }) {
  const ws = useWorkspaceId();
  const [provider, setProvider] = useState(existing?.provider ?? 'ssh');
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [baseUrl, setBaseUrl] = useState(existing?.baseUrl ?? '');
  const [values, setValues] = useState<Record<string, string>>(existing ? { ...existing.keys } : {});
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  const form = providerForm(provider) ?? PROVIDERS[0];
  return (
    <form
      className="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { name: name.trim(), provider, description: description.trim() || undefined, baseUrl: baseUrl.trim() || undefined, keys: keysToSend(form, values) };
        const ok = await action.run(() => (existing ? updateCredentials(ws, existing.id, body) : createCredentials(ws, body)));
        if (ok) {
          await client.invalidateQueries({ queryKey: keys.credentials(ws) });
          toast(`Credentials ${body.name} ${existing ? 'saved' : 'added'}`);
          onDone();
        }
      }}
    >
      <label className="field">
        <span>Provider</span>
        <select value={provider} onChange={(e) => setProvider(e.target.value)} disabled={!!existing} name="provider">
          {PROVIDERS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} name="name" pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" title="Letters, digits, '-', '_' or '.'" />
      </label>
      <label className="field">
        <span>Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1000} name="description" />
      </label>
      {form.baseUrl ? (
        <label className="field">
          <span>Repository base URL (optional)</span>
          <input value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} type="url" placeholder="https://git.example.com" name="baseUrl" />
        </label>
      ) : null}
      <p className="muted">Needs {form.needs}.</p>
      {form.fields.map((f) => (
        <KeyField key={`${provider}-${f.key}`} field={f} stored={!!existing && f.secret === true} value={values[f.key] ?? ''} set={(v) => setValues({ ...values, [f.key]: v })} />
      ))}
      {action.shown}
      <footer className="modal-foot">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={action.busy || !name.trim()}>
          {action.busy ? 'Saving…' : existing ? 'Save' : 'Add'}
        </button>
      </footer>
    </form>
  );
}

/** One key field. A secret of stored credentials starts empty: left so, it keeps its value. */
function KeyField({ field, stored, value, set }: { field: ProviderField; stored: boolean; value: string; set: (v: string) => void }) {
  const placeholder = stored ? 'Stored: leave empty to keep it' : field.hint;
  const id = `key-${field.key}`;
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{field.label}</span>
      </label>
      {field.file ? (
        <>
          <textarea id={id} name={field.key} rows={4} value={value} onChange={(e) => set(e.target.value)} placeholder={placeholder} spellCheck={false} autoComplete="off" className="mono" />
          <input
            type="file"
            aria-label={`${field.label} from a file`}
            data-testid={`file-${field.key}`}
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) set(await file.text());
            }}
          />
        </>
      ) : (
        <input id={id} name={field.key} type={field.secret ? 'password' : 'text'} value={value} onChange={(e) => set(e.target.value)} placeholder={placeholder} autoComplete={field.secret ? 'new-password' : 'off'} />
      )}
    </div>
  );
}
