// Who is signed in. The session is the backend's cookies; the app only asks `GET /user-info`
// and treats a 401 there as "signed out". Sign-in and sign-out calls live here too.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { keys } from '../api/keys';
import type { OrgAndWorkspace, ServiceInfo, UserInfo } from '../api/types';

export function useServiceInfo() {
  return useQuery({
    queryKey: keys.serviceInfo,
    queryFn: () => api<{ serviceInfo: ServiceInfo }>('/service-info').then((r) => r.serviceInfo),
    staleTime: 5 * 60_000,
  });
}

/** The signed-in user, or null when there is no valid session. */
export function useUserInfo() {
  return useQuery({
    queryKey: keys.userInfo,
    queryFn: async () => {
      try {
        return await api<UserInfo>('/user-info');
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
}

export function useWorkspaces(userId: number | undefined) {
  return useQuery({
    queryKey: keys.workspaces(userId ?? 0),
    queryFn: () => api<{ orgsAndWorkspaces: OrgAndWorkspace[] }>(`/user/${userId}/workspaces`).then((r) => r.orgsAndWorkspaces.filter((o) => o.workspaceId)),
    enabled: !!userId,
    staleTime: 60_000,
  });
}

/** `org / workspace` for a workspace id, from the user's workspace list (null for personal). */
export function useWorkspaceLabel(ws: number | null): string | null {
  const me = useUserInfo();
  const list = useWorkspaces(ws ? me.data?.user.id : undefined);
  if (!ws) return null;
  const w = list.data?.find((o) => o.workspaceId === ws);
  return w ? `${w.orgName} / ${w.workspaceName}` : `workspace ${ws}`;
}

export async function signInWithToken(token: string): Promise<void> {
  await api('/auth/token', { method: 'POST', body: { token: token.trim() }, noRefresh: true });
}

export async function requestEmailLink(email: string): Promise<void> {
  await api('/auth/email', { method: 'POST', body: { email: email.trim() }, noRefresh: true });
}

export function oidcLoginUrl(redirect: string): string {
  return `/api/oauth/login/oidc?redirect=${encodeURIComponent(redirect)}`;
}

export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    try {
      await api('/auth/logout', { method: 'POST', noRefresh: true });
    } finally {
      client.clear();
      client.setQueryData(keys.userInfo, null);
    }
  };
}
