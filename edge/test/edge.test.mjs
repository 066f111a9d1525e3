// Integration tests: the real worker under wrangler dev (workerd, local D1,
// R2 and Queues), every route exercised over HTTP on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { d1, startWorker, rawGet } from './worker.mjs';

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(EDGE, '..');
const OUT = process.env.OUT || join(ROOT, '.out');
const run = promisify(execFile);
const SHOP = 'https://shop.example';

// Test blobs from the Go test-blob maker: valid, deterministic, distinct per seed.
async function makeBlob(seed) {
  const file = join(OUT, 'edge-test', `blob-${seed}.bin`);
  mkdirSync(dirname(file), { recursive: true });
  await run('go', ['run', './edge/internal/testblob/mkblob', '-seed', String(seed), '-items', '30', '-o', file], { cwd: ROOT });
  return readFileSync(file);
}
const blobHash = (bytes) => Buffer.from(bytes.subarray(32, 64)).toString('hex');

let w;
let assets;
const blobs = {};
const auth = () => ({ authorization: `Bearer ${w.token}` });
const put = (bytes, headers = {}) => fetch(`${w.url}/v1/blob`, {
  method: 'PUT', body: bytes, headers: { ...auth(), 'content-type': 'application/octet-stream', ...headers },
});
const getManifest = async () => (await fetch(`${w.url}/v1/manifest`)).json();
const post = (body, headers = {}) => fetch(`${w.url}/v1/events`, {
  method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json', origin: SHOP, ...headers },
});
const stats = async () => (await fetch(`${w.url}/v1/stats`, { headers: auth() })).json();

// waitEvents polls stats until D1 holds n events and the count holds still.
async function waitEvents(n, timeout = 30_000) {
  const end = Date.now() + timeout;
  let s;
  for (;;) {
    s = await stats();
    if (s.events === n) {
      await new Promise((r) => setTimeout(r, 1500));
      s = await stats();
      if (s.events === n) return s;
    }
    if (s.events > n || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 300));
  }
}

before(async () => {
  for (const seed of [1, 2, 3, 4, 5]) blobs[seed] = await makeBlob(seed);
  assets = join(OUT, 'edge-test', 'site');
  mkdirSync(assets, { recursive: true });
  writeFileSync(join(assets, 'hello.txt'), 'static hello\n');
  w = await startWorker({ origins: [SHOP], assetsDir: assets, vars: { KEEP_VERSIONS: '3', MAX_BLOB_BYTES: '200000' } });
});

after(async () => { if (w) await w.stop(); });

describe('routing', () => {
  test('health answers and static assets are served without the worker', async () => {
    assert.equal((await fetch(`${w.url}/v1/health`)).status, 200);
    const r = await fetch(`${w.url}/hello.txt`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'static hello\n');
  });
  test('unknown route is a JSON 404, wrong method a 405 with Allow', async () => {
    let r = await fetch(`${w.url}/v1/nothing`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.code, 'not_found');
    r = await fetch(`${w.url}/v1/manifest`, { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.match(r.headers.get('allow'), /GET/);
    assert.equal((await r.json()).error.code, 'method_not_allowed');
  });
});

describe('blob distribution', () => {
  test('before any publish: manifest and recommend say no_blob', async () => {
    let r = await fetch(`${w.url}/v1/manifest`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error.code, 'no_blob');
    r = await fetch(`${w.url}/v1/recommend?placement=product&anchor=item-0`);
    assert.equal(r.status, 404);
  });

  test('bad uploads change nothing and say why', async () => {
    const good = blobs[1];
    const flipped = Buffer.from(good); flipped[flipped.length - 5] ^= 0xff;
    const newer = Buffer.from(good); newer[4] = 9;
    const cases = [
      ['no token', () => fetch(`${w.url}/v1/blob`, { method: 'PUT', body: good, headers: { 'content-type': 'application/octet-stream' } }), 401, 'unauthorized'],
      ['wrong token', () => put(good, { authorization: 'Bearer nope' }), 401, 'unauthorized'],
      ['token with a newline', () => put(good, { authorization: 'Bearer a\tb' }), 401, 'unauthorized'],
      ['wrong content type', () => put(good, { 'content-type': 'application/json' }), 415, 'unsupported_media_type'],
      ['not a blob', () => put(Buffer.from('definitely not an xsell blob, just text')), 422, 'not_a_blob'],
      ['truncated', () => put(good.subarray(0, 100)), 422, 'truncated'],
      ['corrupt body', () => put(flipped), 422, null],
      ['newer major version', () => put(newer), 422, 'unsupported_version'],
      ['over the size cap', () => put(randomBytes(300_000)), 413, 'too_large'],
      ['empty', () => put(new Uint8Array(0)), 422, 'truncated'],
    ];
    for (const [name, send, status, code] of cases) {
      const r = await send();
      const body = await r.json();
      assert.equal(r.status, status, `${name}: ${JSON.stringify(body)}`);
      if (code) assert.equal(body.error.code, code, name);
      assert.ok(body.error.message.length > 0, name);
    }
    assert.equal((await fetch(`${w.url}/v1/manifest`)).status, 404, 'a bad upload published something');
  });

  test('publish, then manifest with ETag and 304', async () => {
    const r = await put(blobs[1]);
    const body = await r.json();
    assert.equal(r.status, 201, JSON.stringify(body));
    assert.equal(body.manifest.hash, blobHash(blobs[1]));
    const m = await fetch(`${w.url}/v1/manifest`);
    assert.equal(m.status, 200);
    const etag = m.headers.get('etag');
    assert.match(etag, /^"m-[0-9a-f]{64}"$/);
    assert.match(m.headers.get('cache-control'), /max-age=30/);
    const manifest = await m.json();
    assert.equal(manifest.hash, blobHash(blobs[1]));
    assert.equal(manifest.size, blobs[1].length);
    assert.equal(manifest.counts.items, 30);
    const again = await fetch(`${w.url}/v1/manifest`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    const other = await fetch(`${w.url}/v1/manifest`, { headers: { 'if-none-match': '"m-0000"' } });
    assert.equal(other.status, 200);
    // Publishing the current blob again is a no-op.
    const same = await put(blobs[1]);
    assert.equal(same.status, 200);
    assert.equal((await same.json()).unchanged, true);
  });

  test('blob GET: immutable, strong ETag, compressed forms, 304', async () => {
    const hash = blobHash(blobs[1]);
    const url = `${w.url}/v1/blob/${hash}`;
    const plain = await rawGet(url, { 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers.etag, `"${hash}"`);
    assert.ok(plain.body.equals(blobs[1]), 'identity form is the uploaded blob');

    const gz = await rawGet(url, { 'accept-encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers.etag, `"${hash}-gz"`);
    const raw = gunzipSync(gz.body);
    assert.equal(raw.subarray(0, 4).toString(), 'XSEL');
    assert.equal(raw.readUInt32LE(8) & 1, 0, 'the gzip form carries the raw (uncompressed) body');
    assert.equal(createHash('sha256').update(raw.subarray(128)).digest('hex'), hash, 'raw body hashes to the blob id');

    const zs = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(zs.status, 200);
    assert.equal(zs.headers['content-encoding'], 'zstd');
    assert.equal(zs.headers.vary, 'Accept-Encoding');
    assert.equal(zs.body.readUInt32LE(0), 0xfd2fb528, 'a zstd frame');

    for (const tag of [`"${hash}"`, `"${hash}-gz"`, `W/"${hash}-zst"`, `"other", "${hash}"`]) {
      const r = await rawGet(url, { 'if-none-match': tag, 'accept-encoding': 'gzip' });
      assert.equal(r.status, 304, tag);
      assert.equal(r.body.length, 0);
    }
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('etag') !== null, true);
  });

  test('blob GET rejects bad and unknown hashes', async () => {
    for (const [path, status] of [
      ['/v1/blob/xyz', 400], ['/v1/blob/' + 'A'.repeat(64), 400], ['/v1/blob/..%2F..%2Fetc%2Fpasswd', 400],
      ['/v1/blob/' + '0'.repeat(64), 404], ['/v1/blob/' + '0'.repeat(64) + '.raw.gz', 400],
    ]) {
      const r = await fetch(w.url + path);
      assert.equal(r.status, status, path);
      assert.ok((await r.json()).error.code, path);
    }
  });

  test('publish newer versions, roll back, keep the last N', async () => {
    const h = (s) => blobHash(blobs[s]);
    for (const s of [2, 3]) assert.equal((await put(blobs[s])).status, 201);
    assert.equal((await getManifest()).hash, h(3));

    const rb = (body, headers = {}) => fetch(`${w.url}/v1/rollback`, {
      method: 'POST', body, headers: { ...auth(), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    });
    assert.equal((await fetch(`${w.url}/v1/rollback`, { method: 'POST' })).status, 401);
    let r = await rb();
    assert.equal(r.status, 200);
    assert.equal((await r.json()).manifest.hash, h(2));
    assert.equal((await getManifest()).hash, h(2));
    r = await rb(JSON.stringify({ hash: h(3) }));
    assert.equal(r.status, 200);
    assert.equal((await getManifest()).hash, h(3));
    r = await rb('{"hash": 12}');
    assert.equal(r.status, 400);
    r = await rb('not json');
    assert.equal(r.status, 400);
    r = await rb(JSON.stringify({ hash: '1'.repeat(64) }));
    assert.equal(r.status, 404);
    assert.equal((await getManifest()).hash, h(3), 'a failed rollback changed the pointer');

    // KEEP_VERSIONS=3: a fourth version prunes the oldest (seed 1).
    assert.equal((await put(blobs[4])).status, 201);
    const pruned = await rawGet(`${w.url}/v1/blob/${h(1)}`);
    assert.equal(pruned.status, 404);
    r = await rb(JSON.stringify({ hash: h(1) }));
    assert.equal(r.status, 404);
    assert.equal((await rawGet(`${w.url}/v1/blob/${h(2)}`)).status, 200);
    // Roll back all the way: 4 → 3 → 2, then there is nothing older.
    assert.equal((await rb()).status, 200);
    assert.equal((await rb()).status, 200);
    assert.equal((await getManifest()).hash, h(2));
    r = await rb();
    assert.equal(r.status, 409);
    assert.equal((await r.json()).error.code, 'no_previous');
    assert.equal((await put(blobs[5])).status, 201);
  });
});

describe('recommend', () => {
  test('JSON suggestions from the current blob', async () => {
    const r = await fetch(`${w.url}/v1/recommend?placement=product&anchor=item-0&k=2&cart=item-6:1,unknown-id`);
    const body = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.blob, blobHash(blobs[5]));
    assert.equal(body.dropped, 1);
    assert.ok(body.suggestions.length >= 1 && body.suggestions.length <= 2, JSON.stringify(body));
    for (const s of body.suggestions) {
      assert.ok(s.id && s.kind && s.rule && typeof s.reason === 'string', JSON.stringify(s));
      assert.notEqual(s.id, 'item-0');
    }
  });
  test('HTML fragment escapes catalog strings', async () => {
    const r = await fetch(`${w.url}/v1/recommend?placement=product&anchor=item-0&format=html`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /text\/html/);
    const html = await r.text();
    assert.match(html, /^<ul class="xsell-recommendations"/);
    assert.doesNotMatch(html, /<script>|<b>/);
  });
  test('bad queries are 400 with the field', async () => {
    for (const q of ['', 'placement=sidebar', 'placement=cart&k=0', 'placement=cart&evil=1', 'placement=cart&anchor=%00',
      'placement=cart&cart=' + 'x,'.repeat(200)]) {
      const r = await fetch(`${w.url}/v1/recommend?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal((await r.json()).error.code, 'bad_query', q);
    }
  });
});

describe('events', () => {
  const now = Date.now();
  let n = 0;
  const ev = (type, extra = {}) => ({
    id: `t-${now}-${++n}`.padEnd(12, '0'), type, ts: now, placement: 'cart', anchor: 'item-0', item: 'item-1',
    rule: 'pairs', rank: 0, variant: 'a', visitor: 'visitor-test-1', ...extra,
  });
  // The scenario whose stats and export are checked exactly below.
  const batch = [
    ev('impression'), ev('impression'), ev('impression'), ev('click'), ev('add'), ev('dismiss'),
    ev('purchase', { order: 'o-1', price: 180, qty: 1, currency: 'EUR' }),
    ev('purchase', { order: 'o-1', item: 'item-0', anchor: '', rule: '', price: 600, qty: 1, placement: undefined }),
    ev('purchase', { order: 'o-2', item: 'item-3', anchor: '', rule: '', price: 50, qty: 2, placement: undefined }),
    ev('impression', { item: 'weird <script>"x",y', anchor: '', rule: 'impulse', placement: 'checkout' }),
  ];

  test('CORS preflight: configured origins only', async () => {
    let r = await fetch(`${w.url}/v1/events`, { method: 'OPTIONS', headers: { origin: SHOP, 'access-control-request-method': 'POST' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), SHOP);
    assert.match(r.headers.get('access-control-allow-methods'), /POST/);
    r = await fetch(`${w.url}/v1/events`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    r = await post({ events: [ev('click')] }, { origin: 'https://evil.example' });
    assert.equal(r.status, 403);
    assert.equal((await r.json()).error.code, 'origin_not_allowed');
  });

  test('bad bodies are refused whole', async () => {
    const many = { events: Array.from({ length: 101 }, () => ev('click')) };
    for (const [name, body, headers, status, code] of [
      ['form post', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      ['no content type', JSON.stringify({ events: [ev('click')] }), { 'content-type': '' }, 415, 'unsupported_media_type'],
      ['malformed', '{"events": [', {}, 400, 'bad_json'],
      ['not an object', '[1,2]', {}, 400, 'bad_json'],
      ['empty batch', '{"events": []}', {}, 400, 'invalid'],
      ['too many', many, {}, 413, 'too_many_events'],
      ['oversized', JSON.stringify({ events: [ev('click', { item: 'x'.repeat(70_000) })] }), {}, 413, 'too_large'],
    ]) {
      const r = await post(body, headers);
      const b = await r.json();
      assert.equal(r.status, status, `${name}: ${JSON.stringify(b)}`);
      assert.equal(b.error.code, code, name);
      assert.equal(r.headers.get('access-control-allow-origin'), SHOP, `${name}: errors carry CORS too`);
    }
  });

  test('hostile fields are rejected one by one, the rest accepted', async () => {
    const bad = [
      { ...ev('click'), item: 'a\u0000b' },
      { ...ev('click'), item: 'abc\u202edef' },
      { ...ev('click'), visitor: 'jane@example.com' },
      { ...ev('click'), price: -5 },
      { ...ev('click'), id: "'; DROP TABLE events; --" },
      { ...ev('click'), email: 'jane@example.com' },
    ];
    const r = await post({ events: bad });
    assert.equal(r.status, 202);
    const b = await r.json();
    assert.equal(b.accepted, 0);
    assert.deepEqual(b.rejected.map((x) => x.field), ['item', 'item', 'visitor', 'price', 'id', 'email']);
    assert.deepEqual(b.rejected.map((x) => x.index), [0, 1, 2, 3, 4, 5]);
  });

  test('duplicates and retries count once; stats and export are exact', async () => {
    const body = { events: batch.map((e) => JSON.parse(JSON.stringify(e))) };
    let r = await post(body);
    assert.equal(r.status, 202);
    assert.deepEqual(await r.json(), { accepted: batch.length, rejected: [] });
    // The browser retries (lost answer), twice at once, and once as text/plain (sendBeacon).
    const again = await Promise.all([post(body), post(body), post(JSON.stringify(body), { 'content-type': 'text/plain;charset=UTF-8' })]);
    for (const a of again) assert.equal(a.status, 202);
    // A batch that repeats an event inside itself.
    r = await post({ events: [batch[0], batch[0], batch[1]] });
    assert.equal((await r.json()).accepted, 2);

    const s = await waitEvents(batch.length);
    assert.equal(s.events, batch.length, 'every event exactly once in D1');
    assert.equal(s.totals.impressions, 4);
    assert.equal(s.totals.clicks, 1);
    assert.equal(s.totals.adds, 1);
    assert.equal(s.totals.dismissals, 1);
    assert.equal(s.totals.purchases, 1, 'only the attributed purchase line');
    assert.equal(s.totals.attributed_revenue, 180);
    assert.equal(s.totals.take_rate, 0.25);
    const pairs = s.by_rule.find((x) => x.key === 'pairs');
    assert.equal(pairs.impressions, 3);
    assert.equal(pairs.take_rate, 0.333333);
    assert.deepEqual(s.by_placement.map((x) => x.key), ['cart', 'checkout']);
    assert.equal(s.by_day.length, 1);
    // The per-day rows the dashboard splits its time series by.
    assert.equal(s.rows_truncated, false);
    assert.deepEqual(s.rows.map((x) => [x.placement, x.rule, x.impressions, x.adds]), [['cart', 'pairs', 3, 1], ['checkout', 'impulse', 1, 0]]);
    assert.ok(s.rows.every((x) => x.day === s.by_day[0].key && x.variant === 'a'));
    const a = s.orders.find((x) => x.variant === 'a');
    assert.deepEqual(a.with_suggestions, { orders: 1, aov: 780, items_per_order: 2 });
    assert.deepEqual(a.without_suggestions, { orders: 1, aov: 100, items_per_order: 2 });
    assert.equal(a.p_value, -1, 'no significance from one order a side');

    r = await fetch(`${w.url}/v1/export`, { headers: auth() });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    const csv = await r.text();
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], 'anchor,item,shown,clicked,added,bought,dismissed');
    assert.ok(lines.includes('item-0,item-1,3,1,1,1,1'), csv);
    assert.ok(lines.includes('*,"weird <script>""x"",y",1,0,0,0,0'), csv);
    assert.equal(lines.length, 3, csv);
  });

  test('reports need the token and valid days', async () => {
    for (const path of ['/v1/stats', '/v1/export']) {
      let r = await fetch(w.url + path);
      assert.equal(r.status, 401, path);
      r = await fetch(w.url + path, { headers: { authorization: 'Bearer wrong' } });
      assert.equal(r.status, 401, path);
      r = await fetch(`${w.url}${path}?from=yesterday`, { headers: auth() });
      assert.equal(r.status, 400, path);
    }
    const r = await fetch(`${w.url}/v1/stats?from=2000-01-01&to=2000-01-02`, { headers: auth() });
    assert.equal((await r.json()).events, 0);
  });

  test('D1 holds each event once and the consumer archived them to R2', async () => {
    const q = (sql) => d1(w, sql);
    const [row] = await q('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events');
    assert.equal(row.n, batch.length);
    assert.equal(row.ids, batch.length);
    const [arch] = await q('SELECT count(*) AS n, sum(events) AS events FROM archives');
    assert.ok(arch.n >= 1, 'no archive written');
    assert.ok(arch.events >= batch.length, 'archives hold every event (at least once)');
    // The aggregates grew by increments, batch by batch (sql.mjs): every
    // event is counted, and each table is what recomputing it from all the
    // events gives.
    assert.deepEqual(await q('SELECT count(*) AS n FROM events WHERE counted = 0'), [{ n: 0 }]);
    const same = async (table, cols, recompute) => assert.deepEqual(
      await q(`SELECT ${cols} FROM ${table} ORDER BY ${cols}`), await q(`SELECT * FROM (${recompute}) ORDER BY ${cols}`), table);
    const shown = "(type != 'purchase' OR rule != '')";
    await same('agg_pair', 'day, anchor, item, shown, clicked, added, bought, dismissed', `SELECT day, anchor, item, sum(type = 'impression') AS shown,
      sum(type = 'click') AS clicked, sum(type = 'add') AS added, sum(type = 'purchase') AS bought, sum(type = 'dismiss') AS dismissed
      FROM events WHERE ${shown} GROUP BY day, anchor, item`);
    await same('agg_rule', 'day, rule, placement, variant, impressions, clicks, adds, purchases, dismissals, revenue', `SELECT day, rule, placement, variant,
      sum(type = 'impression') AS impressions, sum(type = 'click') AS clicks, sum(type = 'add') AS adds, sum(type = 'purchase') AS purchases,
      sum(type = 'dismiss') AS dismissals, total(CASE WHEN type = 'purchase' THEN price * qty END) AS revenue
      FROM events WHERE ${shown} GROUP BY day, rule, placement, variant`);
    await same('agg_order', 'order_id, variant, day, value, items, accepted', `SELECT order_id, max(variant) AS variant, min(day) AS day,
      total(price * qty) AS value, sum(qty) AS items, max(rule != '') AS accepted FROM events WHERE type = 'purchase' GROUP BY order_id`);
  });
});
