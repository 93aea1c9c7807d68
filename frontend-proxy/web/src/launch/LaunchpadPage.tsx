// The Launchpad: the workspace's pipelines, each launched with its saved settings (the launch
// form opens filled), added with a name and the settings to launch it with, edited (an edit of a
// published version makes a draft: see PipelineVersions), or removed; and a quick launch of any
// repository without saving it.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listComputeEnvs } from '../api/computeEnvs';
import { keys } from '../api/keys';
import type { LaunchRecord } from '../api/launch';
import { createPipeline, deletePipeline, listPipelines, pipelineLaunch, updatePipeline, type Pipeline } from '../api/pipelines';
import { PipelineVersions } from './PipelineVersions';
import { LabelsEditor } from '../run/LabelsEditor';
import { paths, useWorkspaceId } from '../paths';
import { ConfirmDialog, Modal } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, ListStates, Loading, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

export default function LaunchpadPage() {
  const ws = useWorkspaceId();
  const [search, setSearch] = useState('');
  const q = useQuery({ queryKey: ['pipelines', ws ?? 0, search], queryFn: () => listPipelines(ws, search).then((r) => r.pipelines) });
  const [adding, setAdding] = useState(false);
  return (
    <div className="page">
      <h1>Launchpad</h1>
      <div className="inline-form">
        <label className="field">
          <span>Search pipelines</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name, description or repository" />
        </label>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          <Icon name="plus" /> Add pipeline
        </button>
        <Link className="btn" to={paths.launch(ws)}>
          Quick launch
        </Link>
      </div>
      <Card>
        <ListStates query={q} what="pipelines" empty="No pipelines yet. Add one, or use Quick launch." emptyIcon="search">
          {(rows) => (
            <ul className="token-list">
              {rows.map((p) => (
                <PipelineRow key={p.pipelineId} p={p} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <Modal open={adding} onClose={() => setAdding(false)} title="Add a pipeline" labelledBy="pipeline-title">
        {adding ? <PipelineForm onDone={() => setAdding(false)} /> : null}
      </Modal>
    </div>
  );
}

function PipelineRow({ p }: { p: Pipeline }) {
  const ws = useWorkspaceId();
  const [confirm, setConfirm] = useState(false);
  const [editing, setEditing] = useState(false);
  const [versions, setVersions] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  return (
    <li className="token-row" data-testid="pipeline-row">
      <Icon name="play" />
      <div className="token-main">
        <strong>{p.name}</strong>
        <span className="muted">
          {p.repository}
          {p.computeEnv ? ` · on ${p.computeEnv.name}` : ''}
          {p.version ? ` · version ${p.version.name ?? 'draft'}` : ''}
        </span>
        {p.description ? <span>{p.description}</span> : null}
        {p.labels.length ? (
          <span className="labels" data-testid="pipeline-labels">
            {p.labels.map((l) => (
              <span key={l.id} className="label">
                {l.value ? `${l.name}=${l.value}` : l.name}
              </span>
            ))}
          </span>
        ) : null}
      </div>
      <LabelsEditor ws={ws} target={{ pipeline: p.pipelineId }} current={p.labels} />
      <button type="button" className="btn btn-small" onClick={() => setVersions(true)} aria-label={`Versions of ${p.name}`}>
        Versions
      </button>
      <button type="button" className="btn btn-small" onClick={() => setEditing(true)} aria-label={`Edit ${p.name}`}>
        Edit
      </button>
      <Link className="btn btn-primary btn-small" to={`${paths.launch(ws)}?pipeline=${p.pipelineId}`} aria-label={`Launch ${p.name}`}>
        Launch
      </Link>
      <Modal open={versions} onClose={() => setVersions(false)} title={`Versions of ${p.name}`} labelledBy={`versions-${p.pipelineId}`}>
        {versions ? <PipelineVersions pipeline={p} /> : null}
      </Modal>
      <Modal open={editing} onClose={() => setEditing(false)} title={`Edit ${p.name}`} labelledBy={`edit-${p.pipelineId}`}>
        {editing ? <EditPipeline p={p} onDone={() => setEditing(false)} /> : null}
      </Modal>
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setConfirm(true)} aria-label={`Remove pipeline ${p.name}`}>
        Remove
      </button>
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Remove pipeline ${p.name}?`}
        action="Remove"
        onConfirm={async () => {
          await deletePipeline(ws, p.pipelineId);
          await client.invalidateQueries({ queryKey: ['pipelines', ws ?? 0] });
          toast(`Pipeline ${p.name} removed`);
        }}
      >
        <p>It leaves the Launchpad; its runs stay.</p>
      </ConfirmDialog>
    </li>
  );
}

/** The edit form, filled with the pipeline and its default version's launch settings. */
function EditPipeline({ p, onDone }: { p: Pipeline; onDone: () => void }) {
  const ws = useWorkspaceId();
  const launch = useQuery({ queryKey: ['pipeline-launch', ws ?? 0, p.pipelineId], queryFn: () => pipelineLaunch(ws, p.pipelineId) });
  if (!launch.data) return <Loading what="the pipeline's settings" />;
  return <PipelineForm onDone={onDone} existing={{ pipeline: p, launch: launch.data }} />;
}

function PipelineForm({ onDone, existing }: { onDone: () => void; existing?: { pipeline: Pipeline; launch: LaunchRecord } }) {
  const ws = useWorkspaceId();
  const envs = useQuery({ queryKey: keys.computeEnvs(ws), queryFn: () => listComputeEnvs(ws) });
  const was = existing?.launch;
  const [name, setName] = useState(existing?.pipeline.name ?? '');
  const [description, setDescription] = useState(existing?.pipeline.description ?? '');
  const [pipeline, setPipeline] = useState(was?.pipeline ?? '');
  const [revision, setRevision] = useState(was?.revision ?? '');
  const [ce, setCe] = useState(existing?.pipeline.computeEnv?.id ?? '');
  const [profiles, setProfiles] = useState((was?.configProfiles ?? []).join(','));
  const [params, setParams] = useState(was?.paramsText ?? '');
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  return (
    <form
      className="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        // An edit keeps the settings this form does not show (config, scripts, secrets…).
        const launch = {
          ...(was ? { ...was, id: undefined, computeEnv: undefined, jobId: undefined, message: undefined } : {}),
          pipeline: pipeline.trim(),
          revision: revision.trim() || undefined,
          computeEnvId: ce || undefined,
          configProfiles: profiles.split(',').map((p) => p.trim()).filter(Boolean),
          paramsText: params || undefined,
        };
        const save = existing
          ? () => updatePipeline(ws, existing.pipeline.pipelineId, { name: name.trim(), description: description.trim(), launch })
          : () => createPipeline(ws, name.trim(), description.trim(), launch);
        if (await action.run(save)) {
          await client.invalidateQueries({ queryKey: ['pipelines', ws ?? 0] });
          await client.invalidateQueries({ queryKey: ['pipeline-versions', ws ?? 0] });
          await client.invalidateQueries({ queryKey: ['pipeline-launch', ws ?? 0] });
          toast(`Pipeline ${name.trim()} ${existing ? 'saved' : 'added'}`);
          onDone();
        }
      }}
    >
      <label className="field">
        <span>Name</span>
        <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label className="field">
        <span>Description</span>
        <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
      </label>
      <label className="field">
        <span>Pipeline (repository URL or path)</span>
        <input name="pipeline" value={pipeline} onChange={(e) => setPipeline(e.target.value)} required placeholder="https://github.com/nextflow-io/hello" />
      </label>
      <label className="field">
        <span>Revision</span>
        <input name="revision" value={revision} onChange={(e) => setRevision(e.target.value)} placeholder="the default branch" />
      </label>
      <label className="field">
        <span>Compute environment</span>
        <select name="computeEnvId" value={ce} onChange={(e) => setCe(e.target.value)}>
          <option value="">The workspace's primary</option>
          {(envs.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.platform})
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Config profiles (comma-separated)</span>
        <input name="profiles" value={profiles} onChange={(e) => setProfiles(e.target.value)} />
      </label>
      <label className="field">
        <span>Parameters (JSON or YAML)</span>
        <textarea name="params" className="mono" rows={4} value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} />
      </label>
      {action.shown}
      <footer className="modal-foot">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={action.busy || !name.trim() || !pipeline.trim()}>
          {action.busy ? 'Saving…' : existing ? 'Save' : 'Add'}
        </button>
      </footer>
    </form>
  );
}
