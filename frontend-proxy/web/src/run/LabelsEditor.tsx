// Tagging a run (asked by users of the old UI) or a pipeline of the Launchpad: pick workspace
// labels or create one (`name` or `name=value`), attached at once.

import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../api/client';
import { keys, type WorkspaceId } from '../api/keys';
import { attachLabels, createLabel, listLabels, type Labelled } from '../api/labels';
import type { Label } from '../api/types';
import { Icon } from '../ui/Icons';
import { Menu } from '../ui/Menu';
import { Spinner } from '../ui/kit';

export function LabelsEditor({ ws, target, current }: { ws: WorkspaceId; target: Labelled; current: Label[] }) {
  const [open, setOpen] = useState(false);
  const all = useQuery({ queryKey: ['labels', ws ?? 0], queryFn: () => listLabels(ws), enabled: open });
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const client = useQueryClient();
  const has = new Set(current.map((l) => l.id));
  const act = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      if ('run' in target) {
        await client.invalidateQueries({ queryKey: keys.run(ws, target.run) });
        await client.invalidateQueries({ queryKey: keys.runs(ws) });
      } else {
        await client.invalidateQueries({ queryKey: ['pipelines', ws ?? 0] });
      }
      await client.invalidateQueries({ queryKey: ['labels', ws ?? 0] });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Menu
      label={'run' in target ? 'Labels of this run' : 'Labels of this pipeline'}
      wide
      onOpenChange={setOpen}
      button={
        <>
          <Icon name="plus" /> Labels
        </>
      }
    >
      {all.isPending ? <Spinner label="Loading labels" /> : null}
      {all.isError ? <p className="form-error">{errorMessage(all.error)}</p> : null}
      {all.data?.length === 0 ? <p className="muted">No labels in this workspace yet.</p> : null}
      {all.data?.map((l) => (
        <label key={l.id} className="check">
          <input type="checkbox" checked={has.has(l.id)} disabled={busy} onChange={(e) => act(() => attachLabels(ws, target, [l.id], e.target.checked))} />
          {l.name}
          {l.value ? `=${l.value}` : ''}
        </label>
      ))}
      <form
        className="label-new"
        onSubmit={(e) => {
          e.preventDefault();
          const t = text.trim();
          if (!t) return;
          const i = t.indexOf('=');
          const [name, value] = i > 0 ? [t.slice(0, i), t.slice(i + 1)] : [t, null];
          act(async () => {
            const existing = all.data?.find((l) => l.name === name && (l.value ?? null) === value);
            const label = existing ?? (await createLabel(ws, name, value));
            await attachLabels(ws, target, [label.id], true);
            setText('');
          });
        }}
      >
        <input aria-label="New label (name or name=value)" placeholder="new label or key=value" value={text} onChange={(e) => setText(e.target.value)} maxLength={80} />
        <button type="submit" className="btn btn-small" disabled={busy || !text.trim()}>
          Add
        </button>
      </form>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </Menu>
  );
}
