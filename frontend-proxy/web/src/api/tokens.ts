// Personal access tokens (GET/POST/DELETE /tokens).

import { api } from './client';
import type { AccessToken } from './types';

export const listTokens = () => api<{ tokens: AccessToken[] }>('/tokens').then((r) => r.tokens);
export const createToken = (name: string) => api<{ accessKey: string; token: AccessToken }>('/tokens', { method: 'POST', body: { name } });
export const deleteToken = (id: number) => api(`/tokens/${id}`, { method: 'DELETE' });
export const deleteAllTokens = () => api('/tokens/delete-all', { method: 'DELETE' });
