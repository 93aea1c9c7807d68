// Datasets (/datasets): versioned CSV/TSV sample sheets, uploaded as multipart forms.

import { api } from './client';
import { wsQuery, type WorkspaceId } from './keys';
import type { Label } from './types';

export interface Dataset {
  id: string;
  name: string;
  description?: string | null;
  mediaType?: string | null;
  hidden: boolean;
  /** The latest version; 0 before the first upload. */
  version: number;
  labels: Label[];
  dateCreated: string;
  lastUpdated: string;
}

export interface DatasetVersion {
  datasetId: string;
  datasetName: string;
  version: number;
  fileName: string;
  mediaType: string;
  hasHeader: boolean;
  fileSize: number;
  disabled: boolean;
  url: string;
  createdBy?: string | null;
  dateCreated: string;
}

export const listDatasets = (ws: WorkspaceId, search: string) =>
  api<{ datasets: Dataset[]; totalSize: number }>('/datasets', { query: { ...wsQuery(ws), search: search || undefined, max: 100 } }).then((r) => r.datasets);
export const createDataset = (ws: WorkspaceId, name: string, description: string) =>
  api<{ dataset: Dataset }>('/datasets', { method: 'POST', query: wsQuery(ws), body: { name, description: description || undefined } }).then((r) => r.dataset);
export const deleteDataset = (ws: WorkspaceId, id: string) => api(`/datasets/${encodeURIComponent(id)}`, { method: 'DELETE', query: wsQuery(ws) });
export const listDatasetVersions = (ws: WorkspaceId, id: string) =>
  api<{ versions: DatasetVersion[] }>(`/datasets/${encodeURIComponent(id)}/versions`, { query: wsQuery(ws) }).then((r) => r.versions);
export function uploadDataset(ws: WorkspaceId, id: string, file: File, header: boolean) {
  const form = new FormData();
  form.append('file', file, file.name);
  return api<{ version: DatasetVersion }>(`/datasets/${encodeURIComponent(id)}/upload`, { method: 'POST', query: { ...wsQuery(ws), header }, body: form }).then(
    (r) => r.version,
  );
}
/** The latest version of each visible dataset of a media type: what a launch form offers. */
export const latestDatasetVersions = (ws: WorkspaceId, mimeType: string) =>
  api<{ versions: DatasetVersion[] }>('/datasets/versions', { query: { ...wsQuery(ws), mimeType, max: 100 } }).then((r) => r.versions);
/** The path of a version's file under the API (the app downloads it with the session). */
export const downloadPath = (ws: WorkspaceId, v: DatasetVersion) =>
  `/api/datasets/${encodeURIComponent(v.datasetId)}/v/${v.version}/n/${encodeURIComponent(v.fileName)}${ws ? `?workspaceId=${ws}` : ''}`;
