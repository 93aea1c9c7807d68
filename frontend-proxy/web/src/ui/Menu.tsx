// A drop-down panel on <details>/<summary> (keyboard-operable as is) that also closes on
// Escape and on a click outside, returning focus to its button.

import { useEffect, useRef, type ReactNode } from 'react';

export function Menu({ button, label, children, wide, onOpenChange }: { button: ReactNode; label: string; children: ReactNode; wide?: boolean; onOpenChange?: (open: boolean) => void }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (focus: boolean) => {
      const d = ref.current;
      if (!d?.open) return;
      d.open = false;
      if (focus) d.querySelector('summary')?.focus();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(true);
    };
    const onClick = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, []);
  return (
    <details ref={ref} className="menu" onToggle={(e) => onOpenChange?.((e.target as HTMLDetailsElement).open)}>
      <summary className="btn btn-small">{button}</summary>
      <div className={`menu-panel ${wide ? 'menu-panel-wide' : ''}`} role="group" aria-label={label}>
        {children}
      </div>
    </details>
  );
}
