// Replays a captured Nextflow run through the trace API, step by step, as today's Nextflow
// client would send it (reference: shared/reference/nextflow-protocol.md):
//
//   1_workflow_started.json   -> POST /trace/create, then PUT /trace/{id}/begin {workflow, processNames}
//   N_task_*.json             -> PUT /trace/{id}/progress {tasks, progress, containers: [], instant}
//   8_workflow_*.json         -> PUT /trace/{id}/complete {workflow, metrics, progress, instant}
//
// Every field of the captured records is kept. What the 2019 captures lack is filled in the way
// the client does it now: `progress` is computed from the task states seen so far (the capture
// of task 1 carries made-up counters for processes foo/bar, so it is recomputed too),
// `processNames` falls back to the processes of the tasks, `workflow.id` is the id create
// returned, and the old top-level `workflowId` of task files (from the /trace/task API) is dropped.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const COUNTED = { NEW: 'pending', SUBMITTED: 'submitted', RUNNING: 'running', COMPLETED: 'succeeded', FAILED: 'failed', CACHED: 'cached', ABORTED: 'aborted' };

/** The progress Nextflow would report for these task states (WorkflowStats-like). */
export function progressOf(processNames, tasks, peaks) {
  const blank = () => ({ pending: 0, submitted: 0, running: 0, succeeded: 0, failed: 0, cached: 0, aborted: 0, ignored: 0, retries: 0, stored: 0, loadCpus: 0, loadMemory: 0 });
  const names = [...processNames];
  for (const t of tasks.values()) if (t.process && !names.includes(t.process)) names.push(t.process);
  const per = new Map(names.map((n) => [n, blank()]));
  const all = blank();
  for (const t of tasks.values()) {
    const key = COUNTED[t.status];
    const p = per.get(t.process);
    for (const c of [p, all]) {
      c[key] += 1;
      if (t.status === 'FAILED' && t.errorAction === 'IGNORE') c.ignored += 1;
      if (t.status === 'FAILED' && t.errorAction === 'RETRY') c.retries += 1;
      if (t.status === 'RUNNING') {
        c.loadCpus += t.cpus ?? 1;
        c.loadMemory += t.memory ?? 0;
      }
    }
  }
  const peak = (k, c) => {
    peaks[k] = Math.max(peaks[k] ?? 0, c.running);
    peaks[`${k}:cpus`] = Math.max(peaks[`${k}:cpus`] ?? 0, c.loadCpus);
    peaks[`${k}:mem`] = Math.max(peaks[`${k}:mem`] ?? 0, c.loadMemory);
    return { peakRunning: peaks[k], peakCpus: peaks[`${k}:cpus`], peakMemory: peaks[`${k}:mem`] };
  };
  const { stored: _stored, ...top } = all;
  return {
    ...top,
    ...peak('*', all),
    processes: names.map((name, i) => {
      const c = per.get(name);
      return { index: i + 1, name, workDir: null, ...c, terminated: false, ...peak(name, c) };
    }),
  };
}

/** The steps of a captured run, in order: [{ file, body }]. */
export function loadFixture(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => parseInt(a) - parseInt(b))
    .map((file) => ({ file, body: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

/**
 * A replay that the caller drives one step at a time: `await r.next()` sends the next request
 * and returns its file name, or null when done. `overrides` replace workflow fields (e.g. a
 * distinct runName when the same capture is replayed twice); `workspaceId` reports into an
 * organization workspace.
 */
export function replay({ baseUrl, token, dir, overrides = {}, workspaceId = null }) {
  const steps = loadFixture(dir);
  const tasks = new Map();
  const peaks = {};
  let processNames = [];
  let workflowId = null;
  let workflow = null;
  let i = 0;
  let lastProgress = null;

  async function call(method, path, body) {
    // As Nextflow does with TOWER_WORKSPACE_ID: the raw id appended to every trace URL.
    const url = `${baseUrl}${path}${workspaceId ? `?workspaceId=${workspaceId}` : ''}`;
    const r = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Nextflow/19.05.0-TOWER' },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} -> ${r.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  return {
    get workflowId() {
      return workflowId;
    },
    /** The progress sent with the last request (what the page should now show). */
    get lastProgress() {
      return lastProgress;
    },
    get remaining() {
      return steps.length - i;
    },
    async next() {
      const step = steps[i++];
      if (!step) return null;
      const { body, file } = step;
      if (i === 1) {
        workflow = { ...body.workflow, ...overrides };
        processNames = body.processNames ?? [];
        if (!body.processNames) {
          for (const s of steps) for (const t of s.body.tasks ?? []) if (t.process && !processNames.includes(t.process)) processNames.push(t.process);
        }
        const created = await call('POST', '/trace/create', {
          sessionId: workflow.sessionId,
          projectName: workflow.projectName,
          repository: workflow.repository,
          runName: workflow.runName,
          workflowId: null,
          instant: Date.now(),
        });
        workflowId = created.workflowId;
        await call('PUT', `/trace/${workflowId}/begin`, { workflow: { ...workflow, id: workflowId }, processNames, towerLaunch: false, instant: Date.now() });
      } else if (body.tasks) {
        for (const t of body.tasks) tasks.set(t.taskId, t);
        lastProgress = progressOf(processNames, tasks, peaks);
        await call('PUT', `/trace/${workflowId}/progress`, { tasks: body.tasks, progress: lastProgress, containers: [], instant: Date.now() });
      } else if (body.workflow) {
        lastProgress = progressOf(processNames, tasks, peaks);
        await call('PUT', `/trace/${workflowId}/complete`, {
          workflow: { ...workflow, ...body.workflow, ...overrides, id: workflowId },
          metrics: body.metrics ?? [],
          progress: lastProgress,
          instant: Date.now(),
        });
      }
      return file;
    },
    async all() {
      while (await this.next());
      return workflowId;
    },
  };
}
