// A pipeline's versions, newest first: published ones by name, drafts (made by edits) without;
// each launched as it is, a draft published under a name, any one made the default (what the
// Launchpad launches).

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listVersions, manageVersion, type Pipeline, type PipelineVersion } from '../api/pipelines';
import { formatRelative } from '../lib/format';
import { paths, useWorkspaceId } from '../paths';
import { ListStates, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

export function PipelineVersions({ pipeline }: { pipeline: Pipeline }) {
  const ws = useWorkspaceId();
  const key = ['pipeline-versions', ws ?? 0, pipeline.pipelineId];
  const q = useQuery({ queryKey: key, queryFn: () => listVersions(ws, pipeline.pipelineId) });
  return (
    <ListStates query={q} what="versions" empty="No versions." emptyIcon="search">
      {(rows) => (
        <ul className="token-list" data-testid="pipeline-versions">
          {rows.map((v) => (
            <VersionRow key={v.id} pipeline={pipeline} v={v} queryKey={key} />
          ))}
        </ul>
      )}
    </ListStates>
  );
}

function VersionRow({ pipeline, v, queryKey }: { pipeline: Pipeline; v: PipelineVersion; queryKey: unknown[] }) {
  const ws = useWorkspaceId();
  const client = useQueryClient();
  const toast = useToast();
  const action = useAction();
  const [name, setName] = useState('');
  const label = v.name ?? 'draft';
  const change = async (body: { name?: string; isDefault?: boolean }, done: string) => {
    if (await action.run(() => manageVersion(ws, pipeline.pipelineId, v.id, body))) {
      await Promise.all([client.invalidateQueries({ queryKey }), client.invalidateQueries({ queryKey: ['pipelines', ws ?? 0] })]);
      toast(done);
      setName('');
    }
  };
  return (
    <li className="token-row" data-testid="version-row">
      <div className="token-main">
        <strong>
          {label}
          {v.isDefault ? (
            <>
              {' '}
              <span className="label">default</span>
            </>
          ) : null}
        </strong>
        <span className="muted">
          <span className="mono" title={v.hash}>
            {v.hash.slice(0, 8)}
          </span>
          {v.creatorUserName ? ` · by ${v.creatorUserName}` : ''} · {formatRelative(v.dateCreated)}
        </span>
        {action.shown}
      </div>
      {v.name ? null : (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void change({ name: name.trim() }, `Published as ${name.trim()}`);
          }}
        >
          <label className="field">
            <span>Version name</span>
            <input name="versionName" value={name} onChange={(e) => setName(e.target.value)} maxLength={255} required />
          </label>
          <button type="submit" className="btn btn-small" disabled={action.busy || !name.trim()}>
            Publish
          </button>
        </form>
      )}
      {v.isDefault ? null : (
        <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void change({ isDefault: true }, `${label} is the default`)}>
          Make default
        </button>
      )}
      <Link
        className="btn btn-primary btn-small"
        to={`${paths.launch(ws)}?pipeline=${pipeline.pipelineId}&version=${encodeURIComponent(v.id)}`}
        aria-label={`Launch version ${label}`}
      >
        Launch
      </Link>
    </li>
  );
}
