// The demo shop: a product list, product pages, a cart in localStorage,
// checkout and order confirmation, each with its xsell placement. It is what
// a shop's own code would look like: it owns its cart and listens for the
// widget's xsell:add events; xsell never touches the cart itself.

import { early, init } from '../xsell.js';
import { money } from '../xsell-widget.js';

const CART = 'shop:cart';
const ORDERS = 'shop:orders';
const DELIVERY_FEE = 4.95;
const PRODUCT_CARDS = 4; // the product widget's limit, and the k of its early ask (the same context)

// ------------------------------------------------------------ data

let productsPromise = null;
/** products loads the list generated from the blob at build time. */
export function products() {
  productsPromise ??= fetch(new URL('products.json', import.meta.url))
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`products.json: HTTP ${r.status}`))))
    .catch((e) => {
      console.warn('shop:', e);
      return { items: [], currency: 'GBP', freeDelivery: 0 };
    });
  return productsPromise;
}

function load(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
}

export function cart() {
  return load(CART, []);
}

function saveCart(lines) {
  localStorage.setItem(CART, JSON.stringify(lines));
  announceCart(lines);
}

// announceCart tells xsell (and its widgets) what is in the cart, the
// documented way: an xsell:cart event on document.
function announceCart(lines) {
  document.dispatchEvent(new CustomEvent('xsell:cart', { detail: { lines: lines.map((l) => ({ id: l.id, quantity: l.quantity, price: l.price })) } }));
  const n = lines.reduce((s, l) => s + l.quantity, 0);
  for (const el of document.querySelectorAll('[data-cart-count]')) el.textContent = String(n);
}

export function addToCart(item, quantity = 1) {
  const lines = cart();
  const line = lines.find((l) => l.id === item.id);
  if (line) line.quantity += quantity;
  else lines.push({ id: item.id, title: item.title, price: Number(item.price) || 0, currency: item.currency || '', url: item.url || '', image: item.image || '', quantity });
  saveCart(lines);
  return lines;
}

function setQuantity(id, quantity) {
  const lines = cart()
    .map((l) => (l.id === id ? { ...l, quantity } : l))
    .filter((l) => l.quantity > 0);
  saveCart(lines);
}

export function subtotal(lines = cart()) {
  return Math.round(lines.reduce((s, l) => s + l.price * l.quantity, 0) * 100) / 100;
}

// ------------------------------------------------------------ DOM helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function safeHref(u) {
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

// tile draws a product picture: the catalog image when it has one, else a
// coloured square with the initial (the Online Retail sample has no images).
function tile(p) {
  const src = p.image && safeHref(p.image);
  if (src) return el('img', { class: 'tile', src, alt: '', width: 300, height: 300 });
  let h = 0;
  for (const ch of String(p.category || p.id)) h = (h * 31 + ch.charCodeAt(0)) % 360;
  const t = el('span', { class: 'tile', 'aria-hidden': 'true' }, [...String(p.title || p.id).trim()][0] || '?');
  t.style.background = `hsl(${h} 60% 85%)`;
  return t;
}

// productURL: the catalog's own URL when it is a local /product/ID page,
// else the generic product page.
function productURL(id, url) {
  if (typeof url === 'string' && /^\/product\/[A-Za-z0-9._-]+$/.test(url)) return url;
  return `/product.html?id=${encodeURIComponent(id)}`;
}

// pageProductID reads the id from ?id= or from a /product/ID path.
function pageProductID() {
  const q = new URLSearchParams(location.search).get('id');
  if (q) return q;
  const m = location.pathname.match(/^\/product\/([^/]+?)(\.html)?$/);
  return m ? decodeURIComponent(m[1]) : '';
}

// ------------------------------------------------------------ xsell

let client = null;
async function startXsell() {
  const q = new URLSearchParams(location.search);
  const endpoint = q.get('endpoint') || '';
  try {
    client = await init({
      endpoint,
      early: q.get('early') !== '0', // ?early=0: no early cards from the edge (the bench compares)
      dataLayer: true,
      onError: (e) => {
        // The shop keeps working without suggestions; it only logs.
        console.warn(String(e.message || e));
        document.documentElement.dataset.xsellError = e.code || 'error';
      },
    });
    client.setCart(cart().map((l) => ({ id: l.id, quantity: l.quantity, price: l.price })));
    document.documentElement.dataset.xsell = 'ready';
  } catch {
    document.documentElement.dataset.xsell = 'failed';
  }
  return client;
}

function header() {
  const count = cart().reduce((s, l) => s + l.quantity, 0);
  return el(
    'header',
    { class: 'top' },
    el(
      'nav',
      { 'aria-label': 'Shop' },
      el('a', { class: 'brand', href: '/index.html' }, 'Hearth & Home'),
      el('a', { href: '/index.html' }, 'Products'),
      el('a', { href: '/dashboard.html' }, 'Dashboard'),
      el('a', { class: 'cart-link', href: '/cart.html', 'aria-label': 'Cart' }, 'Cart (', el('span', { 'data-cart-count': '' }, String(count)), ')'),
    ),
  );
}

function footer(list) {
  return el(
    'footer',
    {},
    `Demo shop on the Online Retail sample (UCI, CC BY 4.0). Delivery ${money(DELIVERY_FEE, list.currency)}`,
    list.freeDelivery ? `, free from ${money(list.freeDelivery, list.currency)}.` : '.',
    ' Suggestions are computed in your browser by xsell.',
  );
}

function widget(attrs) {
  return el('xsell-recommendations', attrs);
}

// ------------------------------------------------------------ pages

async function home(main, list) {
  main.append(el('h1', {}, 'Products'));
  const ul = el('ul', { class: 'grid', 'data-products': '' });
  for (const p of list.items) {
    ul.append(
      el(
        'li',
        { 'data-id': p.id },
        el('a', { href: productURL(p.id, p.url) }, tile(p), el('div', { class: 'name', dir: 'auto' }, p.title)),
        el('span', { class: 'price' }, money(p.price, p.currency)),
        el('button', { class: 'secondary', type: 'button', 'aria-label': `Add ${p.title} to cart`, onclick: () => addToCart(p) }, 'Add to cart'),
      ),
    );
  }
  if (list.items.length === 0) ul.append(el('li', { class: 'empty' }, 'No products yet.'));
  main.append(ul);
}

async function product(main, list) {
  const id = pageProductID() || list.items[0]?.id || '';
  let p = list.items.find((x) => x.id === id);
  if (!p) {
    // Not in the listing: ask the blob (through the core) for the item.
    const c = await xsellReady;
    p = c?.item(id) || { id, title: id, price: null, currency: list.currency };
  }
  document.title = `${p.title} · Hearth & Home`;
  xsellReady.then((c) => c?.viewedItem(p.id));
  const addedSlot = el('div', { 'data-added': '', hidden: true });
  const add = el('button', {
    class: 'primary',
    type: 'button',
    onclick: () => {
      addToCart(p);
      addedSlot.hidden = false;
      addedSlot.replaceChildren(
        el('div', { class: 'added', role: 'status' }, el('strong', {}, 'Added to your cart. '), el('a', { href: '/cart.html' }, 'Go to cart')),
        widget({ placement: 'add_to_cart', anchor: p.id, limit: '3', heading: 'Complete your purchase' }),
      );
    },
  }, 'Add to cart');
  const art = el(
    'article',
    { class: 'product', 'data-product': p.id },
    tile(p),
    el(
      'div',
      { class: 'meta' },
      el('h1', { dir: 'auto' }, p.title),
      el('span', { class: 'price' }, money(p.price, p.currency)),
      el('span', { class: 'muted' }, [p.category, p.id].filter(Boolean).join(' · ')),
      el('div', {}, add),
    ),
  );
  // start() put a placeholder and the widgets in already when the URL named
  // the product: the article takes the placeholder's place.
  const skeleton = main.querySelector('article.product');
  if (skeleton) skeleton.replaceWith(art);
  else main.append(art);
  art.after(addedSlot);
  if (!main.querySelector('xsell-recommendations')) main.append(...productWidgets(p.id));
}

// productSkeleton holds the product's place (the tile sets its height)
// until products.json is in, so the widgets below it do not move.
function productSkeleton(id) {
  return el('article', { class: 'product', 'aria-busy': 'true' }, tile({ id }), el('div', { class: 'meta' }, el('h1', {}, '\u00a0')));
}

function productWidgets(id) {
  return [
    el('div', { class: 'placement' }, widget({ placement: 'product', anchor: id, limit: String(PRODUCT_CARDS), heading: 'Goes well with' })),
    el('div', { class: 'placement' }, widget({ placement: 'product', anchor: id, mode: 'bundle', heading: 'Cheaper together' })),
  ];
}

function delivery(sub, list) {
  if (sub === 0) return 0;
  return list.freeDelivery && sub >= list.freeDelivery ? 0 : DELIVERY_FEE;
}

function linesTable(lines, list, editable) {
  const tbody = el('tbody');
  for (const l of lines) {
    const qty = editable
      ? el(
          'span',
          { class: 'qty' },
          el('button', { class: 'secondary', type: 'button', 'aria-label': `One less ${l.title}`, onclick: () => setQuantity(l.id, l.quantity - 1) }, '−'),
          el('span', { 'aria-label': 'quantity' }, String(l.quantity)),
          el('button', { class: 'secondary', type: 'button', 'aria-label': `One more ${l.title}`, onclick: () => setQuantity(l.id, l.quantity + 1) }, '+'),
        )
      : String(l.quantity);
    tbody.append(
      el(
        'tr',
        { 'data-line': l.id },
        el('td', { class: 'name', dir: 'auto' }, el('a', { href: productURL(l.id, l.url) }, l.title)),
        el('td', { class: 'num' }, money(l.price, l.currency || list.currency)),
        el('td', { class: 'num' }, qty),
        el('td', { class: 'num' }, money(l.price * l.quantity, l.currency || list.currency)),
      ),
    );
  }
  return el(
    'table',
    { class: 'lines' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Item'), el('th', { class: 'num' }, 'Price'), el('th', { class: 'num' }, 'Qty'), el('th', { class: 'num' }, 'Total'))),
    tbody,
  );
}

function summary(lines, list) {
  const sub = subtotal(lines);
  const fee = delivery(sub, list);
  const box = el(
    'div',
    { class: 'summary', 'data-summary': '' },
    el('span', {}, 'Subtotal: ', el('span', { 'data-subtotal': '' }, money(sub, list.currency))),
    fee === 0 && sub > 0 ? el('span', { class: 'delivery-free' }, 'Free delivery') : el('span', {}, 'Delivery: ', money(fee, list.currency)),
    el('span', { class: 'total' }, 'Total: ', el('span', { 'data-total': '' }, money(sub + fee, list.currency))),
  );
  return box;
}

async function cartPage(main, list) {
  main.append(el('h1', {}, 'Your cart'));
  const body = el('div', { 'data-cart': '' });
  // The widget is created once and kept: cart changes reach it through the
  // xsell:cart event, so it re-renders without being rebuilt.
  const w = widget({ placement: 'cart', limit: '3', heading: "Don't forget" });
  const render = () => {
    const lines = cart();
    if (lines.length === 0) {
      body.replaceChildren(el('p', { class: 'empty' }, 'Your cart is empty. ', el('a', { href: '/index.html' }, 'Browse products')));
      w.hidden = true;
      return;
    }
    w.hidden = false;
    w.setAttribute('anchor', lines[lines.length - 1].id);
    body.replaceChildren(linesTable(lines, list, true), summary(lines, list), el('p', { class: 'summary' }, el('a', { class: 'primary', href: '/checkout.html' }, 'Checkout')));
  };
  document.addEventListener('xsell:cart', render);
  render();
  main.append(body, el('div', { class: 'placement' }, w));
}

async function checkout(main, list) {
  main.append(el('h1', {}, 'Checkout'));
  const lines = cart();
  if (lines.length === 0) {
    main.append(el('p', { class: 'empty' }, 'Your cart is empty. ', el('a', { href: '/index.html' }, 'Browse products')));
    return;
  }
  const side = el('aside', {});
  const renderSide = () => side.replaceChildren(el('h2', {}, 'Order'), linesTable(cart(), list, false), summary(cart(), list));
  document.addEventListener('xsell:cart', renderSide);
  renderSide();
  const form = el(
    'form',
    { class: 'checkout', 'data-checkout': '' },
    el('label', {}, 'Name', el('input', { name: 'name', required: true, autocomplete: 'name', value: 'Ada Lovelace' })),
    el('label', {}, 'Email', el('input', { name: 'email', type: 'email', required: true, autocomplete: 'email', value: 'ada@example.com' })),
    el('label', {}, 'Address', el('input', { name: 'address', required: true, autocomplete: 'street-address', value: '12 St James Square, London' })),
    el('button', { class: 'primary', type: 'submit' }, 'Place order'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const now = cart();
    const order = `o-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const orders = load(ORDERS, []);
    orders.push({ id: order, lines: now, subtotal: subtotal(now), delivery: delivery(subtotal(now), list), at: Date.now() });
    localStorage.setItem(ORDERS, JSON.stringify(orders.slice(-20)));
    // Report the order so accepted suggestions count as purchases.
    try {
      client?.purchase({ order, lines: now.map((l) => ({ id: l.id, price: l.price, quantity: l.quantity })) });
      await Promise.race([client?.flush(), new Promise((r) => setTimeout(r, 1500))]);
    } catch (err) {
      console.warn(err);
    }
    saveCart([]);
    location.href = `/order.html?order=${encodeURIComponent(order)}`;
  });
  main.append(
    el('div', { class: 'two' }, el('div', {}, form, el('div', { class: 'placement' }, widget({ placement: 'checkout', limit: '3', heading: 'Last-minute additions' }))), side),
  );
}

async function confirmation(main, list) {
  const id = new URLSearchParams(location.search).get('order') || '';
  const o = load(ORDERS, []).find((x) => x.id === id);
  main.append(el('h1', {}, 'Thank you for your order'));
  if (!o) {
    main.append(el('p', { class: 'empty' }, 'No such order. ', el('a', { href: '/index.html' }, 'Continue shopping')));
    return;
  }
  main.append(
    el('p', {}, 'Order ', el('strong', { 'data-order': '' }, o.id), ' is confirmed.'),
    linesTable(o.lines, list, false),
    summary(o.lines, list),
    el('div', { class: 'placement' }, widget({ placement: 'order_confirmation', anchor: o.lines[0]?.id || '', limit: '3', heading: 'You may also need' })),
  );
}

// ------------------------------------------------------------ start

let xsellReady;
const pages = { home, product, cart: cartPage, checkout, confirmation };

export async function start() {
  // xsell starts loading before the shop's own data comes in.
  xsellReady = startXsell();
  // A product page's first cards need only the product id, from the URL: ask
  // the edge now (the widget, drawn once products.json is in, takes this
  // answer) rather than after the shop's own data. Same context as the widget.
  const id = pageProductID();
  if (document.body.dataset.page === 'product' && id) {
    early({ placement: 'product', anchor: id, k: PRODUCT_CARDS });
    // The widgets go on the page now, not after products.json: they need
    // only the id, and can show early (or remembered) cards while the
    // shop's own data and the core load.
    document.querySelector('main').append(productSkeleton(id), ...productWidgets(id));
  }
  const list = await products();
  document.body.prepend(header());
  const main = document.querySelector('main');
  await pages[document.body.dataset.page]?.(main, list);
  document.body.append(footer(list));
  // The widget's add button: the shop's cart takes the item.
  document.addEventListener('xsell:add', (e) => {
    const d = e.detail;
    addToCart({ id: d.id, title: d.title, price: d.price, currency: d.currency, url: d.url, image: d.image }, d.quantity || 1);
  });
  addEventListener('storage', (e) => {
    if (e.key === CART) announceCart(cart());
  });
  document.documentElement.dataset.shop = 'ready';
}
