// The dead-letter path under the real worker (wrangler dev, local D1, R2 and
// Queues): a real D1 fault (the events table renamed away under the running
// worker) makes the consumer fail; after max_retries the messages reach the
// dead-letter queue and are archived to R2; once the table is back, an
// operator's replay puts them through, and D1 counts each event once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { d1, startWorker, until as untilWorker } from './worker.mjs';

const EDGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHOP = 'https://shop.example';

// The shipped config with one retry instead of ten, so the test waits for
// one failed redelivery, not ten; written beside wrangler.toml (its paths
// are relative to it) and removed after.
const CONFIG = join(EDGE, `wrangler.dlq-test-${process.pid}.toml`);
let w;

before(async () => {
  const toml = readFileSync(join(EDGE, 'wrangler.toml'), 'utf8');
  assert.match(toml, /max_retries = 10/);
  writeFileSync(CONFIG, toml.replace('max_retries = 10', 'max_retries = 1'));
  w = await startWorker({ origins: [SHOP], config: CONFIG });
});

after(async () => {
  if (w) await w.stop();
  rmSync(CONFIG, { force: true });
});

const auth = () => ({ authorization: `Bearer ${w.token}` });
const sql = (command) => d1(w, command);
const events = (n, tag) => ({
  events: Array.from({ length: n }, (_, i) => ({
    id: `dlq-${tag}-${i}-${randomBytes(4).toString('hex')}`, type: 'impression', ts: Date.now(),
    placement: 'product', anchor: 'item-0', item: `item-${i + 1}`, rule: 'pairs', rank: 0, variant: 'a', visitor: `visitor-${tag}`,
  })),
});
const post = (body) => fetch(`${w.url}/v1/events`, {
  method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', origin: SHOP },
});
const dead = async () => (await fetch(`${w.url}/v1/dead`, { headers: auth() })).json();
const count = async () => (await sql('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events'))[0];

const until = (what, f, ok, timeout) => untilWorker(w, what, f, ok, timeout);

test('dead letters: archived when D1 fails, replayed exactly once when it is back', async () => {
  // Healthy first: events land.
  assert.equal((await post(events(5, 'ok'))).status, 202);
  await until('healthy events in D1', count, (c) => c.n === 5);

  // The listing and the replay need the token.
  assert.equal((await fetch(`${w.url}/v1/dead`)).status, 401);
  assert.equal((await fetch(`${w.url}/v1/dead/replay`, { method: 'POST' })).status, 401);
  assert.equal((await dead()).messages, 0);

  // A real fault: the consumer's table is gone.
  await sql('ALTER TABLE events RENAME TO events_away');
  for (const tag of ['x', 'y']) assert.equal((await post(events(7, tag))).status, 202, 'accepted while D1 is down');
  const d = await until('dead-letter archives', dead, (v) => v.messages >= 2);
  assert.ok(d.keys.every((k) => k.key.startsWith('dead/') && k.bytes > 0));

  // Back, and replayed: 5 + 14 events, each once, nothing left dead.
  await sql('ALTER TABLE events_away RENAME TO events');
  const r = await fetch(`${w.url}/v1/dead/replay`, { method: 'POST', headers: auth() });
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.replayed, d.messages);
  assert.equal(body.left, 0);
  assert.deepEqual(body.skipped, []);
  const c = await until('replayed events in D1', count, (v) => v.n >= 19);
  await new Promise((ok) => setTimeout(ok, 2000)); // and nothing more arrives
  assert.deepEqual(await count(), { n: 19, ids: 19 });
  assert.equal((await dead()).messages, 0);

  // Replaying again finds nothing and changes nothing.
  const again = await (await fetch(`${w.url}/v1/dead/replay`, { method: 'POST', headers: auth() })).json();
  assert.equal(again.replayed, 0);
  assert.deepEqual(await count(), c.n === 19 ? { n: 19, ids: 19 } : c);
});
