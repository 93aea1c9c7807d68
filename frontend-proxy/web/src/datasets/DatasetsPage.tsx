// Datasets of the workspace (or the user's own): CSV/TSV sample sheets, each upload a new
// version. Added with a preview of the file's first rows, given new versions, their versions
// listed and downloaded, or deleted. A version's URL is what a launch takes as a parameter.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createDataset, deleteDataset, downloadPath, listDatasets, listDatasetVersions, uploadDataset, type Dataset } from '../api/datasets';
import { formatRelative } from '../lib/format';
import { useWorkspaceId } from '../paths';
import { ConfirmDialog, Modal } from '../ui/Dialog';
import { Icon } from '../ui/Icons';
import { Card, CopyButton, ListStates, useAction } from '../ui/kit';
import { useToast } from '../ui/toast';

const key = (ws: number | null) => ['datasets', ws ?? 0];

export default function DatasetsPage() {
  const ws = useWorkspaceId();
  const [search, setSearch] = useState('');
  const q = useQuery({ queryKey: [...key(ws), search], queryFn: () => listDatasets(ws, search) });
  const [adding, setAdding] = useState(false);
  return (
    <div className="page">
      <h1>Datasets</h1>
      <p>Sample sheets (CSV or TSV, up to 10 MB) that launches take as input: each upload is a new version, and a version&apos;s URL is a parameter value.</p>
      <div className="inline-form">
        <label className="field">
          <span>Search datasets</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name or description" />
        </label>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          <Icon name="plus" /> Add dataset
        </button>
      </div>
      <Card>
        <ListStates query={q} what="datasets" empty="No datasets yet." emptyIcon="search">
          {(rows) => (
            <ul className="token-list">
              {rows.map((d) => (
                <DatasetRow key={d.id} d={d} />
              ))}
            </ul>
          )}
        </ListStates>
      </Card>
      <Modal open={adding} onClose={() => setAdding(false)} title="Add a dataset" labelledBy="dataset-title">
        {adding ? <DatasetForm onDone={() => setAdding(false)} /> : null}
      </Modal>
    </div>
  );
}

/** The first rows of a CSV/TSV file, split naively: a preview, the server checks the file. */
function preview(text: string, tsv: boolean): string[][] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.length > 0)
    .slice(0, 6)
    .map((l) => l.split(tsv ? '\t' : ','));
}

function FilePicker({ file, setFile }: { file: File | null; setFile: (f: File | null, rows: string[][]) => void }) {
  return (
    <label className="field">
      <span>File (.csv or .tsv)</span>
      <input
        type="file"
        name="file"
        accept=".csv,.tsv,text/csv,text/tab-separated-values"
        onChange={async (e) => {
          const f = e.target.files?.[0] ?? null;
          setFile(f, f ? preview(await f.slice(0, 64 * 1024).text(), f.name.toLowerCase().endsWith('.tsv')) : []);
        }}
      />
      {file ? <span className="muted">{`${file.name} · ${file.size} bytes`}</span> : null}
    </label>
  );
}

function Preview({ rows }: { rows: string[][] }) {
  if (!rows.length) return null;
  return (
    <table className="table mono" data-testid="dataset-preview">
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) => (
              <td key={j}>{c}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DatasetForm({ onDone }: { onDone: () => void }) {
  const ws = useWorkspaceId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [rows, setRows] = useState<string[][]>([]);
  const [header, setHeader] = useState(true);
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  return (
    <form
      className="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await action.run(async () => {
          const d = await createDataset(ws, name.trim(), description.trim());
          try {
            await uploadDataset(ws, d.id, file!, header);
          } catch (err) {
            // A dataset without its file is not what was asked for: nothing stays.
            await deleteDataset(ws, d.id).catch(() => undefined);
            throw err;
          }
        });
        if (ok) {
          await client.invalidateQueries({ queryKey: key(ws) });
          toast(`Dataset ${name.trim()} added`);
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
        <input name="description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1000} />
      </label>
      <FilePicker
        file={file}
        setFile={(f, r) => {
          setFile(f);
          setRows(r);
        }}
      />
      <label className="check">
        <input type="checkbox" name="header" checked={header} onChange={(e) => setHeader(e.target.checked)} /> The first line names the columns
      </label>
      <Preview rows={rows} />
      {action.shown}
      <footer className="modal-foot">
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={action.busy || !name.trim() || !file}>
          {action.busy ? 'Adding…' : 'Add'}
        </button>
      </footer>
    </form>
  );
}

function DatasetRow({ d }: { d: Dataset }) {
  const ws = useWorkspaceId();
  const [confirm, setConfirm] = useState(false);
  const [versions, setVersions] = useState(false);
  const client = useQueryClient();
  const toast = useToast();
  return (
    <li className="token-row" data-testid="dataset-row">
      <Icon name="columns" />
      <div className="token-main">
        <strong>{d.name}</strong>
        <span className="muted">
          {d.version ? `version ${d.version}` : 'no version yet'}
          {d.mediaType ? ` · ${d.mediaType}` : ''} · updated {formatRelative(d.lastUpdated)}
        </span>
        {d.description ? <span>{d.description}</span> : null}
      </div>
      <button type="button" className="btn btn-small" onClick={() => setVersions(true)} aria-label={`Versions of ${d.name}`}>
        Versions
      </button>
      <button type="button" className="btn btn-small btn-danger-outline" onClick={() => setConfirm(true)} aria-label={`Delete dataset ${d.name}`}>
        Delete
      </button>
      <Modal open={versions} onClose={() => setVersions(false)} title={`Versions of ${d.name}`} labelledBy={`dataset-versions-${d.id}`}>
        {versions ? <Versions d={d} /> : null}
      </Modal>
      <ConfirmDialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Delete dataset ${d.name}?`}
        action="Delete"
        onConfirm={async () => {
          await deleteDataset(ws, d.id);
          await client.invalidateQueries({ queryKey: key(ws) });
          toast(`Dataset ${d.name} deleted`);
        }}
      >
        <p>Every version goes with it; runs that read it keep their results.</p>
      </ConfirmDialog>
    </li>
  );
}

function Versions({ d }: { d: Dataset }) {
  const ws = useWorkspaceId();
  const vkey = [...key(ws), d.id, 'versions'];
  const q = useQuery({ queryKey: vkey, queryFn: () => listDatasetVersions(ws, d.id) });
  const [file, setFile] = useState<File | null>(null);
  const [rows, setRows] = useState<string[][]>([]);
  const action = useAction();
  const client = useQueryClient();
  const toast = useToast();
  return (
    <div className="stack-form">
      <ListStates query={q} what="versions" empty="No version yet: upload a file." emptyIcon="search">
        {(list) => (
          <ul className="token-list" data-testid="dataset-versions">
            {list.map((v) => (
              <li key={v.version} className="token-row" data-testid="dataset-version-row">
                <div className="token-main">
                  <strong>{`version ${v.version}`}</strong>
                  <span className="muted">
                    {v.fileName} · {v.fileSize} bytes{v.hasHeader ? ' · header' : ''}
                    {v.disabled ? ' · disabled' : ''} · {formatRelative(v.dateCreated)}
                  </span>
                </div>
                <CopyButton text={v.url} label="Copy URL" />
                {v.disabled ? null : (
                  <a className="btn btn-small" href={downloadPath(ws, v)} download={v.fileName}>
                    Download
                  </a>
                )}
              </li>
            ))}
          </ul>
        )}
      </ListStates>
      <form
        className="stack-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await action.run(() => uploadDataset(ws, d.id, file!, true))) {
            await Promise.all([client.invalidateQueries({ queryKey: vkey }), client.invalidateQueries({ queryKey: key(ws) })]);
            toast(`New version of ${d.name} uploaded`);
            setFile(null);
            setRows([]);
          }
        }}
      >
        <FilePicker
          file={file}
          setFile={(f, r) => {
            setFile(f);
            setRows(r);
          }}
        />
        <Preview rows={rows} />
        {action.shown}
        <button type="submit" className="btn btn-primary btn-small" disabled={action.busy || !file}>
          Upload a new version
        </button>
      </form>
    </div>
  );
}
