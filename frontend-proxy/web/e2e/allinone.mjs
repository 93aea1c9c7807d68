// The README's one command, as a new user gets it: the all-in-one `tower` binary (built with
// `cargo build --release`) started in an empty directory, so no web app on disk and no secrets
// given. Chromium must render the app from the binary, sign in with an access token, and stay
// signed in across a restart (the all-in-one keeps the secrets it generated in its data dir).
//
// Usage: node e2e/allinone.mjs   (needs target/release/tower and target/debug/tower-backend, or
// TOWER_ALLINONE and TOWER_BIN_DIR; Chromium at /usr/bin/chromium or CHROMIUM).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const tower = resolve(process.env.TOWER_ALLINONE ?? join(repo, 'target/release/tower'));
const backendBin = resolve(process.env.TOWER_BIN_DIR ?? join(repo, 'target/debug'), 'tower-backend');
for (const b of [tower, backendBin]) {
  if (!existsSync(b)) {
    console.error(`missing ${b}: build it first (cargo build --release --bin tower; cargo build)`);
    process.exit(2);
  }
}

const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

// An empty working directory: the default data dir (./data) and no frontend-proxy/web/dist.
const home = mkdtempSync(join(tmpdir(), 'tower-allinone-'));
const [port, backendPort] = [await freePort(), await freePort()];
const site = `http://localhost:${port}`;
const env = { PATH: process.env.PATH, HOME: home, TOWER_FRONTEND_PORT: String(port), TOWER_BACKEND_SERVER_PORT: String(backendPort) };
const log = openSync(join(home, 'tower.log'), 'a');
let child;
let browser;
setTimeout(() => fail('did not finish within 3 minutes'), 180_000).unref();

function fail(why) {
  console.log(`not ok - ${why}; log: ${join(home, 'tower.log')}`);
  child?.kill('SIGKILL');
  process.exit(1);
}

async function startTower() {
  child = spawn(tower, [], { cwd: home, env, stdio: ['ignore', log, log] });
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${site}/health`).catch(() => null))?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail('tower did not come up');
}

function stopTower() {
  return new Promise((done) => {
    child.once('exit', done);
    child.kill('SIGTERM');
  });
}

try {
  await startTower();
  assert.ok(!existsSync(join(home, 'frontend-proxy')), 'no web app on disk');
  const secrets = readdirSync(join(home, 'data')).filter((f) => f.endsWith('secret') || f.endsWith('key'));
  assert.deepEqual(secrets.sort(), ['crypto-secret-key', 'jwt-secret']);
  for (const f of secrets) assert.equal(statSync(join(home, 'data', f)).mode & 0o777, 0o600, `${f} is private`);
  const token = execFileSync(backendBin, ['token', 'create', '--email', 'new-user@example.com', '--name', 'browser'], {
    env: { ...env, TOWER_DB_URL: `sqlite://${home}/data/tower.db` },
  })
    .toString()
    .trim();

  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site}/runs`);
  await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
  await page.fill('input[name=token]', token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText('No runs here yet').waitFor();
  console.log('ok - the app built into `tower` renders in Chromium and signs in');

  await stopTower();
  await startTower();
  await page.reload();
  await page.getByText('No runs here yet').waitFor();
  assert.equal(new URL(page.url()).pathname, '/runs', 'still signed in after the restart');
  assert.deepEqual(errors, []);
  console.log('ok - still signed in after tower restarts');
} catch (e) {
  fail(String(e?.stack ?? e).split('\n').slice(0, 4).join('\n  '));
} finally {
  await browser?.close();
  if (child && child.exitCode === null) await stopTower();
}
rmSync(home, { recursive: true, force: true });
