// xsell edge worker: the JavaScript shell around the Go core.
//
// The shell owns I/O (D1, R2, Queues, HTTP); the Go core (edge/api, through
// ./go.mjs) owns every decision about bytes from the network: blob
// validation, event validation, the consumer's write plan, stats, CSV and
// recommendations. Hot read routes (manifest, blob) need no decision and are
// answered here without entering Go; static files never reach the worker.
import { OP, call, configure, memory, text, runtimeStats } from './go.mjs';
import {
  HttpError, allowedOrigin, corsHeaders, errorResponse, etagMatches, intVar, json, readBody,
  requireContentType, requireToken,
} from './http.mjs';
import { AGG_ORDER, AGG_PAIR, AGG_RULE, COUNT_EVENTS, INSERT_EVENTS } from './sql.mjs';

const HASH = /^[0-9a-f]{64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const MANIFEST_CACHE = 'public, max-age=30, must-revalidate';
const READ_CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag, Content-Encoding' };

// Routes: method → handler per path; a path with no handler for the
// method answers 405 with Allow.
const routes = {
  '/v1/health': { GET: health },
  '/v1/manifest': { GET: getManifest, HEAD: getManifest },
  '/v1/blob': { PUT: putBlob },
  '/v1/rollback': { POST: rollback },
  '/v1/events': { POST: postEvents, OPTIONS: preflightEvents },
  '/v1/stats': { GET: getStats },
  '/v1/export': { GET: getExport },
  '/v1/recommend': { GET: getRecommend },
  '/v1/dead': { GET: listDead },
  '/v1/dead/replay': { POST: replayDead },
};

export default {
  async fetch(request, env, ctx) {
    try {
      configureCore(env);
      const url = new URL(request.url);
      let table = routes[url.pathname];
      let args = [];
      if (!table && url.pathname.startsWith('/v1/blob/')) {
        table = { GET: getBlob, HEAD: getBlob };
        args = [url.pathname.slice('/v1/blob/'.length)];
      }
      if (!table) return errorResponse(404, 'not_found', `no route ${url.pathname.slice(0, 200)}`);
      const handler = table[request.method];
      if (!handler) {
        return errorResponse(405, 'method_not_allowed', `${request.method.slice(0, 16)} is not allowed on ${url.pathname.slice(0, 200)}`, { allow: Object.keys(table).join(', ') });
      }
      return await handler(request, env, ctx, url, ...args);
    } catch (err) {
      if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message, err.headers);
      console.error('xsell edge:', err && err.stack || err);
      return errorResponse(500, 'internal', 'internal error');
    }
  },

  // The daily retention job ([triggers] in wrangler.toml).
  async scheduled(event, env, ctx) {
    ctx.waitUntil(retain(env, event.scheduledTime || Date.now()).then(
      (r) => console.log('xsell retention:', JSON.stringify(r)),
      (e) => console.error('xsell retention failed:', e && e.stack || e),
    ));
  },

  // The queue consumer: archive raw events to R2, insert them into D1 once,
  // recompute the aggregates they touch. Throwing retries the whole batch,
  // which is safe because every write is idempotent.
  async queue(batch, env) {
    configureCore(env);
    if (batch.queue.endsWith('-dead')) {
      for (const m of batch.messages) {
        await env.BLOBS.put(`dead/${m.id}.json`, typeof m.body === 'string' ? m.body : JSON.stringify(m.body));
      }
      batch.ackAll();
      return;
    }
    await ingest(env, batch.messages.map((m) => m.body));
    batch.ackAll();
  },
};

function configureCore(env) {
  configure({
    max_event_body: intVar(env, 'MAX_EVENT_BODY_BYTES', 65536),
    max_events: intVar(env, 'MAX_EVENTS_PER_BATCH', 100),
    max_blob_bytes: intVar(env, 'MAX_BLOB_BYTES', 32 << 20),
  });
}

// goAnswer turns a core result into the part list, or throws its error.
function goParts(res) {
  if (res.status !== 200) {
    const body = JSON.parse(text(res.parts[0]));
    throw new HttpError(res.status, body.error.code, body.error.message);
  }
  return res.parts;
}

async function health() {
  return json({ ok: true, runtime: { ...runtimeStats, memory: memory() } }, 200, { 'cache-control': 'no-store' });
}

// ---- blob distribution ----------------------------------------------------

// The current blob is read from D1 at most once per MANIFEST_TTL_MS per
// isolate: every page view asks for the manifest, and D1 is a round trip to
// its primary region. Publish and rollback clear it in their own isolate;
// elsewhere a change shows within the TTL (browsers cache the manifest for
// 30 s anyway).
let current = { row: null, at: -Infinity };

async function currentBlob(env, fresh = false) {
  const ttl = env.MANIFEST_TTL_MS === undefined ? 5000 : Number(env.MANIFEST_TTL_MS);
  if (!fresh && Date.now() - current.at < ttl) return current.row;
  const row = await env.DB.prepare('SELECT b.hash, b.seq, b.manifest FROM current c JOIN blobs b ON b.hash = c.hash WHERE c.id = 1').first();
  current = { row, at: Date.now() };
  return row;
}

function forgetCurrent() { current = { row: null, at: -Infinity }; }

async function getManifest(request, env) {
  const row = await currentBlob(env);
  if (!row) return errorResponse(404, 'no_blob', 'nothing is published yet (PUT /v1/blob)', READ_CORS);
  const etag = `"m-${row.hash}"`;
  const headers = { etag, 'cache-control': MANIFEST_CACHE, ...READ_CORS };
  if (etagMatches(request, etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === 'HEAD' ? null : row.manifest, {
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

// Forms of a blob in R2, by HTTP content coding. The hash covers the raw
// body, so all three are the same blob.
const FORMS = [
  { coding: 'zstd', suffix: '.raw.zst', tag: '-zst' },
  { coding: 'gzip', suffix: '.raw.gz', tag: '-gz' },
];

function pickForm(request) {
  // Cloudflare rewrites Accept-Encoding to what it can re-encode ("br, gzip")
  // and keeps the client's own header in cf.clientAcceptEncoding; with
  // encodeBody 'manual' the bytes reach the client as they are, so the
  // client's own header decides.
  const client = request.cf && typeof request.cf.clientAcceptEncoding === 'string' ? request.cf.clientAcceptEncoding : null;
  const ae = (client ?? request.headers.get('accept-encoding') ?? '').toLowerCase();
  const accepts = new Set(ae.split(',').map((s) => s.trim()).filter((s) => !/;\s*q=0(\.0*)?$/.test(s)).map((s) => s.split(';')[0].trim()));
  return FORMS.find((f) => accepts.has(f.coding)) || null;
}

async function getBlob(request, env, ctx, url, hash) {
  if (!HASH.test(hash)) throw new HttpError(400, 'bad_hash', 'a blob is addressed by its 64-character lowercase hex SHA-256');
  const form = pickForm(request);
  const etag = `"${hash}${form ? form.tag : ''}"`;
  const headers = { etag, 'cache-control': IMMUTABLE, vary: 'Accept-Encoding', ...READ_CORS };
  // Content-addressed and immutable: a client holding any form of this hash
  // is current, so 304 needs no storage read at all.
  if (etagMatches(request, `"${hash}"`, ...FORMS.map((f) => `"${hash}${f.tag}"`))) {
    return new Response(null, { status: 304, headers });
  }
  const obj = await env.BLOBS.get(`blobs/${hash}${form ? form.suffix : ''}`);
  if (!obj) return errorResponse(404, 'unknown_blob', `no blob ${hash}`, READ_CORS);
  headers['content-type'] = 'application/octet-stream';
  if (form) headers['content-encoding'] = form.coding;
  if (request.method === 'HEAD') {
    obj.body.cancel();
    return new Response(null, { headers, encodeBody: 'manual' });
  }
  // manual: the bytes are already encoded; the runtime passes them through.
  return new Response(obj.body, { headers, encodeBody: 'manual' });
}

async function gzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// PUT /v1/blob takes three kinds of upload, told apart by the core from the
// header: a whole blob (published), a pair shard (stored under its hash,
// published by nothing), and the head of a sharded blob (published only
// once every shard it lists is stored). CI uploads the shards, then the head.
async function putBlob(request, env) {
  await requireToken(request, env);
  requireContentType(request, ['application/octet-stream', 'application/x-xsell-blob']);
  const body = await readBody(request, intVar(env, 'MAX_BLOB_BYTES', 32 << 20));
  const [descBytes, hashBytes, raw, rawZstd, kindBytes] = goParts(call(OP.PUBLISH, body));
  const hash = text(hashBytes);
  const kind = text(kindBytes);
  if (kind === 'shard') return putShard(env, body, hash, JSON.parse(text(descBytes)), raw, rawZstd);
  const m = JSON.parse(text(descBytes));
  const cur = await currentBlob(env, true);
  if (cur && cur.hash === hash) return json({ published: false, unchanged: true, manifest: JSON.parse(cur.manifest) });
  if (kind === 'head') {
    // Refused before anything of the head is stored. The manifest lists the
    // shards' sizes as stored.
    const sizes = await storedShards(env, m.shards.map((s) => s.hash));
    requireShards(m.shards, sizes, 'the head');
    for (const s of m.shards) s.size = sizes.get(s.hash);
  }
  const manifest = JSON.stringify(m);

  // Bytes first, content-addressed: storing them publishes nothing.
  await Promise.all([
    env.BLOBS.put(`blobs/${hash}`, body),
    env.BLOBS.put(`blobs/${hash}.raw.zst`, rawZstd),
    gzip(raw).then((gz) => env.BLOBS.put(`blobs/${hash}.raw.gz`, gz)),
  ]);
  const now = new Date().toISOString();
  // Then the pointer: one batch, the switch of `current` being one row. For
  // a head, each statement holds only while every shard it lists still has
  // its row (the daily sweep may have taken one uploaded over a day ago
  // since the check above); for a whole blob the list is empty.
  const listed = JSON.stringify(kind === 'head' ? m.shards.map((s) => s.hash) : []);
  const n = kind === 'head' ? m.shards.length : 0;
  const allListed = (list, count) => `(SELECT count(*) FROM shards WHERE hash IN (SELECT value FROM json_each(${list}))) = ${count}`;
  const [inserted] = await env.DB.batch([
    env.DB.prepare(`INSERT INTO blobs (hash, seq, version, size, raw_size, created, published_at, manifest)
      SELECT ?1, (SELECT coalesce(max(seq), 0) + 1 FROM blobs), ?2, ?3, ?4, ?5, ?6, ?7 WHERE ${allListed('?8', '?9')}
      ON CONFLICT (hash) DO UPDATE SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM blobs), published_at = excluded.published_at`)
      .bind(hash, m.version, m.size, m.raw_size, m.created, now, manifest, listed, n),
    env.DB.prepare(`INSERT INTO current (id, hash, changed_at) SELECT 1, ?1, ?2 WHERE ${allListed('?3', '?4')}
      ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at`)
      .bind(hash, now, listed, n),
    env.DB.prepare(`INSERT INTO publish_log (at, action, hash, prev) SELECT ?1, ?2, ?3, ?4 WHERE ${allListed('?5', '?6')}`)
      .bind(now, 'publish', hash, cur ? cur.hash : '', listed, n),
  ]);
  forgetCurrent();
  if (inserted?.meta?.changes === 0) {
    // Its bytes go too, unless they are a kept version's (a head published before).
    if (!await env.DB.prepare('SELECT 1 FROM blobs WHERE hash = ?1').bind(hash).first()) {
      await env.BLOBS.delete([`blobs/${hash}`, `blobs/${hash}.raw.zst`, `blobs/${hash}.raw.gz`]);
    }
    throw new HttpError(409, 'missing_shard', `a shard the head lists was deleted while it was being published (the daily sweep takes shards uploaded over a day ago that no kept blob lists): PUT its shards again, then the head; nothing was published`);
  }
  const pruned = await prune(env, intVar(env, 'KEEP_VERSIONS', 5));
  return json({ published: true, previous: cur ? cur.hash : null, pruned, manifest: m }, 201);
}

// putShard stores a pair shard: its forms in R2, the as-uploaded key last,
// then its D1 row, so a row means all three are there. A shard already
// stored (a nightly build that did not change those anchors) keeps its
// bytes; its upload time is renewed, which keeps it from the orphan sweep.
async function putShard(env, body, hash, info, raw, rawZstd) {
  const now = new Date().toISOString();
  const touched = await env.DB.prepare('UPDATE shards SET stored_at = ?2 WHERE hash = ?1').bind(hash, now).run();
  if ((touched.meta?.changes ?? 0) > 0) return json({ stored: false, unchanged: true, shard: info });
  await Promise.all([
    env.BLOBS.put(`blobs/${hash}.raw.zst`, rawZstd),
    gzip(raw).then((gz) => env.BLOBS.put(`blobs/${hash}.raw.gz`, gz)),
  ]);
  await env.BLOBS.put(`blobs/${hash}`, body);
  await env.DB.prepare(`INSERT INTO shards (hash, size, raw_size, stored_at) VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (hash) DO UPDATE SET stored_at = excluded.stored_at`).bind(hash, info.size, info.raw_size, now).run();
  return json({ stored: true, shard: info }, 201);
}

// storedShards answers hash → stored size for those of hashes that are stored.
async function storedShards(env, hashes) {
  if (!hashes.length) return new Map();
  const { results } = await env.DB.prepare('SELECT hash, size FROM shards WHERE hash IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(hashes)).all();
  return new Map(results.map((r) => [r.hash, r.size]));
}

// requireShards throws 409 missing_shard naming the shards (index and hash)
// of a head that are not stored.
function requireShards(shards, stored, what) {
  const missing = shards.map((s, i) => [i, s.hash]).filter(([, h]) => !stored.has(h));
  if (!missing.length) return;
  const named = missing.slice(0, 5).map(([i, h]) => `shard ${i} ${h}`).join(', ');
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : '';
  throw new HttpError(409, 'missing_shard', `${missing.length} of the ${shards.length} shards ${what} lists are not stored: ${named}${more}. ` +
    'PUT each shard to /v1/blob before its head; nothing was published');
}

// The shard hashes a kept blob's manifest lists (for a whole blob, its own hash).
const LISTED_SHARDS = "SELECT json_extract(s.value, '$.hash') AS h FROM blobs, json_each(blobs.manifest, '$.shards') AS s WHERE h IS NOT NULL";

// deleted reports whether a D1 DELETE removed its row. Only then may the
// bytes go: the DELETE re-checks its condition when it runs, and a request
// between the SELECT that chose the row and the DELETE may have made it
// needed again (a rollback to that version, a head listing that shard).
// Without a count (not seen from D1), as before: delete.
const deleted = (res) => res?.meta?.changes !== 0;

// prune keeps the newest `keep` versions (and always the current one), and
// the shards they list; a pruned head's other shards go with it.
async function prune(env, keep) {
  const { results } = await env.DB.prepare(
    `SELECT hash, manifest FROM blobs WHERE hash != (SELECT hash FROM current WHERE id = 1) ORDER BY seq DESC LIMIT -1 OFFSET ?1`,
  ).bind(Math.max(0, keep - 1)).all();
  const pruned = [];
  const shards = [];
  for (const { hash, manifest } of results) {
    if (!deleted(await env.DB.prepare('DELETE FROM blobs WHERE hash = ?1 AND hash != (SELECT hash FROM current WHERE id = 1)').bind(hash).run())) continue;
    await env.BLOBS.delete([`blobs/${hash}`, `blobs/${hash}.raw.zst`, `blobs/${hash}.raw.gz`]);
    pruned.push(hash);
    for (const s of JSON.parse(manifest).shards || []) if (s.hash !== hash) shards.push(s.hash);
  }
  if (shards.length) {
    const { results: unlisted } = await env.DB.prepare(`SELECT hash FROM shards WHERE hash IN (SELECT value FROM json_each(?1))
      AND hash NOT IN (${LISTED_SHARDS})`).bind(JSON.stringify(shards)).all();
    await dropShards(env, unlisted.map((r) => r.hash));
  }
  return pruned;
}

// dropShards deletes shards: the D1 row first (a head can no longer be
// published against it), then the bytes.
async function dropShards(env, hashes) {
  for (const hash of hashes) {
    if (!deleted(await env.DB.prepare(`DELETE FROM shards WHERE hash = ?1 AND hash NOT IN (${LISTED_SHARDS})`).bind(hash).run())) continue;
    await env.BLOBS.delete([`blobs/${hash}`, `blobs/${hash}.raw.zst`, `blobs/${hash}.raw.gz`]);
  }
}

async function rollback(request, env) {
  await requireToken(request, env);
  const body = await readBody(request, 4096);
  let target = null;
  if (body.length) {
    requireContentType(request, ['application/json']);
    let req;
    try { req = JSON.parse(text(body)); } catch { throw new HttpError(400, 'bad_json', 'body must be {"hash":"<hex>"} or empty'); }
    if (!req || typeof req !== 'object' || Array.isArray(req) || (req.hash !== undefined && (typeof req.hash !== 'string' || !HASH.test(req.hash)))) {
      throw new HttpError(400, 'bad_hash', 'field hash: want a 64-character lowercase hex SHA-256');
    }
    target = req.hash || null;
  }
  const cur = await currentBlob(env, true);
  if (!cur) throw new HttpError(409, 'no_blob', 'nothing is published yet');
  let row;
  if (target) {
    row = await env.DB.prepare('SELECT hash, manifest FROM blobs WHERE hash = ?1').bind(target).first();
    if (!row) throw new HttpError(404, 'unknown_blob', `blob ${target} is not among the kept versions`);
  } else {
    row = await env.DB.prepare('SELECT hash, manifest FROM blobs WHERE seq < ?1 ORDER BY seq DESC LIMIT 1').bind(cur.seq).first();
    if (!row) throw new HttpError(409, 'no_previous', 'no earlier version is kept');
  }
  // A kept head keeps its shards (prune); checked anyway, as publish does.
  const listed = (JSON.parse(row.manifest).shards || []).filter((s) => s.hash !== row.hash);
  if (listed.length) requireShards(listed, await storedShards(env, listed.map((s) => s.hash)), `blob ${row.hash}`);
  // Both statements hold only while the version is still kept: a publish's
  // prune may have deleted it since the SELECT above (its bytes then go too).
  const now = new Date().toISOString();
  const kept = 'EXISTS (SELECT 1 FROM blobs WHERE hash = ?1)';
  const [moved] = await env.DB.batch([
    env.DB.prepare(`UPDATE current SET hash = ?1, changed_at = ?2 WHERE id = 1 AND ${kept}`).bind(row.hash, now),
    env.DB.prepare(`INSERT INTO publish_log (at, action, hash, prev) SELECT ?2, ?3, ?1, ?4 WHERE ${kept}`).bind(row.hash, now, 'rollback', cur.hash),
  ]);
  forgetCurrent();
  if (moved?.meta?.changes === 0) throw new HttpError(404, 'unknown_blob', `blob ${row.hash} was pruned by a publish meanwhile; nothing changed`);
  return json({ rolled_back: true, previous: cur.hash, manifest: JSON.parse(row.manifest) });
}

async function stored(env, hash, what) {
  const obj = await env.BLOBS.get(`blobs/${hash}`);
  if (!obj) throw new HttpError(503, 'blob_missing', `the published ${what} ${hash} is missing from storage`);
  return new Uint8Array(await obj.arrayBuffer());
}

// ---- telemetry ---------------------------------------------------------------

async function preflightEvents(request, env) {
  const origin = allowedOrigin(request, env);
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '86400',
    },
  });
}

async function postEvents(request, env) {
  const origin = allowedOrigin(request, env);
  const cors = corsHeaders(origin);
  try {
    // text/plain is what navigator.sendBeacon sends for a string.
    requireContentType(request, ['application/json', 'text/plain']);
    const body = await readBody(request, intVar(env, 'MAX_EVENT_BODY_BYTES', 65536));
    const [answer, message] = goParts(call(OP.EVENTS, body));
    if (message.length) {
      const msg = text(message);
      // Answer only once the queue (or D1) holds the events: accepted means kept.
      try {
        if (env.EVENTS) await env.EVENTS.send(msg, { contentType: 'text' });
        else await ingest(env, [msg]); // no queue bound: write through, same idempotent path
      } catch (err) {
        console.error('xsell edge: events not stored:', err && err.message);
        throw new HttpError(503, 'unavailable', 'the events could not be stored; send the batch again (same ids)');
      }
    }
    return new Response(answer, { status: 202, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...cors } });
  } catch (err) {
    if (err instanceof HttpError) err.headers = { ...err.headers, ...cors };
    throw err;
  }
}

// ingest writes queue message bodies: archive, events, aggregates.
async function ingest(env, bodies) {
  const parts = goParts(call(OP.CONSUME, `[${bodies.join(',')}]`));
  const [key, archive, ...chunks] = parts;
  if (!archive.length) return;
  await env.BLOBS.put(text(key), archive, { httpMetadata: { contentType: 'application/x-ndjson' } });
  const texts = chunks.map(text);
  const cutoff = retentionCutoff(env, Date.now());
  // One batch, one transaction: the new events, their sums added to the
  // aggregates, the events marked counted (sql.mjs). A failure undoes it
  // all and the queue redelivers the batch.
  await env.DB.batch([
    ...texts.map((c) => env.DB.prepare(INSERT_EVENTS).bind(c)),
    ...[AGG_PAIR, AGG_RULE, AGG_ORDER].map((q) => env.DB.prepare(q).bind(cutoff)),
    env.DB.prepare(COUNT_EVENTS),
    env.DB.prepare('INSERT OR REPLACE INTO archives (key, events, at) VALUES (?1, ?2, ?3)')
      .bind(text(key), texts.reduce((n, c) => n + JSON.parse(c).length, 0), new Date().toISOString()),
  ]);
}

// ---- retention ---------------------------------------------------------------------

// Raw events are kept RETENTION_DAYS (default 120, at least 31: the edge
// accepts events up to 30 days old, and a day's aggregates are recomputed
// from its raw events while it can still receive some). The daily job
// deletes older raw events from D1 and their archives from R2; the
// aggregates (agg_pair, agg_rule, agg_order), which the stats, the export
// and matrixgen read, are kept, and the consumer no longer recomputes them
// for days past the cutoff. Dead letters (dead/) are the operator's to
// replay or delete.
const DAY_MS = 86_400_000;
const RETAIN_ROUNDS = 50; // at most 50 × 5,000 rows per run; the next run goes on

function retentionDays(env) {
  return Math.max(31, intVar(env, 'RETENTION_DAYS', 120));
}

function retentionCutoff(env, now) {
  return new Date(now - retentionDays(env) * DAY_MS).toISOString().slice(0, 10);
}

async function retain(env, now) {
  const cutoff = retentionCutoff(env, now);
  let events = 0;
  for (let i = 0; i < RETAIN_ROUNDS; i++) {
    const r = await env.DB.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE day < ?1 LIMIT 5000)').bind(cutoff).run();
    const n = r.meta?.changes ?? 0;
    events += n;
    if (n < 5000) break;
  }
  // Archives are events/YYYY/MM/DD/…: listed in date order, so the walk stops
  // at the first key on or after the cutoff.
  const stop = `events/${cutoff.replaceAll('-', '/')}/`;
  let archives = 0;
  let cursor;
  walk: for (let i = 0; i < RETAIN_ROUNDS; i++) {
    const page = await env.BLOBS.list({ prefix: 'events/', limit: 1000, cursor });
    const old = [];
    for (const o of page.objects) {
      if (o.key >= stop) {
        if (old.length) await env.BLOBS.delete(old);
        archives += old.length;
        break walk;
      }
      old.push(o.key);
    }
    if (old.length) await env.BLOBS.delete(old);
    archives += old.length;
    if (!page.truncated) break;
    cursor = page.cursor;
  }
  await env.DB.prepare("DELETE FROM archives WHERE key < ?1 AND key LIKE 'events/%'").bind(stop).run();
  // Shards no kept blob lists, uploaded more than a day ago: a head that
  // never came (a failed CI run). A day leaves any running upload alone.
  const { results: orphans } = await env.DB.prepare(`SELECT hash FROM shards WHERE stored_at < ?1 AND hash NOT IN (${LISTED_SHARDS}) LIMIT 1000`)
    .bind(new Date(now - DAY_MS).toISOString()).all();
  await dropShards(env, orphans.map((r) => r.hash));
  return { cutoff, events, archives, shards: orphans.length };
}

// ---- dead letters ----------------------------------------------------------------

// Messages the consumer failed max_retries times (D1 down, a bug) are
// archived by the dead-letter consumer under dead/<message id>.json, never
// dropped. An operator lists them and, once the cause is fixed, replays
// them: each goes back on the events queue as it was, and its archive is
// deleted only once the queue holds it. Replaying twice is harmless: the
// consumer writes every event once (INSERT OR IGNORE by event id).
const DEAD = 'dead/';
const REPLAY_PER_CALL = 100;

async function listDead(request, env) {
  await requireToken(request, env);
  const listed = await env.BLOBS.list({ prefix: DEAD, limit: 1000 });
  return json({
    messages: listed.objects.length,
    more: listed.truncated,
    keys: listed.objects.slice(0, 100).map((o) => ({ key: o.key, bytes: o.size, at: o.uploaded })),
  }, 200, { 'cache-control': 'no-store' });
}

async function replayDead(request, env) {
  await requireToken(request, env);
  if (!env.EVENTS) throw new HttpError(503, 'no_queue', 'no events queue is bound: nothing to replay into');
  const max = intVar(env, 'MAX_EVENT_BODY_BYTES', 65536) * 4;
  const listed = await env.BLOBS.list({ prefix: DEAD, limit: REPLAY_PER_CALL });
  let replayed = 0;
  const skipped = [];
  for (const o of listed.objects) {
    // The archive is bytes from storage an operator can edit: bounded here,
    // parsed and validated by the Go core when the consumer takes it.
    if (o.size > max) {
      skipped.push({ key: o.key, reason: `over ${max} bytes` });
      continue;
    }
    const obj = await env.BLOBS.get(o.key);
    if (!obj) continue; // replayed meanwhile by another call
    await env.EVENTS.send(await obj.text(), { contentType: 'text' });
    await env.BLOBS.delete(o.key);
    replayed++;
  }
  const left = await env.BLOBS.list({ prefix: DEAD, limit: 1000 });
  return json({ replayed, skipped, left: left.objects.length, more: left.truncated }, 200, { 'cache-control': 'no-store' });
}

// ---- reports -------------------------------------------------------------------

function dayRange(url) {
  const from = url.searchParams.get('from') || '0000-00-00';
  const to = url.searchParams.get('to') || '9999-99-99';
  if (!DAY.test(from) || !DAY.test(to)) throw new HttpError(400, 'bad_day', 'from and to are days, YYYY-MM-DD');
  return [from, to];
}

async function getStats(request, env, ctx, url) {
  await requireToken(request, env);
  const [from, to] = dayRange(url);
  const [events, rules, orders] = await env.DB.batch([
    env.DB.prepare('SELECT count(*) AS n FROM events WHERE day BETWEEN ?1 AND ?2').bind(from, to),
    env.DB.prepare('SELECT * FROM agg_rule WHERE day BETWEEN ?1 AND ?2').bind(from, to),
    env.DB.prepare(`SELECT variant, accepted, count(*) AS orders, total(value) AS value, total(value * value) AS value2,
      total(items) AS items, total(items * items) AS items2 FROM agg_order WHERE day BETWEEN ?1 AND ?2 GROUP BY variant, accepted`).bind(from, to),
  ]);
  const input = {
    events: events.results[0].n,
    rules: rules.results,
    orders: orders.results.map((r) => ({ ...r, accepted: !!r.accepted })),
  };
  const [out] = goParts(call(OP.STATS, JSON.stringify(input)));
  return new Response(out, { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
}

async function getExport(request, env, ctx, url) {
  await requireToken(request, env);
  const [from, to] = dayRange(url);
  const { results } = await env.DB.prepare(`SELECT anchor, item, sum(shown) AS shown, sum(clicked) AS clicked, sum(added) AS added,
    sum(bought) AS bought, sum(dismissed) AS dismissed FROM agg_pair WHERE day BETWEEN ?1 AND ?2 GROUP BY anchor, item ORDER BY anchor, item`)
    .bind(from, to).all();
  const [csv] = goParts(call(OP.EXPORT, JSON.stringify(results)));
  return new Response(csv, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="feedback.csv"', 'cache-control': 'no-store' },
  });
}

// ---- server-side recommendations ----------------------------------------------

// The core answers 409 when this isolate lacks what a query needs: the
// current blob (need_blob: load it once, later requests reuse the decoded
// blob and its indexes) or, for a sharded blob, the shards of the query's
// items (need_shards: fetch and add those; the isolate keeps them, so it
// holds at most the whole blob). A shard of a head replaced meanwhile
// (stale_shard) starts over.
//
// Each shard is an R2 read, and a request may make at most 50 subrequests
// (R2 and D1 calls count) on the Free and Bundled plans: a cart of 100
// lines and 100 owned items can need more shards than that. A request reads
// at most RECOMMEND_SHARD_READS (32, leaving room for the D1 row and the
// head) in the order the core names them (the anchor's, the cart's, the
// owned items'); past that the core answers from what is loaded with
// missing_shards set, and the answer is not cached (the next request, with
// more shards kept, may answer more).
const SHARD_READS = 32;
async function getRecommend(request, env, ctx, url) {
  const row = await currentBlob(env);
  if (!row) throw new HttpError(404, 'no_blob', 'nothing is published yet (PUT /v1/blob)');
  const input = (partial) => JSON.stringify({ hash: row.hash, query: url.search, ...(partial ? { partial } : {}) });
  let reads = intVar(env, 'RECOMMEND_SHARD_READS', SHARD_READS);
  let partial = false;
  let res = call(OP.RECOMMEND, input(false));
  for (let round = 0; res.status === 409 && round < 4; round++) {
    const need = JSON.parse(text(res.parts[0])).error;
    if (need.code === 'need_blob') {
      goParts(call(OP.LOAD_BLOB, await stored(env, row.hash, 'blob')));
    } else if (need.code === 'need_shards') {
      if (reads === 0) {
        partial = true;
        res = call(OP.RECOMMEND, input(true));
        break;
      }
      const take = need.shards.slice(0, reads);
      reads -= take.length;
      const shards = await Promise.all(take.map((h) => stored(env, h, 'shard')));
      for (const s of shards) {
        const added = call(OP.ADD_SHARD, s);
        if (added.status === 409) break; // stale: ask again
        goParts(added);
      }
    } else break;
    res = call(OP.RECOMMEND, input(false));
  }
  const [contentType, body] = goParts(res);
  return new Response(body, {
    headers: { 'content-type': text(contentType), 'cache-control': partial ? 'no-store' : 'private, max-age=60', ...READ_CORS },
  });
}
