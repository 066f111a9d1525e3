// A tiny static server for the browser benchmark, bound to 127.0.0.1 on a
// free port. It serves bodies compressed as the edge will (br, else gzip,
// negotiated by Accept-Encoding; precompressed once, before the first
// request for the page's own files and the bodies passed to warm()), with
// cross-origin isolation headers so that performance.now() has its finest
// resolution, and Cache-Control so that a reload measures a warm cache.
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import zlib from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.blob': 'application/octet-stream',
};

/** pageFiles(here, site) lists what the bench page loads before its bodies:
 * warm them, or a cold run waits for brotli at quality 11 on the server
 * (~150 ms for xsell.js in Node) at each step of the page's module graph. */
export const pageFiles = (here, site) => [
  join(here, 'page.html'), join(here, 'page.mjs'), join(here, '../../web/xsell.js'),
  join(site, 'xsell-core.js'), join(site, 'wasm_exec.js'),
];

/** serve(roots) → {url, close}; roots maps a URL prefix ("/site/") to a directory. */
export async function serve(roots) {
  const cache = new Map();
  const load = (path) => {
    let e = cache.get(path);
    if (e) return e;
    const raw = readFileSync(path);
    const compressible = raw.length > 1024;
    e = {
      raw,
      br: compressible ? zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: raw.length > 4e6 ? 9 : 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }) : null,
      gz: compressible ? zlib.gzipSync(raw, { level: 9 }) : null,
    };
    cache.set(path, e);
    return e;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = null;
    for (const [prefix, dir] of Object.entries(roots)) {
      if (url.pathname.startsWith(prefix)) {
        const rel = normalize(url.pathname.slice(prefix.length));
        if (rel.startsWith('..')) break;
        file = join(dir, rel);
      }
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const e = load(file);
    const accept = String(req.headers['accept-encoding'] || '');
    let body = e.raw;
    const headers = {
      'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
      'Cache-Control': 'public, max-age=3600',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Timing-Allow-Origin': '*',
      Vary: 'Accept-Encoding',
    };
    if (e.br && /\bbr\b/.test(accept)) {
      body = e.br;
      headers['Content-Encoding'] = 'br';
    } else if (e.gz && /\bgzip\b/.test(accept)) {
      body = e.gz;
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    warm: (paths) => paths.forEach(load),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
