// Modal dialogs and the side drawer, on the native <dialog> element: focus is trapped and Esc
// closes it without extra code, and focus returns to what opened it.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client';
import { Icon } from './Icons';

export function Modal({
  open,
  onClose,
  title,
  children,
  className,
  labelledBy,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  className?: string;
  labelledBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`modal ${className ?? ''}`}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose(); // click on the backdrop
      }}
      aria-labelledby={labelledBy}
    >
      {open ? (
        <div className="modal-body">
          <header className="modal-head">
            <h2 id={labelledBy}>{title}</h2>
            <button type="button" className="btn btn-icon" onClick={onClose} aria-label="Close">
              <Icon name="x" />
            </button>
          </header>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}

/**
 * Asks before doing something that cannot be undone. With `confirmText`, the user types it
 * (the run name, for a run still marked as running) before the button is enabled.
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  children,
  action,
  onConfirm,
  confirmText,
  danger = true,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  action: string;
  onConfirm: () => Promise<unknown>;
  confirmText?: string;
  danger?: boolean;
}) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (open) {
      setTyped('');
      setError(null);
      setBusy(false);
    }
  }, [open]);
  const ready = !confirmText || typed.trim() === confirmText;
  return (
    <Modal open={open} onClose={onClose} title={title} labelledBy="confirm-title">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!ready || busy) return;
          setBusy(true);
          setError(null);
          try {
            await onConfirm();
            onClose();
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        <div className="modal-text">{children}</div>
        {confirmText ? (
          <label className="field">
            <span>
              Type <code>{confirmText}</code> to confirm
            </span>
            <input autoFocus value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
          </label>
        ) : null}
        {error ? (
          <p className="form-error" role="alert">
            {errorMessage(error)}
          </p>
        ) : null}
        <footer className="modal-foot">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled={!ready || busy} autoFocus={!confirmText}>
            {busy ? 'Working…' : action}
          </button>
        </footer>
      </form>
    </Modal>
  );
}

/** A panel sliding from the right (full screen on a phone). */
export function Drawer({ open, onClose, title, children }: { open: boolean; onClose: () => void; title: ReactNode; children: ReactNode }) {
  return (
    <Modal open={open} onClose={onClose} title={title} className="drawer" labelledBy="drawer-title">
      {children}
    </Modal>
  );
}
