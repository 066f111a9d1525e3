// The page side's figures, in Debian's chromium against the worker under
// wrangler dev with the sample blob: time to the first cards on the product
// page with early cards from the edge on and off, and to the page's own
// core's first answer (cold: empty caches; warm: blob and wasm cached),
// bytes over the wire, and one recommendation in the page through the
// loader against the baseline of asking the edge (GET /v1/recommend) for it.
//
//   OUT=.out node web/scripts/bench.mjs [--runs 5] [--calls 2000] [--latency 0]
//
// --latency MS: Chromium's own network emulation adds MS of round-trip
// latency to every request, as a shopper's real network would (the
// worker here is on localhost, a round trip of about a millisecond).

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
const LATENCY = opt('latency', 0);

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
  // Warm, another product: the caches hold wasm and blob, but this browser
  // has no answer of its own for the context (a new product page).
  const other = `${backend.url}/product.html?id=${encodeURIComponent(products.items[1].id)}`;
  // The edge serves every shopper: its isolate has the blob loaded before
  // this page asks (the first recommend after a publish loads it once).
  const warmup = await fetch(`${backend.url}/v1/recommend?placement=product&anchor=${encodeURIComponent(anchor)}`);
  if (!warmup.ok) throw new Error(`warm-up GET /v1/recommend: HTTP ${warmup.status}`);
  await warmup.arrayBuffer();
  // From navigation start: the first cards (xsell:render, early from the
  // edge or from the page's core) and the first answer of the page's core.
  // Every product-widget render is recorded from navigation start by a
  // script the page runs before its own (the first may come before the
  // load event, when page.goto returns).
  const record = () => {
    window.__renders = [];
    document.addEventListener('xsell:render', (e) => {
      if (!e.target.hasAttribute('mode')) window.__renders.push({ at: performance.now(), early: !!e.detail.early, remembered: !!e.detail.remembered }); // the bundle is not timed
    });
  };
  const firstRender = async (page, early, at = url) => {
    await page.goto(early ? at : `${at}&early=0`);
    await page.waitForFunction(() => window.__renders.some((r) => !r.early), null, { timeout: 20000 });
    return page.evaluate(() => {
      const at = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
      const r = window.__renders;
      return { first: r[0].at, firstEarly: r[0].early && !r[0].remembered, firstKept: r[0].remembered, core: r.find((x) => !x.early).at, manifest: at('xsell:manifest'), coreUp: at('xsell:core'), blob: at('xsell:blob') };
    });
  };
  // Each run: a fresh context (empty caches) with early cards on, and one
  // with them off (init({early: false})), in alternating order; cold, then
  // warm (the same page again: early on, this browser remembers the core's
  // answer), then warm on another product (early on, the edge answers).
  const runs = { on: { cold: [], warm: [], other: [] }, off: { cold: [], warm: [], other: [] } };
  let bytes = {};
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 ? ['off', 'on'] : ['on', 'off']) {
      const context = await chrome.browser.newContext();
      await context.addInitScript(record);
      const page = await context.newPage();
      if (LATENCY > 0) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: LATENCY, downloadThroughput: -1, uploadThroughput: -1 });
      }
      runs[mode].cold.push(await firstRender(page, mode === 'on'));
      if (i === 0 && mode === 'on') {
        bytes = await page.evaluate(() => {
          const out = {};
          for (const e of performance.getEntriesByType('resource')) {
            const name = new URL(e.name).pathname;
            if (name.endsWith('xsell.wasm') || name.startsWith('/v1/blob/') || name === '/v1/recommend' || /xsell(-widget|-core)?\.js$/.test(name)) {
              out[name.startsWith('/v1/blob/') ? 'blob' : name.slice(1)] = { wire: e.encodedBodySize, raw: e.decodedBodySize };
            }
          }
          return out;
        });
      }
      // Alternately first: the wasm code cache fills over the first loads.
      for (const w of i % 2 ? ['other', 'warm'] : ['warm', 'other']) {
        runs[mode][w].push(await firstRender(page, mode === 'on', w === 'warm' ? url : other));
      }
      await context.close();
    }
  }

  // One recommendation: in the page through the loader (one call into the
  // wasm core) against the baseline of a round trip to the edge.
  const context = await chrome.browser.newContext();
  await context.addInitScript(record);
  const page = await context.newPage();
  await firstRender(page, true);
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
  const phases = (rs) => ['manifest', 'coreUp', 'blob'].map((k) => `${k === 'coreUp' ? 'core' : k} ${fmt(median(rs.map((r) => r[k])), 0)}`).join(', ');
  const med = (rs, k) => median(rs.map((r) => r[k]));
  const list = (rs, k) => rs.map((r) => fmt(r[k], 0)).join(' ');
  console.log(`web bench (chromium, worker under wrangler dev on 127.0.0.1${LATENCY ? `, ${LATENCY} ms round trips emulated` : ''}, sample blob, ${RUNS} runs; load average ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
  for (const w of ['cold', 'warm', 'other']) {
    const on = runs.on[w];
    const off = runs.off[w];
    const label = { cold: 'cold (empty caches)', warm: 'warm, same page', other: 'warm, new product' }[w];
    const from = `${on.filter((r) => r.firstEarly).length}/${on.length} from the edge, ${on.filter((r) => r.firstKept).length} remembered`;
    console.log(`  first cards, ${label.padEnd(19)} early on: median ${fmt(med(on, 'first'))} ms [${list(on, 'first')}] (${from})`);
    console.log(`  ${''.padEnd(32)}early off: median ${fmt(med(off, 'first'))} ms [${list(off, 'first')}]  on/off ${fmt(med(on, 'first') / med(off, 'first'), 2)}× (goal ≤ ${w === 'cold' ? 250 : 100} ms)`);
    console.log(`  ${''.padEnd(32)}the page's core answers: median ${fmt(med(on, 'core'))} ms with early on, ${fmt(med(off, 'core'))} ms off (ms from navigation: ${phases(off)})`);
  }
  for (const [k, v] of Object.entries(bytes)) console.log(`  bytes ${k.padEnd(16)} ${String(v.wire).padStart(9)} on the wire, ${v.raw} decoded`);
  console.log(`  recommend, 10-item cart, in the page:   p50 ${fmt(localP50)} µs  p99 ${fmt(pct(calls.local, 0.99))} µs  (per call, ${CALLS} calls in batches of 50, through xsell.js)`);
  console.log(`  baseline GET /v1/recommend round trip:  p50 ${fmt(remoteP50)} µs  p99 ${fmt(pct(calls.remote, 0.99))} µs  (${FETCHES} requests, local worker, no network latency)`);
  console.log(`  in-page vs round trip (p50):            ${fmt(remoteP50 / localP50, 0)}× faster`);
} finally {
  clearTimeout(deadline);
  await chrome.close();
  await backend.stop();
}
