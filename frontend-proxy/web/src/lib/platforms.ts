// The form fields of each compute platform this server runs (the Seqera ComputeConfig fields).

export interface PlatformField {
  key: string;
  label: string;
  type?: 'text' | 'number' | 'checkbox' | 'textarea';
  required?: boolean;
  hint?: string;
}

const common: PlatformField[] = [
  { key: 'workDir', label: 'Work directory', required: true, hint: 'absolute path, e.g. /scratch/work' },
  { key: 'preRunScript', label: 'Pre-run script', type: 'textarea', hint: 'e.g. module load nextflow' },
  { key: 'postRunScript', label: 'Post-run script', type: 'textarea' },
  { key: 'nextflowConfig', label: 'Nextflow config', type: 'textarea' },
];

const grid: PlatformField[] = [
  { key: 'hostName', label: 'Login host', required: true, hint: 'e.g. login.hpc.example.com' },
  { key: 'port', label: 'SSH port', type: 'number', hint: '22' },
  { key: 'userName', label: 'User name', required: true },
  { key: 'launchDir', label: 'Launch directory', hint: 'absolute path; the work directory when empty' },
  { key: 'headQueue', label: 'Head job queue' },
  { key: 'computeQueue', label: 'Compute job queue' },
  { key: 'headJobOptions', label: 'Head job submit options', hint: 'e.g. --mem=4G -t 24:00:00' },
  { key: 'propagateHeadJobOptions', label: 'Apply the head job options to the compute jobs too', type: 'checkbox' },
  { key: 'maxQueueSize', label: 'Maximum queue size', type: 'number' },
];

const k8s: PlatformField[] = [
  { key: 'server', label: 'API server URL', required: true, hint: 'https://k8s.example.com:6443' },
  { key: 'sslCert', label: 'CA certificate (PEM)', type: 'textarea' },
  { key: 'namespace', label: 'Namespace', required: true },
  { key: 'headServiceAccount', label: 'Head service account' },
  { key: 'computeServiceAccount', label: 'Compute service account' },
  { key: 'storageClaimName', label: 'Storage claim name', required: true },
  { key: 'storageMountPath', label: 'Storage mount path', hint: '/workspace' },
  { key: 'headJobCpus', label: 'Head job CPUs', type: 'number' },
  { key: 'headJobMemoryMb', label: 'Head job memory (MiB)', type: 'number' },
];

export interface PlatformForm {
  id: string;
  provider?: string;
  fields: PlatformField[];
}

export const PLATFORM_FORMS: PlatformForm[] = [
  { id: 'local-platform', fields: common },
  ...['slurm-platform', 'lsf-platform', 'altair-platform', 'uge-platform', 'moab-platform'].map((id) => ({ id, provider: 'ssh', fields: [...grid, ...common] })),
  { id: 'k8s-platform', provider: 'k8s', fields: [...k8s, ...common] },
];

/** The config to send: filled fields only, numbers as numbers. */
export function configToSend(platform: string, values: Record<string, string | boolean>): Record<string, string | number | boolean> {
  const form = PLATFORM_FORMS.find((p) => p.id === platform);
  const out: Record<string, string | number | boolean> = { discriminator: platform };
  for (const f of form?.fields ?? []) {
    const v = values[f.key];
    if (f.type === 'checkbox') {
      if (v === true) out[f.key] = true;
    } else if (typeof v === 'string' && v.trim() !== '') {
      out[f.key] = f.type === 'number' ? Number(v) : f.type === 'textarea' ? v : v.trim();
    }
  }
  return out;
}
