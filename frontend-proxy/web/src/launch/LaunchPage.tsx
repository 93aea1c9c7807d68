// Launch a pipeline: repository, revision, compute environment, run name, profiles, parameters
// (JSON or YAML), Nextflow config and scripts. Opened empty (quick launch), from a Launchpad
// pipeline (`?pipeline=<id>`: its saved settings, of `&version=<id>` or the default version; the
// run is recorded as of that version), or from a run (`?from=<runId>`) to relaunch
// it, or to resume it (`&resume=1`: same session, cached tasks reused). After Launch the run page
// opens and fills live.

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { errorMessage } from '../api/client';
import { listComputeEnvs } from '../api/computeEnvs';
import { keys } from '../api/keys';
import { describeLaunch, launchPipeline, type LaunchRecord } from '../api/launch';
import { pipelineLaunch, pipelineSchema } from '../api/pipelines';
import { checkParams, schemaGroups } from '../lib/schema';
import { SchemaForm } from './SchemaForm';
import { describeRun } from '../api/runs';
import { paths, useWorkspaceId } from '../paths';
import { Card, Loading } from '../ui/kit';

export default function LaunchPage() {
  const ws = useWorkspaceId();
  const [search] = useSearchParams();
  const from = search.get('from');
  const pipeline = Number(search.get('pipeline')) || null;
  const version = search.get('version');
  const resume = search.get('resume') === '1';
  const previous = useQuery({
    queryKey: ['launch-from', ws ?? 0, from, pipeline, version],
    queryFn: async () => {
      if (pipeline) return { launch: await pipelineLaunch(ws, pipeline, version), sessionId: undefined };
      const [launch, run] = await Promise.all([describeLaunch(ws, from!), describeRun(ws, from!)]);
      return { launch, sessionId: run.workflow.sessionId };
    },
    enabled: !!from || !!pipeline,
  });
  if ((from || pipeline) && previous.isPending) return <Loading what="the launch settings" />;
  const base = previous.data?.launch ?? null;
  return (
    <div className="page page-narrow">
      <h1>{resume ? 'Resume a run' : from ? 'Relaunch a run' : pipeline ? 'Launch a pipeline of the Launchpad' : 'Launch a pipeline'}</h1>
      <LaunchForm
        key={`${from}-${pipeline}-${version}-${resume}`}
        base={base}
        pipelineId={pipeline}
        versionId={version}
        resumeSession={resume ? previous.data?.sessionId : undefined}
      />
    </div>
  );
}

/** The saved parameters as an object, when they are JSON (YAML stays in the raw editor only). */
function paramsObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function LaunchForm({
  base,
  pipelineId,
  versionId,
  resumeSession,
}: {
  base: LaunchRecord | null;
  pipelineId: number | null;
  versionId: string | null;
  resumeSession?: string;
}) {
  const ws = useWorkspaceId();
  // A pipeline's parameter schema, read from its repository; none (404) means no form.
  const schema = useQuery({
    queryKey: ['pipeline-schema', ws ?? 0, pipelineId, versionId],
    queryFn: () => pipelineSchema(ws, pipelineId!, versionId).then((s) => schemaGroups(JSON.parse(s.schema))),
    enabled: !!pipelineId,
    retry: false,
  });
  const navigate = useNavigate();
  const envs = useQuery({ queryKey: keys.computeEnvs(ws), queryFn: () => listComputeEnvs(ws) });
  const available = (envs.data ?? []).filter((c) => c.status === 'AVAILABLE');
  const [pipeline, setPipeline] = useState(base?.pipeline ?? '');
  const [revision, setRevision] = useState(base?.revision ?? '');
  const [ce, setCe] = useState(base?.computeEnv?.id ?? '');
  const [runName, setRunName] = useState('');
  const [profiles, setProfiles] = useState((base?.configProfiles ?? []).join(','));
  const [params, setParams] = useState(base?.paramsText ?? '');
  const [config, setConfig] = useState(base?.configText ?? '');
  const [pre, setPre] = useState(base?.preRunScript ?? '');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const groups = schema.data ?? [];
  const chosen = ce || available.find((c) => c.primary)?.id || available[0]?.id || '';
  return (
    <Card>
      <form
        className="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const problems = groups.length ? checkParams(groups, paramsObject(params)) : [];
          if (problems.length) {
            setErrors(problems);
            return;
          }
          setBusy(true);
          setErrors([]);
          try {
            const r = await launchPipeline(ws, {
              // A Launchpad pipeline's settings carry its version's id: the run is of that version.
              id: pipelineId ? base?.id : undefined,
              pipeline: pipeline.trim(),
              revision: revision.trim() || undefined,
              computeEnvId: chosen || undefined,
              runName: runName.trim() || undefined,
              configProfiles: profiles.split(',').map((p) => p.trim()).filter(Boolean),
              paramsText: params || undefined,
              configText: config || undefined,
              preRunScript: pre || undefined,
              resume: resumeSession ? true : undefined,
              sessionId: resumeSession,
            });
            navigate(paths.run(ws, r.workflowId));
          } catch (err) {
            // The server lists every problem of a launch in its message, separated by "; ".
            setErrors(errorMessage(err).split('; '));
            setBusy(false);
          }
        }}
      >
        <label className="field">
          <span>Pipeline (repository URL or path)</span>
          <input name="pipeline" value={pipeline} onChange={(e) => setPipeline(e.target.value)} required placeholder="https://github.com/nextflow-io/hello" />
        </label>
        <label className="field">
          <span>Revision (branch, tag or commit)</span>
          <input name="revision" value={revision} onChange={(e) => setRevision(e.target.value)} placeholder="the default branch" />
        </label>
        <label className="field">
          <span>Compute environment</span>
          <select name="computeEnvId" value={chosen} onChange={(e) => setCe(e.target.value)} required>
            {available.length === 0 ? <option value="">No available compute environment: add one on the Compute page</option> : null}
            {available.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.platform}){c.primary ? ' — primary' : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Run name</span>
          <input name="runName" value={runName} onChange={(e) => setRunName(e.target.value)} placeholder="a random name" />
        </label>
        <label className="field">
          <span>Config profiles (comma-separated)</span>
          <input name="profiles" value={profiles} onChange={(e) => setProfiles(e.target.value)} placeholder="e.g. test,docker" />
        </label>
        {groups.length ? <SchemaForm groups={groups} values={paramsObject(params)} set={(v) => setParams(JSON.stringify(v, null, 2))} /> : null}
        {schema.isError ? <p className="muted">This pipeline's repository has no parameter schema: enter the parameters below.</p> : null}
        <label className="field">
          <span>Parameters (JSON or YAML)</span>
          <textarea name="params" className="mono" rows={6} value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} placeholder={'input: samples.csv\noutdir: results'} />
        </label>
        <label className="field">
          <span>Nextflow config</span>
          <textarea name="config" className="mono" rows={3} value={config} onChange={(e) => setConfig(e.target.value)} spellCheck={false} />
        </label>
        <label className="field">
          <span>Pre-run script</span>
          <textarea name="preRunScript" className="mono" rows={2} value={pre} onChange={(e) => setPre(e.target.value)} spellCheck={false} />
        </label>
        {resumeSession ? <p className="muted">Resumes session {resumeSession}: tasks already done are taken from the cache.</p> : null}
        {errors.length ? (
          <ul className="form-error" role="alert" data-testid="launch-errors">
            {errors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
        <footer className="modal-foot">
          <button type="submit" className="btn btn-primary" disabled={busy || !pipeline.trim() || !chosen}>
            {busy ? 'Launching…' : resumeSession ? 'Resume' : 'Launch'}
          </button>
        </footer>
      </form>
    </Card>
  );
}
