// Shapes of the Tower API responses the app reads (see openapi/openapi.yaml, generated from the
// backend). Only the fields the app uses are typed; the rest pass through untouched.

export type WorkflowStatus = 'SUBMITTED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'UNKNOWN';
export type TaskStatus = 'NEW' | 'SUBMITTED' | 'RUNNING' | 'CACHED' | 'COMPLETED' | 'FAILED' | 'ABORTED';

export interface ServiceInfo {
  version: string;
  apiVersion: string;
  commitId: string;
  serverUrl: string;
  authTypes: string[];
  loginPath: string;
  logoutUrl?: string | null;
  contactEmail?: string | null;
}

export interface User {
  id: number;
  userName: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  organization?: string | null;
  description?: string | null;
  avatar?: string | null;
  notification: boolean;
  dateCreated?: string | null;
  lastAccess?: string | null;
}

export interface UserInfo {
  user: User;
  defaultWorkspaceId?: number | null;
  needConsent: boolean;
}

export interface OrgAndWorkspace {
  orgId: number;
  orgName: string;
  orgLogoUrl?: string | null;
  roles: string[];
  workspaceId?: number | null;
  workspaceName?: string | null;
  workspaceFullName?: string | null;
  visibility?: string | null;
}

export interface Label {
  id: number;
  name: string;
  value?: string | null;
  resource: boolean;
  isDefault: boolean;
}

export interface Manifest {
  name?: string | null;
  description?: string | null;
  homePage?: string | null;
  version?: string | null;
  author?: string | null;
  mainScript?: string | null;
  defaultBranch?: string | null;
  nextflowVersion?: string | null;
}

export interface NextflowMeta {
  version?: string | null;
  build?: number | null;
  timestamp?: string | null;
}

export interface Workflow {
  id: string;
  runName: string;
  sessionId: string;
  status: WorkflowStatus;
  ownerId: number;
  projectName?: string | null;
  repository?: string | null;
  revision?: string | null;
  commitId?: string | null;
  commandLine?: string | null;
  params?: Record<string, unknown> | null;
  configFiles?: string[] | null;
  configText?: string | null;
  configProfiles?: string[] | null;
  profile?: string | null;
  container?: string | null;
  containerEngine?: string | null;
  workDir?: string | null;
  launchDir?: string | null;
  projectDir?: string | null;
  homeDir?: string | null;
  scriptFile?: string | null;
  scriptName?: string | null;
  scriptId?: string | null;
  userName?: string | null;
  submit?: string | null;
  start?: string | null;
  complete?: string | null;
  dateCreated?: string | null;
  lastUpdated?: string | null;
  duration?: number | null;
  exitStatus?: number | null;
  errorMessage?: string | null;
  errorReport?: string | null;
  success?: boolean | null;
  resume?: boolean | null;
  manifest?: Manifest | null;
  nextflow?: NextflowMeta | null;
  stats?: Record<string, unknown> | null;
  requiresAttention?: boolean;
  launchId?: string | null;
  deleted?: boolean;
}

export interface Counters {
  pending: number;
  submitted: number;
  running: number;
  succeeded: number;
  failed: number;
  cached: number;
  aborted: number;
  ignored: number;
  retries: number;
  loadCpus: number;
  loadMemory: number;
  loadTasks: number;
  peakCpus: number;
  peakMemory: number;
  peakTasks: number;
}

export interface Resources {
  cpus: number;
  cpuTime: number;
  cpuLoad: number;
  memoryRss: number;
  memoryReq: number;
  readBytes: number;
  writeBytes: number;
  volCtxSwitch: number;
  invCtxSwitch: number;
  cpuEfficiency: number;
  memoryEfficiency: number;
}

export interface WorkflowLoad extends Counters, Resources {
  cost: number;
  executors: string[];
  numSpotInterruptions: number;
  dateCreated?: string | null;
  lastUpdated?: string | null;
}

export interface ProcessLoad extends Counters, Resources {
  process: string;
}

export interface ProgressData {
  workflowProgress: WorkflowLoad;
  processesProgress: ProcessLoad[];
  totalProcesses: number;
}

export interface DescribeWorkflowResponse {
  workflow: Workflow;
  progress: ProgressData;
  labels: Label[];
  workspaceId?: number | null;
  workspaceName?: string | null;
  orgName?: string | null;
  cost: number;
  costCurrency: string;
  costIsEstimate: boolean;
  messages: string[];
}

export interface ListWorkflowsElement {
  workflow: Workflow;
  labels?: Label[];
  starred: boolean;
  workspaceId?: number | null;
  workspaceName?: string | null;
}

export interface ListWorkflowsResponse {
  workflows: ListWorkflowsElement[];
  /** With `includeTotalSize=true` only (the first page). */
  totalSize?: number;
  hasMore: boolean;
}

export interface Task {
  id: number;
  taskId: number;
  status: TaskStatus;
  hash?: string | null;
  name?: string | null;
  process?: string | null;
  tag?: string | null;
  exit?: number | null;
  exitStatus?: number | null;
  submit?: string | null;
  start?: string | null;
  complete?: string | null;
  module?: string[];
  container?: string | null;
  attempt?: number | null;
  script?: string | null;
  scratch?: string | null;
  workdir?: string | null;
  queue?: string | null;
  cpus?: number | null;
  memory?: number | null;
  disk?: number | null;
  time?: number | null;
  env?: string | null;
  errorAction?: string | null;
  errorMessage?: string | null;
  duration?: number | null;
  realtime?: number | null;
  pcpu?: number | null;
  pmem?: number | null;
  rchar?: number | null;
  wchar?: number | null;
  syscr?: number | null;
  syscw?: number | null;
  readBytes?: number | null;
  writeBytes?: number | null;
  vmem?: number | null;
  rss?: number | null;
  peakVmem?: number | null;
  peakRss?: number | null;
  volCtxt?: number | null;
  invCtxt?: number | null;
  nativeId?: string | null;
  executor?: string | null;
  machineType?: string | null;
  cloudZone?: string | null;
  priceModel?: string | null;
  cost?: number | null;
  hostname?: string | null;
  cpuModel?: string | null;
  accelerator?: number | null;
  acceleratorType?: string | null;
  numSpotInterruptions?: number | null;
  logStreamId?: string | null;
  dateCreated?: string | null;
  lastUpdated?: string | null;
  [key: string]: unknown;
}

export interface ListTasksResponse {
  tasks: { task: Task }[];
  total: number;
}

/** One metric series of a process: quartiles computed by Nextflow at the end of the run. */
export interface MetricStats {
  mean: number;
  min: number;
  q1: number;
  q2: number;
  q3: number;
  max: number;
  minLabel?: string;
  maxLabel?: string;
  q1Label?: string;
  q2Label?: string;
  q3Label?: string;
}

export interface WorkflowMetrics {
  id: number;
  process: string;
  cpu?: MetricStats | null;
  mem?: MetricStats | null;
  vmem?: MetricStats | null;
  time?: MetricStats | null;
  reads?: MetricStats | null;
  writes?: MetricStats | null;
  cpuUsage?: MetricStats | null;
  memUsage?: MetricStats | null;
  timeUsage?: MetricStats | null;
}

export interface AccessToken {
  id: number;
  name: string;
  dateCreated?: string | null;
  lastUsed?: string | null;
}

export interface Organization {
  orgId: number;
  name: string;
  fullName: string;
  description?: string | null;
  location?: string | null;
  website?: string | null;
  memberId?: number | null;
  memberRole?: string | null;
}

export interface Member {
  memberId: number;
  userId: number;
  userName: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  role: string;
}

export interface WorkspaceDto {
  id: number;
  name: string;
  fullName: string;
  description?: string | null;
  visibility: string;
}

export interface Participant {
  participantId: number;
  memberId?: number | null;
  teamId?: number | null;
  teamName?: string | null;
  userName?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  orgRole?: string | null;
  type: string;
  wspRole: string;
}

export interface Team {
  teamId: number;
  name: string;
  description?: string | null;
  membersCount: number;
}

export interface RoleInfo {
  name: string;
  description: string;
  isPredefined: boolean;
}
