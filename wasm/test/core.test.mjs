// Tests of the JS bridge (web/xsell-core.js) against the real wasm core under
// Node: load, reject and swap blobs; recommend, bundle, alternatives,
// variant and item through the shared buffers; the answers must equal the Go
// engine's for the same contexts (NAME.expect.json, written by mkblob).
// Env: XSELL_SITE (the built site: xsell.wasm, wasm_exec.js, xsell-core.js),
// XSELL_TESTDATA (mkblob's output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const site = process.env.XSELL_SITE;
const data = process.env.XSELL_TESTDATA;
if (!site || !data) throw new Error('set XSELL_SITE and XSELL_TESTDATA (wasm/scripts/test.sh does)');

const { instantiate, RULES, KINDS, Sha256 } = await import(pathToFileURL(join(site, 'xsell-core.js')));
const wasmBytes = readFileSync(join(site, 'xsell.wasm'));
const wasmExecURL = pathToFileURL(join(site, 'wasm_exec.js'));
const blob = (name) => readFileSync(join(data, name));
const cases = JSON.parse(readFileSync(join(data, 'small.expect.json'), 'utf8'));

const core = await instantiate({ wasmBytes, wasmExecURL });

function toCtx(r) {
  return {
    placement: r.placement, anchor: r.anchor, cart: r.cart, viewed: r.viewed, owned: r.owned,
    dismissed: r.dismissed, segments: r.segments, now: r.now, currency: r.currency,
    freeDelivery: r.free_delivery, visitorId: r.visitor, k: r.k,
  };
}

test('recommend before a blob throws', () => {
  assert.throws(() => core.recommend({ placement: 'product', anchor: 'x' }), /no blob/);
});

test('warm runs the built-in tiny blob and changes nothing', () => {
  assert.equal(core.warm(), true);
  assert.equal(core.info, null);
  assert.throws(() => core.recommend({ placement: 'product', anchor: 'sku-1' }), /no blob/);
});

test('loadBlob returns the blob info', () => {
  const info = core.loadBlob(blob('small.blob'));
  assert.equal(info.items, 500);
  assert.equal(info.version, '1.0');
  assert.match(info.hash, /^[0-9a-f]{64}$/);
  assert.equal(info.experiments[0].name, 'weights');
  assert.equal(core.info.hash, info.hash);
});

for (const c of cases) {
  test(`same answer as the Go engine: ${c.name}`, () => {
    core.loadBlob(blob('small.blob'));
    const got = core.recommend(toCtx(c.request));
    assert.equal(got.length, c.want.length, JSON.stringify(got.map((s) => s.id)));
    got.forEach((s, i) => {
      const w = c.want[i];
      assert.equal(s.id, w.id);
      assert.equal(s.rule, w.rule);
      assert.equal(s.kind, w.kind);
      assert.equal(s.reason, w.reason);
      assert.equal(s.anchor, w.anchor ?? null);
      assert.equal(s.fallback, !!w.fallback);
      assert.equal(s.closesGap, !!w.closes_gap);
      if (w.evidence) {
        assert.equal(s.evidence.together, w.evidence.together);
        assert.equal(s.evidence.orders, w.evidence.orders);
      } else {
        assert.equal(s.evidence, null);
      }
    });
  });
}

test('suggestions are plain objects with the card fields', () => {
  core.loadBlob(blob('small.blob'));
  const [s] = core.recommend({ placement: 'product', anchor: 'sku-10' });
  for (const f of ['id', 'title', 'currency', 'url', 'image', 'category', 'kind', 'rule', 'reason']) {
    assert.equal(typeof s[f], 'string', f);
    assert.ok(s[f].length > 0, f);
  }
  assert.equal(typeof s.price, 'number');
  assert.ok(RULES.includes(s.rule));
  assert.ok(KINDS.includes(s.kind));
  assert.equal(s.url, `/p/${s.id}`);
});

for (const [name, file, code] of [
  ['bad hash', 'small.bad.blob', 'hash'],
  ['not a blob', null, 'magic'],
  ['truncated', 'truncated', 'truncated'],
]) {
  test(`a bad blob is rejected and the previous one keeps serving: ${name}`, () => {
    const good = core.loadBlob(blob('small.blob'));
    const before = core.recommend({ placement: 'product', anchor: 'sku-10' });
    let bytes;
    if (file === null) bytes = new TextEncoder().encode('<html>not found</html>'.repeat(10));
    else if (file === 'truncated') bytes = blob('small.blob').subarray(0, 1000);
    else bytes = blob(file);
    assert.throws(() => core.loadBlob(bytes), (e) => e instanceof Error && e.code === code && e.message.length > 0);
    assert.equal(core.info.hash, good.hash);
    assert.deepEqual(core.recommend({ placement: 'product', anchor: 'sku-10' }), before);
  });
}

test('warm with a blob loaded leaves its answers as they were', () => {
  core.loadBlob(blob('small.blob'));
  const ctx = toCtx(cases[0].request);
  const before = core.recommend(ctx);
  assert.equal(core.warm(), true);
  assert.deepEqual(core.recommend(ctx), before);
  assert.equal(core.info.items, 500);
});

test('loadVerifiedBlob loads without the hash, still refuses a damaged blob and keeps the old one', () => {
  const info = core.loadVerifiedBlob(blob('other.blob'));
  assert.equal(info.items, 300);
  const cut = new Uint8Array(blob('small.blob'));
  assert.throws(() => core.loadVerifiedBlob(cut.subarray(0, cut.length - 10)), (e) => e.code === 'truncated');
  assert.equal(core.info.items, 300);
  core.loadBlob(blob('small.blob'));
});

test('loadBlobAsync checks the hash with WebCrypto and gives the same result', async () => {
  const a = core.loadBlob(blob('small.blob'));
  const b = await core.loadBlobAsync(blob('small.blob'));
  assert.deepEqual(b, a);
  await assert.rejects(core.loadBlobAsync(blob('small.bad.blob')), (e) => e.code === 'hash');
  assert.equal(core.info.hash, a.hash);
  await assert.rejects(core.loadBlobAsync(blob('small.blob').subarray(0, 10)), (e) => e.code === 'truncated');
});

// Writes bytes into a new BlobBuffer in chunks of n.
function fill(bytes, n = 4093) {
  const buf = core.blobBuffer(bytes.length);
  for (let at = 0; at < bytes.length; at += n) buf.write(bytes.subarray(at, at + n));
  return buf;
}

test('a blob written into a BlobBuffer loads where it is, as from bytes', async () => {
  const bytes = blob('small.blob');
  const want = core.loadBlob(bytes);
  const answer = core.recommend({ placement: 'cart', cart: [{ id: 'sku-10', qty: 1 }, { id: 'sku-11', qty: 2 }] });
  core.loadBlob(blob('other.blob'));
  for (const [name, load] of [['loadBlob', (b) => core.loadBlob(b)], ['loadBlobAsync', (b) => core.loadBlobAsync(b)], ['loadVerifiedBlob', (b) => core.loadVerifiedBlob(b)]]) {
    core.loadBlob(blob('other.blob'));
    const buf = fill(bytes);
    assert.equal(buf.length, bytes.length, name);
    assert.deepEqual(await load(buf), want, name);
    assert.deepEqual(core.recommend({ placement: 'cart', cart: [{ id: 'sku-10', qty: 1 }, { id: 'sku-11', qty: 2 }] }), answer, name);
    // The bytes stay readable where they are (what a loader stores), and
    // nothing may write or load them again.
    assert.deepEqual(buf.view(), new Uint8Array(bytes), name);
    assert.equal(buf.writable, false);
    assert.throws(() => buf.write(new Uint8Array(1)), /loaded already/);
    assert.throws(() => core.loadBlob(buf), /loaded already/);
  }
});

test('Sha256 in steps equals WebCrypto\'s, whatever the chunks', async () => {
  let seed = 1;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const lens = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 100003];
  for (let r = 0; r < 40; r++) lens.push(rnd(5000));
  for (const n of lens) {
    const d = new Uint8Array(n).map(() => rnd(256));
    const want = new Uint8Array(await crypto.subtle.digest('SHA-256', d));
    const h = new Sha256();
    for (let at = 0; at < n;) {
      const k = 1 + rnd(200);
      h.update(d.subarray(at, at + k));
      at += k;
    }
    assert.deepEqual(h.digest(), want, `length ${n}`);
    assert.deepEqual(h.digest(), want); // asked again, the same
    assert.deepEqual(new Sha256().update(d).digest(), want, `length ${n}, one update`);
  }
  assert.throws(() => { const h = new Sha256(); h.digest(); h.update(new Uint8Array(1)); }, /digested/);
});

test('a BlobBuffer that hashes as it is written loads without WebCrypto, and refuses a damaged blob', async () => {
  const subtle = crypto.subtle;
  let digests = 0;
  const digest = subtle.digest.bind(subtle);
  subtle.digest = (...a) => { digests++; return digest(...a); };
  try {
    const want = core.loadBlob(blob('small.blob'));
    core.loadBlob(blob('other.blob'));
    for (const n of [50, 128, 1000, 65536]) { // chunk edges below, at and past the 128-byte header
      const buf = core.blobBuffer(blob('small.blob').length, { hash: true });
      const bytes = blob('small.blob');
      for (let at = 0; at < bytes.length; at += n) buf.write(bytes.subarray(at, at + n));
      assert.deepEqual(await core.loadBlobAsync(buf), want, `chunks of ${n}`);
      core.loadBlob(blob('other.blob'));
    }
    assert.equal(digests, 0);
    const other = core.info.hash;
    const bad = core.blobBuffer(blob('small.bad.blob').length, { hash: true });
    bad.write(blob('small.bad.blob'));
    await assert.rejects(core.loadBlobAsync(bad), (e) => e.code === 'hash');
    assert.equal(core.info.hash, other); // the old blob serves on
    assert.equal(core._reserved.includes(bad), false); // its room went back to the core
    assert.throws(() => core.loadBlob(bad), /loaded already|voided/);
    assert.equal(digests, 0);
    // Without hash: WebCrypto checks it, as for bytes.
    assert.deepEqual(await core.loadBlobAsync(fill(blob('small.blob'))), want);
    assert.equal(digests, 1);
  } finally {
    subtle.digest = digest;
  }
});

test('a BlobBuffer survives the core\'s memory growing between writes', () => {
  const bytes = blob('small.blob');
  const buf = core.blobBuffer(bytes.length);
  buf.write(bytes.subarray(0, 1000));
  const before = core._x.mem.buffer.byteLength;
  const big = core.blobBuffer(32 << 20); // grows the core's memory
  assert.ok(core._x.mem.buffer.byteLength > before);
  buf.write(bytes.subarray(1000));
  assert.equal(core.loadBlob(buf).items, 500);
  assert.equal(big.length, 0);
  big.release(); // no load will take it: its room goes back
  assert.equal(core._reserved.includes(big), false);
  assert.throws(() => big.write(new Uint8Array(1)), /voided/);
});

test('a BlobBuffer refuses what does not fit, and a bad blob in one is refused as from bytes', async () => {
  const good = core.loadBlob(blob('small.blob'));
  assert.equal(core.blobBuffer(10), null); // shorter than a header
  assert.equal(core.blobBuffer(1 << 30), null); // over the core's limit
  assert.equal(core.blobBuffer(-1), null);
  assert.equal(core.blobBuffer(1.5), null);
  const buf = core.blobBuffer(200);
  buf.write(new Uint8Array(150));
  assert.throws(() => buf.write(new Uint8Array(51)), RangeError);
  assert.equal(buf.length, 150);
  // Not filled (a body that ended early): the core says truncated.
  const cut = blob('small.blob');
  const part = core.blobBuffer(cut.length);
  part.write(cut.subarray(0, 5000));
  await assert.rejects(core.loadBlobAsync(part), (e) => e.code === 'truncated');
  assert.equal(core._reserved.includes(part), false); // its room went back to the core
  assert.throws(() => core.loadBlob(part), /voided/);
  const part2 = core.blobBuffer(cut.length);
  part2.write(cut.subarray(0, 5000));
  assert.throws(() => core.loadBlob(part2), (e) => e.code === 'truncated');
  await assert.rejects(core.loadBlobAsync(fill(blob('small.bad.blob'))), (e) => e.code === 'hash');
  assert.throws(() => core.loadBlob(fill(blob('small.bad.blob'))), (e) => e.code === 'hash');
  assert.equal(core.info.hash, good.hash);
  assert.equal(core.recommend({ placement: 'product', anchor: 'sku-10' }).length > 0, true);
});

test('a fifth BlobBuffer voids the oldest one no load took', () => {
  const bytes = blob('small.blob');
  const bufs = Array.from({ length: 5 }, () => core.blobBuffer(bytes.length));
  assert.equal(bufs[0].writable, false);
  assert.throws(() => bufs[0].write(bytes.subarray(0, 10)), /voided/);
  assert.throws(() => bufs[0].view(), /voided/);
  for (const b of bufs.slice(1)) b.write(bytes);
  assert.throws(() => core.loadBlob(bufs[0]), /voided/);
  for (const b of bufs.slice(1)) assert.equal(core.loadBlob(b).items, 500);
  // A buffer of another core instance, or a forged address, is refused.
  assert.equal(core._api.loadBlob(12345).code, 'other');
});

test('loadBlobAsync decodes while the hash is checked; the old blob serves until it matches', async () => {
  const a = core.loadBlob(blob('small.blob'));
  const before = core.recommend({ placement: 'product', anchor: 'sku-10' });
  const p = core.loadBlobAsync(blob('other.blob'));
  // Decoded and staged, not serving: the digest has not resolved yet.
  assert.equal(core.info.hash, a.hash);
  assert.deepEqual(core.recommend({ placement: 'product', anchor: 'sku-10' }), before);
  assert.notEqual(core.item('sku-400'), null);
  const b = await p;
  assert.equal(b.items, 300);
  assert.equal(b.stage, undefined);
  assert.equal(core.info.hash, b.hash);
  assert.equal(core.item('sku-400'), null); // ids looked up before the swap are forgotten
});

test('a blob loaded while an earlier loadBlobAsync waits on its hash wins', async () => {
  core.loadBlob(blob('small.blob'));
  const p = core.loadBlobAsync(blob('small.blob'));
  const other = core.loadBlob(blob('other.blob'));
  await assert.rejects(p, (e) => e.code === 'other' && /later loadBlob/.test(e.message));
  assert.equal(core.info.hash, other.hash);
  assert.equal(core.info.items, 300);
  assert.equal(core.item('sku-400'), null);
});

test('the newer of two overlapping loadBlobAsync calls wins', async () => {
  core.loadBlob(blob('small.blob'));
  const p1 = core.loadBlobAsync(blob('small.blob'));
  const p2 = core.loadBlobAsync(blob('other.blob'));
  const [r1, r2] = await Promise.allSettled([p1, p2]);
  assert.equal(r1.status, 'rejected');
  assert.equal(r1.reason.code, 'other');
  assert.equal(r2.status, 'fulfilled');
  assert.equal(core.info.items, 300);
});

test('ids are looked up in the core on demand', () => {
  core.loadBlob(blob('small.blob'));
  for (const [name, id, want] of [
    ['known id', 'sku-10', 'sku-10'],
    ['unknown id', 'no-such-sku', null],
    ['empty id', '', null],
    ['number coerced to a string', 10, null],
    ['id longer than the buffer', 'x'.repeat(70000), null],
    ['non-ASCII id', 'sku-10\u00e9', null],
  ]) {
    const it = core.item(id);
    assert.equal(it ? it.id : null, want, name);
  }
  // Unknown ids in a context are dropped; known ones still count.
  const got = core.recommend({ placement: 'cart', cart: [{ id: 'no-such-sku', qty: 1 }, { id: 'sku-10', qty: 1 }] });
  assert.deepEqual(got, core.recommend({ placement: 'cart', cart: [{ id: 'sku-10', qty: 1 }] }));
});

test('a new blob swaps in', () => {
  core.loadBlob(blob('small.blob'));
  const info = core.loadBlob(blob('other.blob'));
  assert.equal(info.items, 300);
  assert.equal(core.item('sku-400'), null);
  assert.notEqual(core.item('sku-10'), null);
});

test('a zstd body loads when the build has the decoder, else says why', () => {
  try {
    const info = core.loadBlob(blob('small.zst.blob'));
    assert.equal(info.items, 500);
  } catch (e) {
    assert.equal(e.code, 'zstd');
  }
});

test('unknown ids and segments are ignored', () => {
  core.loadBlob(blob('small.blob'));
  const a = core.recommend({ placement: 'cart', cart: [{ id: 'sku-5' }, { id: 'nope' }], segments: ['nobody'] });
  const b = core.recommend({ placement: 'cart', cart: [{ id: 'sku-5' }] });
  assert.deepEqual(a, b);
});

test('unknown placement throws', () => {
  core.loadBlob(blob('small.blob'));
  assert.throws(() => core.recommend({ placement: 'homepage', anchor: 'sku-1' }), /placement/);
});

test('bundle totals add up', () => {
  core.loadBlob(blob('small.blob'));
  const b = core.bundle('sku-10', { now: 1780086400 });
  assert.ok(b && b.items.length > 0);
  assert.equal(b.anchor.id, 'sku-10');
  const total = b.anchor.price + b.items.reduce((s, x) => s + x.price, 0);
  const bundled = b.anchor.price + b.items.reduce((s, x) => s + x.bundlePrice, 0);
  assert.ok(Math.abs(total - b.total) < 0.02, `${total} vs ${b.total}`);
  assert.ok(Math.abs(bundled - b.bundleTotal) < 0.05, `${bundled} vs ${b.bundleTotal}`);
  assert.ok(b.items.some((x) => x.discount > 0), 'the curated row carries a discount');
  assert.equal(core.bundle('no-such-item'), null);
});

test('alternatives are apart: pricier up-sells, cheaper down-sells', () => {
  core.loadBlob(blob('small.blob'));
  let found = false;
  for (let i = 0; i < 60; i++) {
    const id = `sku-${i}`;
    const a = core.item(id);
    const alt = core.alternatives(id);
    for (const s of alt.upsell) assert.ok(s.price > a.price && s.price <= a.price * 1.25 + 1e-9 && s.category === a.category);
    for (const s of alt.downsell) assert.ok(s.price < a.price && s.price >= a.price * 0.5 - 1e-9 && s.category === a.category);
    found ||= alt.upsell.length > 0 && alt.downsell.length > 0;
  }
  assert.ok(found, 'some item has both');
});

test('variant is deterministic and holdouts get nothing', () => {
  core.loadBlob(blob('small.blob'));
  const count = {};
  let holdout = null;
  for (let i = 0; i < 2000; i++) {
    const [a] = core.variant(`visitor-${i}`);
    assert.deepEqual(core.variant(`visitor-${i}`), [a]);
    count[a.variant] = (count[a.variant] || 0) + 1;
    if (a.holdout && !holdout) holdout = `visitor-${i}`;
  }
  assert.ok(count.control > 800 && count['evidence-heavy'] > 800 && count.holdout > 120, JSON.stringify(count));
  assert.deepEqual(core.recommend({ placement: 'product', anchor: 'sku-10', visitorId: holdout }), []);
});

test('hostile bytes in the input buffer get an error and the core keeps serving', () => {
  core.loadBlob(blob('small.blob'));
  const x = core._x;
  const mem = new Uint8Array(x.mem.buffer);
  let seed = 1;
  for (let round = 0; round < 200; round++) {
    const n = (round * 37) % 300;
    for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) % 2147483648; mem[x.xsell_in() + i] = seed & 0xff; }
    if (round % 2) new DataView(x.mem.buffer).setUint32(x.xsell_in(), 0x31304358, true); // valid magic, garbage after
    const r = x.xsell_recommend(n);
    assert.ok(r === -2 || r >= 32, `round ${round}: ${r}`);
  }
  assert.equal(x.xsell_recommend(1 << 30), -3);
  assert.ok(core.recommend({ placement: 'product', anchor: 'sku-10' }).length > 0);
});

test('loadBlob rejects what is not bytes', () => {
  core.loadBlob(blob('small.blob'));
  assert.throws(() => core.loadBlob('not bytes'), (e) => e instanceof Error && e.code === 'truncated');
  assert.throws(() => core.loadBlob(new Uint8Array(0)), (e) => e.code === 'truncated');
  assert.ok(core.recommend({ placement: 'product', anchor: 'sku-10' }).length > 0);
});

// A sharded blob (mkblob -shard-pairs): the head answers with the shards a
// context needs exactly as the whole blob does.
test('sharded: with the shards a context needs, the answers are the whole blob\'s', async () => {
  const whole = await instantiate({ wasmBytes, wasmExecURL });
  whole.loadBlob(blob('small.blob'));
  const info = core.loadBlob(blob('small.head.blob'));
  assert.equal(info.version, '1.1');
  assert.ok(info.shards.length >= 3, `${info.shards.length} shards`);
  info.shards.forEach((h) => assert.match(h, /^[0-9a-f]{64}$/));
  for (const c of cases) {
    const ctx = toCtx(c.request);
    const need = core.shardsNeeded(ctx);
    for (const i of need) {
      assert.ok(i >= 0 && i < info.shards.length);
      const r = await core.loadShardAsync(blob(`small.shard-${i}.blob`));
      assert.equal(r.index, i);
    }
    assert.deepEqual(core.shardsNeeded(ctx), []);
    assert.deepEqual(core.recommend(ctx), whole.recommend(ctx), c.name);
  }
  assert.deepEqual(whole.shardsNeeded({ placement: 'product', anchor: 'sku-10' }), []);
});

test('sharded: a wrong or damaged shard is refused and changes nothing', async () => {
  const info = core.loadBlob(blob('small.head.blob'));
  const ctx = { placement: 'product', anchor: 'sku-10' };
  const [i] = core.shardsNeeded(ctx);
  const before = core.recommend(ctx);
  assert.ok(before.every((s) => s.rule !== 'pairs'), 'no pair rule without the shard');
  const other = (i + 1) % info.shards.length;
  // Another index's shard is fine (it is listed), but does not help this anchor.
  core.loadShard(blob(`small.shard-${other}.blob`));
  assert.deepEqual(core.shardsNeeded(ctx), [i]);
  const bad = new Uint8Array(blob(`small.shard-${i}.blob`));
  bad[bad.length - 3] ^= 0x40;
  await assert.rejects(core.loadShardAsync(bad), (e) => e.code === 'hash');
  assert.throws(() => core.loadShard(bad), (e) => e.code === 'hash');
  assert.throws(() => core.loadShard(blob('small.blob')), (e) => e.code === 'corrupt' && /not a pair shard/.test(e.message));
  assert.throws(() => core.loadBlob(blob(`small.shard-${i}.blob`)), (e) => e.code === 'corrupt' && /pair shard/.test(e.message));
  assert.deepEqual(core.shardsNeeded(ctx), [i]);
  assert.deepEqual(core.recommend(ctx), before);
  core.loadVerifiedShard(blob(`small.shard-${i}.blob`));
  assert.deepEqual(core.shardsNeeded(ctx), []);
  assert.ok(core.recommend(ctx).some((s) => s.rule === 'pairs'));
  core.loadBlob(blob('small.blob'));
  assert.throws(() => core.loadShard(blob(`small.shard-${i}.blob`)), /not sharded/);
});

test('generated reasons the core flags as depending on the evidence alone are reused, and read the same', () => {
  core.loadBlob(blob('small.blob'));
  const ids = Array.from({ length: core.info.items }, (_, i) => `sku-${i}`);
  let seed = 3;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const ctxs = Array.from({ length: 300 }, (_, i) => (i % 2
    ? { placement: 'product', anchor: ids[rnd(ids.length)] }
    : { placement: 'cart', cart: Array.from({ length: 1 + rnd(6) }, () => ({ id: ids[rnd(ids.length)], qty: 1 })) }));
  const fresh = ctxs.map((c) => {
    core._evReasons.clear(); // every text decoded from the core's bytes
    return core.recommend(c);
  });
  core._evReasons.clear();
  const reused = ctxs.map((c) => core.recommend(c));
  assert.deepEqual(reused, fresh);
  const generated = fresh.flat().filter((s) => s.rule === 'pairs' || s.rule === 'triple').length;
  assert.ok(generated > 100, `${generated} generated reasons`);
  assert.ok(core._evReasons.size < generated, `${core._evReasons.size} texts kept for ${generated} reasons: none reused`);
});
