import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, onSessionEnded, readCookie, withQuery } from './client';

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

function respond(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('api client', () => {
  let calls: Call[];
  let answers: Response[];
  beforeEach(() => {
    calls = [];
    answers = [];
    vi.stubGlobal('document', { cookie: 'JWT_x=1; XSRF-TOKEN=abc123' });
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body as string | undefined });
      return answers.shift() ?? respond(500, { message: 'no answer left' });
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('prefixes /api, adds the query and parses JSON', async () => {
    answers.push(respond(200, { ok: 1 }));
    expect(await api('/workflow', { query: { max: 30, search: '', workspaceId: undefined } })).toEqual({ ok: 1 });
    expect(calls[0].url).toBe('/api/workflow?max=30');
    expect(calls[0].headers['X-XSRF-TOKEN']).toBeUndefined();
  });

  it('repeats the XSRF cookie on writes', async () => {
    answers.push(respond(204));
    await api('/workflow/abc', { method: 'DELETE' });
    expect(calls[0].headers['X-XSRF-TOKEN']).toBe('abc123');
  });

  it('refreshes the session once on 401 and retries', async () => {
    answers.push(respond(401, { message: 'expired' }), respond(200, {}), respond(200, { tokens: [] }));
    expect(await api('/tokens')).toEqual({ tokens: [] });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/tokens', 'POST /api/oauth/access_token', 'GET /api/tokens']);
    expect(calls[1].headers['X-XSRF-TOKEN']).toBe('abc123');
  });

  it('reports an ended session when the refresh fails', async () => {
    const ended = vi.fn();
    const off = onSessionEnded(ended);
    answers.push(respond(401, { message: 'expired' }), respond(401, { message: 'revoked' }));
    await expect(api('/tokens')).rejects.toMatchObject({ status: 401, message: 'expired' });
    expect(ended).toHaveBeenCalledOnce();
    off();
  });

  it('does not refresh without a session cookie (never signed in)', async () => {
    vi.stubGlobal('document', { cookie: '' });
    const ended = vi.fn();
    const off = onSessionEnded(ended);
    answers.push(respond(401, { message: 'no' }));
    await expect(api('/user-info')).rejects.toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(1);
    expect(ended).not.toHaveBeenCalled();
    off();
  });

  it('waits as asked and retries a read answered 503 with Retry-After, twice at most', async () => {
    const busy = () => new Response(JSON.stringify({ message: 'The database is not available' }), { status: 503, headers: { 'Retry-After': '0' } });
    answers.push(busy(), respond(200, { ok: 1 }));
    expect(await api('/workflow')).toEqual({ ok: 1 });
    expect(calls).toHaveLength(2);
    calls = [];
    answers.push(busy(), busy(), busy());
    await expect(api('/workflow')).rejects.toThrow(/not reachable/);
    expect(calls).toHaveLength(3);
  });

  it('does not repeat a write, nor a 503 without Retry-After', async () => {
    answers.push(new Response(null, { status: 503, headers: { 'Retry-After': '0' } }));
    await expect(api('/workflow/delete', { method: 'POST', body: {} })).rejects.toThrow(/not reachable/);
    answers.push(respond(503, { message: 'down' }));
    await expect(api('/workflow')).rejects.toThrow(/not reachable/);
    expect(calls).toHaveLength(2);
  });

  it('uses the message of an error body, and says when the server is down', async () => {
    answers.push(respond(404, { message: "Workflow 'x' not found" }));
    await expect(api('/workflow/x')).rejects.toThrow("Workflow 'x' not found");
    answers.push(new Response('<html><title>502 Bad Gateway</title></html>', { status: 502 }));
    await expect(api('/workflow/x')).rejects.toThrow(/not reachable/);
  });
});

describe('helpers', () => {
  it('reads quoted and encoded cookies', () => {
    expect(readCookie('XSRF-TOKEN', 'a=1; XSRF-TOKEN="x%2By"; b=2')).toBe('x+y');
    expect(readCookie('missing', 'a=1')).toBeUndefined();
  });
  it('appends to an existing query', () => expect(withQuery('/a?x=1', { y: 2 })).toBe('/a?x=1&y=2'));
});
