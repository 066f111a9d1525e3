// The benchmark's baseline: a minimal plain-JS worker doing the same routes
// as the Go worker (same D1 schema, R2 layout, queue and consumer SQL), with
// JavaScript validation instead of the Go core. It exists only to be
// measured against; it is not deployed.
import { AGG_ORDER, AGG_PAIR, AGG_RULE, COUNT_EVENTS, INSERT_EVENTS } from '../src/sql.mjs';

const HASH = /^[0-9a-f]{64}$/;
const ID = /^[A-Za-z0-9_-]{8,64}$/;
const TYPES = new Set(['impression', 'click', 'add', 'purchase', 'dismiss']);
const PLACEMENTS = new Set(['product', 'add_to_cart', 'cart', 'checkout', 'order_confirmation', 'email']);
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]*$/;
const err = (status, code, message) => new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

function validate(e, now) {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return 'event';
  for (const k of Object.keys(e)) if (!['id', 'type', 'ts', 'placement', 'anchor', 'item', 'rule', 'rank', 'variant', 'blob', 'price', 'qty', 'currency', 'order', 'visitor'].includes(k)) return k;
  if (typeof e.id !== 'string' || !ID.test(e.id)) return 'id';
  if (!TYPES.has(e.type)) return 'type';
  if (typeof e.visitor !== 'string' || !ID.test(e.visitor)) return 'visitor';
  if (!Number.isInteger(e.ts) || e.ts < now - 30 * 864e5 || e.ts > now + 6e5) return 'ts';
  if (e.placement !== undefined ? !PLACEMENTS.has(e.placement) : e.type !== 'purchase') return 'placement';
  for (const [f, max] of [['item', 128], ['anchor', 128], ['rule', 64], ['variant', 64], ['order', 128]]) {
    if (e[f] !== undefined && (typeof e[f] !== 'string' || e[f].length > max || !PRINTABLE.test(e[f]))) return f;
  }
  if (!e.item) return 'item';
  if (e.rank !== undefined && !(Number.isInteger(e.rank) && e.rank >= 0 && e.rank <= 99)) return 'rank';
  if (e.price !== undefined && !(typeof e.price === 'number' && e.price >= 0 && e.price <= 1e9)) return 'price';
  if (e.qty !== undefined && !(Number.isInteger(e.qty) && e.qty >= 1 && e.qty <= 1e4)) return 'qty';
  if (e.type === 'purchase' && (!e.order || e.price === undefined)) return 'order';
  return null;
}

// Same 5 s isolate cache of the current manifest as the Go worker.
let current = { row: null, at: -Infinity };

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const p = url.pathname;
    if (p === '/v1/health') return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
    if (p === '/v1/manifest' && request.method === 'GET') {
      if (Date.now() - current.at >= 5000) {
        current = { row: await env.DB.prepare('SELECT b.hash, b.manifest FROM current c JOIN blobs b ON b.hash = c.hash WHERE c.id = 1').first(), at: Date.now() };
      }
      const row = current.row;
      if (!row) return err(404, 'no_blob', 'nothing published');
      const etag = `"m-${row.hash}"`;
      const headers = { etag, 'cache-control': 'public, max-age=30, must-revalidate', 'access-control-allow-origin': '*' };
      if ((request.headers.get('if-none-match') || '').includes(etag)) return new Response(null, { status: 304, headers });
      return new Response(row.manifest, { headers: { 'content-type': 'application/json', ...headers } });
    }
    if (p.startsWith('/v1/blob/') && request.method === 'GET') {
      const hash = p.slice(9);
      if (!HASH.test(hash)) return err(400, 'bad_hash', 'bad hash');
      const headers = { 'cache-control': 'public, max-age=31536000, immutable', 'access-control-allow-origin': '*', vary: 'Accept-Encoding' };
      if ((request.headers.get('if-none-match') || '').includes(hash)) return new Response(null, { status: 304, headers: { ...headers, etag: `"${hash}"` } });
      const ae = request.cf?.clientAcceptEncoding ?? request.headers.get('accept-encoding') ?? '';
      const gz = /gzip/.test(ae);
      const obj = await env.BLOBS.get(`blobs/${hash}${gz ? '.raw.gz' : ''}`);
      if (!obj) return err(404, 'unknown_blob', 'no such blob');
      if (gz) headers['content-encoding'] = 'gzip';
      return new Response(obj.body, { headers: { ...headers, etag: `"${hash}${gz ? '-gz' : ''}"`, 'content-type': 'application/octet-stream' }, encodeBody: 'manual' });
    }
    if (p === '/v1/blob' && request.method === 'PUT') {
      if (request.headers.get('authorization') !== `Bearer ${env.TOKEN}`) return err(401, 'unauthorized', 'token');
      const body = new Uint8Array(await request.arrayBuffer());
      if (body.length < 128 || new TextDecoder().decode(body.subarray(0, 4)) !== 'XSEL') return err(422, 'bad_blob', 'not a blob');
      const hash = hex(body.subarray(32, 64));
      const gz = await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
      await env.BLOBS.put(`blobs/${hash}`, body);
      await env.BLOBS.put(`blobs/${hash}.raw.gz`, gz);
      const manifest = JSON.stringify({ version: '1.0', hash, size: body.length });
      const now = new Date().toISOString();
      await env.DB.batch([
        env.DB.prepare(`INSERT OR REPLACE INTO blobs (hash, seq, version, size, raw_size, created, published_at, manifest)
          VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM blobs), '1.0', ?2, ?2, ?3, ?3, ?4)`).bind(hash, body.length, now, manifest),
        env.DB.prepare('INSERT OR REPLACE INTO current (id, hash, changed_at) VALUES (1, ?1, ?2)').bind(hash, now),
      ]);
      current = { row: null, at: -Infinity };
      return new Response(JSON.stringify({ published: true, manifest: JSON.parse(manifest) }), { status: 201, headers: { 'content-type': 'application/json' } });
    }
    if (p === '/v1/events' && request.method === 'POST') {
      const ct = (request.headers.get('content-type') || '').split(';')[0];
      if (ct !== 'application/json' && ct !== 'text/plain') return err(415, 'unsupported_media_type', 'content type');
      const text = await request.text();
      if (text.length > 65536) return err(413, 'too_large', 'body');
      let body;
      try { body = JSON.parse(text); } catch { return err(400, 'bad_json', 'json'); }
      if (!body || !Array.isArray(body.events) || body.events.length === 0) return err(400, 'bad_json', 'events');
      if (body.events.length > 100) return err(413, 'too_many_events', 'count');
      const now = Date.now();
      const accepted = [];
      const rejected = [];
      const seen = new Set();
      body.events.forEach((e, index) => {
        const field = validate(e, now);
        if (field) { rejected.push({ index, field }); return; }
        if (seen.has(e.id)) return;
        seen.add(e.id);
        accepted.push({
          id: e.id, type: e.type, ts: e.ts, day: new Date(e.ts).toISOString().slice(0, 10), received: now,
          placement: e.placement ?? '', anchor: e.anchor ?? '', item: e.item, rule: e.rule ?? '', rank: e.rank ?? 0,
          variant: e.variant ?? '', blob: e.blob ?? '', price: e.price ?? 0, qty: e.qty ?? 1, currency: e.currency ?? '',
          order: e.order ?? '', visitor: e.visitor,
        });
      });
      if (accepted.length) await env.EVENTS.send(JSON.stringify(accepted), { contentType: 'text' });
      return new Response(JSON.stringify({ accepted: accepted.length, rejected }), { status: 202, headers: { 'content-type': 'application/json' } });
    }
    return err(404, 'not_found', 'no route');
  },

  async queue(batch, env) {
    const byId = new Map();
    for (const m of batch.messages) for (const e of JSON.parse(m.body)) byId.set(e.id, e);
    const events = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    if (events.length) {
      const archive = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
      const key = `events/${new Date().toISOString().slice(0, 10)}/${hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(archive))).slice(0, 24)}.ndjson`;
      await env.BLOBS.put(key, archive);
      const chunks = [];
      for (let i = 0; i < events.length; i += 200) chunks.push(JSON.stringify(events.slice(i, i + 200)));
      // The worker's statements in the worker's one batch; the cutoff is
      // the worker's default retention (120 days).
      const cutoff = new Date(Date.now() - 120 * 864e5).toISOString().slice(0, 10);
      await env.DB.batch([
        ...chunks.map((c) => env.DB.prepare(INSERT_EVENTS).bind(c)),
        ...[AGG_PAIR, AGG_RULE, AGG_ORDER].map((q) => env.DB.prepare(q).bind(cutoff)),
        env.DB.prepare(COUNT_EVENTS),
      ]);
    }
    batch.ackAll();
  },
};
