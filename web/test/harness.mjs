// Shared parts of the browser tests: Debian's chromium through
// playwright-core with the offline flags of DESIGN.md, and the backend the
// pages talk to — the real edge worker under wrangler dev
// (edge/test/worker.mjs): its D1, R2, queue and server-side recommend are
// what the tests check. (web/scripts/devserver.mjs is for working on the
// widget by hand, not for the tests.)

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const ROOT = process.env.ROOT || resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const OUT = process.env.OUT || join(ROOT, '.out');
export const SITE = join(OUT, 'site');
export const SHOTS = join(OUT, 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** launch starts chromium with a fresh profile and private HOME/XDG dirs. */
export async function launch() {
  const home = await mkdtemp(join(OUT, 'tmp-chromium-'));
  for (const d of ['config', 'cache', 'data']) await mkdir(join(home, d), { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), XDG_DATA_HOME: join(home, 'data') },
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * newPage opens a page in a fresh context (empty storage) and collects
 * page errors and console errors, which most tests require to stay empty.
 */
export async function newPage(browser, { viewport = { width: 1200, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // An HTTP error names its URL here; Chromium's console line for it does not.
  // A 5xx from POST /v1/events is what the loader's retries are for (the
  // exactly-once test checks D1 itself): noted, not an error of the page.
  const retried = [];
  page.on('response', (r) => {
    if (r.status() >= 500 && new URL(r.url()).pathname === '/v1/events') retried.push(`http ${r.status()} ${r.url()}`);
    else if (r.status() >= 400) errors.push(`http ${r.status()} ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
    if (m.type() === 'warning') warnings.push(m.text());
  });
  const open = new Set();
  page.on('request', (r) => open.add(r));
  page.on('requestfinished', (r) => open.delete(r));
  page.on('requestfailed', (r) => open.delete(r));
  inflight.set(page, open);
  return { context, page, errors, warnings, retried };
}

const inflight = new WeakMap();

/**
 * pending names the page's requests that have not finished: what a wait
 * that timed out adds to its error (twice in CI a page's load event never
 * came: the request that hung is the clue).
 */
export function pending(page) {
  const open = [...(inflight.get(page) || [])].map((r) => `${r.method()} ${new URL(r.url()).pathname}`);
  return open.length ? `requests not finished: ${open.join(', ')}` : 'no request unfinished';
}

/** shot saves a full-page screenshot under $OUT/screenshots. */
export async function shot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export const run = promisify(execFile);

/**
 * buildBlob compiles a test catalog with the real generator
 * (`go run ./matrixgen build`) and returns the blob bytes.
 */
export async function buildBlob(dir, name) {
  await mkdir(join(OUT, 'test-web'), { recursive: true });
  const out = join(OUT, 'test-web', `${name}.blob`);
  const args = ['run', './matrixgen', 'build', '--orders', join(dir, 'orders.csv'), '--orders-format', 'long', '--catalog', join(dir, 'catalog.csv')];
  if (existsSync(join(dir, 'matrix.csv'))) args.push('--matrix', join(dir, 'matrix.csv'));
  if (existsSync(join(dir, 'policy.json'))) args.push('--policy', join(dir, 'policy.json'));
  args.push('-o', out);
  await run('go', args, { cwd: ROOT, timeout: 180_000 });
  return readFile(out);
}

/**
 * startBackend serves $OUT/site and the /v1 routes with blob published.
 * Resolves to {url, token, publish(bytes), events(), d1(sql), stats(), stop()}; events()
 * answers the stored events ({id, type, ...}) as the backend holds them.
 */
export async function startBackend({ blob } = {}) {
  const edge = await import(join(ROOT, 'edge', 'test', 'worker.mjs'));
  const w = await edge.startWorker({ assetsDir: SITE });
  const publish = (bytes) => edge.publish(w, bytes);
  try {
    if (blob) await publish(blob);
  } catch (e) {
    await w.stop();
    throw e;
  }
  return {
    url: w.url,
    token: w.token,
    publish,
    events: () => d1(w, 'SELECT id, type, item, placement, rule, order_id FROM events'),
    d1: (sql) => d1(w, sql),
    stats: async () => (await fetch(`${w.url}/v1/stats`, { headers: { authorization: `Bearer ${w.token}` } })).json(),
    async stop() {
      await w.stop();
      await rm(w.persistDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

// d1 queries the worker's local D1 with `wrangler d1 execute --local`, the
// same SQLite database the running worker writes.
async function d1(w, sql) {
  const edgeDir = join(ROOT, 'edge');
  const home = join(w.persistDir, 'home-web');
  for (const d of ['config', 'cache', 'data']) await mkdir(join(home, d), { recursive: true });
  const env = {
    ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), XDG_DATA_HOME: join(home, 'data'),
    WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true', NO_COLOR: '1',
  };
  const { stdout } = await run(
    process.execPath,
    [join(edgeDir, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'd1', 'execute', 'DB', '--local', '--persist-to', w.persistDir, '-c', join(edgeDir, 'wrangler.toml'), '--json', '--command', sql],
    { cwd: edgeDir, env, timeout: 60_000, maxBuffer: 64 << 20 },
  );
  const out = JSON.parse(stdout);
  return out[0]?.results ?? [];
}

/** waitFor polls fn until it returns a truthy value or ms pass. */
export async function waitFor(fn, { ms = 15000, every = 200, what = 'condition' } = {}) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
