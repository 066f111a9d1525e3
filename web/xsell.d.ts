// Types for xsell.js (the loader) and xsell-widget.js (<xsell-recommendations>).

import type { Placement, Kind, Rule, Evidence, Suggestion as CoreSuggestion, BundleItem as CoreBundleItem } from './xsell-core.js';
export type { Placement, Kind, Rule, Evidence };
export type EventType = 'impression' | 'click' | 'add' | 'purchase' | 'dismiss';

export type XsellErrorCode =
  | 'config' // bad init() options
  | 'unreachable' // the endpoint did not answer (network, timeout, 5xx)
  | 'manifest' // the manifest is not what the loader expects
  | 'too_large' // a response over the loader's byte caps
  | 'blob_version' // the blob is a newer major format version; the last good blob keeps serving
  | 'blob_corrupt' // the blob failed its checks (magic, hash, columns)
  | 'wasm' // the core bridge or the wasm failed to load
  | 'core' // a call into the core failed
  | 'answer' // the edge's early answer (GET /v1/recommend) was refused
  | 'event'; // an event was malformed or refused by the edge

export class XsellError extends Error {
  readonly name: 'XsellError';
  readonly code: XsellErrorCode;
}

export interface InitOptions {
  /** Base URL of the xsell edge ("" = same origin). /v1/manifest etc. are resolved against it. */
  endpoint?: string;
  /** URL of xsell.wasm; default: beside xsell.js. */
  wasmURL?: string | URL;
  /** URL of xsell-core.js; default: beside xsell.js. */
  coreURL?: string | URL;
  /** URL of Go's wasm_exec.js; default: beside xsell.js. */
  wasmExecURL?: string | URL;
  /** A stable visitor id (8–64 of A-Z a-z 0-9 _ -); default: a random id kept in localStorage. */
  visitorId?: string;
  /** Cart total at which delivery is free; overrides the blob's policy for the free-delivery nudge. */
  freeDelivery?: number;
  /** Called with every XsellError, including background ones (revalidation, event delivery). */
  onError?: (err: XsellError) => void;
  /** Mirror impressions, clicks and adds to GA4 ecommerce events in window.dataLayer. */
  dataLayer?: boolean;
  /**
   * Ask the edge (GET /v1/recommend, the same core server-side) for the first
   * cards while this page's core loads (default true). false: nothing about
   * the shopper's context leaves the page; the cards wait for the core.
   */
  early?: boolean;
  /** Milliseconds between event flushes (default 5000). */
  flushInterval?: number;
  /** Milliseconds between manifest revalidations (default 300000; 0 = only at init). */
  revalidateInterval?: number;
}

export interface CartLine {
  id: string;
  quantity: number;
  /** Unit price; the free-delivery nudge needs it. */
  price?: number;
}

export interface Context {
  placement?: Placement;
  anchor?: string;
  /** Default: the cart last set with setCart() or the xsell:cart event. */
  cart?: CartLine[];
  k?: number;
  segments?: string[];
  viewed?: string[];
  owned?: { id: string; at: number }[];
  dismissed?: string[];
  currency?: string;
  freeDelivery?: number;
  /** Milliseconds since the epoch; default Date.now(). */
  now?: number;
}

/** A suggestion as the loader answers it: the core's, with its position. */
export interface Suggestion extends CoreSuggestion {
  /** 1-based position in the answer. */
  rank: number;
}

export interface Answer {
  items: Suggestion[];
  /** This visitor's A/B variant ("" without experiments). */
  variant: string;
  /** Hash of the blob that answered. */
  blob: string;
  /** true when the edge answered (early()) while the page's core loaded. */
  early?: boolean;
  /** true on an early answer this browser kept from the core on an earlier page (Client.remember). */
  remembered?: boolean;
  placement: Placement;
  anchor: string;
}

export interface BundleItem extends CoreBundleItem {
  rank: number;
}

export interface BundleAnswer extends Answer {
  items: BundleItem[];
  /** The kit's anchor item (catalog fields). */
  anchorItem: { id: string; title: string; price: number | null; currency: string; url: string; image: string; category: string } | null;
  total: number;
  bundleTotal: number;
  saving: number;
  currency: string;
}

export interface TrackedEvent {
  id: string;
  type: EventType;
  placement?: Placement;
  anchor: string;
  item: string;
  rule: string;
  rank: number;
  variant: string;
  blob: string;
  price: number;
  qty: number;
  currency?: string;
  order?: string;
  visitor: string;
  /** Unix milliseconds. */
  ts: number;
}

export interface TrackInput {
  type: EventType;
  placement?: Placement;
  anchor?: string;
  item?: string;
  rule?: string;
  rank?: number;
  variant?: string;
  price?: number;
  qty?: number;
  currency?: string;
  order?: string;
  /** Only for the GA4 mirror. */
  title?: string;
}

export interface Manifest {
  version: string;
  hash: string;
  size: number;
  raw_size: number;
  created: string;
  counts: Record<string, number>;
  shards: { hash: string; size: number; from?: string; to?: string }[];
  experiments?: { name: string; variants: string[] }[];
}

export class Client extends EventTarget {
  readonly endpoint: string;
  readonly visitor: string;
  /** Hash of the live blob. */
  readonly version: string;
  readonly manifest: Manifest | null;
  cart: CartLine[];
  freeDelivery: number;
  recommend(ctx?: Context): Answer;
  bundle(anchor: string, ctx?: Context): BundleAnswer;
  /** Keeps the core's answer to ctx for an hour: the next page with the same context shows it as its early cards. */
  remember(ctx: Context, res: Answer): void;
  /** Catalog fields of one item from the blob, or null. */
  item(id: string): { id: string; title: string; price: number | null; currency: string; url: string; image: string; category: string; role: string; stock: number } | null;
  variant(): string;
  setCart(lines: CartLine[]): void;
  viewedItem(id: string): void;
  dismiss(item: string): void;
  dismissed(): string[];
  track(ev: TrackInput): TrackedEvent;
  purchase(order: { order: string; lines: { id: string; price: number; quantity: number; currency?: string }[] }): TrackedEvent[];
  /** Send queued events now; resolves true when the queue is empty. */
  flush(): Promise<boolean>;
  pending(): number;
  /** Check the manifest now; resolves true when a new blob went live (an "update" event follows). */
  revalidate(): Promise<boolean>;
  close(): void;
  addEventListener(type: 'update', listener: (e: CustomEvent<{ version: string }>) => void): void;
  addEventListener(type: 'cart', listener: (e: CustomEvent<CartLine[]>) => void): void;
  addEventListener(type: 'error', listener: (e: CustomEvent<XsellError>) => void): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

/** Load manifest, blob and core; rejects with an XsellError when no blob can be had. */
export function init(opts?: InitOptions): Promise<Client>;
/** Resolves with the client of the first successful init(). */
export const ready: Promise<Client>;
/** The client of the last successful init(), or null. */
export function client(): Client | null;
/** The client init() is still loading (no core yet), else the ready one; null before init(). */
export function loadingClient(): Client | null;
/**
 * The edge's answer for ctx while the page's core loads (or, for a context
 * the core answered on an earlier page within the hour, this browser's, with
 * remembered: true); null once the core is ready, with init({early: false}),
 * or when the edge does not answer in time.
 * One request per context and page: call it early, the widget reuses it.
 */
export function early(ctx?: Context, opts?: { timeout?: number }): Promise<Answer | null>;
export function uuid(): string;
export function parseManifest(text: string): Manifest;
export function checkBlobHeader(bytes: Uint8Array, manifest?: Manifest): void;

/**
 * Gathers a blob as it arrives (push each chunk). Attached to a core, it
 * writes the chunks into a BlobBuffer of the size the blob's header gives
 * (hashing them too with hash: true); bytes() is then that buffer, else a
 * Uint8Array of everything for the core to judge.
 */
export declare class BlobIntake {
  constructor(options?: { max?: number; hash?: boolean });
  readonly length: number;
  /** Throws RangeError past max. */
  push(chunk: Uint8Array): void;
  attach(core: import('./xsell-core.js').Core): void;
  /** The download failed: its buffer goes back to the core; a later attach reserves none. */
  abandon(): void;
  /** The first n bytes (default 128, the header), fewer when fewer came. */
  head(n?: number): Uint8Array;
  bytes(): import('./xsell-core.js').BlobBuffer | Uint8Array;
}

/** Detail of the xsell:add event the widget dispatches (bubbles, composed). */
export interface AddDetail {
  id: string;
  title: string;
  price: number | null;
  currency: string;
  url: string;
  image: string;
  quantity: number;
  placement: Placement;
  anchor: string;
  rule: string;
  rank: number;
  /** true when a bundle adds its anchor item. */
  anchorItem: boolean;
}

declare global {
  interface HTMLElementTagNameMap {
    'xsell-recommendations': HTMLElement & {
      /** Cart lines for this element only; default: the client's cart. */
      cart: CartLine[];
      /** The answer last rendered. */
      readonly result: Answer | BundleAnswer | null;
    };
  }
  interface DocumentEventMap {
    'xsell:add': CustomEvent<AddDetail>;
    'xsell:cart': CustomEvent<{ lines: CartLine[] }>;
    'xsell:render': CustomEvent<{ placement: Placement; items: string[]; early: boolean }>;
  }
}
