// Runs the browser benchmark in headless Debian chromium (offline flags of
// DESIGN.md) through playwright-core and prints the figures. Args: SITE DATA
// [JSON_OUT]. Cold: a fresh browser context (empty HTTP cache); warm: a
// reload in the same context.
import { writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, pageFiles } from './serve.mjs';
import { launch } from './browser.mjs';

const [site, data, jsonOut] = process.argv.slice(2);
if (!site || !data) throw new Error('usage: node run.mjs SITE DATA [JSON_OUT]');
const here = dirname(fileURLToPath(import.meta.url));
const srv = await serve({ '/site/': site, '/data/': data, '/bench/': here, '/web/': join(here, '../../web') });
srv.warm([...pageFiles(here, site), join(site, 'xsell.wasm'), ...readdirSync(data).filter((f) => /^bench\.(blob|head\.blob|shard-\d+\.blob)$/.test(f)).map((f) => join(data, f))]);
const out = {};
// Whole blob, then (a fresh browser profile: cold again) the sharded one,
// then the whole blob as before the blob streamed into the core (one read,
// copied in by the load, hashed by WebCrypto): the baseline for the load.
// 'running' (three fresh profiles): a cold cache in a browser that has
// already shown a page of another origin, as a shopper's browser is; the
// first navigation of a freshly launched browser ('whole') also pays the
// browser's own start.
const other = await serve({});
out.running = [];
for (const variant of ['whole', 'sharded', 'copy', 'running', 'running', 'running']) {
  const sharded = variant === 'sharded';
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    const run = async (mode, extra = '') => {
      await page.goto(`${srv.url}/bench/page.html?mode=${mode}${extra}${sharded ? '&sharded=1' : ''}${variant === 'copy' ? '&intake=0' : ''}${process.env.XSELL_BENCH_SERIAL ? '&serial=1' : ''}${process.env.XSELL_BENCH_NOWARM ? '&warm=0' : ''}`);
      await page.waitForFunction(() => window.__result, null, { timeout: 120000 });
      return page.evaluate(() => window.__result);
    };
    if (variant === 'running') {
      await page.goto(`${other.url}/`); // another origin's page (a 404)
      out.running.push(await run('start'));
    } else if (variant === 'copy') {
      out.copyCold = await run('start');
      out.copyWarm = await run('start');
    } else if (!sharded) {
      out.cold = await run('start');
      out.warm = await run('start');
      // The wasm from the Cache API (as web/xsell.js takes its stamped
      // core) against the HTTP cache (before), alternating.
      out.warmCore = [];
      out.warmHTTP = [];
      for (let i = 0; i < 5; i++) {
        out.warmCore.push(await run('start'));
        out.warmHTTP.push(await run('start', '&wcache=0'));
      }
      out.loop = await run('loop');
      // After the loop the core's hot code has been optimized: a reload now
      // shows what V8's wasm code cache gives a returning visitor.
      out.warm2 = await run('start');
    } else {
      out.shardedCold = await run('start');
      out.shardedWarm = await run('start');
    }
  } finally {
    await browser.close();
  }
}
await srv.close();
await other.close();
const f = (x) => (x == null ? '-' : x.toFixed(1));
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const c = out.cold, w = out.warm, l = out.loop;
const lines = [
  `browser benchmark (Chromium, ${c.items} items, ${c.pairs} pairs, crossOriginIsolated=${c.crossOriginIsolated})`,
  `  recommend, 10-item cart, JS API → wasm, settled: p50 ${f(l.wasm.p50us)} µs  p90 ${f(l.wasm.p90us)} µs  p99 ${f(l.wasm.p99us)} µs  (${l.wasm.calls} calls; goal p50 ≤ 10, p99 ≤ 50)`,
  `  naive pure JS, same lookup (pairs, cart/stock/price filters, variety), settled: p50 ${f(l.naive.p50us)} µs  p99 ${f(l.naive.p99us)} µs`,
  `  ratio wasm/naive p50: ${l.ratio.toFixed(2)}× (goal ≤ 2×)`,
  `    p50 from batches of 200 calls (the above: batches of 10, in 0.5 µs steps): wasm ${l.wasmFine.p50us.toFixed(2)} µs, naive ${l.naiveFine.p50us.toFixed(2)} µs, ratio ${(l.wasmFine.p50us / l.naiveFine.p50us).toFixed(3)}×`,
  `    early (the first 1.5 s after 1,000 warm-up calls, while V8 still tiers up): wasm p50 ${f(l.wasmEarly.p50us)} µs  p99 ${f(l.wasmEarly.p99us)} µs; naive p50 ${f(l.naiveEarly.p50us)} µs  p99 ${f(l.naiveEarly.p99us)} µs; ratio p50 ${(l.wasmEarly.p50us / l.naiveEarly.p50us).toFixed(2)}×`,
  `  first suggestion since navigation: cold ${f(c.firstSuggestionMs)} ms, warm ${f(w.firstSuggestionMs)} ms (goal ≤ 250 / ≤ 100)`,
  `    cold cache in a browser already running (it showed another origin's page first), ${out.running.length} fresh profiles: first suggestion ${out.running.map((r) => f(r.firstSuggestionMs)).join(' / ')} ms; script start ${out.running.map((r) => f(r.scriptStartMs)).join(' / ')} ms`,
  ...[['cold', c], ['warm', w], ['warm after use', out.warm2]].map(([name, r]) => `    ${name}: script start ${f(r.scriptStartMs)} ms; wasm instantiated ${f(r.wasmInstantiatedMs)}, Go started ${f(r.wasmStartedMs)} ms; ` +
    `${r.warmMs != null ? `warm ${f(r.warmMs)} ms; ` : ''}blob ${r.blobFromCache ? 'read from the Cache API' : 'fetched'} ${f(r.blobFetchMs)} ms (${r.serial ? 'after the wasm' : 'in parallel'}), waited ${f(r.blobWaitMs)} ms; ${r.blobFromCache ? 'load (verified before)' : 'load + SHA-256'} ${f(r.blobDecodeMs)} ms; first call ${f(r.firstCallMs)} ms`),
  (() => {
    const med = (rs, fn) => rs.map(fn).sort((a, b) => a - b)[rs.length >> 1];
    const nav = (r) => r.firstSuggestionMs, ss = (r) => r.firstSuggestionMs - r.scriptStartMs, inst = (r) => r.wasmInstantiatedMs;
    const a = out.warmCore, b = out.warmHTTP;
    return `    warm, the wasm from the Cache API / from the HTTP cache (before), ${a.length} alternating runs, medians: first suggestion ${f(med(a, nav))} / ${f(med(b, nav))} ms since navigation, ` +
      `${f(med(a, ss))} / ${f(med(b, ss))} ms from script start (ratio ${(med(a, ss) / med(b, ss)).toFixed(2)}×); wasm instantiated ${f(med(a, inst))} / ${f(med(b, inst))} ms after script start`;
  })(),
  `  sharded blob (head + the anchor's pair shards): first suggestion cold ${f(out.shardedCold.firstSuggestionMs)} ms, warm ${f(out.shardedWarm.firstSuggestionMs)} ms (whole blob: ${f(c.firstSuggestionMs)} / ${f(w.firstSuggestionMs)}; ratio ${(out.shardedCold.firstSuggestionMs / c.firstSuggestionMs).toFixed(2)}× / ${(out.shardedWarm.firstSuggestionMs / w.firstSuggestionMs).toFixed(2)}×)`,
  ...[['cold', out.shardedCold], ['warm', out.shardedWarm]].map(([name, r]) => `    ${name}: script start ${f(r.scriptStartMs)} ms; wasm instantiated ${f(r.wasmInstantiatedMs)}, Go started ${f(r.wasmStartedMs)} ms; ${r.warmMs != null ? `warm ${f(r.warmMs)} ms; ` : ''}head ${kb(r.blobBytes)} ${r.blobFromCache ? 'read from the Cache API' : 'fetched'} ${f(r.blobFetchMs)} ms, waited ${f(r.blobWaitMs)} ms; load ${f(r.blobDecodeMs)} ms; shards ${kb(r.shardBytes)} in ${f(r.shardMs)} ms; first call ${f(r.firstCallMs)} ms; same first answer as the whole blob: ${JSON.stringify(r.firstIds) === JSON.stringify(c.firstIds)}`),
  ...[['cold', out.shardedCold], ['warm', out.shardedWarm]].map(([name, r]) => `    then a 10-item cart (${name}): ${r.cartShards} more shards, ${kb(r.cartShardBytes)} in ${f(r.cartPrepareMs)} ms (fetched in parallel${name === 'warm' ? ', from the Cache API' : ''}); same answer as the whole blob: ${JSON.stringify(r.cartAnswer) === JSON.stringify(c.cartAnswer)}`),
  `  blob decode (loadBlob, 20k × 30) ${f(c.blobDecodeMs)} ms cold, ${f(w.blobDecodeMs)} ms warm (goal ≤ 100)`,
  `    blob streamed into the core's memory, hashed as it arrived: load ${f(c.blobDecodeMs)} / ${f(w.blobDecodeMs)} ms; read whole, copied in by the load, hashed by WebCrypto (before): ${f(out.copyCold.blobDecodeMs)} / ${f(out.copyWarm.blobDecodeMs)} ms; ratio ${(c.blobDecodeMs / out.copyCold.blobDecodeMs).toFixed(2)}× / ${(w.blobDecodeMs / out.copyWarm.blobDecodeMs).toFixed(2)}×; same first answer: ${JSON.stringify(out.copyCold.firstIds) === JSON.stringify(c.firstIds)}`,
  // A browser's cold start varies by hundreds of ms between launches: from script start is the fairer comparison.
  `    first suggestion from script start, streamed / before: cold ${f(c.firstSuggestionMs - c.scriptStartMs)} / ${f(out.copyCold.firstSuggestionMs - out.copyCold.scriptStartMs)} ms, warm ${f(w.firstSuggestionMs - w.scriptStartMs)} / ${f(out.copyWarm.firstSuggestionMs - out.copyWarm.scriptStartMs)} ms; ratio ${((c.firstSuggestionMs - c.scriptStartMs) / (out.copyCold.firstSuggestionMs - out.copyCold.scriptStartMs)).toFixed(2)}× / ${((w.firstSuggestionMs - w.scriptStartMs) / (out.copyWarm.firstSuggestionMs - out.copyWarm.scriptStartMs)).toFixed(2)}×`,
  `  over the wire (cold): wasm ${kb(c.wasmWire?.encoded ?? 0)} (${kb(c.wasmWire?.decoded ?? 0)} raw), blob ${kb(c.blobWire?.encoded ?? 0)} (${kb(c.blobWire?.decoded ?? 0)} raw); warm transfer ${w.wasmWire?.transfer ?? '-'} + ${w.blobWire?.transfer ?? '-'} bytes`,
];
console.log(lines.join('\n'));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 2));
