// Sharded blobs under the real worker (wrangler dev, local D1 and R2): the
// shipped sample built whole and with --shard-pairs (several shards);
// shards are uploaded before their head, a head with a shard missing is
// refused while the previous blob keeps serving, every shard is served by
// hash like a blob, server-side recommend on the head answers what it
// answers on the whole blob, and pruning a head takes its shards along.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { d1, publish, publishBuild, startWorker, rawGet } from './worker.mjs';

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(EDGE, '..');
const OUT = process.env.OUT || join(ROOT, '.out');
const DIR = join(OUT, 'edge-shard-test');
const SAMPLE = join(ROOT, 'matrixgen', 'testdata', 'sample');
const run = promisify(execFile);

// build runs matrixgen on the sample into DIR/name/shop.blob.
async function build(bin, name, ...flags) {
  const out = join(DIR, name, 'shop.blob');
  await run(bin, ['build', '--orders', join(SAMPLE, 'online-retail-sample.csv'), '--orders-format', 'online-retail',
    '--catalog', join(SAMPLE, 'catalog.csv'), '--matrix', join(SAMPLE, 'matrix.csv'), '--policy', join(SAMPLE, 'policy.json'),
    '--no-triples', '--created', '2024-01-01T00:00:00Z', '-q', ...flags, '-o', out], { cwd: ROOT });
  const manifest = JSON.parse(readFileSync(join(DIR, name, 'shop.manifest.json'), 'utf8'));
  const shard = (h) => readFileSync(join(DIR, name, 'shop.shards', `${h}.blob`));
  return { file: out, bytes: readFileSync(out), manifest, shard };
}

let w;
let whole;
let sharded;
let bin; // the matrixgen binary
const put = (bytes) => fetch(`${w.url}/v1/blob`, {
  method: 'PUT', body: bytes, headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/octet-stream' },
});
const manifestHash = async () => (await (await fetch(`${w.url}/v1/manifest`)).json()).hash;

// Queries whose anchors, carts and owned items fall in every shard.
let queries;
async function answers() {
  const got = [];
  for (const q of queries) {
    const r = await fetch(`${w.url}/v1/recommend?${q}`);
    const body = await r.json();
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(body)}`);
    got.push(body);
  }
  return got;
}

before(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  bin = join(DIR, 'matrixgen');
  const worker = startWorker({ vars: { KEEP_VERSIONS: '2' } });
  await run('go', ['build', '-o', bin, './matrixgen'], { cwd: ROOT });
  [whole, sharded] = await Promise.all([build(bin, 'whole'), build(bin, 'sharded', '--shard-pairs', '8000')]);
  w = await worker;
  const ids = sharded.manifest.shards.flatMap((s) => [s.from, s.to]);
  queries = [
    ...ids.map((id) => `placement=product&anchor=${encodeURIComponent(id)}`),
    ...ids.slice(0, -1).map((id, i) => `placement=cart&cart=${encodeURIComponent(id)},${encodeURIComponent(ids[ids.length - 1 - i])}:2`),
    'placement=product&anchor=85123A&k=4', 'placement=checkout&cart=22423,85123A', 'placement=add_to_cart&anchor=22112',
    `placement=email&owned=${ids.slice(0, 5).map(encodeURIComponent).join(',')}`,
  ];
});

after(async () => { if (w) await w.stop(); });

test('sharded sample: shards before the head, refused head, served shards, same answers, pruned with the head', async () => {
  const m = sharded.manifest;
  assert.ok(m.shards.length >= 4, `${m.shards.length} shards, want several`);
  assert.equal(whole.manifest.shards.length, 1);

  // The whole blob is live; its answers are what the sharded one must give.
  await publishBuild(w, whole.file);
  assert.equal(await manifestHash(), whole.manifest.hash);
  const want = await answers();

  // Every shard but the last, then the head: refused, nothing of it stored.
  const last = m.shards[m.shards.length - 1];
  for (const s of m.shards.slice(0, -1)) {
    const r = await put(sharded.shard(s.hash));
    const body = await r.json();
    assert.equal(r.status, 201, JSON.stringify(body));
    assert.equal(body.stored, true);
    assert.equal(body.shard.hash, s.hash);
    assert.equal(body.shard.size, s.size);
  }
  let r = await put(sharded.shard(m.shards[0].hash));
  assert.equal(r.status, 200, 'a shard uploaded again');
  assert.equal((await r.json()).unchanged, true);
  r = await put(sharded.bytes);
  let body = await r.json();
  assert.equal(r.status, 409, JSON.stringify(body));
  assert.equal(body.error.code, 'missing_shard');
  assert.match(body.error.message, new RegExp(`shard ${m.shards.length - 1} ${last.hash}`));
  assert.equal(await manifestHash(), whole.manifest.hash, 'a refused head changed the manifest');
  assert.equal((await rawGet(`${w.url}/v1/blob/${m.hash}`)).status, 404, 'a refused head was stored');
  const during = await fetch(`${w.url}/v1/recommend?${queries[0]}`);
  assert.equal((await during.json()).blob, whole.manifest.hash, 'the previous blob stopped serving');

  // The last shard, then the head: published; the edge's manifest is matrixgen's.
  assert.equal((await put(sharded.shard(last.hash))).status, 201);
  body = await publish(w, sharded.bytes);
  assert.equal(body.published, true);
  assert.equal(body.previous, whole.manifest.hash);
  const live = await (await fetch(`${w.url}/v1/manifest`)).json();
  assert.deepEqual(live, m);

  // Each shard by hash, like a blob: the bytes as built, immutable, and the
  // gzip form is the raw shard (flag 4 kept) whose body hashes to its name.
  for (const s of live.shards) {
    const plain = await rawGet(`${w.url}/v1/blob/${s.hash}`, { 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200, s.hash);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers.etag, `"${s.hash}"`);
    assert.ok(plain.body.equals(sharded.shard(s.hash)), `shard ${s.hash} bytes`);
    assert.equal(plain.body.length, s.size);
    const gz = await rawGet(`${w.url}/v1/blob/${s.hash}`, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    const raw = gunzipSync(gz.body);
    assert.equal(raw.readUInt32LE(8) & 5, 4, 'a raw pair shard');
    assert.equal(createHash('sha256').update(raw.subarray(128)).digest('hex'), s.hash);
    const zs = await rawGet(`${w.url}/v1/blob/${s.hash}`, { 'accept-encoding': 'zstd' });
    assert.equal(zs.headers['content-encoding'], 'zstd');
  }

  // Server-side recommend on the head (shards loaded as queries need them)
  // answers what the whole blob answered.
  const got = await answers();
  for (let i = 0; i < queries.length; i++) {
    assert.equal(got[i].blob, m.hash);
    assert.deepEqual(got[i].suggestions, want[i].suggestions, queries[i]);
    assert.equal(got[i].dropped, want[i].dropped, queries[i]);
  }
  assert.ok(got.some((a) => a.suggestions.some((s) => s.rule === 'pairs' || s.evidence)), 'no mined suggestion among the answers');

  // Rollback checks the kept head's shards and moves between the two.
  const rb = (hash) => fetch(`${w.url}/v1/rollback`, {
    method: 'POST', body: JSON.stringify({ hash }), headers: { authorization: `Bearer ${w.token}`, 'content-type': 'application/json' },
  });
  assert.equal((await rb(whole.manifest.hash)).status, 200);
  assert.equal((await rb(m.hash)).status, 200);
  assert.equal(await manifestHash(), m.hash);

  // KEEP_VERSIONS=2: the whole blob again (now the newest), then a third
  // blob: the head is pruned, and its shards with it.
  await publish(w, whole.bytes);
  assert.equal((await rawGet(`${w.url}/v1/blob/${last.hash}`)).status, 200, 'a kept head lost a shard');
  const other = join(DIR, 'other.blob');
  await run('go', ['run', './edge/internal/testblob/mkblob', '-seed', '7', '-items', '30', '-o', other], { cwd: ROOT });
  body = await publish(w, readFileSync(other));
  assert.deepEqual(body.pruned, [m.hash]);
  for (const s of m.shards) assert.equal((await rawGet(`${w.url}/v1/blob/${s.hash}`)).status, 404, `shard ${s.hash} outlived its head`);
  assert.deepEqual(await d1(w, 'SELECT count(*) AS n FROM shards'), [{ n: 0 }]);
});

test('a query needing more shards than a request may read: answers from the loaded ones with missing_shards, uncached, then the whole answer', async () => {
  // RECOMMEND_SHARD_READS=2 stands in for the Workers subrequest limit
  // (50 per request on the Free and Bundled plans; the default reads 32).
  const w2 = await startWorker({ vars: { RECOMMEND_SHARD_READS: '2' } });
  try {
    const ids = sharded.manifest.shards.flatMap((s) => [s.from, s.to]);
    const q = `placement=cart&cart=${ids.map(encodeURIComponent).join(',')}`;
    const ask = async () => {
      const r = await fetch(`${w2.url}/v1/recommend?${q}`);
      const body = await r.json();
      assert.equal(r.status, 200, JSON.stringify(body));
      return { body, cacheControl: r.headers.get('cache-control') };
    };
    await publishBuild(w2, whole.file);
    const want = (await ask()).body;
    assert.equal(want.missing_shards, undefined);
    // The sharded build goes up with matrixgen publish: its shards, then
    // the head. A wrong token is refused with the edge's own words first.
    const mg = (token, ...args) => run(bin, ['publish', sharded.file, '--endpoint', w2.url, ...args],
      { cwd: ROOT, env: { ...process.env, XSELL_TOKEN: token } });
    await assert.rejects(mg('wrong'), (e) => e.code === 1 && /refused by the edge: HTTP 401 unauthorized/.test(e.stderr) && e.stdout === '', 'a wrong token');
    const { stdout } = await mg(w2.token);
    const n = sharded.manifest.shards.length;
    assert.deepEqual(stdout.trim().split('\n'), [
      ...sharded.manifest.shards.map((x, i) => `shard ${i + 1}/${n} ${x.hash.slice(0, 12)}: stored`),
      `published ${sharded.manifest.hash} (was ${whole.manifest.hash})`,
    ]);
    assert.equal(await (await fetch(`${w2.url}/v1/manifest`)).json().then((m) => m.hash), sharded.manifest.hash);
    const again = await mg(w2.token);
    assert.match(again.stdout, new RegExp(`shard 1/${n} [0-9a-f]{12}: already stored`));
    assert.match(again.stdout, new RegExp(`${sharded.manifest.hash} is already the live blob: nothing changed`));
    const missing = [];
    for (let i = 0; i < 20; i++) {
      const { body, cacheControl } = await ask();
      assert.equal(body.blob, sharded.manifest.hash);
      if (body.missing_shards === undefined) {
        assert.equal(cacheControl, 'private, max-age=60');
        assert.deepEqual(body.suggestions, want.suggestions, 'with every shard read, the whole blob\'s answer');
        break;
      }
      assert.equal(cacheControl, 'no-store', 'a partial answer was cacheable');
      missing.push(body.missing_shards);
    }
    // Each request reads 2 more: the counts fall by 2 until the last ones.
    assert.ok(missing.length >= 1, `no partial answer: the query needed at most 2 shards (${ids.length} ids)`);
    for (let i = 1; i < missing.length; i++) assert.equal(missing[i], missing[i - 1] - 2, `missing_shards ${missing}`);
    assert.ok(missing.at(-1) <= 2, `missing_shards ${missing}`);
  } finally {
    await w2.stop();
  }
});
