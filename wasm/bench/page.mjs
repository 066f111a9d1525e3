// The browser side of wasm/scripts/bench.sh. ?mode=start measures page start
// to first suggestion; ?mode=loop also times recommend() for 10-item carts
// through the public JS API against a naive pure-JS implementation of the
// same lookup, in the same page. Results land in window.__result.
import { instantiate } from '/site/xsell-core.js';
import { BlobIntake } from '/web/xsell.js'; // the loader's own source, never a stale copy

const q = new URLSearchParams(location.search);
const mode = q.get('mode') || 'start';
const result = { mode, crossOriginIsolated: globalThis.crossOriginIsolated };

// The blob downloads while the wasm compiles and starts, as web/xsell.js
// does (?serial=1: one after the other, as before).
const serial = q.get('serial') === '1';
const tStart = performance.now();
let tBlob = 0;
// As web/xsell.js does: a blob this page verified before comes back from
// its Cache API and loads without a second SHA-256 (loadVerifiedBlob); one
// from the network is hashed while it decodes (loadBlobAsync) and stored.
// ?sharded=1: the same catalog as a head plus pair shards (mkblob
// -shard-pairs); the page loads the head, then the shards its first
// context needs, as web/xsell.js does.
const sharded = q.get('sharded') === '1';
const BLOB = sharded ? '/data/bench.head.blob' : '/data/bench.blob';
const cacheP = globalThis.caches ? caches.open('xsell-bench-blobs') : Promise.resolve(null);
let fromCache = false;
let cache = null;
// As web/xsell.js does, the body streams into a BlobIntake: once the core
// is up, chunks go straight into its memory (?intake=0: one arrayBuffer()
// read, copied into the core by the load, as before).
const useIntake = q.get('intake') !== '0';
let core = null;
const waiting = [];
const getBlob = async () => {
  cache = await cacheP;
  const hit = cache && await cache.match(BLOB);
  const res = hit || await fetch(BLOB);
  fromCache = !!hit;
  let b;
  if (!useIntake) b = new Uint8Array(await res.arrayBuffer());
  else {
    b = new BlobIntake({ hash: !fromCache });
    if (core) b.attach(core);
    else waiting.push(b);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      b.push(value);
    }
  }
  tBlob = performance.now();
  return b;
};
const blobP = serial ? null : getBlob();
// As web/xsell.js does for its stamped core (never changed under its URL):
// the wasm from the Cache API once this browser has it (?wcache=0: from the
// HTTP cache, as before).
const wfetch = q.get('wcache') !== '0' && globalThis.caches ? async (url) => {
  const c = await caches.open('xsell-bench-core');
  const hit = await c.match(url);
  if (hit) return hit;
  const res = await fetch(url);
  if (res.ok) c.put(url, res.clone());
  return res;
} : undefined;
core = await instantiate({ wasmURL: '/site/xsell.wasm', wasmExecURL: '/site/wasm_exec.js', fetch: wfetch });
for (const b of waiting.splice(0)) b.attach(core);
const tWasm = performance.now();
// As web/xsell.js does: the core is up before the blob, so it compiles its
// load and recommend code on its built-in tiny blob meanwhile (?warm=0: not).
if (q.get('warm') !== '0' && !tBlob) {
  result.warmed = core.warm();
  result.warmMs = performance.now() - tWasm;
}
const got = await (blobP || getBlob());
if (got instanceof BlobIntake) got.attach(core);
const bytes = got instanceof BlobIntake ? got.bytes() : got;
const blobBytes = got.length;
const tFetch = performance.now();
const markAt = (name) => performance.getEntriesByName(name)[0]?.startTime;
const info = fromCache ? core.loadVerifiedBlob(bytes) : await core.loadBlobAsync(bytes);
const tLoad = performance.now();
const firstCtx = { placement: 'product', anchor: 'sku-10' };
// The shards ctx needs, fetched in parallel (or read from the Cache API)
// and added, as web/xsell.js's prepare() does; answers the bytes read.
const prepare = async (ctx) => {
  const got = await Promise.all(core.shardsNeeded(ctx).map(async (i) => {
    const url = `/data/bench.shard-${i}.blob`;
    const hit = cache && await cache.match(url);
    return { url, hit: !!hit, b: new Uint8Array(await (hit || await fetch(url)).arrayBuffer()) };
  }));
  let n = 0;
  for (const { url, hit, b } of got) {
    n += b.length;
    if (hit) core.loadVerifiedShard(b);
    else {
      await core.loadShardAsync(b);
      await cache?.put(url, new Response(b));
    }
  }
  return n;
};
const shardBytes = await prepare(firstCtx);
const tShards = performance.now();
const first = core.recommend(firstCtx);
const tFirst = performance.now();
// Then a cart page: 10 items from across the catalog, each maybe in
// another shard (a whole blob needs nothing more).
{
  const cart = Array.from({ length: 10 }, (_, i) => ({ id: `sku-${(i * 1999 + 7) % info.items}`, qty: 1 }));
  const ctx = { placement: 'cart', cart };
  result.cartShards = core.shardsNeeded(ctx).length;
  const t = performance.now();
  result.cartShardBytes = await prepare(ctx);
  result.cartPrepareMs = performance.now() - t;
  result.cartAnswer = core.recommend(ctx).map((x) => x.id);
}
if (!fromCache) await (await cacheP)?.put(BLOB, new Response(bytes instanceof Uint8Array ? bytes : bytes.view()));
Object.assign(result, {
  items: info.items, pairs: info.pairs, blobFromCache: fromCache,
  firstSuggestionMs: tFirst, // since navigation start
  serial, scriptStartMs: tStart, wasmReadyMs: tWasm - tStart, blobFetchMs: tBlob - (serial ? tWasm : tStart), blobWaitMs: tFetch - tWasm, blobDecodeMs: tLoad - tFetch,
  wasmInstantiatedMs: markAt('xsell:wasm-instantiated') - tStart, wasmStartedMs: markAt('xsell:wasm-started') - tStart,
  firstCallMs: tFirst - tShards, firstIds: first.map((s) => s.id),
  sharded, shardMs: tShards - tLoad, shardBytes, blobBytes, intake: useIntake,
});
for (const e of performance.getEntriesByType('resource')) {
  const name = new URL(e.name).pathname;
  if (name.endsWith('xsell.wasm')) result.wasmWire = { transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize };
  if (name.endsWith('bench.blob') || name.endsWith('bench.head.blob')) result.blobWire = { transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize };
}

if (mode === 'loop') {
  const ids = Array.from({ length: info.items }, (_, i) => `sku-${i}`);
  let seed = 7;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const carts = Array.from({ length: 256 }, () => Array.from({ length: 10 }, () => ({ id: ids[rnd(2000)], qty: 1 })));
  const now = Math.floor(Date.now() / 1000);
  const ctxs = carts.map((cart) => ({ placement: 'cart', cart, now, visitorId: 'visitor-1' }));

  // Naive pure JS: objects keyed by id, a Map of scores, a full sort.
  const data = await (await fetch('/data/bench.naive.json')).json();
  const naive = (cart, k = 3) => {
    const inCart = new Set(cart.map((l) => l.id));
    const scores = new Map();
    for (const l of cart) {
      const a = data.items[l.id];
      for (const p of data.pairs[l.id] || []) {
        if (inCart.has(p.id)) continue;
        const it = data.items[p.id];
        if (!it.stock || it.price > a.price * 0.5) continue;
        const lift = (p.n * data.orders) / (a.orders * it.orders);
        const prev = scores.get(p.id);
        scores.set(p.id, { s: (prev ? prev.s : 0) + Math.log(lift), n: p.n, lift });
      }
    }
    const list = [...scores].sort((x, y) => y[1].s - x[1].s);
    const out = [];
    const cats = new Set();
    for (const [id, v] of list) {
      const it = data.items[id];
      if (cats.has(it.category)) continue;
      cats.add(it.category);
      out.push({ id, title: it.title, price: it.price, url: it.url, image: it.image, category: it.category,
        reason: `bought together in ${v.n} orders, ${v.lift.toFixed(1)}× more often than chance` });
      if (out.length === k) break;
    }
    return out;
  };

  // Timer resolution is coarse (5 µs when cross-origin isolated, 100 µs
  // otherwise): time batches of B calls and take per-call batch means. With
  // B = 10 the percentiles move in 0.5 µs steps (a batch reads 100 or 105
  // µs), so the settled p50 is also taken from batches of 200, to 0.025 µs.
  const time = (fn, B = 10, ms = 1500) => {
    for (let i = 0; i < 1000; i++) fn(ctxs[i % ctxs.length]); // warm up the JIT
    const per = [];
    let n = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const t = performance.now();
      for (let i = 0; i < B; i++) fn(ctxs[(n + i) % ctxs.length]);
      per.push(((performance.now() - t) * 1000) / B);
      n += B;
    }
    per.sort((a, b) => a - b);
    const pct = (p) => per[Math.min(per.length - 1, Math.floor(per.length * p))];
    return { calls: n, p50us: pct(0.5), p90us: pct(0.9), p99us: pct(0.99), meanus: per.reduce((a, b) => a + b, 0) / per.length };
  };
  // V8 optimizes a hot wasm function (and the page's JS) in the background
  // once it has run enough (dynamic tier-up); until then that part of a call
  // runs unoptimized. Each function tiers up on its own budget, so for the
  // first ~2 s of calls some batches still run slow code: a first window
  // read p99 44–96.5 µs, a later one 17–31.5 µs, and with
  // --no-wasm-dynamic-tiering (everything optimized up front) the first
  // window 25–37 µs (docs/engine.md, "Ninth session"). Both windows are
  // reported: early (what a page's first calls see, wasm then naive) and
  // settled (after both have run 1.5 s each, measured again: the figures
  // held against the goals).
  let got = 0;
  const wasm = (ctx) => { got += core.recommend(ctx).length; };
  const js = (ctx) => { got += naive(ctx.cart).length; };
  result.wasmEarly = time(wasm);
  result.naiveEarly = time(js);
  result.wasm = time(wasm);
  result.naive = time(js);
  result.wasmFine = time(wasm, 200, 1000);
  result.naiveFine = time(js, 200, 1000);
  result.suggestionsReturned = got;
  result.ratio = result.wasm.p50us / result.naive.p50us;
}
window.__result = result;
document.getElementById('out').textContent = JSON.stringify(result, null, 2);
