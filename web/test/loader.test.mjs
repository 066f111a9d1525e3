// Unit tests of the loader's pure checks, in Node: what it accepts from the
// network before anything reaches the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseManifest, checkBlobHeader, uuid, fetchBlobBytes, earlyQuery, parseAnswer, early, XsellError, BlobIntake } from '../xsell.js';

const HASH = 'ab'.repeat(32);
const good = { version: '1.0', hash: HASH, size: 1000, raw_size: 2000, created: '', counts: {}, shards: [{ hash: HASH, size: 1000 }] };

test('parseManifest', async (t) => {
  const cases = [
    { name: 'good', text: JSON.stringify(good) },
    { name: 'newer minor is fine', text: JSON.stringify({ ...good, version: '1.7' }) },
    { name: 'not JSON', text: '<html>', code: 'manifest', msg: /not JSON/ },
    { name: 'array', text: '[]', code: 'manifest', msg: /not an object/ },
    { name: 'short hash', text: JSON.stringify({ ...good, hash: 'abc' }), code: 'manifest', msg: /"hash"/ },
    { name: 'upper-case hash', text: JSON.stringify({ ...good, hash: HASH.toUpperCase() }), code: 'manifest', msg: /"hash"/ },
    { name: 'newer major', text: JSON.stringify({ ...good, version: '2.0' }), code: 'blob_version', msg: /version 2\.0/ },
    { name: 'bad version', text: JSON.stringify({ ...good, version: 'one' }), code: 'manifest', msg: /"version"/ },
    { name: 'huge size', text: JSON.stringify({ ...good, size: 1e12 }), code: 'manifest', msg: /"size"/ },
    { name: 'negative size', text: JSON.stringify({ ...good, size: -1 }), code: 'manifest', msg: /"size"/ },
    { name: 'bad shard', text: JSON.stringify({ ...good, shards: [{ hash: 'x' }] }), code: 'manifest', msg: /shards\[0\]\.hash/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      if (!c.code) {
        assert.equal(parseManifest(c.text).hash, HASH);
        return;
      }
      assert.throws(() => parseManifest(c.text), (e) => e instanceof XsellError && e.code === c.code && c.msg.test(e.message) && e.message.startsWith('xsell: '));
    });
  }
});

function header({ magic = 'XSEL', major = 1, minor = 0, hash = HASH, len = 128 } = {}) {
  const b = new Uint8Array(len);
  b.set(new TextEncoder().encode(magic).subarray(0, 4));
  b[4] = major & 0xff;
  b[5] = major >> 8;
  b[6] = minor;
  for (let i = 0; i < 32; i++) b[32 + i] = parseInt(hash.slice(2 * i, 2 * i + 2), 16);
  return b;
}

test('checkBlobHeader', async (t) => {
  const m = { hash: HASH };
  const cases = [
    { name: 'good', bytes: header() },
    { name: 'newer minor', bytes: header({ minor: 9 }) },
    { name: 'short', bytes: header().subarray(0, 100), code: 'blob_corrupt', msg: /shorter than/ },
    { name: 'bad magic', bytes: header({ magic: 'HTML' }), code: 'blob_corrupt', msg: /XSEL/ },
    { name: 'newer major', bytes: header({ major: 2 }), code: 'blob_version', msg: /version 2\.0/ },
    { name: 'another blob', bytes: header({ hash: 'cd'.repeat(32) }), code: 'blob_corrupt', msg: /not the manifest/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      if (!c.code) return checkBlobHeader(c.bytes, m);
      assert.throws(() => checkBlobHeader(c.bytes, m), (e) => e.code === c.code && c.msg.test(e.message));
    });
  }
});

test('uuid is a v4 uuid the edge accepts as an event id', () => {
  const seen = new Set();
  for (let i = 0; i < 1000; i++) {
    const id = uuid();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(id, /^[A-Za-z0-9_-]{8,64}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
});

// fetchBlobBytes against a real local server: a stall (before the headers or
// in the middle of the body) and a 5xx are tried once more; a 4xx and an
// oversized body are final.
test('fetchBlobBytes retries a stalled or failed download once', async (t) => {
  const { createServer } = await import('node:http');
  const body = Buffer.alloc(4096, 7);
  const plans = {}; // path → what each successive request gets
  const seen = {};
  const server = createServer((req, res) => {
    const n = (seen[req.url] = (seen[req.url] || 0) + 1);
    const plan = plans[req.url][n - 1] || 'ok';
    if (plan === 'stall-headers') return; // never answers
    if (plan === 'stall-body') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(body.subarray(0, 100)); // then nothing more
      return;
    }
    if (typeof plan === 'number') {
      res.writeHead(plan);
      return res.end('no');
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const opts = { timeouts: [300, 600] };
  try {
    for (const c of [
      { name: 'stalled headers, then served', plan: ['stall-headers', 'ok'], tries: 2 },
      { name: 'stalled body, then served', plan: ['stall-body', 'ok'], tries: 2 },
      { name: '503, then served', plan: [503, 'ok'], tries: 2 },
      { name: '404 is final', plan: [404, 'ok'], tries: 1, err: /HTTP 404/ },
      { name: 'stalled twice gives up', plan: ['stall-headers', 'stall-headers'], tries: 2, err: /timed out after 600 ms/ },
      { name: 'too large is final', plan: ['ok', 'ok'], tries: 1, max: 1000, code: 'too_large' },
      { name: 'stalled body, then served, into an intake', plan: ['stall-body', 'ok'], tries: 2, intake: true },
      { name: 'too large into an intake is final', plan: ['ok', 'ok'], tries: 1, max: 1000, code: 'too_large', intake: true },
    ]) {
      await t.test(c.name, async () => {
        const path = `/v1/blob/${'ab'.repeat(32)}?${encodeURIComponent(c.name)}`;
        plans[path] = c.plan;
        const intakes = [];
        const intake = c.intake ? () => intakes[intakes.push(new BlobIntake()) - 1] : null;
        const p = fetchBlobBytes(base + path, { ...opts, intake, ...(c.max ? { max: c.max } : {}) });
        if (c.err || c.code) {
          await assert.rejects(p, (e) => e instanceof XsellError && e.code === (c.code || 'unreachable') && (!c.err || c.err.test(e.message)));
        } else {
          const got = await p;
          assert.equal(got.length, body.length);
          if (c.intake) {
            // A fresh intake for each try: the stalled try's 100 bytes are not in it.
            assert.equal(intakes.length, c.tries);
            assert.equal(got, intakes.at(-1));
            assert.deepEqual(got.bytes(), new Uint8Array(body));
          }
        }
        assert.equal(seen[path], c.tries);
      });
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

// BlobIntake with the real core (Node): chunks before the core is up wait
// in the page, then everything goes into the core's memory; whatever does
// not match its header stays in the page for the core to judge.
test('BlobIntake writes into the core once attached, and keeps what does not fit in the page', async (t) => {
  const out = process.env.OUT;
  if (!out) return t.skip('set OUT (web/scripts/test.sh does)');
  const site = join(out, 'site');
  const { instantiate } = await import(pathToFileURL(join(site, 'xsell-core.js')));
  const core = await instantiate({ wasmBytes: readFileSync(join(site, 'xsell.wasm')), wasmExecURL: pathToFileURL(join(site, 'wasm_exec.js')) });
  // A raw blob (the browser core reads raw bodies; the edge serves them so).
  const dir = join(out, 'loader-test');
  execFileSync('go', ['run', './wasm/internal/mkblob', '-o', dir, '-items', '300', '-neighbours', '10', '-name', 'intake'], { cwd: process.env.ROOT || join(import.meta.dirname, '../..'), stdio: 'ignore' });
  const bytes = new Uint8Array(readFileSync(join(dir, 'intake.blob')));
  const want = core.loadBlob(bytes);
  const chunks = (b, sizes) => {
    const out = [];
    let at = 0;
    for (let i = 0; at < b.length; i++) {
      const n = sizes[i % sizes.length];
      out.push(b.subarray(at, at + n));
      at += n;
    }
    return out;
  };
  const cases = [
    { name: 'attached before the first byte', attachAt: 0, sizes: [1000] },
    { name: 'attached midway, header split over chunks', attachAt: 3, sizes: [50, 50, 7000] },
    { name: 'attached after the last byte', attachAt: Infinity, sizes: [4096] },
    { name: 'no core', attachAt: -1, sizes: [4096], inPage: true },
    { name: 'body longer than its header says', extra: 10, attachAt: 0, sizes: [4096], inPage: true, code: 'truncated' },
    { name: 'body shorter than its header says', cut: 10, attachAt: 0, sizes: [4096], code: 'truncated' },
    { name: 'not a blob', magic: true, attachAt: 0, sizes: [4096], inPage: true, code: 'magic' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      let b = bytes;
      if (c.extra) b = new Uint8Array([...b, ...new Uint8Array(c.extra)]);
      if (c.cut) b = b.subarray(0, b.length - c.cut);
      if (c.magic) (b = b.slice())[0] = 0x59;
      const intake = new BlobIntake({ max: 64 << 20 });
      const parts = chunks(b, c.sizes);
      parts.forEach((p, i) => {
        if (i === c.attachAt) intake.attach(core);
        intake.push(p);
      });
      if (c.attachAt === Infinity) intake.attach(core);
      assert.deepEqual(intake.head(), b.slice(0, 128));
      assert.equal(intake.length, b.length);
      const got = intake.bytes();
      assert.equal(got instanceof Uint8Array, !!c.inPage || !!c.cut);
      if (!c.cut) assert.deepEqual(got instanceof Uint8Array ? got : got.view(), b);
      if (c.code) {
        assert.throws(() => core.loadBlob(got), (e) => e.code === c.code);
        return;
      }
      assert.deepEqual(core.loadBlob(got), want);
    });
  }
  await t.test('random chunks, attach points and damaged headers: the bytes are kept, the core judges, nothing leaks', () => {
    let seed = 11;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    core.loadBlob(bytes);
    for (let r = 0; r < 300; r++) {
      let b = bytes;
      const damage = rnd(4);
      if (damage === 1) { // the header's body length, any value
        b = b.slice();
        for (let i = 24; i < 32; i++) b[i] = rnd(3) ? b[i] : rnd(256);
      } else if (damage === 2) {
        b = b.subarray(0, rnd(b.length)); // cut anywhere, the header too
      } else if (damage === 3) {
        b = b.slice();
        b[128 + rnd(b.length - 128)] ^= 1 + rnd(255); // a flipped body byte
      }
      const intake = new BlobIntake({ max: 64 << 20, hash: rnd(2) === 1 });
      const at = rnd(40) - 5;
      let n = 0;
      for (let i = 0, off = 0; off < b.length; i++) {
        if (i === at) intake.attach(core);
        const k = 1 + rnd(rnd(2) ? 200 : 20000);
        intake.push(b.subarray(off, off + k));
        off += k;
        n++;
      }
      if (at >= n || at < 0) intake.attach(core);
      const got = intake.bytes();
      assert.deepEqual(got instanceof Uint8Array ? got : got.view(), b);
      let ok = false;
      try {
        ok = core.loadBlob(got).items === want.items;
      } catch (e) {
        assert.ok(['magic', 'truncated', 'hash', 'corrupt', 'limit', 'version'].includes(e.code), `${damage}: ${e.code} ${e.message}`);
      }
      assert.equal(ok, damage === 0 || (damage === 1 && got.length === bytes.length && b.subarray(24, 32).every((x, i) => x === bytes[24 + i])));
      assert.ok(core._reserved.length <= 4);
    }
    assert.equal(core.loadBlob(bytes).items, want.items);
  });

  await t.test('an abandoned download gives its room back, and a core attached later reserves none', () => {
    const a = new BlobIntake({ max: 64 << 20 });
    a.attach(core);
    a.push(bytes.subarray(0, 5000));
    const before = core._reserved.length;
    a.abandon();
    assert.equal(core._reserved.length, before - 1);
    const b = new BlobIntake({ max: 64 << 20 });
    b.push(bytes.subarray(0, 5000));
    b.abandon();
    b.attach(core);
    assert.equal(core._reserved.length, before - 1);
  });

  await t.test('over max', () => {
    const intake = new BlobIntake({ max: 1000 });
    intake.push(new Uint8Array(600));
    assert.throws(() => intake.push(new Uint8Array(600)), RangeError);
  });
});

const full = (over = {}) => ({ placement: 'cart', anchor: '', cart: [], viewed: [], owned: [], dismissed: [], segments: [], now: 1, visitorId: 'visitor-01', ...over });

test('earlyQuery writes the context as GET /v1/recommend reads it', () => {
  const q = new URLSearchParams(earlyQuery(full({
    anchor: 'cam 1', cart: [{ id: 'lens', qty: 2 }, { id: 'bag', qty: 1 }], viewed: ['v1'], owned: [{ id: 'ink', at: 1700000000 }, 'paper'],
    dismissed: ['d1', 'd2'], segments: ['vip'], k: 3, currency: 'EUR', freeDelivery: 30,
  })));
  assert.deepEqual(Object.fromEntries(q), {
    placement: 'cart', anchor: 'cam 1', cart: 'lens:2,bag:1', viewed: 'v1', owned: 'ink@1700000000,paper',
    dismissed: 'd1,d2', segments: 'vip', k: '3', currency: 'EUR', free_delivery: '30', visitor: 'visitor-01',
  });
  // Empty lists are left out; the clock is the edge's.
  assert.equal(earlyQuery(full()), 'placement=cart&visitor=visitor-01');
});

test('earlyQuery refuses what the edge\'s syntax or bounds cannot carry', async (t) => {
  for (const [name, over] of [
    ['comma in the anchor', { anchor: 'a,b' }],
    ['colon in a cart id', { cart: [{ id: 'a:b', qty: 1 }] }],
    ['at sign in a viewed id', { viewed: ['a@b'] }],
    ['empty id', { dismissed: [''] }],
    ['101 viewed ids', { viewed: Array.from({ length: 101 }, (_, i) => `v${i}`) }],
    ['over 8 KiB', { viewed: Array.from({ length: 100 }, (_, i) => `${'x'.repeat(90)}${i}`) }],
  ]) {
    await t.test(name, () => assert.equal(earlyQuery(full(over)), null));
  }
});

const answer = (over = {}, s = {}) => JSON.stringify({
  blob: HASH, placement: 'product', dropped: 0, variant: 'control',
  suggestions: [{ id: 'lens', title: 'Lens', price: 99.5, currency: 'EUR', url: '/p/lens', image: '', category: 'optics', kind: 'complement', rule: 'pairs', reason: 'bought together in 3 orders', fallback: false, closesGap: false, anchor: 'cam', score: 1.5, evidence: { together: 3, anchorOrders: 10, itemOrders: 5, orders: 100, lift: 6 }, extra: '<script>', ...s }],
  ...over,
});

test('parseAnswer keeps a card\'s fields, typed, and nothing else', () => {
  const a = parseAnswer(answer());
  assert.equal(a.blob, HASH);
  assert.equal(a.variant, 'control');
  assert.deepEqual(a.suggestions[0], {
    id: 'lens', title: 'Lens', price: 99.5, currency: 'EUR', url: '/p/lens', image: '', category: 'optics', kind: 'complement', rule: 'pairs',
    reason: 'bought together in 3 orders', fallback: false, closesGap: false, anchor: 'cam', score: 1.5,
    evidence: { together: 3, anchorOrders: 10, itemOrders: 5, orders: 100, lift: 6 }, discount: 0,
  });
  assert.equal(parseAnswer(answer({}, { price: null, anchor: null, evidence: null })).suggestions[0].price, null);
});

test('parseAnswer refuses a hostile or broken answer, naming the field', async (t) => {
  for (const [name, text, field] of [
    ['not JSON', '<html>', /not JSON/],
    ['array', '[]', /not an object/],
    ['bad blob', answer({ blob: 'x' }), /"blob"/],
    ['no variant', answer({ variant: 7 }), /"variant"/],
    ['too many', answer({ suggestions: Array.from({ length: 17 }, () => ({ id: 'a' })) }), /"suggestions"/],
    ['id not a string', answer({}, { id: { toString: 1 } }), /suggestions\[0\]\.id/],
    ['empty id', answer({}, { id: '' }), /suggestions\[0\]\.id/],
    ['huge title', answer({}, { title: 'x'.repeat(5000) }), /suggestions\[0\]\.title/],
    ['price a string', answer({}, { price: '9' }), /suggestions\[0\]\.price/],
    ['evidence a string', answer({}, { evidence: 'lots' }), /suggestions\[0\]\.evidence/],
  ]) {
    await t.test(name, () => assert.throws(() => parseAnswer(text), (e) => e instanceof XsellError && e.code === 'answer' && field.test(e.message)));
  }
});

test('early waits for init() before it asks the edge anything', async () => {
  const r = await Promise.race([early({ placement: 'product', anchor: 'a' }), new Promise((res) => setTimeout(() => res('waiting'), 50))]);
  assert.equal(r, 'waiting', 'early() answered before any init()');
});
