// <xsell-recommendations>: the cards a shopper sees. A custom element with
// shadow DOM, themable through CSS custom properties and ::part(), that asks
// the loader for suggestions, tracks what the shopper does with them and
// tells the shop's cart through DOM events. Catalog strings only ever reach
// the page through textContent and checked attributes, never as HTML.

import { early, loadingClient, ready, XsellError } from './xsell.js';

const STYLE = `
:host {
  display: block;
  contain: layout;
  box-sizing: border-box;
  font: inherit;
  color: var(--xsell-fg, inherit);
  --_accent: var(--xsell-accent, #0b6bcb);
  --_accent-fg: var(--xsell-accent-fg, #fff);
  --_bg: var(--xsell-bg, #fff);
  --_muted: var(--xsell-muted, #5b6470);
  --_border: var(--xsell-border, #d8dde3);
  --_radius: var(--xsell-radius, 10px);
  --_gap: var(--xsell-gap, 12px);
  --_card-min: var(--xsell-card-min, 150px);
  --_nudge-bg: var(--xsell-nudge-bg, #fff6d6);
  /* reserved while loading, so the page does not jump when cards arrive */
  min-height: var(--xsell-min-height, 22rem);
}
:host([state=ready]) { min-height: 0; }
:host([state=empty]), :host([state=error]), :host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: border-box; }
section { margin: 0; }
h2 { font-size: var(--xsell-title-size, 1.1rem); margin: 0 0 var(--_gap); }
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: var(--_gap);
     /* at least two cards per row, even on a phone */
     grid-template-columns: repeat(auto-fill, minmax(min(var(--_card-min), calc(50% - var(--_gap))), 1fr)); }
li.card { position: relative; display: flex; flex-direction: column; gap: 6px; min-width: 0;
     background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); padding: 10px; }
li.card:focus-within { outline: 2px solid var(--_accent); outline-offset: 2px; }
a.link { color: inherit; text-decoration: none; display: flex; flex-direction: column; gap: 6px; min-width: 0; }
a.link:focus-visible { outline: none; }
a.link:hover .name { text-decoration: underline; }
.image { display: block; width: 100%; height: auto; aspect-ratio: 1 / 1; object-fit: cover; border-radius: calc(var(--_radius) - 4px);
     background: #eef1f4; }
.placeholder { display: grid; place-items: center; font-size: 2rem; color: var(--_muted); overflow: hidden; }
.name { font-weight: 600; line-height: 1.3; height: 2.6em; overflow: hidden; overflow-wrap: anywhere;
     display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; unicode-bidi: plaintext; }
.price { font-weight: 600; }
.price s { color: var(--_muted); font-weight: 400; margin-inline-end: 4px; }
.reason { color: var(--_muted); font-size: .875em; line-height: 1.35; margin: 0; min-height: 2.7em; overflow: hidden;
     overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; unicode-bidi: plaintext; }
.badge { align-self: flex-start; font-size: .75em; font-weight: 600; padding: 2px 6px; border-radius: 999px;
     background: var(--_nudge-bg); }
.actions { margin-top: auto; display: flex; gap: 6px; }
button { font: inherit; cursor: pointer; border-radius: calc(var(--_radius) - 4px); min-height: 36px; }
button.add { flex: 1; background: var(--_accent); color: var(--_accent-fg); border: 0; padding: 6px 10px; font-weight: 600; }
button.add[aria-pressed=true] { background: #1d7a3e; }
button.dismiss { position: absolute; top: 4px; inset-inline-end: 4px; width: 32px; min-height: 32px; border: 1px solid var(--_border);
     background: var(--_bg); color: var(--_muted); font-size: 1.1rem; line-height: 1; padding: 0; }
button:focus-visible { outline: 3px solid var(--_accent); outline-offset: 2px; }
.nudge { background: var(--_nudge-bg); border-radius: var(--_radius); padding: 8px 12px; margin: 0 0 var(--_gap); }
.bundle-row { display: grid; grid-template-columns: auto 56px 1fr auto; align-items: center; gap: 10px;
     padding: 8px 0; border-bottom: 1px solid var(--_border); }
.bundle-row .image { width: 56px; }
.bundle-row .name { height: auto; }
.bundle-row input { width: 20px; height: 20px; accent-color: var(--_accent); }
.total { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: var(--_gap); margin-top: var(--_gap); }
.total strong { font-size: 1.15em; }
.saving { color: #1d7a3e; font-weight: 600; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-reduced-motion: no-preference) { li.card { transition: opacity .15s; } }
`;

// safeURL keeps http(s) and same-site relative URLs; anything else (say
// "javascript:") becomes "" so a hostile catalog cannot run script on click.
export function safeURL(u) {
  if (typeof u !== 'string' || u === '') return '';
  try {
    const url = new URL(u, document.baseURI);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

const formats = new Map();
/** money formats an amount in a currency; a bad currency code falls back to plain digits. */
export function money(amount, currency) {
  if (amount === null || amount === undefined || !Number.isFinite(Number(amount))) return '';
  const code = /^[A-Za-z]{3}$/.test(currency || '') ? currency.toUpperCase() : '';
  const key = code || '-';
  if (!formats.has(key)) {
    let f;
    try {
      f = code ? new Intl.NumberFormat(undefined, { style: 'currency', currency: code }) : null;
    } catch {
      f = null;
    }
    formats.set(key, f || new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  }
  return formats.get(key).format(Number(amount));
}

// A renderer's first currency format costs 40-60 ms on a 2-core machine
// (ICU's start, once per process, whatever the currency), and a cold page
// paid it in the middle of drawing its first cards. Paid here instead, in a
// task of its own after this module's: a page's widgets have sent their
// early asks by then and wait on the network meanwhile.
setTimeout(() => money(0, 'USD'), 0);

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

let seq = 0;

export class XsellRecommendations extends HTMLElement {
  static observedAttributes = ['placement', 'anchor', 'limit', 'title', 'heading', 'mode', 'free-delivery'];

  constructor() {
    super();
    this._id = `x${++seq}`;
    this._cart = null;
    this._seen = new Set();
    this._result = null;
    const root = this.attachShadow({ mode: 'open' });
    const style = el('style');
    style.textContent = STYLE;
    this._section = el('section', { part: 'container', 'aria-labelledby': `${this._id}-h` });
    this._heading = el('h2', { part: 'title', id: `${this._id}-h`, tabindex: '-1' });
    this._nudge = el('p', { part: 'nudge', class: 'nudge', hidden: true });
    this._body = el('div', { part: 'body' });
    this._live = el('p', { class: 'sr', role: 'status', 'aria-live': 'polite' });
    this._section.append(this._heading, this._nudge, this._body, this._live);
    root.append(style, this._section);
    this._io = 'IntersectionObserver' in globalThis ? new IntersectionObserver((es) => this._visible(es), { threshold: 0.5 }) : null;
    this._onUpdate = () => this._schedule();
    this._section.addEventListener('keydown', (e) => this._keys(e));
  }

  /** cart: [{id, quantity, price}] the shop may set directly instead of sending xsell:cart. */
  get cart() {
    return this._cart ?? this._tracker()?.cart ?? [];
  }
  set cart(lines) {
    this._cart = Array.isArray(lines) ? lines : null;
    this._schedule();
  }

  /** result is the last answer rendered (for tests and shops that log it). */
  get result() {
    return this._result;
  }

  connectedCallback() {
    if (!this.hasAttribute('state')) this.setAttribute('state', 'loading');
    ready.then(
      (c) => {
        if (!this.isConnected) return;
        this._client = c;
        c.addEventListener('update', this._onUpdate);
        c.addEventListener('cart', this._onUpdate);
        this._schedule(); // not at once after an add on early cards (see _schedule)
      },
      () => this.setAttribute('state', 'error'),
    );
    this._early();
  }

  // _early shows the edge's answer (or the one this browser remembers for
  // this context) while the page's core loads (xsell.js early()); the
  // core's first render then keeps these cards when its answer is the
  // same, and replaces them when it is not.
  async _early() {
    if (this._client || this.getAttribute('mode') === 'bundle') return;
    const res = await early(this._ctx());
    if (!res || this._client || !this.isConnected || res.items.length === 0) return;
    this._show(res, false);
  }

  // _ctx is the context of this element's attributes and cart.
  _ctx() {
    const ctx = { placement: this.placement, anchor: this.getAttribute('anchor') || '', cart: this.cart, ...(this.limit ? { k: this.limit } : {}) };
    // The client fills in its own threshold (init's freeDelivery, else the
    // blob's policy): only this element's override goes in.
    const fd = Number(this.getAttribute('free-delivery')) || 0;
    if (fd) ctx.freeDelivery = fd;
    return ctx;
  }

  // _tracker is the client events go through: the ready one, or the one
  // still loading while early cards show.
  _tracker() {
    return this._client || loadingClient();
  }

  disconnectedCallback() {
    this._client?.removeEventListener('update', this._onUpdate);
    this._client?.removeEventListener('cart', this._onUpdate);
    this._io?.disconnect();
  }

  attributeChangedCallback() {
    this._schedule();
  }

  _schedule() {
    if (!this._client || this._pending) return;
    const hold = (this._holdUntil || 0) - Date.now();
    if (hold > 0) {
      // Right after an add, keep the "Added ✓" card in place for a moment
      // instead of re-rendering away the item that just went into the cart.
      clearTimeout(this._holdTimer);
      this._holdTimer = setTimeout(() => this._schedule(), hold);
      return;
    }
    this._pending = true;
    queueMicrotask(() => {
      this._pending = false;
      this._render();
    });
  }

  get placement() {
    return this.getAttribute('placement') || 'product';
  }
  get limit() {
    const n = parseInt(this.getAttribute('limit') || '', 10);
    return n >= 1 && n <= 8 ? n : 0;
  }

  _cartTotal() {
    return this.cart.reduce((s, l) => s + (Number(l.price) || 0) * (Number(l.quantity ?? l.qty) || 1), 0);
  }

  _freeDelivery() {
    const c = this._tracker();
    return Number(this.getAttribute('free-delivery')) || c?.freeDelivery || c?.info?.freeDelivery || 0;
  }

  _render() {
    const c = this._client;
    if (!c) return;
    const bundle = this.getAttribute('mode') === 'bundle';
    let res, ctx;
    try {
      ctx = this._ctx();
      // A sharded blob: fetch the shards of this anchor and cart first (once
      // per context; if one cannot be had, render without it).
      const key = JSON.stringify(ctx);
      if (c.needsShards?.(ctx)) {
        if (this._prepared !== key) {
          this._prepared = key;
          this._preparing = c.prepare(ctx).finally(() => {
            this._preparing = null;
            this._schedule();
          });
          return;
        }
        if (this._preparing) return; // the render after it shows the answer
      }
      res = bundle ? c.bundle(ctx.anchor, ctx) : c.recommend(ctx);
    } catch (e) {
      c._report(e instanceof XsellError ? e : new XsellError('core', e.message, e));
      this._result = null;
      this.setAttribute('state', 'error');
      return;
    }
    if (this.limit) res.items = res.items.slice(0, this.limit);
    this._show(res, bundle);
    if (!bundle) c.remember(ctx, res); // the next page with this context draws it at once
  }

  // _show renders an answer, from the page's core or early from the edge.
  _show(res, bundle) {
    const prev = this._result;
    const gap = bundle ? null : this._gapInfo(res);
    const look = bundle ? null : `${gap.gap}|${gap.item?.id ?? ''}`;
    if (!bundle && res.items.length && this._look === look && prev && sameCards(prev, res)) {
      // The same cards again (the core agreeing with the edge's early ones,
      // or a cart change that changes nothing here): keep them in place, so
      // nothing flickers and no impression is counted twice.
      this._result = res;
      this._heading.textContent = this.getAttribute('heading') || this.getAttribute('title') || defaultTitle(this.placement);
      this.dispatchEvent(new CustomEvent('xsell:render', { bubbles: true, composed: true, detail: { placement: this.placement, items: res.items.map((s) => s.id), early: !!res.early, remembered: !!res.remembered, kept: true } }));
      return;
    }
    this._look = look;
    this._io?.disconnect();
    this._seen = new Set();
    this._result = res;
    this._body.replaceChildren();
    this._nudge.hidden = true;
    if (res.items.length === 0) {
      this.setAttribute('state', 'empty');
      return;
    }
    this._heading.textContent =
      this.getAttribute('heading') || this.getAttribute('title') || (bundle ? 'Cheaper together' : defaultTitle(this.placement));
    if (bundle) this._renderBundle(res);
    else this._renderCards(res, gap);
    this.setAttribute('state', 'ready');
    this.dispatchEvent(new CustomEvent('xsell:render', { bubbles: true, composed: true, detail: { placement: this.placement, items: res.items.map((s) => s.id), early: !!res.early, remembered: !!res.remembered } }));
  }

  _renderCards(res, gap) {
    const ul = el('ul', { part: 'list', 'aria-labelledby': `${this._id}-h` });
    for (const s of res.items) ul.append(this._card(s, res, gap));
    this._body.append(ul);
    if (gap.item) {
      this._nudge.textContent = `Add ${money(gap.gap, gap.item.currency)} more for free delivery — ${gap.item.title} fits.`;
      this._nudge.hidden = false;
    }
  }

  // _gapInfo: how far the cart is from free delivery and which suggestion
  // closes the gap (the core marks it; priced at least the gap otherwise).
  _gapInfo(res) {
    const threshold = this._freeDelivery();
    const out = { gap: 0, item: null };
    if (!threshold || (this.placement !== 'cart' && this.placement !== 'checkout')) return out;
    const total = this._cartTotal();
    out.gap = Math.round((threshold - total) * 100) / 100;
    if (total <= 0 || out.gap <= 0) return out;
    out.item = res.items.find((s) => s.closesGap) || null; // the core decides what fits the gap
    return out;
  }

  _image(s, cls = 'image') {
    const src = safeURL(s.image);
    if (src) return el('img', { part: 'image', class: cls, src, alt: '', width: 160, height: 160, loading: 'lazy', decoding: 'async' });
    const ph = el('span', { part: 'image', class: `${cls} placeholder`, 'aria-hidden': 'true' });
    ph.textContent = [...String(s.title || s.id || '?').trim()][0] || '?';
    return ph;
  }

  _card(s, res, gap) {
    const li = el('li', { part: 'card', class: 'card', 'data-id': s.id, 'data-rule': s.rule || '' });
    const href = safeURL(s.url);
    const link = el(href ? 'a' : 'div', { part: 'link', class: 'link', href: href || null });
    const name = el('span', { part: 'name', class: 'name', dir: 'auto' }, s.title || s.id);
    link.append(this._image(s), name);
    if (href) link.addEventListener('click', () => this._track('click', s, res));
    const price = el('span', { part: 'price', class: 'price' }, money(s.price, s.currency));
    const reason = el('p', { part: 'reason', class: 'reason', dir: 'auto' }, s.reason || '');
    li.append(link, price, reason);
    if (gap.item === s) li.append(el('span', { part: 'badge', class: 'badge' }, 'Free delivery with this'));
    const actions = el('div', { class: 'actions' });
    const add = el('button', { part: 'add', class: 'add', type: 'button', 'aria-pressed': 'false', 'aria-label': `Add ${s.title || s.id} to cart` }, 'Add to cart');
    add.addEventListener('click', () => this._add(s, res, add));
    const dismiss = el('button', { part: 'dismiss', class: 'dismiss', type: 'button', 'aria-label': `Not interested in ${s.title || s.id}`, title: 'Not interested' }, '×');
    dismiss.addEventListener('click', () => this._dismiss(s, res, li));
    actions.append(add);
    li.append(actions, dismiss);
    this._io?.observe(li);
    return li;
  }

  _renderBundle(res) {
    const box = el('div', { part: 'bundle', class: 'bundle' });
    const fieldset = el('div', { role: 'group', 'aria-labelledby': `${this._id}-h` });
    const anchor = res.anchorItem;
    if (anchor) fieldset.append(this._bundleRow(anchor, null, res));
    const boxes = [];
    for (const s of res.items) {
      const row = this._bundleRow(s, boxes, res);
      fieldset.append(row);
      this._io?.observe(row);
    }
    const total = el('div', { part: 'total', class: 'total' });
    const sum = el('span', { 'aria-live': 'polite' });
    const strong = el('strong', { part: 'total-price' });
    const was = el('s', { part: 'total-was' });
    const saving = el('span', { part: 'saving', class: 'saving' });
    sum.append('Total: ', was, ' ', strong, ' ', saving);
    const addAll = el('button', { part: 'add', class: 'add', type: 'button' });
    const update = () => {
      const picked = res.items.filter((s, i) => boxes[i].checked);
      const full = (Number(anchor?.price) || 0) + picked.reduce((t, s) => t + (Number(s.price) || 0), 0);
      const together = (Number(anchor?.price) || 0) + picked.reduce((t, s) => t + (Number(s.bundlePrice ?? s.price) || 0), 0);
      const cur = anchor?.currency || res.currency || res.items[0]?.currency;
      strong.textContent = money(together, cur);
      was.textContent = full - together > 0.004 ? money(full, cur) : '';
      saving.textContent = full - together > 0.004 ? `You save ${money(full - together, cur)}` : '';
      addAll.textContent = `Add ${picked.length + (anchor ? 1 : 0)} items to cart`;
      addAll.disabled = picked.length === 0;
      this._bundleState = { picked, full, together };
    };
    for (const b of boxes) b.addEventListener('change', update);
    addAll.addEventListener('click', () => {
      const { picked } = this._bundleState;
      if (anchor && !this.cart.some((l) => String(l.id ?? l.item) === anchor.id)) {
        this._emitAdd({ ...anchor, rule: '', rank: 0 }, res, anchor.price, true);
      }
      for (const s of picked) this._add(s, res, null, s.bundlePrice ?? s.price);
      addAll.setAttribute('aria-pressed', 'true');
      this._say(`Added ${picked.length + (anchor ? 1 : 0)} items to the cart`);
    });
    update();
    total.append(sum, addAll);
    box.append(fieldset, total);
    this._body.append(box);
  }

  _bundleRow(s, boxes, res) {
    const row = el('label', { part: 'bundle-item', class: 'bundle-row', 'data-id': s.id });
    const cb = el('input', { type: 'checkbox', part: 'checkbox' });
    cb.checked = true;
    if (!boxes) {
      cb.disabled = true; // the anchor is what the kit is for
      cb.setAttribute('aria-label', `${s.title || s.id} (this item)`);
    } else boxes.push(cb);
    const name = el('span', { class: 'name', part: 'name', dir: 'auto' }, s.title || s.id);
    const price = el('span', { class: 'price', part: 'price' });
    if (boxes && s.bundlePrice != null && Number(s.bundlePrice) < Number(s.price)) {
      price.append(el('s', {}, money(s.price, s.currency)), money(s.bundlePrice, s.currency));
    } else price.textContent = money(s.price, s.currency);
    row.append(cb, this._image(s), name, price);
    return row;
  }

  _visible(entries) {
    const res = this._result;
    for (const e of entries) {
      if (!e.isIntersecting || !res) continue;
      const id = e.target.getAttribute('data-id');
      if (this._seen.has(id)) continue;
      this._seen.add(id);
      this._io.unobserve(e.target);
      const s = res.items.find((x) => x.id === id);
      if (s) this._track('impression', s, res);
    }
  }

  _track(type, s, res, extra = {}) {
    try {
      this._tracker().track({
        type,
        placement: res.placement,
        anchor: s.anchor || res.anchor || '',
        item: s.id,
        rule: s.rule || '',
        rank: s.rank || 0,
        variant: res.variant,
        blob: res.blob,
        price: s.price ?? 0,
        quantity: 1,
        title: s.title,
        currency: s.currency,
        ...extra,
      });
    } catch (e) {
      this._tracker()?._report(e);
    }
  }

  _add(s, res, button, price = s.price) {
    this._holdUntil = Date.now() + 2500;
    this._track('add', s, res, { price });
    this._emitAdd(s, res, price, false);
    if (button) {
      button.setAttribute('aria-pressed', 'true');
      button.textContent = 'Added ✓';
      this._say(`Added ${s.title || s.id} to the cart`);
    }
  }

  _emitAdd(s, res, price, isAnchor) {
    // The shop's cart listens for this; the element does not touch the cart.
    this.dispatchEvent(
      new CustomEvent('xsell:add', {
        bubbles: true,
        composed: true,
        detail: { id: s.id, title: s.title, price, currency: s.currency, url: s.url, image: s.image, quantity: 1, placement: res.placement, anchor: res.anchor, rule: s.rule || '', rank: s.rank || 0, anchorItem: isAnchor },
      }),
    );
  }

  _dismiss(s, res, li) {
    this._track('dismiss', s, res);
    this._tracker().dismiss(s.id);
    const next = li.nextElementSibling || li.previousElementSibling;
    const nextId = next?.getAttribute('data-id');
    this._say(`${s.title || s.id} removed from suggestions`);
    if (this._client) this._render();
    else {
      // Early cards, no core yet: take the card away; the core's first
      // render leaves the dismissed item out.
      this._result = { ...res, items: res.items.filter((x) => x.id !== s.id) };
      li.remove();
      if (this._result.items.length === 0) this.setAttribute('state', 'empty');
    }
    // Keep keyboard focus in the widget, on the card that took its place.
    const target = (nextId && this.shadowRoot.querySelector(`li[data-id="${CSS.escape(nextId)}"] button.dismiss`)) || this.shadowRoot.querySelector('button.dismiss');
    (target || this._heading).focus?.();
  }

  _say(text) {
    this._live.textContent = text;
  }

  // Arrow keys move between cards; Tab still walks every control.
  _keys(e) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const cards = [...this.shadowRoot.querySelectorAll('li.card')];
    const i = cards.findIndex((c) => c.contains(this.shadowRoot.activeElement));
    if (i < 0) return;
    const j = (i + (e.key === 'ArrowRight' ? 1 : cards.length - 1)) % cards.length;
    const f = cards[j].querySelector('a.link, button.add');
    if (f) {
      e.preventDefault();
      f.focus();
    }
  }
}

// sameCards: two answers that draw the same cards, from the same blob, for
// the same placement and anchor (what the cards' events carry).
function sameCards(a, b) {
  if (a.blob !== b.blob || a.variant !== b.variant || a.placement !== b.placement || a.anchor !== b.anchor || a.items.length !== b.items.length) return false;
  return a.items.every((x, i) => {
    const y = b.items[i];
    return x.id === y.id && x.rule === y.rule && x.reason === y.reason && x.price === y.price && x.closesGap === y.closesGap && (x.anchor ?? null) === (y.anchor ?? null);
  });
}

function defaultTitle(placement) {
  return (
    {
      product: 'Goes well with',
      add_to_cart: 'Complete your purchase',
      cart: "Don't forget",
      checkout: 'Last-minute additions',
      order_confirmation: 'You may also need',
      email: 'Picked for you',
    }[placement] || 'Recommended for you'
  );
}

if (!customElements.get('xsell-recommendations')) customElements.define('xsell-recommendations', XsellRecommendations);
