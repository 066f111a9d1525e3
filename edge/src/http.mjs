// HTTP helpers for the worker: JSON errors, bounded bodies, tokens, CORS.

// HttpError carries the status and code of a JSON error answer.
export class HttpError extends Error {
  constructor(status, code, message, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function json(body, status = 200, headers = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

export function errorResponse(status, code, message, headers = {}) {
  return json({ error: { code, message } }, status, { 'cache-control': 'no-store', ...headers });
}

// readBody reads at most max bytes; a longer body (announced or streamed)
// fails with 413 before it is buffered.
export async function readBody(request, max) {
  const cl = request.headers.get('content-length');
  if (cl !== null) {
    if (!/^\d{1,15}$/.test(cl)) throw new HttpError(400, 'bad_length', 'Content-Length is not a number');
    if (Number(cl) > max) throw new HttpError(413, 'too_large', `body is ${cl} bytes, limit ${max}`);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new HttpError(413, 'too_large', `body is over the limit of ${max} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.byteLength; }
  return out;
}

// requireContentType accepts the listed media types (parameters ignored).
export function requireContentType(request, allowed) {
  const ct = (request.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (!allowed.includes(ct)) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Type must be ${allowed.join(' or ')}, got ${ct ? JSON.stringify(ct.slice(0, 64)) : 'none'}`);
  }
}

const enc = new TextEncoder();

// requireToken checks "Authorization: Bearer <token>" in constant time.
export async function requireToken(request, env) {
  if (!env.TOKEN) throw new HttpError(503, 'not_configured', 'the worker has no TOKEN configured; writes are refused');
  const h = request.headers.get('authorization') || '';
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(h);
  const unauthorized = new HttpError(401, 'unauthorized', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="xsell"' });
  if (!m) throw unauthorized;
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', enc.encode(m[1])),
    crypto.subtle.digest('SHA-256', enc.encode(env.TOKEN)),
  ]);
  if (!crypto.subtle.timingSafeEqual(a, b)) throw unauthorized;
}

// allowedOrigin answers the Origin to echo in CORS headers, null when the
// request carries no Origin (not a browser cross-origin request), or throws
// 403 when the Origin is not configured.
export function allowedOrigin(request, env) {
  const origin = request.headers.get('origin');
  if (origin === null) return null;
  const self = new URL(request.url).origin;
  const list = (env.ALLOWED_ORIGINS || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (origin === self || list.includes(origin)) return origin;
  throw new HttpError(403, 'origin_not_allowed', 'this origin may not send events (ALLOWED_ORIGINS)');
}

export function corsHeaders(origin) {
  if (!origin) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

// etagMatches implements If-None-Match for strong comparison of our tags,
// accepting a weak form of the same tag (proxies may weaken it).
export function etagMatches(request, ...tags) {
  const inm = request.headers.get('if-none-match');
  if (!inm) return false;
  if (inm.trim() === '*') return true;
  for (let t of inm.split(',')) {
    t = t.trim().replace(/^W\//, '');
    if (tags.includes(t)) return true;
  }
  return false;
}

// int reads a positive integer var with a default.
export function intVar(env, name, def) {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : def;
}
