// The worker isolate's own memory under load: its V8 heap read through
// workerd's inspector (Runtime.getHeapUsage, via wrangler's inspector proxy)
// and the Go runtime's figures from /v1/health, every SAMPLE requests of an
// events load. workerd's process RSS mixes in every other isolate and the
// local D1/R2/queue simulation; this isolates the worker.
//   node bench/heap.mjs        (HEAP_REQUESTS=20000, HEAP_SAMPLE=2000)
import { createRequire } from 'node:module';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startWorker } from '../test/worker.mjs';

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.env.OUT || join(EDGE, '..', '.out');
// ws is wrangler's own dependency (its inspector proxy refuses Node's
// WebSocket, which cannot send the Origin it expects).
const WS = createRequire(join(EDGE, 'node_modules', 'miniflare', 'package.json'))('ws');
const N = Number(process.env.HEAP_REQUESTS || 20_000);
const SAMPLE = Number(process.env.HEAP_SAMPLE || 2000);

const inspectorPort = await freePort();
const w = await startWorker({ persistDir: join(OUT, 'edge-bench', 'heap'), logLevel: 'warn', inspectorPort });
try {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const ws = new WS(targets[0].webSocketDebuggerUrl, { headers: { Origin: 'https://devtools.devprod.cloudflare.dev' } });
  await new Promise((ok, fail) => { ws.on('open', ok); ws.on('error', fail); });
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const d = JSON.parse(String(data));
    if (pending.has(d.id)) { pending.get(d.id)(d); pending.delete(d.id); }
  });
  const cdp = (method, params = {}) => Promise.race([
    new Promise((ok) => { const i = ++id; pending.set(i, ok); ws.send(JSON.stringify({ id: i, method, params })); }),
    new Promise((ok) => setTimeout(() => ok({ timeout: true }), 10_000)),
  ]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const req = (path, body) => new Promise((ok, fail) => {
    const r = http.request(w.url + path, { method: body ? 'POST' : 'GET', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let d = '';
      res.on('data', (c) => { d += c; });
      res.on('end', () => ok(d));
    });
    r.on('error', fail);
    r.end(body);
  });
  const rows = [];
  const sample = async (done) => {
    const gc = await cdp('HeapProfiler.collectGarbage');
    const h = (await cdp('Runtime.getHeapUsage')).result;
    const g = JSON.parse(await req('/v1/health')).runtime;
    const row = { requests: done, heapUsedMB: h.usedSize / 1048576, heapTotalMB: h.totalSize / 1048576, afterGC: !gc.timeout, goStarts: g.starts, ...(g.memory || {}) };
    rows.push(row);
    console.error(`${String(done).padStart(6)} requests: V8 heap ${row.heapUsedMB.toFixed(1)} MB used${row.afterGC ? ' after GC' : ''} of ${row.heapTotalMB.toFixed(1)} MB; Go: ${g.starts} start, wasm ${(row.wasm_memory / 1048576 || 0).toFixed(1)} MB, heap ${(row.heap_alloc / 1048576 || 0).toFixed(1)} MB`);
  };
  const tag = `heap${Date.now().toString(36)}`;
  let next = 0;
  let done = 0;
  await sample(0);
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const ev = { id: `${tag}-${i}`, type: 'impression', ts: Date.now(), placement: 'cart', anchor: `item-${i % 40}`, item: `item-${i % 37}`, rule: 'pairs', variant: 'a', visitor: `visitor-${i % 1000}` };
      await req('/v1/events', JSON.stringify({ events: [ev] }));
      if (++done % SAMPLE === 0) await sample(done);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  ws.close();
  const first = rows.find((r) => r.requests >= SAMPLE) || rows[0];
  const last = rows.at(-1);
  console.log(`worker isolate over ${N} event requests: V8 heap ${first.heapUsedMB.toFixed(1)} MB at ${first.requests} → ${last.heapUsedMB.toFixed(1)} MB at ${last.requests} (max ${Math.max(...rows.map((r) => r.heapUsedMB)).toFixed(1)} MB); Go wasm memory ≤ ${(Math.max(...rows.map((r) => r.wasm_memory || 0)) / 1048576).toFixed(1)} MB, Go runtime starts ${last.goStarts}`);
} finally {
  await w.stop();
}
