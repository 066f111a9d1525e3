// Retention under the real worker (wrangler dev, local D1 and R2), its cron
// handler run through wrangler's --test-scheduled: raw events and R2
// archives older than RETENTION_DAYS go, recent ones and every aggregate
// stay, and a late event of a day past the cutoff (a dead letter replayed)
// does not recompute that day's aggregates from what retention left; pair
// shards no kept blob lists go a day after their upload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { d1, startWorker, until as untilWorker, wranglerLocal } from './worker.mjs';

const SHOP = 'https://shop.example';
let w;

before(async () => {
  w = await startWorker({ origins: [SHOP], testScheduled: true, vars: { RETENTION_DAYS: '60' } });
});
after(async () => { if (w) await w.stop(); });

const wrangler = (...args) => wranglerLocal(w, ...args);
const sql = (command) => d1(w, command);
// again runs f up to three times, half a second apart: local wrangler
// against the running worker's store sometimes fails with the store busy
// ("Network connection lost" on a put, seen once in CI). answer(e) says a
// failure is an answer, not a fault: it is not tried again.
const again = async (f, answer = () => false) => {
  for (let tries = 1; ; tries++) {
    try {
      return await f();
    } catch (e) {
      if (answer(e) || tries === 3) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
};
// r2put: the same whole object each time, so a failed put is put again.
const r2put = async (key, body) => {
  const file = join(w.persistDir, 'r2-upload.bin');
  writeFileSync(file, body);
  await again(() => wrangler('r2', 'object', 'put', `xsell-blobs/${key}`, '--file', file));
};
// r2has: whether the local R2 holds key. Only wrangler's "does not exist"
// means no; any other failure is asked again, then thrown, never read as
// an answer.
const r2has = async (key) => {
  const missing = (e) => /specified key does not exist/.test(String(e.stderr));
  try {
    await again(() => wrangler('r2', 'object', 'get', `xsell-blobs/${key}`, '--pipe'), missing);
    return true;
  } catch (e) {
    if (missing(e)) return false;
    throw e;
  }
};
const auth = () => ({ authorization: `Bearer ${w.token}` });
const until = (what, f, ok, timeout) => untilWorker(w, what, f, ok, timeout);

// scheduled runs the cron handler as Cloudflare would. In one CI-like run
// wrangler dev never answered a /__scheduled (nothing in its log, undici's
// 300 s header timeout): each try is bounded to 30 s and made again, at
// most three times. The job is idempotent, and what it must have done is
// checked by its effects below.
async function scheduled() {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${w.url}/__scheduled?cron=${encodeURIComponent('30 3 * * *')}`, { signal: AbortSignal.timeout(30_000) });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      if (attempt === 3) throw e;
      console.warn(`retention test: /__scheduled try ${attempt}: ${e.message}; again`);
    }
  }
}

test('retention: old raw events and archives go, recent ones and the aggregates stay', async () => {
  // Recent events, through the real path.
  const now = Date.now();
  const events = Array.from({ length: 4 }, (_, i) => ({
    id: `ret-new-${i}-${randomBytes(4).toString('hex')}`, type: 'impression', ts: now, placement: 'product',
    anchor: 'item-0', item: `item-${i + 1}`, rule: 'pairs', rank: 0, variant: 'a', visitor: 'visitor-retention',
  }));
  const r = await fetch(`${w.url}/v1/events`, { method: 'POST', body: JSON.stringify({ events }), headers: { 'content-type': 'application/json', origin: SHOP } });
  assert.equal(r.status, 202);
  await until('recent events in D1', () => sql('SELECT count(*) AS n FROM events'), ([x]) => x.n === 4);
  const [recentArchive] = await until('recent archive', () => sql('SELECT key FROM archives'), (rows) => rows.length === 1);

  // Old ones, as an older deployment would have left them: 2020 is past any cutoff.
  await sql(`INSERT INTO events (id, type, ts, day, received, placement, anchor, item, rule, variant, visitor) VALUES
    ('ret-old-1', 'impression', 1577923200000, '2020-01-02', 1577923200000, 'product', 'item-0', 'item-1', 'pairs', 'a', 'v-old'),
    ('ret-old-2', 'add', 1577923200000, '2020-01-02', 1577923200000, 'product', 'item-0', 'item-1', 'pairs', 'a', 'v-old')`);
  await sql(`INSERT INTO agg_rule (day, rule, placement, variant, impressions, clicks, adds, purchases, dismissals, revenue)
    VALUES ('2020-01-02', 'pairs', 'product', 'a', 1, 0, 1, 0, 0, 0)`);
  await sql(`INSERT INTO archives (key, events, at) VALUES ('events/2020/01/02/old.ndjson', 2, '2020-01-02T00:00:00Z')`);
  await r2put('events/2020/01/02/old.ndjson', '{"id":"ret-old-1"}\n{"id":"ret-old-2"}\n');
  assert.ok(await r2has('events/2020/01/02/old.ndjson'));
  // Pair shards no published head lists: one uploaded long ago (its head
  // never came), one just now (its head may be on its way).
  const orphan = 'a'.repeat(64);
  const fresh = 'b'.repeat(64);
  await sql(`INSERT INTO shards (hash, size, raw_size, stored_at) VALUES ('${orphan}', 5, 5, '2020-01-02T00:00:00Z'),
    ('${fresh}', 5, 5, '${new Date().toISOString()}')`);
  await r2put(`blobs/${orphan}`, 'shard');

  // The cron handler, as Cloudflare would run it.
  const s = await scheduled();
  assert.equal(s.status, 200, s.text);
  await until('old events deleted', () => sql("SELECT count(*) AS n FROM events WHERE day < '2021-01-01'"), ([x]) => x.n === 0);
  assert.deepEqual(await sql('SELECT count(*) AS n FROM events'), [{ n: 4 }]);
  assert.deepEqual((await sql('SELECT key FROM archives')).map((x) => x.key), [recentArchive.key]);
  await until('old archive deleted from R2', () => r2has('events/2020/01/02/old.ndjson'), (has) => !has);
  // The orphan shard goes, the fresh one stays.
  await until('orphan shard deleted', () => sql('SELECT hash FROM shards'), (rows) => rows.length === 1 && rows[0].hash === fresh);
  assert.equal(await r2has(`blobs/${orphan}`), false, 'the orphan shard left R2');
  assert.ok(await r2has(recentArchive.key), 'the recent archive stays');
  const aggs = async () => sql("SELECT impressions, adds FROM agg_rule WHERE day = '2020-01-02'");
  assert.deepEqual(await aggs(), [{ impressions: 1, adds: 1 }], 'aggregates stay');
  const stats = await (await fetch(`${w.url}/v1/stats`, { headers: auth() })).json();
  assert.equal(stats.totals.impressions, 5, 'stats still count the old day');

  // A late event of that day (a dead letter replayed) is stored, but the
  // day's aggregates are not recomputed from the one raw event left.
  const late = [{ id: 'ret-late-1', type: 'impression', ts: 1577923200000, day: '2020-01-02', received: 1577923200000, placement: 'product',
    anchor: 'item-0', item: 'item-2', rule: 'pairs', rank: 0, variant: 'a', blob: '', price: 0, qty: 1, currency: '', order: '', visitor: 'v-late' }];
  await r2put('dead/late-1.json', JSON.stringify(late));
  const rep = await (await fetch(`${w.url}/v1/dead/replay`, { method: 'POST', headers: auth() })).json();
  assert.equal(rep.replayed, 1);
  await until('late event stored', () => sql("SELECT count(*) AS n FROM events WHERE id = 'ret-late-1'"), ([x]) => x.n === 1);
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.deepEqual(await aggs(), [{ impressions: 1, adds: 1 }], 'the old day keeps its aggregates');
  // The next run takes the late raw event too.
  assert.equal((await scheduled()).status, 200);
  await until('late event deleted', () => sql("SELECT count(*) AS n FROM events WHERE id = 'ret-late-1'"), ([x]) => x.n === 0);
});
