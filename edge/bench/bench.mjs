// Edge benchmark: the Go worker and the plain-JS baseline (bench/baseline.mjs)
// under local workerd, one after the other, same routes and load; then the
// soak of 50,000 event requests against the Go worker. Every loop is bounded
// in count and time; traffic goes only to 127.0.0.1.
//
// CPU per request is workerd's own CPU time (utime+stime of the workerd
// processes from /proc/<pid>/stat) over a run, divided by its requests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publish, startWorker } from '../test/worker.mjs';

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(EDGE, '..');
const OUT = process.env.OUT || join(ROOT, '.out');
const SECONDS = Number(process.env.BENCH_SECONDS || 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 8);
const SOAK = Number(process.env.SOAK_REQUESTS || 50_000);
const SOAK_DEADLINE_MS = Number(process.env.SOAK_DEADLINE_S || 420) * 1000;
// SOAK_TARGET=js soaks the plain-JS baseline instead: the control for workerd's RSS under wrangler dev.
const TARGET = process.env.SOAK_TARGET || 'go';
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

// ---- /proc -------------------------------------------------------------------

function workerdPids(root) {
  const parent = new Map();
  const comm = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = s.lastIndexOf(')');
      comm.set(Number(d), s.slice(s.indexOf('(') + 1, close));
      parent.set(Number(d), Number(s.slice(close + 2).split(' ')[1]));
    } catch { /* exited */ }
  }
  const under = (pid) => { for (let p = pid; p > 1; p = parent.get(p)) if (p === root) return true; return false; };
  return [...comm.keys()].filter((p) => comm.get(p) === 'workerd' && under(p));
}

function cpuSeconds(pids) {
  let ticks = 0;
  for (const p of pids) {
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch { /* exited */ }
  }
  return ticks / TICK;
}

function rssMB(pids) {
  let kb = 0;
  for (const p of pids) {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]); } catch { /* exited */ }
  }
  return kb / 1024;
}

// ---- load ----------------------------------------------------------------------

function request(agent, url, { method = 'GET', headers = {}, body }) {
  return new Promise((ok, fail) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => ok(res.statusCode));
    });
    req.on('error', fail);
    if (body) req.end(body); else req.end();
  });
}

// load runs `make(i)` requests with bounded concurrency until `seconds` pass
// or `count` requests are done, whichever is first.
async function load(base, make, { seconds = SECONDS, count = Infinity, concurrency = CONCURRENCY, onTick } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const lat = [];
  const statuses = {};
  let next = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end && next < count) {
      const i = next++;
      const spec = make(i);
      const s = performance.now();
      let st;
      try { st = await request(agent, base + spec.path, spec); } catch (e) { st = 'error'; }
      lat.push(performance.now() - s);
      statuses[st] = (statuses[st] || 0) + 1;
      if (onTick && i % 1000 === 0) onTick(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { requests: lat.length, rps: lat.length / elapsed, p50: q(0.5), p99: q(0.99), statuses, elapsed };
}

// ---- scenario ------------------------------------------------------------------

function eventsBody(tag, i, n) {
  const now = Date.now();
  const events = [];
  for (let j = 0; j < n; j++) {
    events.push({
      id: `${tag}-${i}-${j}`.padEnd(8, '0'), type: j % 5 === 4 ? 'click' : 'impression', ts: now, placement: 'product',
      anchor: `item-${i % 50}`, item: `item-${(i + j) % 97}`, rule: 'pairs', rank: j % 4, variant: i % 2 ? 'a' : 'b', visitor: `visitor-${i % 500}`,
    });
  }
  return JSON.stringify({ events });
}

async function measure(w, route, make, opts = {}) {
  const pids = workerdPids(w.pid);
  await load(w.url, make, { seconds: 1 }); // warm-up: isolate, Go runtime, caches
  const c0 = cpuSeconds(pids);
  const r = await load(w.url, make, opts);
  if (opts.settle) await new Promise((ok) => setTimeout(ok, opts.settle)); // let the queue consumer finish its share
  const cpu = cpuSeconds(pids) - c0;
  return { route, ...r, cpuMsPerRequest: (cpu * 1000) / r.requests };
}

async function runRoutes(name, w, blobBytes) {
  const m = await publish(w, blobBytes);
  const hash = m.manifest.hash;
  const mres = await fetch(`${w.url}/v1/manifest`);
  const etag = mres.headers.get('etag');
  await mres.arrayBuffer();
  const tag = `${name}${Date.now().toString(36)}`;
  const results = [];
  const post = (n) => (i) => ({ path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/json' }, body: eventsBody(tag + n, i, n) });
  const routes = [
    ['manifest GET 200', () => ({ path: '/v1/manifest' })],
    ['manifest GET 304', () => ({ path: '/v1/manifest', headers: { 'if-none-match': etag } })],
    ['blob GET 200 (gzip)', () => ({ path: `/v1/blob/${hash}`, headers: { 'accept-encoding': 'gzip' } })],
    ['blob GET 304', () => ({ path: `/v1/blob/${hash}`, headers: { 'if-none-match': `"${hash}-gz"`, 'accept-encoding': 'gzip' } })],
    ['events POST ×20', post(20), { settle: 3000 }],
  ];
  if (name === 'go') routes.push(['recommend GET (Go only)', (i) => ({ path: `/v1/recommend?placement=product&anchor=item-${i % 30}&k=3` })]);
  for (const [route, make, opts] of routes) {
    const r = await measure(w, route, make, opts);
    console.error(`${name.padEnd(8)} ${route.padEnd(24)} ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  cpu ${r.cpuMsPerRequest.toFixed(2)} ms/req  ${JSON.stringify(r.statuses)}`);
    results.push(r);
  }
  return results;
}

async function soak(w) {
  const pids = workerdPids(w.pid);
  const tag = `soak${Date.now().toString(36)}`;
  const samples = [];
  let done = 0;
  const goMem = [];
  const sampler = setInterval(() => {
    samples.push({ requests: done, rssMB: rssMB(pids) });
    fetch(`${w.url}/v1/health`).then((r) => r.json()).then((h) => { if (h.runtime.memory) goMem.push({ requests: done, starts: h.runtime.starts, ...h.runtime.memory }); }).catch(() => {});
  }, 2000);
  samples.push({ requests: 0, rssMB: rssMB(pids) });
  const c0 = cpuSeconds(pids);
  // Each request carries its own new event and, again, the previous
  // request's event: every event is sent twice and must be stored once.
  const body = (i) => {
    const ev = (k) => ({ id: `${tag}-${k}`, type: 'impression', ts: Date.now(), placement: 'cart', anchor: `item-${k % 40}`, item: `item-${k % 37}`, rule: 'pairs', variant: 'a', visitor: `visitor-${k % 1000}` });
    return JSON.stringify({ events: i > 0 ? [ev(i), ev(i - 1)] : [ev(0)] });
  };
  const r = await load(w.url, (i) => ({ path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i) }), {
    seconds: SOAK_DEADLINE_MS / 1000, count: SOAK, onTick: (i) => { done = i; },
  });
  done = r.requests;
  clearInterval(sampler);
  samples.push({ requests: done, rssMB: rssMB(pids) });
  // Wait for the queue consumer to store everything.
  let stored = 0;
  const deadline = Date.now() + (TARGET === 'js' ? 0 : 180_000);
  if (TARGET === 'js') await new Promise((ok) => setTimeout(ok, 20_000)); // the baseline has no stats route
  for (; TARGET !== 'js';) {
    const s = await (await fetch(`${w.url}/v1/stats`, { headers: { authorization: `Bearer ${w.token}` } })).json();
    if (s.events >= r.requests || Date.now() > deadline) { stored = s.events; break; }
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  const cpu = cpuSeconds(pids) - c0;
  // Count in D1 directly, duplicates included (a double would show as n > ids).
  const d1 = JSON.parse(execFileSync(process.execPath, [join(EDGE, 'node_modules/wrangler/bin/wrangler.js'), 'd1', 'execute', 'DB', '--local',
    '--persist-to', w.persistDir, '-c', join(EDGE, 'wrangler.toml'), '--json', '--command',
    `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events WHERE id LIKE '${tag}-%'`],
  { env: { ...process.env, HOME: join(w.persistDir, 'home'), XDG_CONFIG_HOME: join(w.persistDir, 'home/config'), CI: 'true', WRANGLER_SEND_METRICS: 'false' } }).toString())[0].results[0];
  const warm = samples.filter((s) => s.requests >= 0.1 * done);
  const fit = slope(warm.map((s) => [s.requests, s.rssMB]));
  return {
    requests: r.requests, rps: r.rps, p50: r.p50, p99: r.p99, statuses: r.statuses,
    sentEvents: 2 * r.requests - 1, uniqueEvents: r.requests, stored, d1,
    cpuMsPerRequest: (cpu * 1000) / r.requests,
    go: { first: goMem[0], last: goMem.at(-1), maxWasmMemory: Math.max(...goMem.map((m) => m.wasm_memory)), maxHeapAlloc: Math.max(...goMem.map((m) => m.heap_alloc)), samples: goMem },
    rss: { start: samples[0].rssMB, afterWarmup: warm[0]?.rssMB, max: Math.max(...samples.map((s) => s.rssMB)), end: samples.at(-1).rssMB, mbPer10k: fit * 10_000 },
    samples,
  };
}

// slope is the least-squares slope of y over x.
function slope(pts) {
  const n = pts.length;
  if (n < 2) return 0;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  let num = 0; let den = 0;
  for (const [x, y] of pts) { num += (x - mx) * (y - my); den += (x - mx) ** 2; }
  return den ? num / den : 0;
}

// ---- main ----------------------------------------------------------------------

const sample = join(OUT, 'sample.blob');
let blobBytes;
if (existsSync(sample)) blobBytes = readFileSync(sample);
else {
  const f = join(OUT, 'edge-bench-blob.bin');
  execFileSync('go', ['run', './edge/internal/testblob/mkblob', '-seed', '7', '-items', '3000', '-o', f], { cwd: ROOT });
  blobBytes = readFileSync(f);
}
console.error(`blob: ${blobBytes.length} bytes; ${SECONDS} s per route, ${CONCURRENCY} connections; CPU = workerd utime+stime / requests`);

const report = { when: new Date().toISOString(), blobBytes: blobBytes.length, seconds: SECONDS, concurrency: CONCURRENCY, go: [], js: [] };
let w;
if (process.env.BENCH_ROUTES !== '0') {
  w = await startWorker({ persistDir: join(OUT, 'edge-bench', 'go'), logLevel: 'warn' });
  try { report.go = await runRoutes('go', w, blobBytes); } finally { await w.stop(); }
  w = await startWorker({ persistDir: join(OUT, 'edge-bench', 'js'), config: join(EDGE, 'bench', 'wrangler.toml'), logLevel: 'warn' });
  try { report.js = await runRoutes('js', w, blobBytes); } finally { await w.stop(); }
}

// Measure first: the worker syumai/workers generates (a fresh Go runtime per
// request), serving the same event validation without the queue send.
async function runSyumai() {
  const dir = join(OUT, 'edge-syumai');
  mkdirSync(dir, { recursive: true });
  execFileSync('go', ['run', 'github.com/syumai/workers/cmd/workers-assets-gen', '-mode=go', '-o', join(dir, 'build')], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dir, 'build', 'app.wasm'), './edge/bench/syumai'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' } });
  writeFileSync(join(dir, 'wrangler.toml'), 'name = "xsell-syumai-bench"\nmain = "build/worker.mjs"\ncompatibility_date = "2025-09-01"\n');
  const sw = await startWorker({ persistDir: join(OUT, 'edge-bench', 'syumai'), config: join(dir, 'wrangler.toml'), migrate: false, logLevel: 'warn' });
  const out = [];
  try {
    const tag = `sy${Date.now().toString(36)}`;
    for (const [route, make] of [
      ['health GET (Go per request)', () => ({ path: '/v1/health' })],
      ['events POST ×20', (i) => ({ path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/json' }, body: eventsBody(tag, i, 20) })],
    ]) {
      const r = await measure(sw, route, make);
      console.error(`syumai   ${route.padEnd(24)} ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  cpu ${r.cpuMsPerRequest.toFixed(2)} ms/req  ${JSON.stringify(r.statuses)}`);
      out.push(r);
    }
  } finally { await sw.stop(); }
  return out;
}
if (process.env.BENCH_ROUTES !== '0' && process.env.BENCH_SYUMAI !== '0') report.syumai = await runSyumai();

const rows = report.go.map((g) => ({ g, j: report.js.find((x) => x.route === g.route) }));
const lines = !report.go.length ? [] : [
  '| route | Go worker req/s | p50 / p99 ms | CPU ms/req | JS baseline req/s | p50 / p99 ms | CPU ms/req | CPU ratio Go/JS |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(({ g, j }) => `| ${g.route} | ${g.rps.toFixed(0)} | ${g.p50.toFixed(1)} / ${g.p99.toFixed(1)} | ${g.cpuMsPerRequest.toFixed(2)} | ${j ? j.rps.toFixed(0) : '–'} | ${j ? `${j.p50.toFixed(1)} / ${j.p99.toFixed(1)}` : '–'} | ${j ? j.cpuMsPerRequest.toFixed(2) : '–'} | ${j ? (g.cpuMsPerRequest / j.cpuMsPerRequest).toFixed(2) + '×' : '–'} |`),
];

if (report.syumai) {
  const ev = report.syumai.find((r) => r.route.startsWith('events'));
  const mine = report.go.find((r) => r.route.startsWith('events'));
  const h = report.syumai[0];
  lines.push('', `syumai/workers' generated worker (fresh Go runtime per request): health ${h.rps.toFixed(0)} req/s, ${h.cpuMsPerRequest.toFixed(2)} ms CPU/req; events POST ×20 without the queue send ${ev.rps.toFixed(0)} req/s, p50 ${ev.p50.toFixed(1)} ms, p99 ${ev.p99.toFixed(1)} ms, ${ev.cpuMsPerRequest.toFixed(2)} ms CPU/req = ${(ev.cpuMsPerRequest / mine.cpuMsPerRequest).toFixed(1)}× this worker's events route (queue send included).`);
}
if (SOAK > 0) {
  w = await startWorker({ persistDir: join(OUT, 'edge-bench', `soak-${TARGET}`), ...(TARGET === 'js' ? { config: join(EDGE, 'bench', 'wrangler.toml') } : {}) });
  try { report.soak = await soak(w); } finally { await w.stop(); }
  const s = report.soak;
  lines.push('', `Soak (${TARGET === 'js' ? 'plain-JS baseline' : 'Go worker'}): ${s.requests} event requests (${s.rps.toFixed(0)} req/s, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, ${s.cpuMsPerRequest.toFixed(2)} ms CPU/req incl. the consumer), statuses ${JSON.stringify(s.statuses)}.`,
    `Events: ${s.sentEvents} sent (each twice), ${s.uniqueEvents} unique; D1 holds ${s.d1.n} rows, ${s.d1.ids} distinct ids: ${s.d1.n === s.uniqueEvents && s.d1.ids === s.uniqueEvents ? 'every event exactly once' : 'MISMATCH'}.`,
    ...(TARGET === 'js' ? [] : [`Go runtime over the soak: ${s.go.last?.starts} start(s), wasm memory ${(s.go.first?.wasm_memory / 1048576).toFixed(1)} MB after the first requests, at most ${(s.go.maxWasmMemory / 1048576).toFixed(1)} MB; Go heap in use at most ${(s.go.maxHeapAlloc / 1048576).toFixed(1)} MB, ${s.go.last?.num_gc} GCs.`]),
    `workerd RSS (the whole process: every isolate, local D1, R2 and queue broker): ${s.rss.start.toFixed(0)} MB at start, ${s.rss.afterWarmup?.toFixed(0)} MB after 10%, max ${s.rss.max.toFixed(0)} MB, ${s.rss.end.toFixed(0)} MB at the end; trend after warm-up ${s.rss.mbPer10k.toFixed(2)} MB per 10k requests.`);
}
const md = lines.join('\n');
console.log(md);
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, process.env.BENCH_ROUTES === '0' ? `edge-soak-${TARGET}.json` : 'edge-bench.json'), JSON.stringify(report, null, 1));
writeFileSync(join(OUT, 'edge-bench.md'), md + '\n');
