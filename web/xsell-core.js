// xsell-core.js: the low-level bridge to the xsell wasm core. Setup
// (loadBlob, variant) goes through syscall/js; every recommendation is one
// call into a //go:wasmexport function over shared memory buffers (no
// js.FuncOf on the hot path). The loader web/xsell.js builds on this; the
// buffer layouts are documented in docs/engine.md.

const PLACEMENTS = ['product', 'add_to_cart', 'cart', 'checkout', 'order_confirmation', 'email'];
const KINDS = ['', 'complement', 'consumable', 'accessory', 'thematic', 'impulse', 'promo', 'upsell', 'downsell', 'service'];
const RULES = ['', 'matrix', 'pairs', 'triple', 'category', 'impulse', 'replenish', 'viewed', 'gap', 'upsell', 'downsell'];
const ROLES = ['', 'flagship', 'accessory', 'consumable', 'thematic', 'seasonal', 'impulse', 'service', 'promo'];

const CONTEXT_MAGIC = 0x31304358; // "XC01"
const CONTEXT_HEADER = 64;
const MAX_LIST = 4096;
const OUT_HEADER = 32;
const OUT_RECORD = 56;
const FLAG_FALLBACK = 1;
const FLAG_CLOSES_GAP = 2;
const FLAG_REASON_BY_EVIDENCE = 4; // the text is a function of rule, n_AB and lift alone
const MAX_EV_REASONS = 4096; // generated reasons remembered by (rule, n_AB, lift); then forgotten
const STOCK_IN = 0x7fffffff;
const MAX_NUM_CACHE = 1 << 16; // ids remembered per blob (known or not); then forgotten and asked again

let bootSeq = 0;

/**
 * instantiate loads Go's wasm_exec.js (once) and the core, runs it, and
 * resolves to a Core once the core has registered its setup functions.
 */
export async function instantiate(options = {}) {
  const { wasmURL, wasmExecURL, wasmBytes } = options;
  const doFetch = options.fetch || globalThis.fetch.bind(globalThis);
  if (!wasmBytes && !wasmURL) throw new Error('xsell-core: wasmURL or wasmBytes is required');
  // The wasm download starts before Go's glue script loads, not after it.
  const resP = wasmBytes ? null : Promise.resolve().then(() => doFetch(String(wasmURL)));
  resP?.catch(() => {}); // awaited below
  if (!globalThis.Go) {
    if (!wasmExecURL) throw new Error('xsell-core: wasmExecURL is required (Go\'s wasm_exec.js)');
    await import(String(wasmExecURL)); // a classic script that sets globalThis.Go; fine as a module
    if (!globalThis.Go) throw new Error(`xsell-core: ${wasmExecURL} did not define Go`);
  }
  const mark = (name) => globalThis.performance?.mark?.(name);
  const go = new globalThis.Go();
  let instance;
  if (wasmBytes) {
    ({ instance } = await WebAssembly.instantiate(wasmBytes, go.importObject));
  } else {
    const res = await resP;
    if (!res.ok) throw new Error(`xsell-core: ${wasmURL}: HTTP ${res.status}`);
    const streaming = WebAssembly.instantiateStreaming &&
      (res.headers.get('content-type') || '').split(';')[0].trim() === 'application/wasm';
    if (streaming) {
      try {
        ({ instance } = await WebAssembly.instantiateStreaming(res.clone(), go.importObject));
      } catch (e) {
        // Some servers compress or label wasm in ways streaming refuses; fall back.
        instance = null;
      }
    }
    if (!instance) ({ instance } = await WebAssembly.instantiate(await res.arrayBuffer(), go.importObject));
  }
  // User Timing marks: xsell:wasm-instantiated (fetched and compiled, from
  // V8's code cache when warm), xsell:wasm-started (the Go runtime is up).
  mark('xsell:wasm-instantiated');
  const key = `__xsell_boot_${++bootSeq}_${Math.random().toString(36).slice(2)}`;
  const api = await new Promise((resolve, reject) => {
    globalThis[key] = resolve;
    go.argv = ['xsell', key];
    go.run(instance).then(
      () => reject(new Error('xsell-core: the core exited')),
      (e) => reject(e),
    );
    setTimeout(() => reject(new Error('xsell-core: the core did not start')), 10000);
  }).finally(() => { delete globalThis[key]; });
  mark('xsell:wasm-started');
  return new Core(instance, api);
}

/** Core wraps one running wasm instance. */
export class Core {
  constructor(instance, api) {
    this._x = instance.exports;
    this._api = api;
    this._in = this._x.xsell_in();
    this._inSize = this._x.xsell_in_size();
    this._out = this._x.xsell_out();
    this._buf = null;
    this._view();
    this.info = null;
    this._num = new Map();
    this._segs = new Map();
    this._curs = new Map();
    this._items = [];
    this._reasons = new Map();
    this._evReasons = new Map();
    this._nums = new Uint32Array(64); // per answer: item and anchor numbers (at most 16 records)
    this._anchors = new Int32Array(64);
    this._visitor = '';
    this._visitorBytes = new Uint8Array(0);
    this._enc = new TextEncoder();
    this._dec = new TextDecoder();
    this._reserved = []; // BlobBuffers not loaded yet, oldest first (the core keeps the same)
  }

  // Views over wasm memory; rebuilt when memory grows (the old buffer detaches).
  _view() {
    const buf = this._x.mem.buffer;
    if (buf === this._buf) return;
    this._buf = buf;
    this._u8 = new Uint8Array(buf);
    this._dv = new DataView(buf);
  }

  /**
   * loadBlob verifies and swaps in a blob; throws Error{code} and keeps the
   * old one on failure. bytes: the blob, or a filled BlobBuffer of this core.
   */
  loadBlob(bytes) {
    return this._load(bytes, false);
  }

  /**
   * blobBuffer: room for a blob of size bytes inside the core, to write it
   * into as it arrives (BlobBuffer.write) and load it where it is: the
   * loads take the buffer in place of bytes. The page then never holds the
   * whole blob and nothing copies it into the core. hash: the buffer
   * hashes the body as it is written (SHA-256, ~50 ms per 10 MB spread
   * over the download), and loadBlobAsync then checks that instead of
   * copying the whole blob into WebCrypto at the end (~55 ms for 10 MB on a
   * fresh page): for bytes from the network. Null when this core cannot
   * (an older build) or size is out of range. The core keeps at most 4
   * buffers no load has taken; a fifth voids the oldest.
   */
  blobBuffer(size, { hash = false } = {}) {
    if (!this._api.reserve || !Number.isSafeInteger(size)) return null;
    const addr = this._api.reserve(size);
    if (typeof addr !== 'number') return null;
    if (this._reserved.length === MAX_RESERVED) this._reserved.shift()._live = false;
    const buf = new BlobBuffer(this, addr, size, hash);
    this._reserved.push(buf);
    return buf;
  }

  /**
   * loadBlobAsync is loadBlob with the body's SHA-256 checked by WebCrypto
   * (native, ~10× faster than hashing in the wasm) while the core decodes
   * and indexes the blob; the blob serves only once its hash matched. Same
   * result and errors.
   */
  async loadBlobAsync(bytes) {
    const subtle = globalThis.crypto && globalThis.crypto.subtle;
    const full = bytes instanceof BlobBuffer && bytes.length === bytes.size;
    const u8 = full ? bytes.view() : bytes instanceof BlobBuffer ? null : bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    // A zstd body hashes differently from its raw form: the core checks it.
    const raw = u8 && u8.length >= 128 && u8[0] === 0x58 && u8[1] === 0x53 && u8[2] === 0x45 && u8[3] === 0x4c && (u8[8] & 1) === 0;
    if (raw && full && bytes._sha) {
      // Hashed as it was written: compare, then load without a second hash.
      if (!sameHash(bytes._sha.digest(), u8.subarray(32, 64))) {
        this._drop(bytes); // not the blob it claims to be: never loaded
        throw hashMismatch();
      }
      hashed('stream');
      return this._result(this._api.loadBlob(this._take(bytes), true));
    }
    if (!subtle || !raw) return this._load(bytes, false); // the core says what is wrong
    const want = u8.slice(32, 64);
    // WebCrypto copies the bytes before digest returns: a view of the
    // core's memory may go stale once the core runs.
    const digest = subtle.digest('SHA-256', u8.subarray(128));
    let r;
    try {
      r = this._api.loadBlob(full ? this._take(bytes) : u8, true, true); // staged: decoded, not serving yet
    } finally {
      digest.catch(() => {}); // a failed load needs no hash
    }
    if (r && r.error) return this._result(r);
    let got;
    try {
      got = new Uint8Array(await digest);
    } catch (e) {
      this._api.commit(r.stage, false);
      throw e;
    }
    const same = sameHash(got, want);
    if (same) hashed('webcrypto');
    // A load that started later and finished first wins: commit says no.
    const live = this._api.commit(r.stage, same);
    if (!same) throw hashMismatch();
    if (!live) {
      const err = new Error('xsell-core: a later loadBlob replaced this one');
      err.code = 'other';
      throw err;
    }
    delete r.stage;
    return this._result(r);
  }

  /**
   * loadVerifiedBlob is loadBlob without the SHA-256 (everything else is
   * checked: header, version, limits, every column and reference), for bytes
   * the page verified before: web/xsell.js stores a blob in its Cache API
   * only after loadBlobAsync checked its hash, and loads it back from there
   * with this. Never for bytes fresh from the network.
   */
  loadVerifiedBlob(bytes) {
    return this._load(bytes, true);
  }

  /**
   * warm runs the core's decoder and engine once on a tiny built-in blob and
   * drops the result (nothing a caller sees changes): call it while the
   * real blob is still downloading, so that the wasm code its load and
   * first recommendation run is compiled by then. False when it could not.
   */
  warm() {
    try {
      return this._api.warm ? this._api.warm() === true : false;
    } catch {
      return false;
    }
  }

  /**
   * shardsNeeded: for a sharded blob (info.shards not empty), the indexes of
   * the shards that an answer for ctx (recommend, bundle or alternatives of
   * ctx.anchor) reads and the core does not have yet; fetch each from
   * `/v1/blob/${info.shards[i]}` and add it (loadShardAsync) before asking,
   * and the answer is the whole blob's. Always [] for a whole blob.
   */
  shardsNeeded(ctx = {}, anchor = ctx.anchor) {
    if (!this.info || !this.info.shards || this.info.shards.length === 0) return [];
    const n = this._encode(ctx, anchor);
    const k = this._call(this._x.xsell_shards(n));
    this._view();
    const out = [];
    for (let i = 0; i < k; i++) out.push(this._dv.getUint32(this._out + 4 * i, true));
    return out;
  }

  /**
   * loadShard adds a pair shard of the serving sharded blob; throws
   * Error{code} (and changes nothing) when it is not the shard the blob
   * lists at its index. → {index, shards, loaded}
   */
  loadShard(bytes) {
    return this._shard(bytes, false);
  }

  /** loadShardAsync is loadShard with the SHA-256 checked by WebCrypto. */
  async loadShardAsync(bytes) {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const subtle = globalThis.crypto && globalThis.crypto.subtle;
    if (!subtle || u8.length < 128 || (u8[8] & 1) !== 0) return this._shard(u8, false);
    const got = new Uint8Array(await subtle.digest('SHA-256', u8.subarray(128)));
    if (!sameHash(got, u8.subarray(32, 64))) throw hashMismatch();
    return this._shard(u8, true);
  }

  /** loadVerifiedShard: loadShard for bytes this page verified before (its Cache API). */
  loadVerifiedShard(bytes) {
    return this._shard(bytes, true);
  }

  _shard(bytes, verified) {
    const r = this._api.loadShard(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), verified);
    if (r && r.error) {
      const err = new Error(r.error);
      err.code = r.code;
      throw err;
    }
    return r;
  }

  _load(bytes, verified) {
    if (bytes instanceof BlobBuffer) {
      if (bytes.length === bytes.size) return this._result(this._api.loadBlob(this._take(bytes), verified));
      // Not filled (the body ended early): the core says what is wrong,
      // and the room goes back.
      const written = bytes.view().slice();
      this._drop(bytes);
      return this._result(this._api.loadBlob(written, verified));
    }
    return this._result(this._api.loadBlob(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), verified));
  }

  // _drop gives a buffer no load will take back to the core.
  _drop(buf) {
    const i = this._reserved.indexOf(buf);
    if (i >= 0) this._reserved.splice(i, 1);
    if (buf._live) this._api.release?.(buf.addr);
    buf._live = false;
  }

  // _take hands a filled BlobBuffer to a load: its address, which the core
  // takes back from its reservations. The bytes stay readable (view) while
  // that blob serves; nothing may write them again.
  _take(buf) {
    const i = this._reserved.indexOf(buf);
    if (buf._core !== this || !buf._live || i < 0) throw new Error('xsell-core: this BlobBuffer was loaded already, or voided by newer ones');
    this._reserved.splice(i, 1);
    buf._live = false;
    buf._loaded = true;
    return buf.addr;
  }

  // _result turns what the core's loadBlob answered into BlobInfo (or
  // throws its error) and resets what the page side keeps per blob.
  _result(r) {
    if (r && r.error) {
      const err = new Error(r.error);
      err.code = r.code;
      throw err;
    }
    // Ids are looked up in the core on first use (_lookup) and remembered:
    // the catalog's ids never cross the boundary at load.
    this._num = new Map();
    this._segs = new Map(Object.entries(r.segments || {}));
    this._curs = new Map(Object.entries(r.currencies || {}));
    this._items = new Array(r.items);
    this._reasons = new Map();
    this._evReasons = new Map();
    const { segments: _s, currencies: _c, ...info } = r;
    this.info = info;
    return info;
  }

  /** recommend: the best suggestions for ctx, best first. */
  recommend(ctx) {
    const n = this._encode(ctx, ctx && ctx.anchor);
    return this._list(this._call(this._x.xsell_recommend(n)));
  }

  /** bundle: the "cheaper together" kit of anchor, or null when there is nothing to bundle. */
  bundle(anchor, ctx = {}) {
    if (!this.info || this._lookup(anchor) < 0) return null;
    const n = this._encode(ctx, anchor);
    const len = this._call(this._x.xsell_bundle(n));
    this._view();
    // Totals first: reading items may reuse the output buffer.
    const total = this._dv.getFloat64(this._out + 16, true);
    const bundleTotal = this._dv.getFloat64(this._out + 24, true);
    const items = this._list(len);
    if (!items.length) return null;
    for (const s of items) {
      s.bundlePrice = s.price == null ? null : round2(s.price * (1 - s.discount / 100));
    }
    const a = this.item(String(anchor));
    return { anchor: a, items, total: round2(total), bundleTotal: round2(bundleTotal), saving: round2(total - bundleTotal), currency: a.currency };
  }

  /** alternatives: up-sells and down-sells of anchor, shown apart from cross-sell. */
  alternatives(anchor, ctx = {}) {
    const out = { upsell: [], downsell: [] };
    if (!this.info || this._lookup(anchor) < 0) return out;
    const n = this._encode(ctx, anchor);
    for (const s of this._list(this._call(this._x.xsell_alternatives(n)))) {
      (s.rule === 'upsell' ? out.upsell : out.downsell).push(s);
    }
    return out;
  }

  /** variant: the visitor's variant in every experiment of the blob. */
  variant(visitorId) {
    return this._api.variant(String(visitorId || ''));
  }

  /** item: the catalog fields of one item, or null. */
  item(id) {
    if (!this.info) return null;
    const i = this._lookup(id);
    return i < 0 ? null : { ...this._item(i) };
  }

  // _lookup returns the item number of a catalog id, or -1. The core looks
  // it up (the id goes through the output buffer, which is free while a
  // context is being written); the answer is remembered for this blob.
  _lookup(id) {
    const key = typeof id === 'string' ? id : String(id);
    let i = this._num.get(key);
    if (i !== undefined) return i;
    this._view();
    const room = this._u8.subarray(this._out, this._out + 65536);
    const { read, written } = this._enc.encodeInto(key, room);
    i = read === key.length && written > 0 ? this._x.xsell_lookup(written) : -1;
    if (this._num.size >= MAX_NUM_CACHE) this._num.clear();
    this._num.set(key, i);
    return i;
  }

  _call(len) {
    if (len < 0) {
      const n = this._x.xsell_error();
      this._view();
      throw new Error(this._dec.decode(this._u8.subarray(this._out, this._out + n)) || `xsell-core: error ${len}`);
    }
    return len;
  }

  // _encode writes ctx into the input buffer (docs/engine.md, "Context") and returns its length.
  _encode(ctx = {}, anchor) {
    if (!this.info) throw new Error('xsell-core: no blob loaded');
    this._view();
    const dv = this._dv;
    const base = this._in;
    const pl = PLACEMENTS.indexOf(ctx.placement || 'product');
    if (pl < 0) throw new Error(`xsell-core: unknown placement ${JSON.stringify(ctx.placement)} (want one of ${PLACEMENTS.join(', ')})`);
    let a = -1;
    if (anchor != null && anchor !== '') {
      a = this._lookup(anchor);
    }
    const now = ctx.now != null ? Math.floor(Number(ctx.now)) : Math.floor(Date.now() / 1000);
    const fd = Number(ctx.freeDelivery) > 0 ? Number(ctx.freeDelivery) : 0;
    let cur = 0;
    if (ctx.currency) cur = this._curs.get(String(ctx.currency)) ?? 0xffffffff;
    if (ctx.visitorId !== this._visitor) {
      this._visitor = ctx.visitorId || '';
      this._visitorBytes = this._enc.encode(this._visitor).subarray(0, 256);
    }
    const vb = this._visitorBytes;
    let p = base + CONTEXT_HEADER;
    const room = base + this._inSize - vb.length;
    const ok = (bytes) => p + bytes <= room;
    // Cart: item, qty.
    let nCart = 0;
    for (const l of ctx.cart || []) {
      if (nCart >= MAX_LIST || !ok(8)) break;
      const i = this._lookup(typeof l === 'string' ? l : l.id);
      if (i < 0) continue;
      const q = typeof l === 'string' ? 1 : Math.max(1, Math.min(1 << 20, Math.floor(Number(l.qty) || 1)));
      dv.setUint32(p, i, true); dv.setUint32(p + 4, q, true); p += 8; nCart++;
    }
    const ids = (list) => {
      let c = 0;
      for (const id of list || []) {
        if (c >= MAX_LIST || !ok(4)) break;
        const i = this._lookup(id);
        if (i < 0) continue;
        dv.setUint32(p, i, true); p += 4; c++;
      }
      return c;
    };
    const nViewed = ids(ctx.viewed);
    let nOwned = 0;
    for (const o of ctx.owned || []) {
      if (nOwned >= MAX_LIST || !ok(12)) break;
      const i = this._lookup(typeof o === 'string' ? o : o.id);
      if (i < 0) continue;
      const at = typeof o === 'string' ? 0 : Math.floor(Number(o.at) || 0);
      dv.setUint32(p, i, true); setI64(dv, p + 4, at); p += 12; nOwned++;
    }
    const nDismissed = ids(ctx.dismissed);
    let nSeg = 0;
    for (const s of ctx.segments || []) {
      if (nSeg >= MAX_LIST || !ok(4)) break;
      const n = this._segs.get(String(s));
      if (n === undefined) continue; // a segment no rule mentions cannot change the answer
      dv.setUint32(p, n, true); p += 4; nSeg++;
    }
    this._u8.set(vb, p); p += vb.length;
    dv.setUint32(base, CONTEXT_MAGIC, true);
    dv.setUint32(base + 4, pl, true);
    dv.setInt32(base + 8, a, true);
    dv.setUint32(base + 12, Math.max(0, Math.min(16, Math.floor(Number(ctx.k) || 0))), true);
    setI64(dv, base + 16, now);
    dv.setFloat64(base + 24, fd, true);
    dv.setUint32(base + 32, cur, true);
    dv.setUint32(base + 36, nCart, true);
    dv.setUint32(base + 40, nViewed, true);
    dv.setUint32(base + 44, nOwned, true);
    dv.setUint32(base + 48, nDismissed, true);
    dv.setUint32(base + 52, nSeg, true);
    dv.setUint32(base + 56, vb.length, true);
    dv.setUint32(base + 60, 0, true);
    return p - base;
  }

  // _list decodes the answer in the output buffer (docs/engine.md, "Answer").
  _list(len) {
    this._view();
    const dv = this._dv;
    const o = this._out;
    const count = Math.min(dv.getUint32(o, true), this._nums.length);
    const text = o + dv.getUint32(o + 8, true);
    const out = new Array(count);
    const nums = this._nums;
    const anchors = this._anchors;
    for (let k = 0; k < count; k++) {
      const r = o + OUT_HEADER + k * OUT_RECORD;
      const item = dv.getUint32(r, true);
      const anchor = dv.getInt32(r + 4, true);
      const flags = dv.getUint8(r + 10);
      const reasonRef = dv.getUint32(r + 16, true);
      const tOff = dv.getUint32(r + 20, true);
      const tLen = dv.getUint32(r + 24, true);
      const nab = dv.getUint32(r + 28, true);
      let reason;
      if (reasonRef !== 0) {
        reason = this._reasons.get(reasonRef);
        if (reason === undefined) {
          reason = utf8(this._u8, text + tOff, tLen, this._dec);
          this._reasons.set(reasonRef, reason);
        }
      } else if ((flags & FLAG_REASON_BY_EVIDENCE) !== 0 && nab < 131072) {
        // "bought together in 312 orders, 4.1× …": decoding it was most of
        // the page's side of a call; the core says the same three numbers
        // give the same text. Key: rule and n_AB above the lift's bits.
        const key = (nab * 16 + (dv.getUint8(r + 9) & 15)) * 4294967296 + dv.getUint32(r + 44, true);
        reason = this._evReasons.get(key);
        if (reason === undefined) {
          reason = utf8(this._u8, text + tOff, tLen, this._dec);
          if (this._evReasons.size >= MAX_EV_REASONS) this._evReasons.clear();
          this._evReasons.set(key, reason);
        }
      } else {
        reason = utf8(this._u8, text + tOff, tLen, this._dec);
      }
      nums[k] = item;
      anchors[k] = anchor;
      out[k] = {
        id: '', title: '', price: null, currency: '', url: '', image: '', category: '',
        kind: KINDS[dv.getUint8(r + 8)] || 'complement',
        rule: RULES[dv.getUint8(r + 9)] || '',
        reason,
        fallback: (flags & FLAG_FALLBACK) !== 0,
        closesGap: (flags & FLAG_CLOSES_GAP) !== 0,
        anchor: null,
        score: dv.getFloat32(r + 12, true),
        evidence: nab === 0 ? null : {
          together: nab,
          anchorOrders: dv.getUint32(r + 32, true),
          itemOrders: dv.getUint32(r + 36, true),
          orders: dv.getUint32(r + 40, true),
          lift: Math.round(dv.getFloat32(r + 44, true) * 100) / 100,
        },
        discount: dv.getFloat32(r + 48, true),
      };
    }
    // Item fields last: a cache miss reuses the output buffer.
    for (let k = 0; k < count; k++) {
      const it = this._item(nums[k]);
      const s = out[k];
      s.id = it.id; s.title = it.title; s.price = it.price; s.currency = it.currency;
      s.url = it.url; s.image = it.image; s.category = it.category;
      if (anchors[k] >= 0) s.anchor = this._item(anchors[k]).id;
    }
    return out;
  }

  // _item reads (once per blob) one item's fields through xsell_item.
  _item(i) {
    let it = this._items[i];
    if (it) return it;
    const len = this._call(this._x.xsell_item(i));
    this._view();
    const dv = this._dv;
    const o = this._out;
    const price = dv.getFloat64(o + 8, true);
    const stock = dv.getInt32(o + 4, true);
    const role = ROLES[dv.getUint8(o + 16)] || '';
    const n = dv.getUint32(o + 20, true);
    const s = [];
    let p = o + 24;
    for (let k = 0; k < n && p + 4 <= o + len; k++) {
      const l = dv.getUint32(p, true);
      s.push(utf8(this._u8, p + 4, l, this._dec));
      p += 4 + l;
    }
    it = {
      id: s[0] || '', title: s[1] || '', price: Number.isNaN(price) ? null : price, currency: s[2] || '',
      url: s[3] || '', image: s[4] || '', category: s[5] || '', role,
      stock: stock === STOCK_IN ? 'in' : stock < 0 ? null : stock,
    };
    this._items[i] = it;
    return it;
  }
}

const MAX_RESERVED = 4; // wasm/main_js.go's maxReserved

/**
 * BlobBuffer is room for one blob inside a core's memory (core.blobBuffer):
 * write the blob's bytes in order as they arrive, then pass the buffer to
 * loadBlob, loadBlobAsync or loadVerifiedBlob.
 */
export class BlobBuffer {
  constructor(core, addr, size, hash = false) {
    this._core = core;
    this.addr = addr;
    this.size = size;
    this.length = 0;
    this._live = true;
    this._loaded = false;
    this._sha = hash ? new Sha256() : null; // of the body: bytes 128 on
  }

  /** writable: false once the buffer was loaded or voided. */
  get writable() {
    return this._live;
  }

  /** write appends chunk; throws past size, or once the buffer was loaded or voided. */
  write(chunk) {
    if (!this._live) throw new Error('xsell-core: this BlobBuffer was loaded already, or voided by newer ones');
    if (this.length + chunk.length > this.size) throw new RangeError(`xsell-core: ${this.length + chunk.length} bytes do not fit a BlobBuffer of ${this.size}`);
    const c = this._core;
    c._view(); // the core's memory may have grown since
    c._u8.set(chunk, this.addr + this.length);
    if (this._sha) this._sha.update(this.length >= 128 ? chunk : chunk.subarray(128 - this.length));
    this.length += chunk.length;
  }

  /** release gives the room back to the core when no load will take it (a download that failed). */
  release() {
    if (this._live) this._core._drop(this);
  }

  /**
   * view: the bytes written so far, in the core's memory. Read it at once:
   * it is stale once the core's memory grows, and void once the blob is
   * replaced (or, not loaded, once this buffer is voided).
   */
  view() {
    if (!this._live && !this._loaded) throw new Error('xsell-core: this BlobBuffer was voided by newer ones');
    const c = this._core;
    c._view();
    return c._u8.subarray(this.addr, this.addr + this.length);
  }
}

// Sha256 hashes in steps (update as chunks arrive, then digest): WebCrypto
// hashes only a whole buffer, which it copies first. FIPS 180-4; tested
// against WebCrypto (wasm/test/core.test.mjs).
const SHA_K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export class Sha256 {
  constructor() {
    this._h = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    this._w = new Int32Array(64);
    this._buf = new Uint8Array(64); // a block's start, until the rest comes
    this._n = 0;
    this._len = 0;
    this._out = null;
  }

  /** update hashes the next bytes. */
  update(d) {
    if (this._out) throw new Error('xsell-core: Sha256 digested already');
    const n = d.length;
    this._len += n;
    let i = 0;
    if (this._n > 0) {
      i = Math.min(64 - this._n, n);
      this._buf.set(d.subarray(0, i), this._n);
      this._n += i;
      if (this._n < 64) return this;
      this._block(this._buf, 0);
      this._n = 0;
    }
    for (; i + 64 <= n; i += 64) this._block(d, i);
    if (i < n) {
      this._buf.set(d.subarray(i), 0);
      this._n = n - i;
    }
    return this;
  }

  /** digest: the 32-byte SHA-256 of everything updated (final; asked again, the same). */
  digest() {
    if (this._out) return this._out;
    const bits = this._len * 8;
    const pad = new Uint8Array((((this._n + 9 + 63) >> 6) << 6) - this._n);
    pad[0] = 0x80;
    const k = pad.length;
    const hi = Math.floor(bits / 2 ** 32);
    const lo = bits >>> 0;
    for (let j = 0; j < 4; j++) {
      pad[k - 8 + j] = hi >>> (24 - 8 * j);
      pad[k - 4 + j] = lo >>> (24 - 8 * j);
    }
    this.update(pad);
    const out = new Uint8Array(32);
    for (let j = 0; j < 32; j++) out[j] = this._h[j >> 2] >>> (24 - 8 * (j & 3));
    this._out = out;
    return out;
  }

  _block(p, o) {
    const w = this._w;
    const h = this._h;
    for (let j = 0; j < 16; j++, o += 4) w[j] = (p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3];
    for (let j = 16; j < 64; j++) {
      const x = w[j - 15];
      const y = w[j - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[j] = (w[j - 16] + s0 + w[j - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (let j = 0; j < 64; j++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + s1 + ((e & f) ^ (~e & g)) + SHA_K[j] + w[j]) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + hh) | 0;
  }
}

// hashed: a User Timing mark for each blob whose SHA-256 loadBlobAsync
// checked (detail: how), so a page can see which loads hashed.
function hashed(how) {
  globalThis.performance?.mark?.('xsell:blob-hashed', { detail: { how } });
}

// sameHash: a WebCrypto SHA-256 digest equals the 32 bytes a header names.
function sameHash(got, want) {
  let same = got.length === 32 && want.length === 32;
  for (let i = 0; i < 32; i++) same &&= got[i] === want[i];
  return same;
}

function hashMismatch() {
  const err = new Error('blob: body hash mismatch');
  err.code = 'hash';
  return err;
}

function setI64(dv, at, v) {
  const lo = v % 0x100000000;
  dv.setUint32(at, lo < 0 ? lo + 0x100000000 : lo, true);
  dv.setInt32(at + 4, Math.floor(v / 0x100000000), true);
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

// utf8 decodes short strings without TextDecoder's per-call overhead.
function utf8(u8, at, len, dec) {
  if (len > 64) return dec.decode(u8.subarray(at, at + len));
  let s = '';
  const start = at;
  const end = at + len;
  while (at < end) {
    const c = u8[at++];
    if (c < 0x80) { s += String.fromCharCode(c); continue; }
    if (c >= 0xc0 && c < 0xe0 && at < end) { s += String.fromCharCode(((c & 0x1f) << 6) | (u8[at++] & 0x3f)); continue; }
    if (c >= 0xe0 && c < 0xf0 && at + 1 < end) {
      s += String.fromCharCode(((c & 0x0f) << 12) | ((u8[at] & 0x3f) << 6) | (u8[at + 1] & 0x3f));
      at += 2;
      continue;
    }
    return dec.decode(u8.subarray(start, end)); // 4-byte or broken sequences: the real decoder
  }
  return s;
}

export { PLACEMENTS, KINDS, RULES };
