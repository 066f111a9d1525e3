// A tiny development server for the page side, for working on the widget
// without the edge worker: it serves $OUT/site and answers /v1/manifest,
// /v1/blob/{hash} and POST /v1/events (kept in memory, deduplicated by id)
// the way the worker does; /v1/recommend is a 404 (no early cards: they
// wait for the page's core). It listens on 127.0.0.1 only. The browser tests
// run against the real worker (edge/test/worker.mjs) when it is there.
//
//   node web/scripts/devserver.mjs [--port 0] [--blob .out/sample.blob]

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** manifestFor describes blob bytes the way matrixgen's manifest does. */
export function manifestFor(bytes) {
  if (bytes.length < 128 || bytes.subarray(0, 4).toString() !== 'XSEL') throw new Error('not an xsell blob');
  const hash = bytes.subarray(32, 64).toString('hex');
  const major = bytes.readUInt16LE(4);
  const minor = bytes.readUInt16LE(6);
  return { version: `${major}.${minor}`, hash, size: bytes.length, raw_size: 128 + Number(bytes.readBigUInt64LE(16)), created: '', counts: {}, shards: [{ hash, size: bytes.length }] };
}

/**
 * startDevServer serves site and the blob; setBlob swaps the published blob
 * (as PUT /v1/blob does on the edge). Resolves to {url, events, setBlob, close}.
 */
export async function startDevServer({ site, blob, port = 0 } = {}) {
  const root = resolve(site);
  let current = null;
  const blobs = new Map();
  const setBlob = (bytes) => {
    // The browser core reads raw bodies only; the edge recodes a zstd blob
    // (same hash) and lets HTTP compression do the work. Node cannot inflate
    // zstd here: web/cmd/rawblob does the edge's recode.
    if (bytes.length >= 12 && bytes.readUInt32LE(8) & 1) {
      bytes = execFileSync('go', ['run', './web/cmd/rawblob'], { cwd: ROOT, input: bytes, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'inherit'] });
    }
    if (bytes.length >= 12 && bytes.readUInt32LE(8) & 4) {
      // A pair shard: served by its hash, the live blob stays.
      const hash = bytes.subarray(32, 64).toString('hex');
      blobs.set(hash, bytes);
      return { hash, shard: true };
    }
    const m = manifestFor(bytes);
    blobs.set(m.hash, bytes);
    current = m;
    return m;
  };
  if (blob) setBlob(await readFile(blob));
  const events = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body, type = 'application/json', extra = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
      res.end(body);
    };
    try {
      if (url.pathname === '/v1/manifest') {
        if (!current) return send(404, JSON.stringify({ error: { code: 'no_blob', message: 'nothing published' } }));
        return send(200, JSON.stringify(current));
      }
      if (url.pathname.startsWith('/v1/blob/')) {
        const b = blobs.get(url.pathname.slice(9));
        if (!b) return send(404, JSON.stringify({ error: { code: 'not_found', message: 'no such blob' } }));
        return send(200, b, 'application/octet-stream', { 'cache-control': 'public, max-age=31536000, immutable' });
      }
      if (url.pathname === '/v1/recommend') {
        // The edge runs the Go core for this; here the widget's early ask
        // gets a clear no and its cards wait for the page's own core.
        return send(404, JSON.stringify({ error: { code: 'not_here', message: 'the dev server has no server-side recommend (run ./build.sh demo for the real worker)' } }));
      }
      if (url.pathname === '/v1/events' && req.method === 'POST') {
        // Bounded as the worker bounds it (MAX_EVENT_BODY_BYTES).
        const chunks = [];
        let size = 0;
        for await (const c of req) {
          size += c.length;
          if (size > 65536) return send(413, JSON.stringify({ error: { code: 'too_large', message: 'body over 65536 bytes' } }));
          chunks.push(c);
        }
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString());
        } catch {
          return send(400, JSON.stringify({ error: { code: 'bad_json', message: 'body is not JSON' } }));
        }
        let accepted = 0;
        for (const e of body.events || []) {
          if (!events.has(e.id)) events.set(e.id, e);
          accepted++;
        }
        return send(202, JSON.stringify({ accepted, rejected: [] }));
      }
      let path = normalize(decodeURIComponent(url.pathname));
      if (path.endsWith('/')) path += 'index.html';
      const file = join(root, path);
      if (!file.startsWith(root)) return send(403, 'forbidden', 'text/plain');
      // Like Workers static assets: /product/X serves /product/X.html.
      for (const f of [file, `${file}.html`]) {
        const st = await stat(f).catch(() => null);
        if (st?.isFile()) return send(200, await readFile(f), TYPES[extname(f)] || 'application/octet-stream');
      }
      return send(404, 'not found', 'text/plain');
    } catch (e) {
      return send(500, JSON.stringify({ error: { code: 'internal', message: e.message } }));
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${addr.port}`,
    events,
    setBlob,
    close: () => new Promise((r) => server.close(r)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : def;
  };
  const out = process.env.OUT || resolve(fileURLToPath(new URL('../../.out', import.meta.url)));
  const s = await startDevServer({ site: join(out, 'site'), blob: opt('blob', join(out, 'sample.blob')), port: Number(opt('port', 0)) });
  console.log(`dev server on ${s.url} (Ctrl-C to stop)`);
}
