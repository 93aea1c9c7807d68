// Actions of the workspace (or the user's own): a pipeline launch that a call with a token
// (tower), a GitHub push (github) or a schedule (cron) starts. Created per source — a GitHub
// action shows its webhook URL and secret once, to paste into the repository's settings; a
// schedule shows its next times as it is typed — then launched now, paused or resumed, deleted.

import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { createAction, deleteAction, launchAction, listActions, resolveCron, togglePause, type Action, type ActionSource } from '../api/actions';
import { listComputeEnvs } from '../api/computeEnvs';
import { keys } from '../api/keys';
import { formatRelative } from '../lib/format';
import { paths, useWorkspaceId } from '../paths';
import { ConfirmDialog, Modal } from '../ui/Dialog';
import { Icon, type IconName } from '../ui/Icons';
import { Card, CopyButton, ListStates, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

const key = (ws: number | null) => ['actions', ws ?? 0];

const SOURCES: { source: ActionSource; title: string; icon: IconName }[] = [
  { source: 'tower', title: 'Tower launch hook (called with an access token)', icon: 'play' },
  { source: 'github', title: 'GitHub webhook (a push to the branch)', icon: 'external' },
  { source: 'cron', title: 'Schedule (a cron expression)', icon: 'clock' },
];

export default function ActionsPage() {
  const ws = useWorkspaceId();
  const q = useQuery({ queryKey: key(ws), queryFn: () => listActions(ws) });
  const [adding, setAdding] = useState(false);
  return (
    <div className="page">
      <h1>Actions</h1>
      <p>Launch a pipeline when a script calls its endpoint, when a branch of its repository gets a push, or on a schedule.</p>
      <div className="inline-form">
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          <Icon name="plus" /> Add action
        </button>
      </div>
      <Card>
        <ListStates query={q} what="actions" empty="No actions yet." emptyIcon="search">
          {(rows) => (
            <ul className="token-list">
              {rows.map((a) => (
                <ActionRow key={a.id} a={a} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <Modal open={adding} onClose={() => setAdding(false)} title="Add an action" labelledBy="action-title">
        {adding ? <ActionForm onDone={() => setAdding(false)} /> : null}
      </Modal>
    </div>
  );
}

function ActionRow({ a }: { a: Action }) {
  const ws = useWorkspaceId();
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  const refresh = () => client.invalidateQueries({ queryKey: key(ws) });
  const paused = a.status === 'PAUSED';
  const icon = SOURCES.find((s) => s.source === a.source)?.icon ?? 'play';
  return (
    <li className="token-row" data-testid="action-row">
      <Icon name={icon} />
      <div className="token-main">
        <strong>
          {a.name} {paused ? <span className="label">paused</span> : null}
        </strong>
        <span className="muted">
          {a.source} · {a.pipeline}
          {a.launch.computeEnv ? ` · on ${a.launch.computeEnv.name}` : ''}
        </span>
        {a.source === 'cron' ? (
          <span className="muted" data-testid="action-schedule">
            {`${a.config.expression} (${a.config.timezone})`}
            {a.nextExecution ? ` · next ${new Date(a.nextExecution).toLocaleString()}` : ''}
          </span>
        ) : null}
        {a.hookUrl ? (
          <span className="muted mono">
            {a.hookUrl} <CopyButton text={a.source === 'tower' && a.usageCmd ? a.usageCmd : a.hookUrl} label={a.source === 'tower' ? 'Copy curl' : 'Copy URL'} />
          </span>
        ) : null}
        {a.error ? (
          <span className="form-error" data-testid="action-error">
            {a.error}
          </span>
        ) : a.event?.workflowId ? (
          <span className="muted" data-testid="action-last">
            last launched <Link to={paths.run(ws, a.event.workflowId)}>{a.event.workflowId}</Link> {a.event.timestamp ? formatRelative(a.event.timestamp) : ''}
          </span>
        ) : null}
        {action.shown}
      </div>
      <button
        type="button"
        className="btn btn-small"
        disabled={paused || action.busy}
        onClick={async () => {
          let run = '';
          if (await action.run(async () => void (run = (await launchAction(ws, a.id)).workflowId))) {
            await refresh();
            toast(`Launched ${a.name}: run ${run}`);
          }
        }}
      >
        Launch now
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={action.busy}
        onClick={async () => {
          if (await action.run(() => togglePause(ws, a.id))) {
            await refresh();
            toast(`${a.name} ${paused ? 'resumed' : 'paused'}`);
          }
        }}
      >
        {paused ? 'Resume' : 'Pause'}
      </button>
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setConfirm(true)} aria-label={`Delete action ${a.name}`}>
        Delete
      </button>
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Delete action ${a.name}?`}
        action="Delete"
        onConfirm={async () => {
          await deleteAction(ws, a.id);
          await refresh();
          toast(`Action ${a.name} deleted`);
        }}
      >
        <p>Nothing launches it any more; the runs it launched stay.</p>
      </ConfirmDialog>
    </li>
  );
}

/** The next times of a schedule as it is typed, or why it is not one. */
function SchedulePreview({ expression, timezone }: { expression: string; timezone: string }) {
  const ws = useWorkspaceId();
  const [typed, setTyped] = useState({ expression, timezone });
  useEffect(() => {
    const t = setTimeout(() => setTyped({ expression, timezone }), 300);
    return () => clearTimeout(t);
  }, [expression, timezone]);
  const q = useQuery({
    queryKey: ['cron-resolve', ws ?? 0, typed.expression, typed.timezone],
    queryFn: () => resolveCron(ws, typed.expression, typed.timezone),
    enabled: typed.expression.trim().length > 0,
    retry: false,
  });
  if (q.error) return <span className="form-error">{(q.error as Error).message}</span>;
  if (!q.data) return null;
  return (
    <span className="muted" data-testid="schedule-preview">
      Next: {q.data.nextExecutions.map((t) => new Date(t).toLocaleString()).join(' · ')}
    </span>
  );
}

function ActionForm({ onDone }: { onDone: () => void }) {
  const ws = useWorkspaceId();
  const envs = useQuery({ queryKey: keys.computeEnvs(ws), queryFn: () => listComputeEnvs(ws) });
  const [name, setName] = useState('');
  const [source, setSource] = useState<ActionSource>('tower');
  const [pipeline, setPipeline] = useState('');
  const [revision, setRevision] = useState('');
  const [ce, setCe] = useState('');
  const [params, setParams] = useState('');
  const [expression, setExpression] = useState('0 6 * * *');
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [catchUp, setCatchUp] = useState(true);
  const [created, setCreated] = useState<{ hookUrl: string; secret: string } | null>(null);
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  if (created) {
    return (
      <div className="stack-form" data-testid="github-hook">
        <p>
          In the repository&apos;s <em>Settings → Webhooks</em>, add a webhook with this payload URL, content type <code>application/json</code> and this
          secret. The secret is shown only now.
        </p>
        <label className="field">
          <span>Payload URL</span>
          <span className="mono">
            {created.hookUrl} <CopyButton text={created.hookUrl} label="Copy URL" />
          </span>
        </label>
        <label className="field">
          <span>Secret</span>
          <span className="mono" data-testid="hook-secret">
            {created.secret} <CopyButton text={created.secret} label="Copy secret" />
          </span>
        </label>
        <footer className="modal-foot">
          <button type="button" className="btn btn-primary" onClick={onDone}>
            Done
          </button>
        </footer>
      </div>
    );
  }
  return (
    <form
      className="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const launch = { pipeline: pipeline.trim(), revision: revision.trim() || undefined, computeEnvId: ce || undefined, paramsText: params || undefined };
        const cron = source === 'cron' ? { expression, timezone, catchUp } : undefined;
        let answer: { actionId: string; hookSecret?: string } | undefined;
        if (await action.run(async () => void (answer = await createAction(ws, { name: name.trim(), source, launch, cron })))) {
          await client.invalidateQueries({ queryKey: key(ws) });
          toast(`Action ${name.trim()} added`);
          if (answer?.hookSecret) {
            const all = await listActions(ws);
            setCreated({ hookUrl: all.find((a) => a.id === answer!.actionId)?.hookUrl ?? '', secret: answer.hookSecret });
          } else onDone();
        }
      }}
    >
      <label className="field">
        <span>Name</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label className="field">
        <span>Started by</span>
        <select name="source" value={source} onChange={(e) => setSource(e.target.value as ActionSource)}>
          {SOURCES.map((s) => (
            <option key={s.source} value={s.source}>
              {s.title}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Pipeline (repository URL or path)</span>
        <input name="pipeline" value={pipeline} onChange={(e) => setPipeline(e.target.value)} required placeholder="https://github.com/nextflow-io/hello" />
      </label>
      <label className="field">
        <span>{source === 'github' ? 'Branch (pushes to it launch)' : 'Revision'}</span>
        <input name="revision" value={revision} onChange={(e) => setRevision(e.target.value)} placeholder="the default branch" />
      </label>
      <label className="field">
        <span>Compute environment</span>
        <select name="computeEnvId" value={ce} onChange={(e) => setCe(e.target.value)}>
          <option value="">The workspace&apos;s primary</option>
          {(envs.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.platform})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Parameters (JSON or YAML)</span>
        <textarea name="params" className="mono" rows={3} value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} />
      </label>
      {source === 'cron' ? (
        <>
          <label className="field">
            <span>Schedule (minute hour day-of-month month day-of-week)</span>
            <input name="expression" className="mono" value={expression} onChange={(e) => setExpression(e.target.value)} required />
          </label>
          <label className="field">
            <span>Time zone</span>
            <input name="timezone" value={timezone} onChange={(e) => setTimezone(e.target.value)} placeholder="UTC" />
          </label>
          <SchedulePreview expression={expression} timezone={timezone} />
          <label className="check">
            <input type="checkbox" name="catchUp" checked={catchUp} onChange={(e) => setCatchUp(e.target.checked)} /> Launch once for times missed
            while Tower was down
          </label>
        </>
      ) : null}
      {action.shown}
      <footer className="modal-foot">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={action.busy || !name.trim() || !pipeline.trim()}>
          {action.busy ? 'Adding…' : 'Add'}
        </button>
      </footer>
    </form>
  );
}
