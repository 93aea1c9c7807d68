// The head job's output of a run Tower launched, read page by page (`next` is a byte offset) and
// followed while the run is active: new lines are appended and the view stays at the bottom
// unless the reader scrolled up.

import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client';
import type { WorkspaceId } from '../api/keys';
import { runLog } from '../api/launch';

export function RunLog({ ws, runId, active }: { ws: WorkspaceId; runId: string; active: boolean }) {
  const [lines, setLines] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let next: string | undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        // Read every page there is now, then wait a little while the run goes on.
        for (;;) {
          const page = await runLog(ws, runId, next);
          if (stopped) return;
          setNote(page.message);
          setError(null);
          if (page.entries.length) setLines((old) => [...old, ...page.entries]);
          if (page.forwardToken) next = page.forwardToken;
          if (!page.truncated) break;
        }
      } catch (e) {
        if (!stopped) setError(errorMessage(e));
      }
      if (!stopped && active) timer = setTimeout(read, 2000);
    };
    read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [ws, runId, active]);
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div>
      {error ? <p className="form-error">{error}</p> : null}
      {note ? <p className="muted">{note}</p> : null}
      <pre className="code run-log" ref={box} data-testid="run-log">
        {lines.length ? lines.join('\n') : 'No output yet.'}
      </pre>
    </div>
  );
}
