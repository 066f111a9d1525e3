// The page side's figures, in Debian's chromium against the worker under
// wrangler dev with the sample blob: time to the first suggestion on the
// product page (cold: empty caches; warm: blob and wasm from the Cache API),
// bytes over the wire, and one recommendation in the page through the
// loader against the baseline of asking the edge (GET /v1/recommend) for it.
//
//   OUT=.out node web/scripts/bench.mjs [--runs 5] [--calls 2000]

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, startBackend, OUT, SITE } from '../test/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 5);
const CALLS = opt('calls', 2000);
const FETCHES = opt('fetches', 200);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x, d = 1) => x.toFixed(d);

const products = JSON.parse(await readFile(join(SITE, 'shop', 'products.json'), 'utf8'));
const backend = await startBackend({ blob: await readFile(join(OUT, 'sample.blob')) });
const chrome = await launch();
const deadline = setTimeout(() => {
  console.error('bench: over 5 minutes, stopping');
  process.exit(1);
}, 300_000);

try {
  const anchor = products.items[0].id;
  const url = `${backend.url}/product.html?id=${encodeURIComponent(anchor)}`;
  // First suggestion: from navigation start to the first xsell:render.
  const firstRender = async (page) => {
    await page.goto(url);
    return page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const done = () => {
            const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
            resolve({ first: performance.now(), manifest: at('xsell:manifest'), core: at('xsell:core'), blob: at('xsell:blob') });
          };
          if (document.querySelector('xsell-recommendations[state=ready]')) return done();
          document.addEventListener('xsell:render', done, { once: true });
          setTimeout(() => reject(new Error('no suggestion within 20 s')), 20000);
        }),
    );
  };
  const cold = [];
  const warm = [];
  let bytes = {};
  for (let i = 0; i < RUNS; i++) {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    cold.push(await firstRender(page));
    if (i === 0) {
      bytes = await page.evaluate(() => {
        const out = {};
        for (const e of performance.getEntriesByType('resource')) {
          const name = new URL(e.name).pathname;
          if (name.endsWith('xsell.wasm') || name.startsWith('/v1/blob/') || /xsell(-widget|-core)?\.js$/.test(name)) {
            out[name.startsWith('/v1/blob/') ? 'blob' : name.slice(1)] = { wire: e.encodedBodySize, raw: e.decodedBodySize };
          }
        }
        return out;
      });
    }
    warm.push(await firstRender(page));
    await context.close();
  }

  // One recommendation: in the page through the loader (one call into the
  // wasm core) against the baseline of a round trip to the edge.
  const context = await chrome.browser.newContext();
  const page = await context.newPage();
  await firstRender(page);
  const cart = products.items.slice(0, 10).map((p) => p.id);
  const calls = await page.evaluate(
    async ({ cart, CALLS, FETCHES }) => {
      const c = (await import('/xsell.js')).client();
      const ctx = { placement: 'cart', cart: cart.map((id) => ({ id, quantity: 1 })), anchor: cart[0] };
      // Warm up for a second and a half, not a number of calls: V8 runs the
      // wasm in its baseline tier until the hot functions are recompiled
      // in the background, and 200 calls measured that tier or the switch.
      for (const end = performance.now() + 1500; performance.now() < end;) c.recommend(ctx);
      // performance.now() is coarse outside cross-origin isolation (~100 µs
      // in Chromium), so time batches of 50 calls and report per call.
      const local = [];
      let n = 0;
      for (let i = 0; i < CALLS / 50; i++) {
        const t = performance.now();
        for (let j = 0; j < 50; j++) n += c.recommend(ctx).items.length;
        local.push(((performance.now() - t) * 1000) / 50);
      }
      const q = `placement=cart&anchor=${encodeURIComponent(cart[0])}&cart=${cart.map(encodeURIComponent).join(',')}&visitor=${c.visitor}`;
      const remote = [];
      for (let i = 0; i < FETCHES; i++) {
        const t = performance.now();
        const res = await fetch(`/v1/recommend?${q}`, { cache: 'no-store' });
        await res.json();
        if (!res.ok) throw new Error(`GET /v1/recommend: HTTP ${res.status}`);
        remote.push((performance.now() - t) * 1000);
      }
      return { local, remote, n };
    },
    { cart, CALLS, FETCHES },
  );
  await context.close();
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  const localP50 = pct(calls.local, 0.5);
  const remoteP50 = pct(calls.remote, 0.5);
  const phases = (runs) => ['manifest', 'core', 'blob'].map((k) => `${k} ${fmt(median(runs.map((r) => r[k])), 0)}`).join(', ');
  const firsts = (runs) => runs.map((r) => r.first);
  console.log(`web bench (chromium, worker under wrangler dev on 127.0.0.1, sample blob, ${RUNS} runs; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
  console.log(`  first suggestion, cold (empty caches):  median ${fmt(median(firsts(cold)))} ms  [${firsts(cold).map((x) => fmt(x, 0)).join(' ')}]  (ms from navigation: ${phases(cold)})`);
  console.log(`  first suggestion, warm (Cache API):     median ${fmt(median(firsts(warm)))} ms  [${firsts(warm).map((x) => fmt(x, 0)).join(' ')}]  (${phases(warm)})  cold/warm ${fmt(median(firsts(cold)) / median(firsts(warm)), 2)}×`);
  for (const [k, v] of Object.entries(bytes)) console.log(`  bytes ${k.padEnd(16)} ${String(v.wire).padStart(9)} on the wire, ${v.raw} decoded`);
  console.log(`  recommend, 10-item cart, in the page:   p50 ${fmt(localP50)} µs  p99 ${fmt(pct(calls.local, 0.99))} µs  (per call, ${CALLS} calls in batches of 50, through xsell.js)`);
  console.log(`  baseline GET /v1/recommend round trip:  p50 ${fmt(remoteP50)} µs  p99 ${fmt(pct(calls.remote, 0.99))} µs  (${FETCHES} requests, local worker, no network latency)`);
  console.log(`  in-page vs round trip (p50):            ${fmt(remoteP50 / localP50, 0)}× faster`);
} finally {
  clearTimeout(deadline);
  await chrome.close();
  await backend.stop();
}
