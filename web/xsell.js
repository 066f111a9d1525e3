// xsell.js: the loader a shop puts in its pages. It fetches the manifest, the
// blob (from the Cache API when the hash matches, revalidated in the
// background) and the wasm core, answers recommend()/bundle() with one call
// into the core each, and sends what the shopper did to /v1/events through a
// persistent, batched, retried queue. Whatever fails, it fails with an
// XsellError and the shop's page keeps working without suggestions.

const PREFIX = 'xsell:';
const BLOB_CACHE = 'xsell-blobs-v1';
const WASM_CACHE = 'xsell-wasm-v1';
const SHARD_CACHE = 'xsell-shards-v1';
const MAJOR = 1; // blob format major version this loader understands
const MAX_MANIFEST = 64 << 10;
const MAX_BLOB = 64 << 20;
const MAX_QUEUE = 1000; // events kept while offline; oldest dropped past this
const BATCH = 50; // events per POST
const MAX_DISMISSED = 200;
const MAX_ATTRIBUTED = 100;
const ATTRIBUTION_WINDOW = 30 * 24 * 3600 * 1000; // an add counts for a purchase within 30 days
const EVENT_TYPES = new Set(['impression', 'click', 'add', 'purchase', 'dismiss']);

/** XsellError is every error the loader reports; code says what failed. */
export class XsellError extends Error {
  constructor(code, message, cause) {
    super(`xsell: ${message}`, cause ? { cause } : undefined);
    this.name = 'XsellError';
    this.code = code;
  }
}

// ---------------------------------------------------------------- storage

let storageProbe; // localStorage once it answered a read, null when it cannot

function storage() {
  if (storageProbe !== undefined) return storageProbe;
  try {
    const s = globalThis.localStorage;
    s.getItem(PREFIX + 'probe');
    storageProbe = s;
  } catch {
    storageProbe = null; // disabled storage, sandboxed iframe: run without persistence
  }
  return storageProbe;
}

// Lists every recommend call puts in its context (viewed, owned, dismissed)
// are parsed once and kept until this page writes them or another tab
// does (the storage event): three localStorage reads and JSON parses per
// call cost more than the recommendation itself.
const lists = new Map();
globalThis.addEventListener?.('storage', (e) => {
  if (!e.key || e.key.startsWith(PREFIX)) lists.clear();
});

function readJSON(key, fallback) {
  const s = storage();
  if (!s) return fallback;
  try {
    const v = JSON.parse(s.getItem(PREFIX + key));
    return v ?? fallback;
  } catch {
    return fallback;
  }
}

// readList reads a stored array; anything else (another script's value, a
// hand-edited entry) counts as empty rather than breaking the page.
function readList(key) {
  let v = lists.get(key);
  if (v === undefined) {
    v = readJSON(key, []);
    v = Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined) : [];
    lists.set(key, v);
  }
  return v.slice(); // callers may change their copy
}

function writeJSON(key, value) {
  lists.delete(key);
  const s = storage();
  if (!s) return;
  try {
    s.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // quota exceeded: the queue is best effort beyond this point
  }
}

/** uuid returns a random RFC 4122 v4 id, also outside secure contexts. */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function openCache(name) {
  try {
    return globalThis.caches ? await caches.open(name) : null;
  } catch {
    return null; // not a secure context, or storage blocked
  }
}

// ---------------------------------------------------------------- network

async function fetchWithTimeout(url, init = {}, ms = 8000) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${ms} ms`)), ms);
  try {
    return await fetch(url, { ...init, signal: ctl.signal });
  } finally {
    clearTimeout(timer);
  }
}

// fetchBlobBytes downloads a blob within a time bound that covers the whole
// body, not only the headers, and tries once more after a stall, a network
// error or a 5xx: a stalled download must not keep a page without
// suggestions. A 4xx or an oversized body is final. Worst case: the sum of
// the timeouts (10 s + 20 s by default).
export async function fetchBlobBytes(url, { timeouts = [10000, 20000], max = MAX_BLOB, what = 'blob', intake = null } = {}) {
  let last = null;
  for (const ms of timeouts) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error(`timed out after ${ms} ms`)), ms);
    try {
      const res = await fetch(url, { signal: ctl.signal });
      if (!res.ok) {
        res.body?.cancel().catch(() => {});
        last = new Error(`HTTP ${res.status}`);
        if (res.status < 500) break;
        continue;
      }
      // intake(): a new BlobIntake for each try (readCapped's result then).
      return await readCapped(res, max, what, intake ? intake() : null);
    } catch (e) {
      if (e instanceof XsellError) throw e; // too large: another try reads the same
      last = ctl.signal.aborted && ctl.signal.reason instanceof Error ? ctl.signal.reason : e;
    } finally {
      clearTimeout(timer);
    }
  }
  throw new XsellError('unreachable', `GET ${new URL(url, 'http://x').pathname.replace(/[0-9a-f]{52}$/, '…')}: ${last?.message || 'failed'}`, last);
}

/**
 * BlobIntake gathers a blob as it arrives: push each chunk of a response
 * body. Once a core is attached and the 128-byte header is in, it reserves
 * the blob's size in that core (core.blobBuffer, xsell-core.js) and writes
 * every chunk there as it comes: the blob is never whole in the page,
 * nothing copies it into the core, and the first touch of that memory (a
 * large cost on a fresh page) is paid while the network is still busy.
 * With hash, the buffer also hashes the body as it comes, for
 * loadBlobAsync. bytes() is what to load: the filled BlobBuffer, or a
 * Uint8Array of everything (no core yet, an older core, or a header that
 * does not match what arrived: the core then says what is wrong).
 */
export class BlobIntake {
  constructor({ max = Infinity, hash = false } = {}) {
    this.max = max;
    this.hash = hash; // the core's buffer hashes the body as it comes (bytes from the network)
    this.length = 0;
    this._parts = [];
    this._buf = null;
    this._core = null;
    this._off = false; // the header did not fit: keep everything in the page
  }

  /** push adds the next chunk; throws a RangeError past max. */
  push(chunk) {
    if (this.length + chunk.length > this.max) throw new RangeError(`over the ${this.max} byte limit`);
    this.length += chunk.length;
    const b = this._buf;
    if (b && b.writable && b.length + chunk.length <= b.size) {
      b.write(chunk);
      return;
    }
    if (b) {
      // More than the header said, or the buffer was voided: the page
      // keeps it all and the core judges it.
      this._parts = b.writable ? [b.view().slice()] : [];
      this._buf = null;
      this._off = true;
      if (!b.writable) throw new Error('xsell-core: the blob buffer was voided by newer ones');
    }
    this._parts.push(chunk);
    this._open();
  }

  /** attach: from now on, write into core (when the header allows). */
  attach(core) {
    if (!this._core && core && typeof core.blobBuffer === 'function') {
      this._core = core;
      this._open();
    }
  }

  /** head: the first n bytes (fewer when fewer arrived). */
  head(n = 128) {
    if (this._buf) return this._buf.view().slice(0, n);
    const out = new Uint8Array(Math.min(n, this.length));
    let at = 0;
    for (const p of this._parts) {
      if (at === out.length) break;
      const take = p.subarray(0, out.length - at);
      out.set(take, at);
      at += take.length;
    }
    return out;
  }

  /**
   * abandon: this download failed; its room in the core goes back and a
   * core attached later is not asked for any.
   */
  abandon() {
    this._buf?.release();
    this._buf = null;
    this._parts = [];
    this._off = true;
  }

  /** bytes: the whole blob, for a load (BlobBuffer or Uint8Array). */
  bytes() {
    const b = this._buf;
    if (b && b.length === b.size) return b;
    const parts = b ? [b.view()] : this._parts; // with a buffer, every byte is in it
    if (parts.length === 1 && !b) return parts[0];
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  _open() {
    if (!this._core || this._buf || this._off || this.length < 128) return;
    const h = this.head();
    const body = h[24] + h[25] * 2 ** 8 + h[26] * 2 ** 16 + h[27] * 2 ** 24 + (h[28] + h[29] * 2 ** 8 + h[30] * 2 ** 16 + h[31] * 2 ** 24) * 2 ** 32;
    const size = 128 + body;
    const magic = h[0] === 0x58 && h[1] === 0x53 && h[2] === 0x45 && h[3] === 0x4c;
    const buf = magic && Number.isSafeInteger(size) && size >= this.length && size <= this.max ? this._core.blobBuffer(size, { hash: this.hash }) : null;
    if (!buf) {
      this._off = true;
      return;
    }
    for (const p of this._parts) buf.write(p);
    this._parts = [];
    this._buf = buf;
  }
}

// readCapped reads a response body, refusing more than max bytes whatever the
// server says in Content-Length. With an intake, the chunks go there as
// they arrive and the intake is the result.
async function readCapped(res, max, what, intake = null) {
  if (!intake) return readBody(res, max, what, null);
  try {
    return await readBody(res, max, what, intake);
  } catch (e) {
    intake.abandon(); // a stalled, failed or oversized body: nothing of it is loaded
    throw e;
  }
}

async function readBody(res, max, what, intake) {
  const declared = Number(res.headers.get('content-length'));
  if (declared > max && !res.headers.get('content-encoding')) {
    throw new XsellError('too_large', `${what} is ${declared} bytes, over the ${max} byte limit`);
  }
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length > max) throw new XsellError('too_large', `${what} is over the ${max} byte limit`);
    if (!intake) return buf;
    intake.push(buf);
    return intake;
  }
  const reader = res.body.getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      reader.cancel().catch(() => {});
      throw new XsellError('too_large', `${what} is over the ${max} byte limit`);
    }
    if (!intake) parts.push(value);
    else {
      try {
        intake.push(value);
      } catch (e) {
        reader.cancel().catch(() => {});
        throw e;
      }
    }
  }
  if (intake) return intake;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- early answers

const MAX_ANSWER = 64 << 10;
const MAX_SUGGESTIONS = 16; // the edge's k is at most 16
// The edge's list syntax: ids joined by ",", cart lines "id:qty", owned
// "id@seconds". An id holding one of these cannot be sent; such a context
// waits for the page's own core.
const LIST_SEP = /[,:@]/;

/**
 * earlyQuery turns a full context (Client._context) into the query of
 * GET /v1/recommend (docs/edge.md), or null when the edge's syntax or
 * bounds cannot carry it.
 */
export function earlyQuery(full) {
  const q = new URLSearchParams({ placement: full.placement });
  const ids = (xs) => xs.map((x) => String(typeof x === 'object' && x ? x.id : x));
  const fits = (xs) => xs.length <= 100 && xs.every((x) => x && !LIST_SEP.test(x));
  if (full.anchor) {
    if (LIST_SEP.test(full.anchor)) return null;
    q.set('anchor', full.anchor);
  }
  const lists = {
    cart: full.cart.map((l) => [l.id, `${l.id}:${l.qty}`]),
    viewed: ids(full.viewed).map((id) => [id, id]),
    dismissed: ids(full.dismissed).map((id) => [id, id]),
    owned: full.owned.map((o) => (typeof o === 'object' && o ? [String(o.id), Number(o.at) > 0 ? `${o.id}@${Math.trunc(o.at)}` : String(o.id)] : [String(o), String(o)])),
    segments: full.segments.map((x) => [String(x), String(x)]),
  };
  for (const [name, list] of Object.entries(lists)) {
    if (!list.length) continue;
    if (!fits(list.map(([id]) => id))) return null;
    q.set(name, list.map(([, v]) => v).join(','));
  }
  if (full.k) q.set('k', String(full.k));
  if (full.currency) q.set('currency', full.currency);
  if (full.freeDelivery) q.set('free_delivery', String(full.freeDelivery));
  if (full.visitorId) q.set('visitor', full.visitorId);
  const s = q.toString();
  return s.length <= 8 << 10 ? s : null;
}

/**
 * parseAnswer checks the edge's JSON answer field by field and keeps only
 * the fields a card needs, with their types: bytes from the network reach
 * the page's DOM through it. It throws an XsellError naming the field.
 */
export function parseAnswer(text) {
  const bad = (what) => new XsellError('answer', `GET /v1/recommend: ${what}`);
  let a;
  try {
    a = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!a || typeof a !== 'object' || Array.isArray(a)) throw bad('not an object');
  if (!HEX64.test(a.blob)) throw bad('field "blob" is not a SHA-256 hex hash');
  if (typeof a.variant !== 'string' || a.variant.length > 256) throw bad('field "variant" is not a short string');
  if (!Array.isArray(a.suggestions) || a.suggestions.length > MAX_SUGGESTIONS) throw bad(`field "suggestions" is not a list of at most ${MAX_SUGGESTIONS}`);
  const str = (s, i, k, max = 2048) => {
    const v = s[k] ?? '';
    if (typeof v !== 'string' || v.length > max) throw bad(`suggestions[${i}].${k} is not a string of at most ${max} characters`);
    return v;
  };
  const num = (s, i, k) => {
    const v = s[k];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`suggestions[${i}].${k} is not a number`);
    return v;
  };
  const suggestions = a.suggestions.map((s, i) => {
    if (!s || typeof s !== 'object') throw bad(`suggestions[${i}] is not an object`);
    const out = {
      id: str(s, i, 'id', 256),
      title: str(s, i, 'title'),
      price: num(s, i, 'price'),
      currency: str(s, i, 'currency', 8),
      url: str(s, i, 'url'),
      image: str(s, i, 'image'),
      category: str(s, i, 'category'),
      kind: str(s, i, 'kind', 32),
      rule: str(s, i, 'rule', 64),
      reason: str(s, i, 'reason'),
      fallback: s.fallback === true,
      closesGap: s.closesGap === true,
      anchor: s.anchor == null ? null : str(s, i, 'anchor', 256),
      score: num(s, i, 'score') ?? 0,
      evidence: null,
      discount: 0,
    };
    if (!out.id) throw bad(`suggestions[${i}].id is empty`);
    if (s.evidence != null) {
      const e = s.evidence;
      if (typeof e !== 'object') throw bad(`suggestions[${i}].evidence is not an object`);
      out.evidence = {};
      for (const k of ['together', 'anchorOrders', 'itemOrders', 'orders', 'lift']) out.evidence[k] = num(e, i, k) ?? 0;
    }
    return out;
  });
  return { blob: a.blob, variant: a.variant, suggestions };
}

// ---------------------------------------------------------------- remembered answers

// The core's answers the widget rendered, by early query: [[query, at ms,
// answer JSON], …], newest first, at most KEEP_N and KEEP_BYTES, each
// read back through parseAnswer (storage is another script's to write too)
// and only within KEEP_MS: the answer depends on the blob and the day.
const KEEP_KEY = 'answers';
const KEEP_N = 32;
const KEEP_BYTES = 256 << 10;
const KEEP_MS = 3600e3;

// memoKey is the early query of a full context without what the core does
// not read for its placement: viewed items count after the order only
// (a product page records its own view, and the next visit's context
// would never match the last).
function memoKey(full) {
  const post = full.placement === 'order_confirmation' || full.placement === 'email';
  return earlyQuery(post ? full : { ...full, viewed: [] });
}

function keptList() {
  const v = readList(KEEP_KEY);
  return v.filter((e) => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && Number.isFinite(e[1]) && typeof e[2] === 'string');
}

function keep(q, text) {
  const list = keptList();
  const old = list.find((e) => e[0] === q);
  if (old && old[2] === text && Date.now() - old[1] < KEEP_MS / 2) return; // nothing new to write
  const out = [[q, Date.now(), text]];
  let bytes = q.length + text.length;
  for (const e of list) {
    if (out.length >= KEEP_N) break;
    if (e[0] === q) continue;
    bytes += e[0].length + e[2].length;
    if (bytes > KEEP_BYTES) break;
    out.push(e);
  }
  writeJSON(KEEP_KEY, out);
}

/** recalled returns the answer kept for query q, parsed, or null. */
function recalled(q) {
  const e = keptList().find((x) => x[0] === q);
  const age = e ? Date.now() - e[1] : -1;
  if (!e || age < 0 || age > KEEP_MS) return null;
  try {
    return { ...parseAnswer(e[2]), remembered: true };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- manifest and blob checks

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * parseManifest validates the JSON of GET /v1/manifest; the network is
 * hostile, so every field the loader uses is checked.
 */
export function parseManifest(text) {
  let m;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new XsellError('manifest', `manifest is not JSON: ${e.message}`);
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new XsellError('manifest', 'manifest is not an object');
  if (typeof m.hash !== 'string' || !HEX64.test(m.hash)) throw new XsellError('manifest', 'manifest field "hash": want 64 hex digits');
  if (typeof m.version !== 'string' || !/^\d{1,5}\.\d{1,5}$/.test(m.version)) {
    throw new XsellError('manifest', 'manifest field "version": want "major.minor"');
  }
  const major = Number(m.version.split('.')[0]);
  if (major > MAJOR) {
    throw new XsellError('blob_version', `blob is format version ${m.version}, this loader knows ${MAJOR}.x: keeping the last good blob`);
  }
  if (!Number.isSafeInteger(m.size) || m.size <= 0 || m.size > MAX_BLOB) {
    throw new XsellError('manifest', `manifest field "size": want 1..${MAX_BLOB}, got ${JSON.stringify(m.size)}`);
  }
  if (m.shards !== undefined && !Array.isArray(m.shards)) throw new XsellError('manifest', 'manifest field "shards": want an array');
  for (const [i, s] of (m.shards || []).entries()) {
    if (!s || typeof s.hash !== 'string' || !HEX64.test(s.hash)) {
      throw new XsellError('manifest', `manifest field "shards[${i}].hash": want 64 hex digits`);
    }
  }
  return m;
}

/** checkBlobHeader rejects bytes that are not a blob this loader can read, before the core sees them. */
export function checkBlobHeader(bytes, manifest) {
  if (bytes.length < 128) throw new XsellError('blob_corrupt', `blob is ${bytes.length} bytes, shorter than its 128 byte header`);
  if (bytes[0] !== 0x58 || bytes[1] !== 0x53 || bytes[2] !== 0x45 || bytes[3] !== 0x4c) {
    throw new XsellError('blob_corrupt', 'blob does not start with "XSEL"');
  }
  const major = bytes[4] | (bytes[5] << 8);
  const minor = bytes[6] | (bytes[7] << 8);
  if (major !== MAJOR) {
    throw new XsellError('blob_version', `blob is format version ${major}.${minor}, this loader knows ${MAJOR}.x: keeping the last good blob`);
  }
  if (manifest) {
    const hash = [...bytes.subarray(32, 64)].map((x) => x.toString(16).padStart(2, '0')).join('');
    if (hash !== manifest.hash) throw new XsellError('blob_corrupt', `blob hash ${hash.slice(0, 12)}… is not the manifest's ${manifest.hash.slice(0, 12)}…`);
  }
}

// ---------------------------------------------------------------- the client

const defaultScriptBase = new URL('.', import.meta.url);
// The core's build: web/scripts/build.sh stamps it here and puts the core
// (xsell-core.js, wasm_exec.js, xsell.wasm) under core/<build>/ too, served
// immutable, so a returning page takes all three from its HTTP cache without
// asking the edge again (three round trips on the way to the first
// suggestion) and never mixes two builds. Unstamped (the source file), the
// core is read from beside this script and revalidated as usual.
const CORE_BUILD = '';
const defaultCoreBase = CORE_BUILD ? new URL(`core/${CORE_BUILD}/`, defaultScriptBase) : defaultScriptBase;

/**
 * Client is what init() resolves to. It is an EventTarget: "update" when a
 * new blob version is live, "error" for background failures.
 */
export class Client extends EventTarget {
  constructor(opts) {
    super();
    this.endpoint = opts.endpoint;
    this.visitor = opts.visitor;
    this.onError = opts.onError;
    this.dataLayer = opts.dataLayer;
    this.flushInterval = opts.flushInterval;
    this.freeDelivery = opts.freeDelivery || 0;
    this.early = opts.early !== false;
    this.core = null;
    this._intakes = []; // downloads waiting for the core (BlobIntake)
    this.manifest = null;
    this.cart = readList('cart-lines');
    this._backoff = 0;
    this._flushing = null;
    this._timer = null;
    this._retryAt = 0;
    this._closed = false;
    this._checked = Date.now();
  }

  /** version is the hash of the blob that is answering. */
  get version() {
    return this.manifest?.hash ?? '';
  }

  _report(err) {
    try {
      this.onError?.(err);
    } catch {
      // a throwing onError must not break the loader
    }
    this.dispatchEvent(new CustomEvent('error', { detail: err }));
  }

  // ---- suggestions

  /**
   * recommend asks the core once. ctx: {placement, anchor?, cart?, k?,
   * segments?, viewed?, owned?, freeDelivery?}; the visitor, the clock, the
   * cart the shop reported and the shopper's dismissals are filled in.
   */
  recommend(ctx = {}) {
    const full = this._context(ctx);
    // A sharded blob without the shards ctx reads answers from what it has
    // (curated rows, fallbacks) and fetches them: a "shards" event says
    // when they are in (the widget awaits prepare() instead).
    const need = this._missing(full);
    if (need.length) this._loadShards(need).then(() => this.dispatchEvent(new CustomEvent('shards', { detail: { shards: need } })));
    let res;
    try {
      res = this.core.recommend(full);
    } catch (e) {
      throw new XsellError('core', `recommend failed: ${e.message}`, e);
    }
    return this._decorate(res, full);
  }

  /**
   * prepare resolves once the core holds what an answer for ctx reads. A
   * large catalog's blob comes as a head plus pair shards by anchor (see
   * docs/web.md): the shards of ctx's anchor and cart are fetched from the
   * edge, or this browser's Cache API, and added. Then recommend(ctx) is
   * the whole blob's answer. Never rejects: a shard that cannot be had is
   * reported (error event) and the answer does without it.
   */
  async prepare(ctx = {}) {
    const need = this._missing(this._context(ctx));
    if (need.length) await this._loadShards(need);
  }

  /** needsShards: whether recommend(ctx) would still miss shards (prepare them first). */
  needsShards(ctx = {}) {
    return this._missing(this._context(ctx)).length > 0;
  }

  _missing(full) {
    try {
      return this.core?.shardsNeeded ? this.core.shardsNeeded(full) : [];
    } catch {
      return [];
    }
  }

  _loadShards(indexes) {
    return Promise.all(indexes.map((i) => this._shard(i))).then(() => {});
  }

  // _shard fetches and adds shard i of the live blob, once per blob; a
  // failed fetch is forgotten so that a later call tries again.
  _shard(i) {
    const head = this.version;
    const hash = this.info?.shards?.[i];
    if (!hash) return Promise.resolve();
    this._shards ??= new Map();
    const key = `${head}/${hash}`;
    let p = this._shards.get(key);
    if (p) return p;
    p = (async () => {
      const url = `${this.endpoint}/v1/blob/${hash}`;
      const cache = await openCache(SHARD_CACHE);
      const hit = cache && (await cache.match(url).catch(() => null));
      if (hit) {
        try {
          const bytes = new Uint8Array(await hit.arrayBuffer());
          if (this.version !== head) return;
          this.core.loadVerifiedShard(bytes); // stored only after its hash was checked (below)
          return;
        } catch {
          await cache.delete(url).catch(() => {}); // damaged: fetch it again
        }
      }
      const bytes = await fetchBlobBytes(url, { what: 'shard' });
      if (this.version !== head) return; // a new blob went live meanwhile
      await this.core.loadShardAsync(bytes);
      await cache?.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => {});
    })().catch((e) => {
      this._shards.delete(key);
      this._report(e instanceof XsellError ? e : new XsellError('shard', `shard ${i} (${hash.slice(0, 12)}…) of blob ${head.slice(0, 12)}…: ${e.message}`, e));
    });
    this._shards.set(key, p);
    return p;
  }

  // _pruneShards keeps in the Cache API only the shards of the live blob.
  async _pruneShards() {
    const cache = await openCache(SHARD_CACHE);
    if (!cache) return;
    const keep = new Set((this.info?.shards || []).map((h) => `${this.endpoint}/v1/blob/${h}`));
    for (const r of await cache.keys().catch(() => [])) {
      if (!keep.has(r.url) && !keep.has(new URL(r.url).pathname)) await cache.delete(r).catch(() => {});
    }
  }

  // _remote asks the edge for ctx's answer (GET /v1/recommend: the same
  // core over the blob the edge serves) and shapes it as recommend() does,
  // with early: true and the blob it came from. Rejects on any failure.
  // One request per context and page: a shop that called early(ctx) at the
  // top of the page hands its answer to the widget asking the same later.
  async _remote(ctx, ms) {
    const full = this._context(ctx);
    const q = earlyQuery(full);
    if (q === null) throw new XsellError('answer', 'this context does not fit a GET /v1/recommend query');
    this._answers ??= new Map();
    let p = this._answers.get(q);
    if (!p) {
      const kept = recalled(memoKey(full));
      p = kept ? Promise.resolve(kept) : (async () => {
        const res = await fetchWithTimeout(`${this.endpoint}/v1/recommend?${q}`, { headers: { accept: 'application/json' } }, ms);
        if (!res.ok) {
          res.body?.cancel().catch(() => {});
          throw new XsellError('answer', `GET /v1/recommend: HTTP ${res.status}`);
        }
        return parseAnswer(new TextDecoder().decode(await readCapped(res, MAX_ANSWER, 'answer')));
      })();
      if (this._answers.size >= 32) this._answers.delete(this._answers.keys().next().value);
      this._answers.set(q, p);
      p.catch(() => this._answers.delete(q));
    }
    const ans = await p;
    const res = { ...this._decorate({ suggestions: ans.suggestions, variant: ans.variant }, full), blob: ans.blob, early: true };
    if (ans.remembered) res.remembered = true;
    return res;
  }

  /**
   * remember keeps the core's answer res to ctx in this browser, so that
   * the next page showing the same context (a reload, the back button, a
   * return within the hour) draws it at once as its early cards, before the
   * core or the edge could answer; the core's own answer then keeps or
   * replaces them. The widget calls it after each render from the core.
   * Nothing is kept with init({early: false}).
   */
  remember(ctx, res) {
    if (!this.early || !res || res.early || !HEX64.test(res.blob || '')) return;
    const q = memoKey(this._context(ctx));
    if (q === null) return;
    const text = JSON.stringify({
      blob: res.blob,
      variant: res.variant || '',
      suggestions: res.items.slice(0, MAX_SUGGESTIONS).map(({ rank, ...s }) => s),
    });
    if (text.length <= MAX_ANSWER) keep(q, text);
  }

  /** bundle asks the core for the "cheaper together" kit of anchor. */
  bundle(anchor, ctx = {}) {
    const full = this._context({ ...ctx, anchor, placement: ctx.placement || 'product' });
    let res;
    try {
      res = this.core.bundle(anchor, full);
    } catch (e) {
      throw new XsellError('core', `bundle failed: ${e.message}`, e);
    }
    return this._decorate(res, full);
  }

  /** item returns the catalog entry for id from the blob, or null. */
  item(id) {
    try {
      return this.core.item ? this.core.item(String(id)) : null;
    } catch {
      return null;
    }
  }

  _context(ctx) {
    const cart = (ctx.cart ?? this.cart).map((l) => ({ id: String(l.id ?? l.item), qty: Math.max(1, Number(l.qty ?? l.quantity) || 1) }));
    const dismissed = [...new Set([...(ctx.dismissed || []), ...this.dismissed()])];
    return {
      placement: ctx.placement || 'product',
      anchor: ctx.anchor ? String(ctx.anchor) : '',
      cart,
      viewed: ctx.viewed || readList('viewed'),
      owned: ctx.owned || readList('owned'),
      dismissed,
      segments: ctx.segments || [],
      now: Math.floor((ctx.now ?? Date.now()) / 1000),
      visitorId: this.visitor,
      ...(ctx.k ? { k: ctx.k } : {}),
      ...(ctx.currency ? { currency: ctx.currency } : {}),
      ...(ctx.freeDelivery || this.freeDelivery ? { freeDelivery: ctx.freeDelivery || this.freeDelivery } : {}),
    };
  }

  _decorate(res, ctx) {
    // The core answers {suggestions, variant, ...} or a bare array; both
    // come out as {items, variant, blob, placement, anchor, ...}.
    const items = Array.isArray(res) ? res : res?.suggestions || res?.items || [];
    const variant = (Array.isArray(res) ? '' : res?.variant) || this.variant();
    const extra = Array.isArray(res) || !res ? {} : { ...res, anchorItem: res.anchor && typeof res.anchor === 'object' ? res.anchor : null };
    return {
      ...extra,
      items: items.map((s, i) => ({ ...s, rank: s.rank ?? i + 1 })),
      variant,
      blob: this.version,
      placement: ctx.placement,
      anchor: ctx.anchor,
    };
  }

  /**
   * variant names this visitor's A/B variant for the events: "" without
   * experiments, the variant's name with one, "exp=variant,…" with several.
   */
  variant() {
    // Deterministic per visitor and blob: ask the core once per version
    // (the call goes through syscall/js and costs far more than recommend).
    if (this._variant !== undefined && this._variantFor === this.version) return this._variant;
    let v = '';
    try {
      const a = this.core.variant?.(this.visitor) || [];
      v = a.length === 1 ? String(a[0].variant || '') : a.map((x) => `${x.experiment}=${x.variant}`).join(',');
    } catch {
      v = '';
    }
    this._variant = v;
    this._variantFor = this.version;
    return v;
  }

  // ---- shopper state the widget keeps

  /** setCart records the shop's cart lines [{id, quantity, price?}] and tells the widgets. */
  setCart(lines) {
    this.cart = (lines || []).map((l) => ({ id: String(l.id ?? l.item), quantity: Number(l.quantity) || 1, ...(l.price !== undefined ? { price: Number(l.price) } : {}) }));
    writeJSON('cart-lines', this.cart);
    this.dispatchEvent(new CustomEvent('cart', { detail: this.cart }));
  }

  /** viewedItem remembers a product page view for post-purchase suggestions. */
  viewedItem(id) {
    const v = readList('viewed').filter((x) => x !== String(id));
    v.unshift(String(id));
    writeJSON('viewed', v.slice(0, 20));
  }

  dismissed() {
    return readList('dismissed').map((d) => d.id);
  }

  /** dismiss remembers that the shopper does not want item suggested again. */
  dismiss(item) {
    const list = readList('dismissed').filter((d) => d.id !== String(item));
    list.push({ id: String(item), ts: Date.now() });
    writeJSON('dismissed', list.slice(-MAX_DISMISSED));
  }

  // ---- events

  /**
   * track queues one event; it is stored before this returns, so it survives
   * a navigation or a closed tab, and sent in a batch later. Returns the event.
   */
  track(ev) {
    if (!ev || !EVENT_TYPES.has(ev.type)) {
      throw new XsellError('event', `event type ${JSON.stringify(ev?.type)}: want one of ${[...EVENT_TYPES].join(', ')}`);
    }
    // The wire names and bounds of POST /v1/events (docs/edge.md); fields
    // with nothing to say are left out rather than sent empty.
    const e = {
      id: ev.id || uuid(),
      type: ev.type,
      ...(ev.placement ? { placement: String(ev.placement) } : {}),
      anchor: String(ev.anchor || ''),
      item: String(ev.item || ''),
      rule: String(ev.rule || ''),
      rank: Math.min(99, Math.max(0, Math.trunc(Number(ev.rank) || 0))),
      variant: String(ev.variant || ''),
      blob: String(ev.blob || this.version),
      price: Math.max(0, Number(ev.price) || 0),
      qty: Math.min(10000, Math.max(1, Math.trunc(Number(ev.qty ?? ev.quantity) || 1))),
      ...(/^[A-Z]{3}$/.test(ev.currency || '') ? { currency: ev.currency } : {}),
      ...(ev.order ? { order: String(ev.order) } : {}),
      visitor: this.visitor,
      ts: Math.trunc(ev.ts || Date.now()),
    };
    const q = readList('queue');
    q.push(e);
    writeJSON('queue', q.slice(-MAX_QUEUE));
    if (e.type === 'add' && e.item) this._attribute(e);
    this._mirror(e, ev);
    this._schedule();
    return e;
  }

  _attribute(e) {
    const list = readList('attributed').filter((a) => a.item !== e.item && Date.now() - a.ts < ATTRIBUTION_WINDOW);
    list.push({ item: e.item, placement: e.placement, anchor: e.anchor, rule: e.rule, rank: e.rank, variant: e.variant, blob: e.blob, ts: e.ts });
    writeJSON('attributed', list.slice(-MAX_ATTRIBUTED));
  }

  /**
   * purchase reports an order: one purchase event per line, attributed to the
   * suggestion the shopper added it from when there was one, so the stats
   * can compare orders with and without accepted suggestions. An order id
   * already reported from this browser is not reported again.
   */
  purchase({ order, lines }) {
    if (!order) throw new XsellError('event', 'purchase needs an order id');
    const attributed = readList('attributed');
    const sent = readList('orders-reported');
    if (sent.includes(String(order))) return [];
    const out = [];
    for (const l of lines || []) {
      const id = String(l.id ?? l.item);
      const a = attributed.find((x) => x.item === id && Date.now() - x.ts < ATTRIBUTION_WINDOW);
      out.push(
        this.track({
          type: 'purchase',
          item: id,
          price: l.price,
          qty: Number(l.qty ?? l.quantity) || 1,
          currency: l.currency,
          order: String(order),
          ...(a ? { placement: a.placement, anchor: a.anchor, rule: a.rule, rank: a.rank, variant: a.variant, blob: a.blob } : { variant: this.variant() }),
        }),
      );
    }
    writeJSON('attributed', attributed.filter((x) => !out.some((e) => e.item === x.item)));
    // Bought items feed post-purchase suggestions (replenishment) later.
    const at = Math.floor(Date.now() / 1000);
    const owned = readList('owned').filter((o) => !out.some((e) => e.item === o.id));
    writeJSON('owned', [...owned, ...out.map((e) => ({ id: e.item, at }))].slice(-100));
    writeJSON('orders-reported', [...sent, String(order)].slice(-50));
    this.flush();
    return out;
  }

  /** pending is the number of events not yet acknowledged by the edge. */
  pending() {
    return readList('queue').length;
  }

  _schedule(delay) {
    if (this._closed || this._timer) return;
    const wait = delay ?? Math.max(this.flushInterval, this._retryAt - Date.now());
    this._timer = setTimeout(() => {
      this._timer = null;
      this.flush();
    }, wait);
  }

  /**
   * flush sends the queue in batches. A batch leaves the queue only once the
   * edge has acknowledged it; a failure retries with exponential backoff.
   * Every event keeps its id, so a batch sent twice is counted once.
   */
  flush() {
    if (this._flushing) return this._flushing;
    this._flushing = this._flushLoop().finally(() => {
      this._flushing = null;
    });
    return this._flushing;
  }

  async _flushLoop() {
    for (;;) {
      const batch = readList('queue').slice(0, BATCH);
      if (batch.length === 0) return true;
      let res;
      try {
        res = await fetchWithTimeout(
          `${this.endpoint}/v1/events`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: batch }), keepalive: true },
          10000,
        );
      } catch (e) {
        this._fail(new XsellError('unreachable', `POST /v1/events: ${e.message}`, e));
        return false;
      }
      if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)) {
        // 2xx: accepted, except the events the edge names as rejected, which
        // it will never take. Another 4xx: the edge will never take this
        // batch, so keeping it would block the queue for good. Either way
        // say so and drop them.
        const text = await res.text().catch(() => '');
        if (!res.ok) this._report(new XsellError('event', `POST /v1/events refused a batch of ${batch.length}: HTTP ${res.status} ${text.slice(0, 300)}`));
        else {
          let rejected = [];
          try {
            rejected = JSON.parse(text).rejected || [];
          } catch {
            // an answer without a body is fine
          }
          if (rejected.length) {
            const r = rejected[0];
            this._report(new XsellError('event', `POST /v1/events rejected ${rejected.length} event(s), e.g. event ${r.index} field ${r.field}: ${r.message}`));
          }
        }
        const sent = new Set(batch.map((e) => e.id));
        writeJSON('queue', readList('queue').filter((e) => !sent.has(e.id)));
        this._backoff = 0;
        this._retryAt = 0;
        continue;
      }
      this._fail(new XsellError('unreachable', `POST /v1/events: HTTP ${res.status}`));
      return false;
    }
  }

  _fail(err) {
    this._backoff = Math.min(this._backoff + 1, 7);
    const delay = Math.min(60000, 1000 * 2 ** this._backoff) * (0.75 + Math.random() / 2);
    this._retryAt = Date.now() + delay;
    this._report(err);
    this._schedule(delay);
  }

  /** beacon hands the queue to the browser as the page goes away. */
  _beacon() {
    const batch = readList('queue').slice(0, BATCH);
    if (batch.length === 0) return;
    const body = JSON.stringify({ events: batch });
    // The events stay queued: the next page sends them again and the edge
    // drops the ones it already has by id.
    try {
      if (navigator.sendBeacon?.(`${this.endpoint}/v1/events`, new Blob([body], { type: 'application/json' }))) return;
    } catch {
      // fall through to keepalive fetch
    }
    fetch(`${this.endpoint}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, keepalive: true }).catch(() => {});
  }

  // ---- GA4

  _mirror(e, ev) {
    if (!this.dataLayer) return;
    const name = { impression: 'view_item_list', click: 'select_item', add: 'add_to_cart' }[e.type];
    if (!name) return;
    const dl = (globalThis.dataLayer = globalThis.dataLayer || []);
    const item = { item_id: e.item, item_name: ev.title || e.item, price: e.price, quantity: e.qty, index: e.rank, item_list_id: e.placement, item_list_name: `xsell ${e.placement}` };
    dl.push({ ecommerce: null }); // GA4: clear the previous ecommerce object
    dl.push({
      event: name,
      ecommerce: {
        item_list_id: e.placement,
        item_list_name: `xsell ${e.placement}`,
        ...(e.type === 'add' ? { currency: e.currency, value: e.price * e.qty } : {}),
        items: [item],
      },
    });
  }

  // ---- blob versions

  async _loadBlob(manifest, opts = {}) {
    return this._installBlob(manifest, await this._fetchBlob(manifest, opts));
  }

  // _fetchBlob gets the blob's bytes, from the Cache API when it has them,
  // else from the edge. It needs no core: init runs it while the wasm starts.
  // The bytes go into a BlobIntake: once the core is up they are written
  // into its memory as they arrive (_intake), never copied whole.
  async _fetchBlob(manifest, { fromCacheOnly = false } = {}) {
    const url = `${this.endpoint}/v1/blob/${manifest.hash}`;
    const cache = await openCache(BLOB_CACHE);
    let bytes = null;
    let cached = false;
    if (cache) {
      const hit = await cache.match(url).catch(() => null);
      if (hit) {
        bytes = await readCapped(hit, MAX_BLOB, 'blob', this._intake(false)).catch(() => null);
        cached = !!bytes;
      }
    }
    if (!bytes) {
      if (fromCacheOnly) throw new XsellError('unreachable', 'offline and the blob is not cached');
      bytes = await fetchBlobBytes(url, { intake: () => this._intake(true) });
    }
    return { url, cache, bytes, cached };
  }

  // _intake: a BlobIntake for one download, attached to the core now or
  // as soon as it is up (init). hash: bytes from the network, hashed as
  // they arrive (loadBlobAsync checks that hash).
  _intake(hash) {
    const intake = new BlobIntake({ max: MAX_BLOB, hash });
    if (this.core) intake.attach(this.core);
    else this._intakes.push(intake);
    return intake;
  }

  // _coreUp: the core is running; downloads under way write into it from now on.
  _coreUp(core) {
    this.core = core;
    for (const intake of this._intakes.splice(0)) intake.attach(core);
  }

  // _installBlob checks fetched bytes against the manifest, has the core
  // verify and swap them in, and keeps them in the Cache API.
  async _installBlob(manifest, { url, cache, bytes, cached }) {
    if (bytes instanceof BlobIntake) {
      checkBlobHeader(bytes.head(), manifest);
      bytes.attach(this.core);
      bytes = bytes.bytes();
    } else checkBlobHeader(bytes, manifest);
    let info;
    try {
      // Bytes from our own Cache API were hashed before they were stored
      // there (below): the core checks everything but the hash again. Bytes
      // from the network: loadBlobAsync checks the hash the core's buffer
      // took as they streamed in (or WebCrypto's, for bytes held in the page).
      if (cached && this.core.loadVerifiedBlob) info = this.core.loadVerifiedBlob(bytes);
      else info = this.core.loadBlobAsync ? await this.core.loadBlobAsync(bytes) : this.core.loadBlob(bytes);
    } catch (e) {
      if (cached) await cache.delete(url).catch(() => {});
      const code = e.code === 'version' ? 'blob_version' : 'blob_corrupt';
      throw new XsellError(code, `the core rejected blob ${manifest.hash.slice(0, 12)}…: ${e.message}`, e);
    }
    // A blob in the core's memory is read there while it serves (a blob
    // swapped in meanwhile may have freed it): new Response copies it at once.
    const live = bytes instanceof Uint8Array || this.core.info?.hash === info.hash;
    if (cache && !cached && live) {
      const body = bytes instanceof Uint8Array ? bytes : bytes.view();
      await cache.put(url, new Response(body, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => {});
      this._prune(cache, url);
    }
    this.manifest = manifest;
    this.info = info;
    writeJSON('manifest', manifest);
    this._pruneShards().catch(() => {});
    return info;
  }

  async _prune(cache, keep) {
    // Keep the live blob and the one before it, so a rollback is cheap.
    const keys = await cache.keys().catch(() => []);
    const old = keys.map((r) => r.url).filter((u) => u !== keep);
    for (const u of old.slice(0, Math.max(0, old.length - 1))) await cache.delete(u).catch(() => {});
  }

  /**
   * revalidate asks the edge for the manifest and swaps in a new blob when
   * its hash changed; the page keeps the current one on any failure. Resolves
   * to true when a new version went live.
   */
  async revalidate() {
    this._checked = Date.now();
    let manifest;
    try {
      manifest = await fetchManifest(this.endpoint);
    } catch (e) {
      this._report(e);
      return false;
    }
    if (manifest.hash === this.version) return false;
    return this._adopt(manifest);
  }

  // _adopt loads the blob of manifest and makes it live; on any failure the
  // current blob keeps serving.
  async _adopt(manifest) {
    try {
      await this._loadBlob(manifest);
    } catch (e) {
      this._report(e);
      return false;
    }
    this.dispatchEvent(new CustomEvent('update', { detail: { version: manifest.hash } }));
    return true;
  }

  /** close stops timers and listeners (tests, single-page apps tearing down). */
  close() {
    this._closed = true;
    clearTimeout(this._timer);
    clearInterval(this._revalidateTimer);
    this._unlisten?.();
  }
}

async function fetchManifest(endpoint) {
  let res;
  try {
    res = await fetchWithTimeout(`${endpoint}/v1/manifest`, { cache: 'no-cache', headers: { accept: 'application/json' } }, 8000);
  } catch (e) {
    throw new XsellError('unreachable', `endpoint ${endpoint || location.origin} is unreachable: ${e.message}`, e);
  }
  if (!res.ok) throw new XsellError('unreachable', `GET ${endpoint}/v1/manifest: HTTP ${res.status}`);
  const body = await readCapped(res, MAX_MANIFEST, 'manifest');
  return parseManifest(new TextDecoder().decode(body));
}

// ---------------------------------------------------------------- the core

async function loadCoreModule(coreURL, wasmURL, wasmExecURL, immutable) {
  // The wasm download starts now, beside the bridge's, not after it.
  const cacheP = openCache(WASM_CACHE);
  let wasmP = cacheP.then((cache) => (immutable ? cacheFirst(cache) : cachedFetch(cache))(wasmURL));
  wasmP.catch(() => {}); // instantiate reports it
  let mod;
  try {
    mod = await import(coreURL);
  } catch (e) {
    throw new XsellError('wasm', `cannot load the core bridge ${coreURL}: ${e.message}`, e);
  }
  const cache = await cacheP;
  let fromCache = false;
  const fetchOnce = (url, init) => {
    if (wasmP && String(url) === wasmURL) {
      const p = wasmP;
      wasmP = null;
      return p.then((res) => {
        fromCache = res[FROM_CACHE] === true;
        return res;
      });
    }
    return cachedFetch(cache)(url, init);
  };
  try {
    return await mod.instantiate({ wasmURL, wasmExecURL, fetch: fetchOnce });
  } catch (e) {
    if (!fromCache) throw new XsellError('wasm', `the wasm core ${wasmURL} failed to load: ${e.message}`, e);
    // The copy in the Cache API did not compile (damaged storage): drop it
    // and take the network's, which goes back in the cache.
    await cache.delete(wasmURL).catch(() => {});
    try {
      return await mod.instantiate({ wasmURL, wasmExecURL, fetch: cacheFirst(cache) });
    } catch (e2) {
      throw new XsellError('wasm', `the wasm core ${wasmURL} failed to load: ${e2.message}`, e2);
    }
  }
}

const FROM_CACHE = Symbol('xsell.fromCache');

// cacheFirst serves a core that never changes under its URL (the stamped
// core/<build>/): from the Cache API when this browser has it, without the
// network or the HTTP cache. On a 2-core machine V8 compiles it from there
// at ~0.75× the time to the first suggestion of a warm page (docs/web.md,
// "The core from the Cache API"). A download is stored, and the other
// builds' copies go.
function cacheFirst(cache) {
  return async (url, init) => {
    const hit = cache && (await cache.match(url).catch(() => null));
    if (hit) {
      hit[FROM_CACHE] = true;
      return hit;
    }
    const res = await fetch(url, init);
    if (res.ok && cache) {
      const copy = res.clone();
      // Off the critical path: the core compiles from res meanwhile.
      (async () => {
        await cache.put(url, copy);
        for (const r of await cache.keys()) if (r.url !== url) await cache.delete(r);
      })().catch(() => {});
    }
    return res;
  };
}

// cachedFetch keeps the wasm in the Cache API so the core starts offline
// once it has been loaded; online, the network (and HTTP caching) wins.
function cachedFetch(cache) {
  return async (url, init) => {
    try {
      const res = await fetch(url, init);
      if (res.ok && cache) {
        // Store a copy only when it differs from the cached one, not 4 MB per
        // page view; off the critical path (the core compiles meanwhile).
        const tag = (r) => r && [r.headers.get('etag'), r.headers.get('last-modified'), r.headers.get('content-length')].join('|');
        const copy = res.clone();
        cache.match(url)
          .then((old) => (!old || tag(old) !== tag(copy) ? cache.put(url, copy) : copy.body?.cancel()))
          .catch(() => {});
      }
      return res;
    } catch (e) {
      const hit = cache && (await cache.match(url).catch(() => null));
      if (hit) return hit;
      throw e;
    }
  };
}

// ---------------------------------------------------------------- init

let current = null;
let starting = null; // the client init() is building, before its core and blob are in
let startingResolve;
const started = new Promise((res) => {
  startingResolve = res;
});
let readyResolve;
let readyReject;
/** ready resolves to the client of the first successful init() (the widget waits on it). */
export const ready = new Promise((res, rej) => {
  readyResolve = res;
  readyReject = rej;
});
ready.catch(() => {}); // nobody listening is fine

/** client returns the client of the last successful init(), or null. */
export function client() {
  return current;
}

/**
 * loadingClient returns the client init() is still loading (no core yet), or
 * the ready one: what the widget tracks an early answer's events with.
 */
export function loadingClient() {
  return current || starting;
}

/**
 * early answers ctx from the edge while this page's own core is still
 * loading: GET /v1/recommend runs the same core over the same blob on the
 * edge, so the first cards need not wait for the wasm and the blob (a round
 * trip of milliseconds against a few hundred for the core to start). It
 * resolves to what recommend() would, with early: true and the blob it came
 * from, or to null: when the core is ready (ask recommend()), when
 * init({early: false}) turned it off, when the context does not fit a query,
 * or when the edge does not answer within timeout ms (the page's core will).
 * A page may call it as soon as it knows a widget's context, before the
 * widget exists: the widget's own call for the same context reuses the answer.
 * A context the core answered on an earlier page within the hour (the widget
 * remembers what it rendered, Client.remember) is answered from this
 * browser at once, with remembered: true, without asking the edge.
 */
export async function early(ctx = {}, { timeout = 3000 } = {}) {
  await started;
  const c = starting;
  if (!c || !c.early || c._closed || current === c) return null;
  try {
    return await c._remote(ctx, timeout);
  } catch {
    return null;
  }
}

/**
 * init loads everything and resolves to a Client; it rejects with an
 * XsellError (also passed to onError) when no blob can be had, in which case
 * the widgets stay empty and the page works on.
 */
export async function init(opts = {}) {
  const p = initClient(opts);
  p.then(readyResolve, (e) => {
    try {
      opts.onError?.(e);
    } catch {
      // ignore
    }
    readyReject(e);
  });
  return p;
}

async function initClient({
  endpoint = '',
  wasmURL,
  coreURL,
  wasmExecURL,
  visitorId,
  freeDelivery,
  onError,
  dataLayer = false,
  early = true,
  flushInterval = 5000,
  revalidateInterval = 5 * 60 * 1000,
} = {}) {
  if (typeof endpoint !== 'string') throw new XsellError('config', 'init: endpoint must be a string URL');
  endpoint = endpoint.replace(/\/+$/, '');
  const base = defaultCoreBase;
  // The stamped core's wasm never changes under its URL: cache first.
  const immutableWasm = !!CORE_BUILD && !wasmURL;
  wasmURL = String(wasmURL || new URL('xsell.wasm', base));
  coreURL = String(coreURL || new URL('xsell-core.js', base));
  wasmExecURL = String(wasmExecURL || new URL('wasm_exec.js', base));
  const VISITOR = /^[A-Za-z0-9_-]{8,64}$/; // what the edge accepts
  if (visitorId !== undefined && !VISITOR.test(String(visitorId))) {
    throw new XsellError('config', 'init: visitorId must be 8 to 64 characters of A-Z a-z 0-9 _ -');
  }
  let visitor = visitorId || readJSON('visitor', '');
  if (typeof visitor !== 'string' || !VISITOR.test(visitor)) visitor = uuid();
  if (!visitorId) writeJSON('visitor', visitor);

  const c = new Client({ endpoint, visitor, onError, dataLayer, flushInterval, freeDelivery, early });
  starting = c;
  startingResolve();
  const stale = readJSON('manifest', null);

  // Manifest and core in parallel: the wasm download does not wait on the edge.
  // User Timing marks (xsell:manifest, xsell:core, xsell:blob) show where a
  // page's first suggestion spends its time.
  const mark = (name) => globalThis.performance?.mark?.(name);
  const manifestP = fetchManifest(endpoint).finally(() => mark('xsell:manifest'));
  manifestP.catch(() => {}); // handled below, maybe after the core
  const coreP = loadCoreModule(coreURL, wasmURL, wasmExecURL, immutableWasm).finally(() => mark('xsell:core'));
  // The blob's bytes download (or come out of the Cache API) while the wasm
  // compiles and starts: the stale blob when this browser has one, else the
  // one the edge's manifest names.
  let staleManifest = null;
  try {
    staleManifest = stale ? parseManifest(JSON.stringify(stale)) : null;
  } catch {
    // a stored manifest that no longer parses: go to the edge
  }
  const staleBytesP = staleManifest ? c._fetchBlob(staleManifest, { fromCacheOnly: true }) : null;
  const freshBytesP = staleBytesP ? null : manifestP.then((m) => c._fetchBlob(m));
  staleBytesP?.catch(() => {}); // handled below
  freshBytesP?.catch(() => {});
  let bytesHere = false;
  (staleBytesP || freshBytesP)?.then(() => { bytesHere = true; }, () => {});
  const [core] = await Promise.allSettled([coreP]);
  if (core.status === 'rejected') {
    c.close();
    throw core.reason;
  }
  c._coreUp(core.value);
  // The core is up before the blob: compile its load and recommend code
  // on the built-in tiny blob meanwhile (a few ms once V8 has the code).
  if (!bytesHere) c.core.warm?.();

  // Stale while revalidate: the blob this browser last used, when it is
  // still in the cache, answers at once; the edge's manifest is checked in
  // the background and a new version swaps in with an "update" event.
  let loaded = false;
  if (staleBytesP) {
    try {
      await c._installBlob(staleManifest, await staleBytesP);
      loaded = true;
    } catch {
      // not cached any more, or refused: go to the edge
    }
  }
  if (loaded) {
    c._checked = Date.now();
    manifestP.then(
      (m) => (m.hash === c.version ? null : c._adopt(m)),
      (e) => c._report(e),
    );
  } else {
    let firstErr = null;
    try {
      const m = await manifestP;
      await c._installBlob(m, await (freshBytesP || c._fetchBlob(m)));
      loaded = true;
    } catch (e) {
      firstErr = e;
    }
    if (!loaded) {
      c.close();
      throw firstErr;
    }
  }
  mark('xsell:blob');
  current = c;

  // Events: flush what earlier pages left, on a timer, and on page hide.
  const onHide = () => {
    if (document.visibilityState === 'hidden') c._beacon();
    // Back to a tab left open for a while: check for a new blob now.
    else if (revalidateInterval > 0 && Date.now() - c._checked > 60000) c.revalidate();
  };
  const onPageHide = () => c._beacon();
  const onOnline = () => {
    c._retryAt = 0;
    c.flush();
  };
  if (globalThis.document) {
    document.addEventListener('visibilitychange', onHide);
    addEventListener('pagehide', onPageHide);
    addEventListener('online', onOnline);
  }
  const onCart = (e) => c.setCart(e.detail?.lines || e.detail || []);
  globalThis.document?.addEventListener('xsell:cart', onCart);
  c._unlisten = () => {
    document.removeEventListener('visibilitychange', onHide);
    removeEventListener('pagehide', onPageHide);
    removeEventListener('online', onOnline);
    document.removeEventListener('xsell:cart', onCart);
  };
  if (c.pending() > 0) c._schedule(0);
  if (revalidateInterval > 0) c._revalidateTimer = setInterval(() => c.revalidate(), revalidateInterval);
  return c;
}
