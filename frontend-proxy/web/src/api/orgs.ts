// Organizations, their members, teams, workspaces, participants and roles (the tenancy API).

import { api } from './client';
import type { Member, Organization, Participant, RoleInfo, Team, WorkspaceDto } from './types';

export const listOrgs = () => api<{ organizations: Organization[]; totalSize: number }>('/orgs').then((r) => r.organizations);
export const getOrg = (orgId: number) => api<{ organization: Organization }>(`/orgs/${orgId}`).then((r) => r.organization);
export const createOrg = (name: string, fullName: string, description: string) =>
  api<{ organization: Organization }>('/orgs', { method: 'POST', body: { organization: { name, fullName, description: description || null } } });
export const deleteOrg = (orgId: number) => api(`/orgs/${orgId}`, { method: 'DELETE' });

export const listMembers = (orgId: number) => api<{ members: Member[]; totalSize: number }>(`/orgs/${orgId}/members`, { query: { max: 1000 } });
export const addMember = (orgId: number, user: string) => api<{ member: Member }>(`/orgs/${orgId}/members/add`, { method: 'PUT', body: { user } });
export const removeMember = (orgId: number, memberId: number) => api(`/orgs/${orgId}/members/${memberId}`, { method: 'DELETE' });
export const setMemberRole = (orgId: number, memberId: number, role: string) => api(`/orgs/${orgId}/members/${memberId}/role`, { method: 'PUT', body: { role } });

export const listTeams = (orgId: number) => api<{ teams: Team[]; totalSize: number }>(`/orgs/${orgId}/teams`).then((r) => r.teams);
export const createTeam = (orgId: number, name: string, description: string) =>
  api(`/orgs/${orgId}/teams`, { method: 'POST', body: { team: { name, description: description || null } } });
export const deleteTeam = (orgId: number, teamId: number) => api(`/orgs/${orgId}/teams/${teamId}`, { method: 'DELETE' });

export const listWorkspaces = (orgId: number) => api<{ workspaces: WorkspaceDto[] }>(`/orgs/${orgId}/workspaces`).then((r) => r.workspaces);
export const getWorkspace = (orgId: number, wsId: number) => api<{ workspace: WorkspaceDto }>(`/orgs/${orgId}/workspaces/${wsId}`).then((r) => r.workspace);
export const createWorkspace = (orgId: number, name: string, fullName: string, visibility: string) =>
  api(`/orgs/${orgId}/workspaces`, { method: 'POST', body: { workspace: { name, fullName, visibility } } });
export const deleteWorkspace = (orgId: number, wsId: number) => api(`/orgs/${orgId}/workspaces/${wsId}`, { method: 'DELETE' });

export const listParticipants = (orgId: number, wsId: number) =>
  api<{ participants: Participant[] }>(`/orgs/${orgId}/workspaces/${wsId}/participants`).then((r) => r.participants);
export const addParticipant = (orgId: number, wsId: number, userNameOrEmail: string) =>
  api(`/orgs/${orgId}/workspaces/${wsId}/participants/add`, { method: 'PUT', body: { userNameOrEmail } });
export const removeParticipant = (orgId: number, wsId: number, participantId: number) =>
  api(`/orgs/${orgId}/workspaces/${wsId}/participants/${participantId}`, { method: 'DELETE' });
export const setParticipantRole = (orgId: number, wsId: number, participantId: number, role: string) =>
  api(`/orgs/${orgId}/workspaces/${wsId}/participants/${participantId}/role`, { method: 'PUT', body: { role } });

export const listRoles = (orgId: number) => api<{ roles: RoleInfo[] }>('/roles', { query: { orgId } }).then((r) => r.roles);

export const ORG_ROLES = ['owner', 'member', 'collaborator'];
export const WORKSPACE_ROLES = ['owner', 'admin', 'maintain', 'launch', 'connect', 'view'];
