// Getting started: the exact commands to report a Nextflow run to this server, with a token
// created on the spot (or a placeholder) and the workspace when one is selected.

import { useState } from 'react';
import { Link } from 'react-router';
import { useServiceInfo } from '../auth/session';
import { paths, useWorkspaceId } from '../paths';
import { Card, CopyButton } from '../ui/kit';
import { CreateTokenForm } from './TokensPage';

/** The API endpoint Nextflow should use: this site's origin + /api. */
export function apiEndpoint(origin: string): string {
  return `${origin.replace(/\/+$/, '')}/api`;
}

export function nextflowSnippet(endpoint: string, token: string, workspaceId: number | null): string {
  return [
    `export TOWER_ACCESS_TOKEN=${token}`,
    ...(workspaceId ? [`export TOWER_WORKSPACE_ID=${workspaceId}`] : []),
    `nextflow run hello -with-tower ${endpoint}`,
  ].join('\n');
}

export function configSnippet(endpoint: string, workspaceId: number | null): string {
  return [
    'tower {',
    '  enabled = true',
    `  endpoint = '${endpoint}'`,
    "  accessToken = System.getenv('TOWER_ACCESS_TOKEN')",
    ...(workspaceId ? [`  workspaceId = '${workspaceId}'`] : []),
    '}',
  ].join('\n');
}

export default function GettingStartedPage() {
  const ws = useWorkspaceId();
  const info = useServiceInfo();
  const [token, setToken] = useState<string | null>(null);
  // The browser's origin is the address users reach; the server URL is the configured one.
  const endpoint = apiEndpoint(window.location.origin);
  const snippet = nextflowSnippet(endpoint, token ?? '<your access token>', ws);
  const config = configSnippet(endpoint, ws);
  return (
    <div className="page page-narrow">
      <h1>Getting started</h1>
      <p>Three steps to watch your Nextflow runs here live.</p>
      <Card title="1. Install Nextflow">
        <p>
          Nextflow needs Java 17 or later. See the Nextflow documentation, or run <code>curl -s https://get.nextflow.io | bash</code> on a
          machine with internet access.
        </p>
      </Card>
      <Card title="2. Create an access token">
        {token ? (
          <p role="status">Token created and filled in below. It is shown only here, once: keep the snippet.</p>
        ) : (
          <>
            <CreateTokenForm defaultName={`nextflow-${new Date().toISOString().slice(0, 10)}`} onCreated={(t) => setToken(t.accessKey)} />
            <p className="hint">
              Or use a token you already have (<Link to={paths.tokens}>Tokens</Link>).
            </p>
          </>
        )}
      </Card>
      <Card title="3. Run a pipeline with -with-tower">
        <div className="code-block">
          <pre className="code" data-testid="nextflow-snippet">
            {snippet}
          </pre>
          <CopyButton text={snippet} />
        </div>
        <p>
          The run appears in <Link to={paths.runs(ws)}>Runs</Link> as soon as Nextflow starts, and its page follows it live.
        </p>
        <h3>Or in nextflow.config</h3>
        <div className="code-block">
          <pre className="code">{config}</pre>
          <CopyButton text={config} />
        </div>
        {info.data && info.data.serverUrl && apiEndpoint(info.data.serverUrl) !== endpoint ? (
          <p className="hint">
            This server is configured with the public address <code>{info.data.serverUrl}</code>; from other machines use{' '}
            <code>{apiEndpoint(info.data.serverUrl)}</code>.
          </p>
        ) : null}
      </Card>
    </div>
  );
}
