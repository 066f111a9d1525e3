// Types of web/xsell-core.js, the low-level bridge to the xsell wasm core.

export type Placement = 'product' | 'add_to_cart' | 'cart' | 'checkout' | 'order_confirmation' | 'email';
export type Kind = 'complement' | 'consumable' | 'accessory' | 'thematic' | 'impulse' | 'promo' | 'upsell' | 'downsell' | 'service';
export type Rule = 'matrix' | 'pairs' | 'triple' | 'category' | 'impulse' | 'replenish' | 'viewed' | 'gap' | 'upsell' | 'downsell';

export interface CoreOptions {
  /** URL of xsell.wasm (instantiateStreaming when served as application/wasm). */
  wasmURL?: string | URL;
  /** URL of Go's wasm_exec.js; loaded once, it defines globalThis.Go. */
  wasmExecURL?: string | URL;
  /** The wasm bytes, instead of fetching wasmURL. */
  wasmBytes?: ArrayBuffer | Uint8Array;
  /** fetch to use for the wasm (e.g. one backed by the Cache API). */
  fetch?: (input: string) => Promise<Response>;
}

export interface BlobInfo {
  hash: string;
  version: string;
  created: number;
  generator: string;
  items: number;
  pairs: number;
  triples: number;
  matrix: number;
  feedback: number;
  orders: number;
  freeDelivery: number;
  experiments: { name: string; variants: string[] }[];
  /** A sharded blob's pair shards by index (content addresses); [] for a whole blob. */
  shards: string[];
}

export interface ShardInfo {
  index: number;
  shards: number;
  loaded: number;
}

export interface Context {
  placement: Placement;
  anchor?: string;
  cart?: ({ id: string; qty?: number } | string)[];
  viewed?: string[];
  owned?: ({ id: string; at?: number } | string)[];
  dismissed?: string[];
  segments?: string[];
  /** Unix seconds; default: the browser clock. */
  now?: number;
  currency?: string;
  freeDelivery?: number;
  visitorId?: string;
  k?: number;
}

export interface Item {
  id: string;
  title: string;
  price: number | null;
  currency: string;
  url: string;
  image: string;
  category: string;
  role: string;
  /** 'in' (in stock, no count), a count, or null when unknown. */
  stock: 'in' | number | null;
}

export interface Evidence {
  together: number;
  anchorOrders: number;
  itemOrders: number;
  orders: number;
  lift: number;
}

export interface Suggestion {
  id: string;
  title: string;
  price: number | null;
  currency: string;
  url: string;
  image: string;
  category: string;
  kind: Kind;
  rule: Rule;
  reason: string;
  fallback: boolean;
  closesGap: boolean;
  anchor: string | null;
  score: number;
  evidence: Evidence | null;
  /** Bundle discount in percent (bundle only; 0 otherwise). */
  discount: number;
}

export interface BundleItem extends Suggestion {
  bundlePrice: number | null;
}

export interface Bundle {
  anchor: Item;
  items: BundleItem[];
  total: number;
  bundleTotal: number;
  saving: number;
  currency: string;
}

export interface Assignment {
  experiment: string;
  variant: string;
  holdout: boolean;
}

export interface CoreError extends Error {
  code: 'magic' | 'version' | 'truncated' | 'hash' | 'signature' | 'limit' | 'corrupt' | 'zstd' | 'other';
}

/**
 * Room for one blob inside the core's memory (Core.blobBuffer): write the
 * blob in order as it arrives, then pass the buffer to a load, which reads
 * it where it is.
 */
export declare class BlobBuffer {
  readonly addr: number;
  readonly size: number;
  /** Bytes written so far. */
  readonly length: number;
  /** False once loaded or voided (a fifth buffer voids the oldest unloaded one). */
  readonly writable: boolean;
  /** Appends chunk; throws RangeError past size, Error once not writable. */
  write(chunk: Uint8Array): void;
  /** Gives the room back to the core when no load will take it (a failed download). */
  release(): void;
  /** The bytes written, in the core's memory: read at once (stale once the memory grows). */
  view(): Uint8Array;
}

/** SHA-256 in steps (WebCrypto hashes only a whole buffer, which it copies first). */
export declare class Sha256 {
  update(bytes: Uint8Array): this;
  /** The 32-byte digest; final. */
  digest(): Uint8Array;
}

export declare class Core {
  readonly info: BlobInfo | null;
  /** Verifies (SHA-256 in the core) and swaps in a blob; the old one serves on any failure. */
  loadBlob(bytes: Uint8Array | ArrayBuffer | BlobBuffer): BlobInfo;
  /**
   * Room for a blob of size bytes inside the core, to write it into as it
   * arrives and load it where it is: the page never holds it whole, nothing
   * copies it into the core. hash: the buffer hashes the body as it is
   * written and loadBlobAsync checks that (for bytes from the network).
   * Null when size is out of range.
   */
  blobBuffer(size: number, options?: { hash?: boolean }): BlobBuffer | null;
  /**
   * loadBlob with the SHA-256 checked outside the core: by the buffer that
   * hashed the blob as it was written, else by WebCrypto while the core
   * decodes; the blob serves only once the hash matched (User Timing mark
   * xsell:blob-hashed, detail.how 'stream' or 'webcrypto'); rejects with
   * the same errors, or code 'other' when a later load replaced this one.
   */
  loadBlobAsync(bytes: Uint8Array | ArrayBuffer | BlobBuffer): Promise<BlobInfo>;
  /**
   * loadBlob without the SHA-256 (header, version, limits and every column
   * are still checked), for bytes this page verified before, e.g. a blob it
   * stored in its Cache API only after loadBlobAsync accepted it. Never for
   * bytes fresh from the network.
   */
  loadVerifiedBlob(bytes: Uint8Array | ArrayBuffer | BlobBuffer): BlobInfo;
  /**
   * Runs the decoder and engine once on a tiny built-in blob, changing
   * nothing: call it while the real blob downloads, so that its load and
   * first recommendation find their code compiled. False when it could not.
   */
  warm(): boolean;
  /** Indexes of the shards an answer for ctx reads and the core lacks ([] for a whole blob). */
  shardsNeeded(ctx: Partial<Context>, anchor?: string): number[];
  /** Adds a pair shard of the serving sharded blob (hash checked in the core). */
  loadShard(bytes: Uint8Array | ArrayBuffer): ShardInfo;
  /** loadShard with the SHA-256 checked by WebCrypto. */
  loadShardAsync(bytes: Uint8Array | ArrayBuffer): Promise<ShardInfo>;
  /** loadShard for bytes this page verified before (its Cache API). */
  loadVerifiedShard(bytes: Uint8Array | ArrayBuffer): ShardInfo;
  recommend(ctx: Context): Suggestion[];
  bundle(anchor: string, ctx?: Partial<Context>): Bundle | null;
  alternatives(anchor: string, ctx?: Partial<Context>): { upsell: Suggestion[]; downsell: Suggestion[] };
  variant(visitorId: string): Assignment[];
  item(id: string): Item | null;
}

export declare function instantiate(options: CoreOptions): Promise<Core>;
export declare const PLACEMENTS: Placement[];
export declare const KINDS: string[];
export declare const RULES: string[];
