// The dashboard in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against a real `gantry up` daemon serving the example app, on 127.0.0.1.
// Run by CTest (cmake/dashboard.cmake) as `node --test`; needs GANTRY_BINARY and
// GANTRY_EXAMPLE_APP; screenshots go to GANTRY_TEST_ARTIFACTS (default ./test-artifacts).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

const GANTRY = process.env.GANTRY_BINARY;
const APP = process.env.GANTRY_EXAMPLE_APP;
const ARTIFACTS = path.resolve(process.env.GANTRY_TEST_ARTIFACTS || 'test-artifacts');
const DEADLINE_MS = 30000;
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const execFileAsync = promisify(execFile);

// ---- helpers ------------------------------------------------------------------------------

async function gantry(args, { check = true } = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(GANTRY, args, { timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (check) throw new Error(`gantry ${args.join(' ')} failed (${e.code}): ${e.stdout}${e.stderr}`);
    return { code: e.code, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

// Polls check() until it returns a truthy value (returned), or fails at the deadline saying
// what it waited for and what it saw last.
async function waitFor(what, check, { timeout = DEADLINE_MS, every = 50 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Every example-app process of this project (its working directory is the project's folder).
function appProcesses(home) {
  const out = [];
  const app = fs.realpathSync(APP);
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/exe`) === app && fs.readlinkSync(`/proc/${name}/cwd`) === home) {
        out.push(Number(name));
      }
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return out;
}

// Steady GETs through gantry's proxy so that the analysis has numbers to judge. Bounded: it
// stops when asked, or after maxMs whatever happens.
function startLoad(port, { perSecond = 80, maxMs = 90000 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const stats = { ok: 0, failed: 0 };
  const started = Date.now();
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped || Date.now() - started > maxMs) return stop();
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => { if (res.statusCode === 200) stats.ok++; else stats.failed++; });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => { stats.failed++; });
  }, 1000 / perSecond);
  function stop() {
    stopped = true;
    clearInterval(timer);
    agent.destroy();
  }
  return { stats, stop };
}

// One browser with a fresh profile (--user-data-dir) and no cookies: each test gets its own.
async function openBrowser(t, viewport = { width: 1280, height: 800 }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gantry-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  t.after(async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

// ---- the project: one service behind the proxy, a canary with a pause and an approval ------

const project = {};

before(async () => {
  assert.ok(GANTRY && fs.existsSync(GANTRY), 'GANTRY_BINARY must name the gantry binary');
  assert.ok(APP && fs.existsSync(APP), 'GANTRY_EXAMPLE_APP must name the example app');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  project.home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gantry-dashboard-')));
  project.state = path.join(project.home, 'state');
  project.spec = path.join(project.home, 'gantry.yaml');
  project.port = await freePort();
  fs.writeFileSync(project.spec, `project: dashboard-test
api: { listen: "127.0.0.1:0" }
services:
  api:
    command: ["${APP}", "--port", "\${PORT}"]
    port: ${project.port}
    replicas: 2
    stop_timeout: 2s
    restart: { policy: on-failure, backoff: { initial: 100ms, max: 1s } }
    health:
      readiness: { http: /health/ready, period: 100ms, timeout: 90ms }
    strategy:
      canary:
        steps: [ {weight: 20}, {pause: 2s}, {weight: 50}, {approval: true}, {weight: 100} ]
        analysis:
          interval: 1s
          success_rate: { min: 90% }
          judge: { min_requests: 5 }
          on_low_traffic: pass
proxy: { address: 127.0.0.1, drain_timeout: 1s }
`);
  await gantry(['up', '-f', project.spec, '--state-dir', project.state, '--detach']);
  const addrFile = path.join(project.state, 'api.addr');
  project.addr = await waitFor('STATE_DIR/api.addr', () =>
    fs.existsSync(addrFile) && fs.readFileSync(addrFile, 'utf8').trim());
  assert.match(project.addr, /^127\.0\.0\.1:\d+$/);
  project.base = `http://${project.addr}`;
  const created = await gantry(['tokens', 'create', 'browser-test', '--scope', 'admin', '--state-dir', project.state]);
  project.token = created.stdout.trim().split('\n')[0];
  assert.ok(project.token.length > 10, `a token on stdout: ${created.stdout}`);
  // Ready: both replicas of v1 serve through the proxy (asked over TCP with the token).
  await waitFor('api ready and routed on 2 replicas', async () => {
    const res = await fetch(`${project.base}/v1/status`, { headers: { Authorization: `Bearer ${project.token}` } });
    if (!res.ok) return false;
    const s = (await res.json()).services.find((x) => x.name === 'api');
    return s && s.ready === 2 && s.routed === 2;
  }, { timeout: 60000 });
});

after(async () => {
  project.load?.stop();
  if (project.state) {
    await gantry(['stop', '--state-dir', project.state, '--timeout', '20s'], { check: false });
    const pidFile = path.join(project.state, 'daemon.pid');
    const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (project.home) {
    for (const pid of appProcesses(project.home)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    fs.rmSync(project.home, { recursive: true, force: true });
  }
});

// ---- the tests ----------------------------------------------------------------------------

describe('dashboard', () => {
  test('a wrong token gets the sign-in prompt, and the right one gets in', { timeout: 60000 }, async (t) => {
    const { page } = await openBrowser(t);
    await page.goto(`${project.base}/#token=not-a-real-token`);
    const dialog = page.locator('#login-dialog');
    await waitFor('the sign-in prompt', () => dialog.evaluate((d) => d.open));
    const error = await waitFor('a message about the token', async () =>
      (await page.locator('#login-error').isVisible()) && page.locator('#login-error').textContent());
    assert.match(error, /not accepted/);
    assert.equal(new URL(page.url()).hash, '', 'the token is removed from the address bar');
    assert.equal(await page.locator('#services article[data-service="api"]').count(), 0, 'nothing shown without a session');
    assert.equal(await page.locator('#connection').getAttribute('data-state'), 'signed_out');

    await page.locator('#login-token').fill(project.token);
    await page.locator('#login-form button[type="submit"]').click();
    await waitFor('the services after signing in', async () =>
      (await page.locator('#services article[data-service="api"]').count()) === 1);
    assert.equal(await dialog.evaluate((d) => d.open), false);
  });

  test('the page loads with no console errors, at desktop and phone width', { timeout: 60000 }, async (t) => {
    const { page, problems } = await openBrowser(t);
    const response = await page.goto(`${project.base}/#token=${encodeURIComponent(project.token)}`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'] || '', /default-src 'self'/);
    await waitFor('the live connection', async () => (await page.locator('#connection').getAttribute('data-state')) === 'live');
    await waitFor('services, deployments and DORA drawn', async () =>
      (await page.locator('#services article[data-service="api"]').count()) === 1 &&
      (await page.locator('#deployments tbody tr[data-id]').count()) >= 1 &&
      page.evaluate(() => document.querySelectorAll('#dora .tile').length === 4 ||
        /not available/.test(document.querySelector('#dora').textContent)));
    const res = await fetch(`${project.base}/v1/status`, { headers: { Authorization: `Bearer ${project.token}` } });
    const running = (await res.json()).services.find((x) => x.name === 'api').version;
    assert.equal(await page.locator('#services article[data-service="api"] .version').textContent(), running);
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor('the phone layout', () => page.evaluate(() => document.documentElement.scrollWidth <= 390));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test('a canary is followed live and promoted from the page', { timeout: 90000 }, async (t) => {
    const { page, problems } = await openBrowser(t);
    await page.goto(`${project.base}/#token=${encodeURIComponent(project.token)}`);
    await waitFor('the live connection', async () => (await page.locator('#connection').getAttribute('data-state')) === 'live');
    // Record every weight v2 is shown with, as the page draws it.
    await page.evaluate(() => {
      window.seenWeights = [];
      const note = () => {
        const w = document.querySelector('#rollout-weights li[data-version="v2"] .weight');
        const value = w ? Number(w.dataset.weight) : null;
        if (value !== null && window.seenWeights[window.seenWeights.length - 1] !== value) window.seenWeights.push(value);
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
    });

    project.load = startLoad(project.port);
    const deployed = await gantry(['deploy', 'api', '--version', 'v2', '--detach', '--state-dir', project.state]);
    const id = deployed.stdout.trim().split('\n')[0];
    assert.match(id, /^d-/);

    const shown = page.locator(`#rollout[data-deployment="${id}"]`);
    await waitFor(`the page to follow ${id}`, async () => (await shown.count()) === 1);
    await waitFor('v2 at 20%', () => page.evaluate(() => window.seenWeights.includes(20)));
    await waitFor('v2 at 50%', () => page.evaluate(() => window.seenWeights.includes(50)));
    const seen = await page.evaluate(() => window.seenWeights);
    assert.ok(seen.indexOf(20) < seen.indexOf(50), `20% before 50%: ${seen}`);

    const promote = page.locator('#services button[data-action="promote"][data-service="api"]');
    // Promote is lit at the pause too: wait for the approval step itself.
    await waitFor('the rollout waiting for approval', () =>
      page.locator('#rollout-facts').evaluate((n) => /Waits for\s*approval/.test(n.textContent)));
    await waitFor('promote enabled at the approval step', () => promote.isEnabled());
    await waitFor('an analysis verdict listed', async () => (await page.locator('#verdicts li.verdict').count()) >= 1);
    const reason = await page.locator('#verdicts li.verdict .reason').first().textContent();
    assert.ok(reason.trim().length > 0, 'each verdict says why');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-approval.png') });

    await promote.click();
    const confirm = page.locator('#confirm-dialog');
    await waitFor('the confirmation', () => confirm.evaluate((d) => d.open));
    await page.locator('#confirm-ok').click();

    const status = page.locator(`#deployments tr[data-id="${id}"] .status .badge`);
    await waitFor(`${id} shown as succeeded`, async () => (await status.getAttribute('data-value')) === 'succeeded');
    await waitFor('v2 at 100%', () => page.evaluate(() => window.seenWeights.includes(100)));
    await waitFor('api on v2', async () =>
      (await page.locator('#services article[data-service="api"] .version').textContent()) === 'v2');
    assert.equal(await promote.isEnabled(), false, 'nothing left to promote');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-canary.png'), fullPage: true });
    project.load.stop();
    assert.deepEqual(problems, []);
  });

  test('roll back from the page, after the canary', { timeout: 60000 }, async (t) => {
    const { page, problems } = await openBrowser(t);
    await page.goto(`${project.base}/#token=${encodeURIComponent(project.token)}`);
    const version = page.locator('#services article[data-service="api"] .version');
    await waitFor('api on v2 (the canary test promoted it)', async () => (await version.count()) === 1 &&
      (await version.textContent()) === 'v2');
    const rows = page.locator('#deployments tbody tr[data-id]');
    // The first start and the canary are listed (the list loads after the services).
    await waitFor('the deployments listed', async () => (await rows.count()) >= 2);
    const canary = await rows.first().getAttribute('data-id');
    const rollback = page.locator('#services button[data-action="rollback"][data-service="api"]');
    await waitFor('roll back enabled', () => rollback.isEnabled());
    await rollback.click();
    await waitFor('the confirmation', () => page.locator('#confirm-dialog').evaluate((d) => d.open));
    const text = await page.locator('#confirm-text').textContent();
    assert.match(text, /from v2 to/, text);
    await page.locator('#confirm-ok').click();
    // What the page said about the request, for a failure's message.
    const said = async () => ((await page.locator('#notice').textContent()) || '').trim();
    const id = await waitFor('a new deployment listed', async () => {
      const first = await rows.first().getAttribute('data-id');
      return first !== canary ? first : false;
    }).catch(async (e) => { throw new Error(`${e.message}; the page said: ${await said()}`); });
    const status = page.locator(`#deployments tr[data-id="${id}"] .status .badge`);
    await waitFor(`the rollback ${id} shown as succeeded`, async () =>
      (await status.getAttribute('data-value')) === 'succeeded')
      .catch(async (e) => { throw new Error(`${e.message}; the page said: ${await said()}`); });
    await waitFor('api back on its first version', async () => (await version.textContent()) !== 'v2');
    assert.deepEqual(problems, []);
  });
});
