// The credentials providers the server stores, with the form fields of each (as the backend's
// provider table: public fields come back, secret ones never do).

export interface ProviderField {
  key: string;
  label: string;
  secret?: boolean;
  /** Multi-line text (a key or certificate), with a file picker. */
  file?: boolean;
  hint?: string;
}

export interface ProviderForm {
  id: string;
  title: string;
  baseUrl?: boolean;
  fields: ProviderField[];
  /** What the server requires, in words. */
  needs: string;
}

const git = (id: string, title: string): ProviderForm => ({
  id,
  title,
  baseUrl: true,
  needs: 'a user name, and a password or an access token',
  fields: [
    { key: 'username', label: 'User name' },
    { key: 'password', label: 'Password', secret: true },
    { key: 'token', label: 'Access token', secret: true },
  ],
});

export const PROVIDERS: ProviderForm[] = [
  {
    id: 'ssh',
    title: 'SSH',
    needs: 'a private key',
    fields: [
      { key: 'privateKey', label: 'Private key', secret: true, file: true, hint: 'PEM or OpenSSH format (-----BEGIN … PRIVATE KEY-----)' },
      { key: 'passphrase', label: 'Passphrase', secret: true },
    ],
  },
  {
    id: 'k8s',
    title: 'Kubernetes',
    needs: 'a service account token, or a client certificate and its key',
    fields: [
      { key: 'token', label: 'Service account token', secret: true },
      { key: 'certificate', label: 'Client certificate', file: true },
      { key: 'privateKey', label: 'Client key', secret: true, file: true },
    ],
  },
  {
    id: 'container-reg',
    title: 'Container registry',
    needs: 'a user name and a password',
    fields: [
      { key: 'registry', label: 'Registry server', hint: 'e.g. quay.io (Docker Hub when empty)' },
      { key: 'userName', label: 'User name' },
      { key: 'password', label: 'Password or access token', secret: true },
    ],
  },
  git('github', 'GitHub'),
  git('gitlab', 'GitLab'),
  git('bitbucket', 'Bitbucket'),
  git('gitea', 'Gitea'),
  git('codecommit', 'AWS CodeCommit'),
  {
    id: 'aws',
    title: 'Amazon Web Services',
    needs: 'an access key and its secret, or a role to assume',
    fields: [
      { key: 'accessKey', label: 'Access key' },
      { key: 'secretKey', label: 'Secret key', secret: true },
      { key: 'assumeRoleArn', label: 'Assume role ARN' },
    ],
  },
  {
    id: 'google',
    title: 'Google Cloud',
    needs: 'a service account key file',
    fields: [{ key: 'data', label: 'Service account key (JSON)', secret: true, file: true }],
  },
  {
    id: 'azure',
    title: 'Azure',
    needs: 'the Batch and Storage account names and keys',
    fields: [
      { key: 'batchName', label: 'Batch account name' },
      { key: 'batchKey', label: 'Batch account key', secret: true },
      { key: 'storageName', label: 'Storage account name' },
      { key: 'storageKey', label: 'Storage account key', secret: true },
    ],
  },
];

export function providerForm(id: string): ProviderForm | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

/** The keys to send: the fields filled in; a secret left empty keeps its stored value. */
export function keysToSend(form: ProviderForm, values: Record<string, string>): Record<string, string> {
  const keys: Record<string, string> = { discriminator: form.id };
  for (const f of form.fields) {
    const v = values[f.key] ?? '';
    if (f.secret ? v !== '' : v.trim() !== '') keys[f.key] = f.secret ? v : v.trim();
  }
  return keys;
}
