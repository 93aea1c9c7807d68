// Small building blocks shared by every page: loading, error and empty states, status badges,
// copy buttons, tabs. Each state says what is going on in words, not only with a colour.

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { errorMessage } from '../api/client';
import { Icon, type IconName } from './Icons';

export function Spinner({ label = 'Loading', size = 16 }: { label?: string; size?: number }) {
  return (
    <span className="spinner" role="status" aria-label={label} style={{ width: size, height: size }} />
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" aria-busy="true">
      <Spinner label={`Loading ${what}`} /> <span>Loading {what}…</span>
    </div>
  );
}

export function ErrorBox({ error, retry, title }: { error: unknown; retry?: () => void; title?: string }) {
  return (
    <div className="state state-error" role="alert">
      <Icon name="alert" />
      <div>
        {title ? <strong>{title}: </strong> : null}
        {errorMessage(error)}
      </div>
      {retry ? (
        <button type="button" className="btn btn-small" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children, icon = 'search' }: { children: ReactNode; icon?: IconName }) {
  return (
    <div className="state state-empty">
      <Icon name={icon} size={20} />
      <div>{children}</div>
    </div>
  );
}

/** A list query's states: loading, an error with a retry, empty, and the rows once there are any. */
export function ListStates<T>({
  query,
  what,
  empty,
  emptyIcon,
  children,
}: {
  query: UseQueryResult<T[]>;
  what: string;
  empty: ReactNode;
  emptyIcon?: IconName;
  children: (rows: T[]) => ReactNode;
}) {
  return (
    <>
      {query.isPending ? <Loading what={what} /> : null}
      {query.isError ? <ErrorBox error={query.error} retry={() => query.refetch()} /> : null}
      {query.data && query.data.length === 0 ? <Empty icon={emptyIcon}>{empty}</Empty> : null}
      {query.data && query.data.length > 0 ? children(query.data) : null}
    </>
  );
}

const RUN_ICON: Record<string, IconName> = {
  succeeded: 'check',
  partial: 'check',
  failed: 'x',
  cancelled: 'ban',
  unknown: 'help',
  submitted: 'clock',
};

/** A run status as an icon + word, coloured; running spins. */
export function RunStatus({ status, tone, compact }: { status: string; tone?: string; compact?: boolean }) {
  const t = tone ?? status.toLowerCase();
  const word = t === 'partial' ? 'succeeded (with ignored failures)' : status.toLowerCase();
  return (
    <span className={`status status-${t}`} title={word}>
      {t === 'running' ? <span className="spinner spinner-status" aria-hidden="true" /> : <Icon name={RUN_ICON[t] ?? 'help'} size={14} />}
      {compact ? <span className="sr-only">{word}</span> : <span>{word}</span>}
    </span>
  );
}

export function TaskStatusPill({ status }: { status: string }) {
  const word = status === 'NEW' ? 'pending' : status === 'COMPLETED' ? 'succeeded' : status.toLowerCase();
  return <span className={`pill pill-${word}`}>{word}</span>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) return;
    const t = setTimeout(() => setDone(false), 1500);
    return () => clearTimeout(t);
  }, [done]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API needs a secure context: fall back to a hidden textarea.
      const ta = document.createElement('textarea');
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setDone(true);
  };
  return (
    <button type="button" className="btn btn-small" onClick={copy} aria-live="polite">
      <Icon name={done ? 'check' : 'copy'} /> {done ? 'Copied' : label}
    </button>
  );
}

/** Accessible tabs: arrow keys move between tabs, only the selected panel is rendered. */
export function Tabs({ tabs, initial, label }: { tabs: { id: string; title: string; render: () => ReactNode }[]; initial?: string; label: string }) {
  const [current, setCurrent] = useState(initial ?? tabs[0]?.id);
  const base = useId();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const selected = tabs.find((t) => t.id === current) ?? tabs[0];
  const onKey = (e: React.KeyboardEvent, i: number) => {
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    e.preventDefault();
    const j = (i + d + tabs.length) % tabs.length;
    setCurrent(tabs[j].id);
    refs.current[j]?.focus();
  };
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tablist">
        {tabs.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            role="tab"
            type="button"
            id={`${base}-tab-${t.id}`}
            aria-selected={t.id === selected?.id}
            aria-controls={`${base}-panel-${t.id}`}
            tabIndex={t.id === selected?.id ? 0 : -1}
            onClick={() => setCurrent(t.id)}
            onKeyDown={(e) => onKey(e, i)}
            className="tab"
          >
            {t.title}
          </button>
        ))}
      </div>
      {selected ? (
        <div role="tabpanel" id={`${base}-panel-${selected.id}`} aria-labelledby={`${base}-tab-${selected.id}`} className="tabpanel">
          {selected.render()}
        </div>
      ) : null}
    </div>
  );
}

/** A titled card section of a page. */
export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      {title || actions ? (
        <header className="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions ? <div className="card-actions">{actions}</div> : null}
        </header>
      ) : null}
      {children}
    </section>
  );
}

/** Re-renders every `ms` while `on` (for ticking durations). */
export function useNow(on: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [on, ms]);
  return now;
}

/** Runs an action (a mutation) and keeps its state: `busy` while it runs, `shown` the error it
 * ended with, as an alert to place under the form. `run` says whether it succeeded. */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const shown = error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
  return { run, busy, shown };
}

/** One field and a button that adds someone by user name or e-mail; cleared when `add` succeeds. */
export function AddByName({ label, button, busy, add }: { label: string; button: string; busy: boolean; add: (name: string) => Promise<boolean> }) {
  const [name, setName] = useState('');
  return (
    <form
      className="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await add(name.trim())) setName('');
      }}
    >
      <label className="field">
        <span>{label}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
        {button}
      </button>
    </form>
  );
}
