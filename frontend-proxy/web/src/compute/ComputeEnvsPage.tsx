// Compute environments of the workspace: list with status and primary flag (the pre-flight
// checks' message under a failed one), add with a form per platform and a credentials picker,
// check again, make primary, disable or enable, delete.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { computeEnvAction, createComputeEnv, deleteComputeEnv, listComputeEnvs, listPlatforms, type ComputeEnvEntry } from '../api/computeEnvs';
import { listCredentials } from '../api/credentials';
import { keys } from '../api/keys';
import { configToSend, PLATFORM_FORMS, type PlatformField } from '../lib/platforms';
import { useWorkspaceId } from '../paths';
import { ConfirmDialog, Modal } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, ListStates, RunStatus, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

const TONE: Record<string, string> = { AVAILABLE: 'succeeded', CREATING: 'running', ERRORED: 'failed', INVALID: 'failed', DISABLED: 'cancelled' };

export default function ComputeEnvsPage() {
  const ws = useWorkspaceId();
  // While a check runs, look again every two seconds.
  const q = useQuery({
    queryKey: keys.computeEnvs(ws),
    queryFn: () => listComputeEnvs(ws),
    refetchInterval: (query) => (query.state.data?.some((c) => c.status === 'CREATING') ? 2000 : false),
  });
  const [adding, setAdding] = useState(false);
  return (
    <div className="page page-narrow">
      <h1>Compute environments</h1>
      <p>
        Where launched pipelines run their Nextflow head job: this host, a Slurm, LSF, PBS Pro, Grid Engine or Moab cluster reached over SSH, or
        Kubernetes. Each is checked on the real host before it can be used.
      </p>
      <Card
        title={ws ? 'Workspace compute environments' : 'Your compute environments'}
        actions={
          <button type="button" className="btn btn-primary btn-small" onClick={() => setAdding(true)}>
            <Icon name="plus" /> Add compute environment
          </button>
        }
      >
        <ListStates query={q} what="compute environments" empty="No compute environments yet." emptyIcon="key">
          {(rows) => (
            <ul className="token-list">
              {rows.map((c) => (
                <ComputeEnvRow key={c.id} c={c} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <Modal open={adding} onClose={() => setAdding(false)} title="Add a compute environment" labelledBy="ce-title">
        {adding ? <ComputeEnvForm onDone={() => setAdding(false)} /> : null}
      </Modal>
    </div>
  );
}

function ComputeEnvRow({ c }: { c: ComputeEnvEntry }) {
  const ws = useWorkspaceId();
  const [confirm, setConfirm] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  const action = useAction();
  const act = async (what: 'primary' | 'disable' | 'enable' | 'validate', done: string) => {
    if (await action.run(() => computeEnvAction(ws, c.id, what))) {
      await client.invalidateQueries({ queryKey: keys.computeEnvs(ws) });
      toast(done);
    }
  };
  return (
    <li className="token-row" data-testid="ce-row">
      <RunStatus status={c.status} tone={TONE[c.status] ?? 'unknown'} />
      <div className="token-main">
        <strong>
          {c.name} {c.primary ? <span className="pill">primary</span> : null}
        </strong>
        <span className="muted">
          {c.platform}
          {c.workDir ? ` · ${c.workDir}` : ''}
        </span>
        {c.message ? (
          <span className="form-error" data-testid="ce-message">
            {c.message}
          </span>
        ) : null}
        {action.shown}
      </div>
      {!c.primary ? (
        <button type="button" className="btn btn-small" onClick={() => act('primary', `${c.name} is the primary compute environment`)} disabled={action.busy}>
          Make primary
        </button>
      ) : null}
      {c.status === 'DISABLED' ? (
        <button type="button" className="btn btn-small" onClick={() => act('enable', `${c.name} enabled`)} disabled={action.busy}>
          Enable
        </button>
      ) : (
        <>
          <button type="button" className="btn btn-small" onClick={() => act('validate', `${c.name} checked`)} disabled={action.busy || c.status === 'CREATING'}>
            Check again
          </button>
          <button type="button" className="btn btn-small" onClick={() => act('disable', `${c.name} disabled`)} disabled={action.busy}>
            Disable
          </button>
        </>
      )}
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setConfirm(true)} aria-label={`Delete compute environment ${c.name}`}>
        Delete
      </button>
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Delete compute environment ${c.name}?`}
        action="Delete"
        onConfirm={async () => {
          await deleteComputeEnv(ws, c.id);
          await client.invalidateQueries({ queryKey: keys.computeEnvs(ws) });
          toast(`Compute environment ${c.name} deleted`);
        }}
      >
        <p>Pipelines can no longer be launched on it. Runs already launched are not affected.</p>
      </ConfirmDialog>
    </li>
  );
}

function ComputeEnvForm({ onDone }: { onDone: () => void }) {
  const ws = useWorkspaceId();
  const platforms = useQuery({ queryKey: ['platforms', ws ?? 0], queryFn: () => listPlatforms(ws) });
  const credentials = useQuery({ queryKey: keys.credentials(ws), queryFn: () => listCredentials(ws) });
  const offered = PLATFORM_FORMS.filter((f) => platforms.data?.some((p) => p.id === f.id && !p.name.includes('not available')));
  const [platform, setPlatform] = useState('slurm-platform');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [creds, setCreds] = useState('');
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  const form = offered.find((f) => f.id === platform) ?? offered[0];
  const usable = (credentials.data ?? []).filter((c) => c.provider === form?.provider);
  if (!form) return <p className="muted">Loading the platforms…</p>;
  return (
    <form
      className="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { name: name.trim(), platform: form.id, description: description.trim() || undefined, credentialsId: form.provider ? creds || usable[0]?.id : undefined, config: configToSend(form.id, values) };
        if (await action.run(() => createComputeEnv(ws, body))) {
          await client.invalidateQueries({ queryKey: keys.computeEnvs(ws) });
          toast(`Compute environment ${body.name} added: checking it`);
          onDone();
        }
      }}
    >
      <label className="field">
        <span>Platform</span>
        <select value={form.id} onChange={(e) => setPlatform(e.target.value)} name="platform">
          {offered.map((f) => (
            <option key={f.id} value={f.id}>
              {platforms.data?.find((p) => p.id === f.id)?.name ?? f.id}
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
        <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} name="description" />
      </label>
      {form.provider ? (
        <label className="field">
          <span>Credentials ({form.provider})</span>
          <select value={creds || usable[0]?.id || ''} onChange={(e) => setCreds(e.target.value)} name="credentialsId" required>
            {usable.length === 0 ? <option value="">No {form.provider} credentials: add them on the Credentials page</option> : null}
            {usable.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {form.fields.map((f) => (
        <ConfigField key={`${form.id}-${f.key}`} field={f} value={values[f.key]} set={(v) => setValues({ ...values, [f.key]: v })} />
      ))}
      {action.shown}
      <footer className="modal-foot">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={action.busy || !name.trim() || (!!form.provider && usable.length === 0)}>
          {action.busy ? 'Adding…' : 'Add'}
        </button>
      </footer>
    </form>
  );
}

function ConfigField({ field, value, set }: { field: PlatformField; value: string | boolean | undefined; set: (v: string | boolean) => void }) {
  if (field.type === 'checkbox') {
    return (
      <label className="check">
        <input type="checkbox" name={field.key} checked={value === true} onChange={(e) => set(e.target.checked)} /> {field.label}
      </label>
    );
  }
  const common = { name: field.key, value: typeof value === 'string' ? value : '', placeholder: field.hint, required: field.required };
  return (
    <label className="field">
      <span>{field.label}</span>
      {field.type === 'textarea' ? (
        <textarea {...common} rows={3} spellCheck={false} className="mono" onChange={(e) => set(e.target.value)} />
      ) : (
        <input {...common} type={field.type === 'number' ? 'number' : 'text'} onChange={(e) => set(e.target.value)} />
      )}
    </label>
  );
}
