// startWorker runs the real edge worker under `wrangler dev` (local workerd
// with local D1, R2 and Queues), offline, on 127.0.0.1 and a free port, with
// its own state directory, token and HOME. Used by edge's tests and bench,
// web's browser tests and edge/scripts/demo.sh. See docs/edge.md.
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, createWriteStream, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(EDGE, '..');
const WRANGLER = join(EDGE, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

// rawGet is a GET without client-side decompression, to see exactly what
// the worker sent.
export function rawGet(url, headers = {}) {
  return new Promise((ok, fail) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail);
  });
}

// freePort asks the kernel for an unused port on 127.0.0.1.
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// offlineEnv keeps wrangler off the network and out of the real $HOME.
export function offlineEnv(home) {
  for (const d of ['config', 'cache', 'data']) mkdirSync(join(home, d), { recursive: true });
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    WRANGLER_HIDE_BANNER: 'true',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    CI: 'true', // no interactive prompts
    NO_COLOR: '1',
  };
}

// migrate applies edge/migrations to the local D1 under persistDir.
export async function migrate(persistDir, env = offlineEnv(join(persistDir, 'home')), config = join(EDGE, 'wrangler.toml')) {
  await promisify(execFile)(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local',
    '--persist-to', persistDir, '-c', config], { env, cwd: dirname(config), timeout: 120_000 });
}

/**
 * Start the worker.
 * @param {object} [opts]
 * @param {string} [opts.persistDir] state directory (D1, R2, queues, HOME, logs); default a fresh one under .out/edge-runs/
 * @param {boolean} [opts.fresh=true] wipe persistDir first
 * @param {number} [opts.port] default: a free port
 * @param {string} [opts.assetsDir] static assets; default .out/site
 * @param {string} [opts.token] bearer token for writes; default random
 * @param {string[]} [opts.origins] ALLOWED_ORIGINS for POST /v1/events
 * @param {Record<string,string>} [opts.vars] more [vars] overrides (e.g. KEEP_VERSIONS)
 * @param {string} [opts.config] wrangler config; default edge/wrangler.toml
 * @param {boolean} [opts.migrate=true] apply the D1 migrations first
 * @param {string} [opts.logLevel='info'] wrangler's log level (info logs every request)
 * @param {boolean} [opts.testScheduled=false] expose /__scheduled?cron=… to run the cron handler (wrangler dev --test-scheduled)
 * @returns {Promise<{url: string, port: number, token: string, persistDir: string, config: string, pid: number, log: string, stop: () => Promise<void>}>}
 */
export async function startWorker(opts = {}) {
  const out = process.env.OUT || join(ROOT, '.out');
  const persistDir = resolve(opts.persistDir || join(out, 'edge-runs', `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`));
  if (opts.fresh !== false) rmSync(persistDir, { recursive: true, force: true });
  mkdirSync(persistDir, { recursive: true });
  const config = opts.config || join(EDGE, 'wrangler.toml');
  const assetsDir = resolve(opts.assetsDir || join(out, 'site'));
  mkdirSync(assetsDir, { recursive: true });
  if (!existsSync(join(EDGE, 'build', 'xsell.wasm')) && !opts.config) {
    throw new Error('edge: build/xsell.wasm is missing; run edge/scripts/build.sh first');
  }
  if (!existsSync(WRANGLER)) throw new Error('edge: wrangler is not installed; run npm ci in edge/');
  const token = opts.token || randomBytes(24).toString('hex');
  const port = opts.port || await freePort();
  const env = offlineEnv(join(persistDir, 'home'));

  // Local secrets and vars: a generated env file, never committed.
  const vars = { TOKEN: token, ALLOWED_ORIGINS: (opts.origins || []).join(','), ...(opts.vars || {}) };
  const envFile = join(persistDir, '.dev.vars');
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(String(v))}`).join('\n') + '\n', { mode: 0o600 });

  if (opts.migrate !== false) await migrate(persistDir, env, config);

  const log = join(persistDir, 'wrangler.log');
  const logStream = createWriteStream(log);
  const child = spawn(process.execPath, [WRANGLER, 'dev', '-c', config, '--ip', '127.0.0.1', '--port', String(port),
    '--persist-to', persistDir, '--env-file', envFile, '--assets', assetsDir, '--inspector-port', String(opts.inspectorPort || await freePort()),
    '--show-interactive-dev-session=false', '--log-level', opts.logLevel || 'info', ...(opts.testScheduled ? ['--test-scheduled'] : [])],
  { env, cwd: dirname(config), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(logStream);
  child.stderr.pipe(logStream);
  let exited = null;
  child.on('exit', (code, sig) => { exited = `wrangler exited (${code ?? sig})`; });

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((ok) => child.once('exit', ok));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await done;
    clearTimeout(t);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`edge: ${exited} before it was ready; see ${log}`);
    try {
      const r = await fetch(`${url}/v1/health`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`edge: worker not ready on ${url} after 90 s; see ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, token, persistDir, config, pid: child.pid, log, stop };
}

// publish uploads blob bytes with the worker's token; answers the JSON reply.
export async function publish(w, bytes) {
  const r = await fetch(`${w.url}/v1/blob`, {
    method: 'PUT', body: bytes,
    headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/octet-stream' },
  });
  const body = await r.json();
  if (r.status !== 201 && r.status !== 200) throw new Error(`publish: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

// publishBuild publishes what `matrixgen build -o FILE` wrote: for a sharded
// blob (FILE.manifest.json lists shards other than FILE itself) each
// FILE.shards/<hash>.blob first, then the head. Answers the head's reply.
export async function publishBuild(w, file) {
  const manifest = JSON.parse(readFileSync(file.replace(/\.blob$/, '') + '.manifest.json', 'utf8'));
  for (const s of manifest.shards) {
    if (s.hash === manifest.hash) continue;
    await publish(w, readFileSync(join(file.replace(/\.blob$/, '') + '.shards', `${s.hash}.blob`)));
  }
  return publish(w, readFileSync(file));
}

// wranglerLocal runs `wrangler ARGS --local` against a started worker's
// state (its D1, R2) and answers what wrangler printed.
export async function wranglerLocal(w, ...args) {
  const { stdout } = await promisify(execFile)(process.execPath, [WRANGLER, ...args, '--local', '--persist-to', w.persistDir, '-c', w.config],
    { env: offlineEnv(join(w.persistDir, 'home')), cwd: dirname(w.config), timeout: 60_000 });
  return stdout;
}

// d1 runs one SQL command against a started worker's local D1; answers the rows.
export async function d1(w, command) {
  return JSON.parse(await wranglerLocal(w, 'd1', 'execute', 'DB', '--json', '--command', command))[0].results;
}

// until polls f every 500 ms until ok(its value), and answers that value;
// past the timeout it throws with what it saw last and the worker's log.
export async function until(w, what, f, ok, timeout = 60_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeout / 1000} s (worker log: ${w.log})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
