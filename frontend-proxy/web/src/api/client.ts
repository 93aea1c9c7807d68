// The one HTTP client of the app: every call to the Tower API goes through `api()`.
// It adds the /api prefix, sends the session cookies, repeats the XSRF-TOKEN cookie in the
// X-XSRF-TOKEN header on writes (the backend requires it for cookie-authenticated changes),
// and on a 401 refreshes the session once (POST /oauth/access_token) and retries; if that fails
// too, it tells the app the session has ended so the sign-in page can take over. A read answered
// 503 or 429 with Retry-After (the database is unavailable, or over the rate limit) is tried
// again after the time the server asks for, twice at most, instead of failing at once.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const API_PREFIX = '/api';

type Listener = () => void;
const sessionEndedListeners = new Set<Listener>();

/** Called when the session is gone (401 after a refresh attempt). Returns an unsubscribe. */
export function onSessionEnded(fn: Listener): () => void {
  sessionEndedListeners.add(fn);
  return () => sessionEndedListeners.delete(fn);
}

export function readCookie(name: string, cookies: string = document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      let v = part.slice(i + 1).trim();
      if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      return decodeURIComponent(v);
    }
  }
  return undefined;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not try to refresh the session on 401 (sign-in calls). */
  noRefresh?: boolean;
}

function send(path: string, o: RequestOptions): Promise<Response> {
  const method = o.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    const xsrf = readCookie('XSRF-TOKEN');
    if (xsrf) headers['X-XSRF-TOKEN'] = xsrf;
  }
  let body: BodyInit | undefined;
  if (o.body instanceof FormData) {
    // A file upload: the browser writes the multipart boundary into the content type.
    body = o.body;
  } else if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  return fetch(API_PREFIX + withQuery(path, o.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: o.signal,
  });
}

/** Attempts after the first for a read the server asks to retry later. */
const RETRIES_WHEN_BUSY = 2;
/** The longest wait honoured: a longer Retry-After is the server's, the user can retry by hand. */
const MAX_RETRY_AFTER_MS = 10_000;

/** How long the server asks us to wait (Retry-After in seconds), or null if it did not ask. */
export function retryAfterMs(r: Response): number | null {
  if (r.status !== 503 && r.status !== 429) return null;
  const secs = Number(r.headers.get('Retry-After'));
  if (!r.headers.has('Retry-After') || !Number.isFinite(secs) || secs < 0) return null;
  return Math.min(secs * 1000, MAX_RETRY_AFTER_MS);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException('Aborted', 'AbortError'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('Aborted', 'AbortError'));
    });
  });
}

let refreshing: Promise<boolean> | null = null;

/** Renews the session from the refresh cookie; concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= send('/oauth/access_token', { method: 'POST' })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => {
      // Callers already waiting hold the promise; the next 401 gets a fresh refresh.
      refreshing = null;
    });
  return refreshing;
}

async function errorOf(r: Response): Promise<ApiError> {
  let message = `${r.status} ${r.statusText}`.trim();
  try {
    const text = await r.text();
    if (text) {
      try {
        const j = JSON.parse(text) as { message?: string };
        if (j && typeof j.message === 'string' && j.message) message = j.message;
      } catch {
        if (text.length < 300 && !text.trimStart().startsWith('<')) message = text;
      }
    }
  } catch {
    /* keep the status line */
  }
  if (r.status === 502 || r.status === 503 || r.status === 504) {
    message = `The Tower server is not reachable right now (${message}).`;
  }
  return new ApiError(r.status, message);
}

export async function api<T = unknown>(path: string, o: RequestOptions = {}): Promise<T> {
  let r: Response;
  try {
    r = await send(path, o);
    // No XSRF cookie means there is no session to renew (it lives as long as the refresh
    // token): then a 401 is simply "not signed in", not "your session ended".
    if (r.status === 401 && !o.noRefresh && readCookie('XSRF-TOKEN')) {
      if (await refreshSession()) r = await send(path, o);
      if (r.status === 401) sessionEndedListeners.forEach((fn) => fn());
    }
    // Only reads are repeated: a write the server refused may be retried by the user.
    for (let n = 0; n < RETRIES_WHEN_BUSY && (o.method ?? 'GET') === 'GET'; n++) {
      const wait = retryAfterMs(r);
      if (wait === null) break;
      await sleep(wait, o.signal);
      r = await send(path, o);
    }
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Cannot reach the Tower server. Check your connection.');
  }
  if (!r.ok) throw await errorOf(r);
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The message to show for any error thrown by a query or mutation. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
