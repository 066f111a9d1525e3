// The demo shop in a real browser (Debian's chromium through playwright-core)
// against the edge worker under wrangler dev: suggestions, cart, bundle,
// nudge, events exactly once, hostile catalog strings, and a dead endpoint.
// Screenshots of every page land in $OUT/screenshots.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, newPage, pending, shot, startBackend, buildBlob, waitFor, run, OUT, SITE, ROOT } from './harness.mjs';

let chrome;
let backend;
let products;
let withSuggestions; // a product id whose page shows suggestions

// Each test gets two minutes; test.sh bounds the whole run.
const T = { timeout: 120_000 };
const WIDGET = 'xsell-recommendations';
const cards = (page, placement) => page.locator(`${WIDGET}[placement="${placement}"]:not([mode]) li.card`);

// The stamped core comes from the Cache API once this browser has it
// (web/xsell.js cacheFirst): a test that holds the wasm download back
// forgets that copy first, as a browser visiting for the first time.
const WASM_CACHE = 'xsell-wasm-v1';
const BLOB_CACHE = 'xsell-blobs-v1';
const forgetCore = (page) => page.evaluate((name) => caches.delete(name), WASM_CACHE);

// open shows path and waits for the page's own ready signal (the shop's,
// unless ready says another), which is what the tests need, not for the
// load event: twice in CI (d823fb6, 12af071) that did not come within
// 30 s, never reproduced here. A wait that times out says which requests
// were still open.
async function open(page, path, ready = () => document.documentElement.dataset.shop === 'ready') {
  try {
    await page.goto(`${backend.url}/${path}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(ready);
  } catch (e) {
    e.message += ` (${pending(page)})`;
    throw e;
  }
}

// widgetSettled waits until the element has left its loading state and
// the page's core has answered (not only the edge's early cards).
async function widgetSettled(page, selector) {
  try {
    await page.waitForFunction((sel) => {
      const w = document.querySelector(sel);
      return w && w.getAttribute('state') && w.getAttribute('state') !== 'loading' && !w.result?.early;
    }, selector);
  } catch (e) {
    // Say where the page stood: the widget's state, the loader's, and the
    // requests still open.
    const where = await page.evaluate((sel) => {
      const w = document.querySelector(sel);
      const d = document.documentElement.dataset;
      return `widget state ${w?.getAttribute('state')}, early ${!!w?.result?.early}; xsell ${d.xsell}, error ${d.xsellError}`;
    }, selector).catch((err) => `page not readable: ${err.message}`);
    e.message += ` (${where}; ${pending(page)})`;
    throw e;
  }
  return page.locator(selector).getAttribute('state');
}

// cacheKeys lists the paths a Cache API cache of the page's origin holds.
function cacheKeys(page, name) {
  return page.evaluate(async (n) => (await (await caches.open(n)).keys()).map((r) => new URL(r.url).pathname), name);
}

before(async () => {
  products = JSON.parse(await readFile(join(SITE, 'shop', 'products.json'), 'utf8'));
  assert.ok(products.items.length >= 10, `products.json lists ${products.items.length} products`);
  backend = await startBackend({ blob: await readFile(join(OUT, 'sample.blob')) });
  chrome = await launch();
  // Find a product page with suggestions: the first curated anchor usually.
  const { page, context } = await newPage(chrome.browser);
  for (const p of products.items.slice(0, 15)) {
    await open(page, `product.html?id=${encodeURIComponent(p.id)}`);
    const state = await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
    if (state === 'ready' && (await cards(page, 'product').count()) >= 2) {
      withSuggestions = p;
      break;
    }
  }
  await context.close();
  assert.ok(withSuggestions, 'no product among the first 15 has 2+ suggestions');
});

after(async () => {
  await chrome?.close();
  await backend?.stop();
});

test('home page lists the products and loads the core', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await open(page, 'index.html');
  await page.waitForFunction(() => document.documentElement.dataset.xsell === 'ready');
  assert.equal(await page.locator('[data-products] li').count(), products.items.length);
  await shot(page, '01-home');
  assert.deepEqual(errors, []);
  await context.close();
});

test('product page shows 2-4 suggestions with title, price and reason', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const n = await cards(page, 'product').count();
  assert.ok(n >= 2 && n <= 4, `${n} cards`);
  const result = await page.evaluate(() => document.querySelector('xsell-recommendations[placement="product"]:not([mode])').result);
  for (let i = 0; i < n; i++) {
    const card = cards(page, 'product').nth(i);
    const s = result.items[i];
    assert.notEqual(s.id, withSuggestions.id, 'the anchor suggested for itself');
    assert.equal(await card.locator('.name').textContent(), s.title);
    assert.ok((await card.locator('.price').textContent()).length > 0, 'price shown');
    assert.equal(await card.locator('.reason').textContent(), s.reason);
    assert.ok(s.reason.length > 0, 'every suggestion carries its reason');
    assert.match(await card.locator('button.add').getAttribute('aria-label'), /^Add .+ to cart$/);
  }
  await shot(page, '02-product');
  assert.deepEqual(errors, []);
  await context.close();
});

test('product page on a phone: cards fit the width, nothing scrolls sideways', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser, { viewport: { width: 390, height: 844 } });
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  await widgetSettled(page, `${WIDGET}[mode="bundle"]`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  for (const box of await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right))) {
    assert.ok(box <= 390, `a card ends at ${box}px`);
  }
  await shot(page, '02-product-phone');
  assert.deepEqual(errors, []);
  await context.close();
});

test('add to cart from a suggestion updates the shop cart and queues an add event', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const first = cards(page, 'product').first();
  const id = await first.getAttribute('data-id');
  await first.locator('button.add').click();
  assert.equal(await first.locator('button.add').getAttribute('aria-pressed'), 'true');
  const cart = await page.evaluate(() => JSON.parse(localStorage.getItem('shop:cart')));
  assert.deepEqual(cart.map((l) => l.id), [id]);
  assert.equal(await page.locator('[data-cart-count]').textContent(), '1');
  const queued = await page.evaluate(() => JSON.parse(localStorage.getItem('xsell:queue') || '[]').concat(JSON.parse(localStorage.getItem('xsell:attributed') || '[]')));
  assert.ok(queued.some((e) => e.item === id), 'add recorded');
  // The shop asked for GA4 mirroring: impressions and the add are in dataLayer.
  const dl = await page.evaluate(() => (window.dataLayer || []).filter((x) => x.event).map((x) => [x.event, x.ecommerce.items[0].item_id]));
  assert.ok(dl.some(([e, i]) => e === 'add_to_cart' && i === id), `dataLayer: ${JSON.stringify(dl)}`);
  assert.ok(dl.some(([e]) => e === 'view_item_list'), `dataLayer: ${JSON.stringify(dl)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('dismiss removes the card and the item stays away after a reload', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  await open(page, url);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const first = cards(page, 'product').first();
  const id = await first.getAttribute('data-id');
  await first.locator('button.dismiss').click();
  await page.waitForFunction((i) => !document.querySelector('xsell-recommendations[placement="product"]:not([mode])').shadowRoot.querySelector(`li[data-id="${CSS.escape(i)}"]`), id);
  // Focus stays inside the widget for keyboard users.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'XSELL-RECOMMENDATIONS');
  await open(page, url);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const ids = await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  assert.ok(!ids.includes(id), `dismissed ${id} came back: ${ids}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bundle: unticking an item updates the live total', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  // Find a product with a bundle among those with suggestions.
  let found = false;
  for (const p of [withSuggestions, ...products.items.slice(0, 15)]) {
    await open(page, `product.html?id=${encodeURIComponent(p.id)}`);
    if ((await widgetSettled(page, `${WIDGET}[mode="bundle"]`)) === 'ready') {
      found = true;
      break;
    }
  }
  assert.ok(found, 'no product among the first 15 has a bundle');
  const w = page.locator(`${WIDGET}[mode="bundle"]`);
  const res = await w.evaluate((el) => el.result);
  const anchorPrice = Number(res.anchorItem?.price) || 0;
  const price = (s) => Number(s.bundlePrice ?? s.price) || 0;
  const expect = (picked) => Math.round((anchorPrice + picked.reduce((t, s) => t + price(s), 0)) * 100) / 100;
  const shown = async () => w.evaluate((el) => el._bundleState.together);
  assert.equal(Math.round((await shown()) * 100) / 100, expect(res.items));
  const totalText = await w.locator('[part="total-price"]').textContent();
  await w.locator('input[type=checkbox]:not([disabled])').first().uncheck();
  assert.equal(Math.round((await shown()) * 100) / 100, expect(res.items.slice(1)));
  assert.notEqual(await w.locator('[part="total-price"]').textContent(), totalText, 'total text did not change');
  assert.match(await w.locator('button.add').textContent(), new RegExp(`^Add ${res.items.length - 1 + (res.anchorItem ? 1 : 0)} items`));
  await shot(page, '03-bundle');
  assert.deepEqual(errors, []);
  await context.close();
});

test('cart page suggests for the cart and nudges toward free delivery', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  assert.ok(products.freeDelivery > 0, 'the sample policy has no free-delivery threshold');
  // Fill the cart to just under the threshold with the anchor product.
  const unit = Number(withSuggestions.price);
  const qty = Math.max(1, Math.floor((products.freeDelivery - 0.5) / unit));
  const lines = [{ id: withSuggestions.id, title: withSuggestions.title, price: unit, currency: withSuggestions.currency, quantity: qty }];
  await page.goto(`${backend.url}/index.html`);
  await page.evaluate((l) => localStorage.setItem('shop:cart', JSON.stringify(l)), lines);
  await open(page, 'cart.html');
  const state = await widgetSettled(page, `${WIDGET}[placement="cart"]`);
  assert.equal(state, 'ready', 'no suggestions for the cart');
  const n = await cards(page, 'cart').count();
  assert.ok(n >= 1 && n <= 4, `${n} cart cards`);
  const cartIds = await cards(page, 'cart').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  assert.ok(!cartIds.includes(withSuggestions.id), 'suggested what is in the cart');
  const gap = Math.round((products.freeDelivery - unit * qty) * 100) / 100;
  const nudge = page.locator(`${WIDGET}[placement="cart"] [part="nudge"]`);
  if (gap > 0 && gap <= products.freeDelivery * 0.25) {
    await nudge.waitFor({ state: 'visible' });
    const text = await nudge.textContent();
    assert.match(text, /more for free delivery/);
    assert.ok(text.includes(gap.toFixed(2)), `nudge "${text}" does not name the gap ${gap}`);
  }
  await shot(page, '04-cart');
  assert.deepEqual(errors, []);
  await context.close();
});

test('checkout and order confirmation show their placements and report the purchase', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await page.locator('article.product button.primary').click();
  await widgetSettled(page, `${WIDGET}[placement="add_to_cart"]`);
  await shot(page, '05-added');
  await open(page, 'checkout.html');
  await widgetSettled(page, `${WIDGET}[placement="checkout"]`);
  await shot(page, '06-checkout');
  await page.locator('form[data-checkout] button[type=submit]').click();
  await page.waitForURL(/order(\.html)?\?order=/);
  await page.waitForFunction(() => document.documentElement.dataset.shop === 'ready');
  await widgetSettled(page, `${WIDGET}[placement="order_confirmation"]`);
  await shot(page, '07-order');
  const order = await page.locator('[data-order]').textContent();
  await waitFor(async () => (await backend.events()).some((e) => e.type === 'purchase' && (e.order_id ?? e.order) === order), { what: `purchase of ${order} in the backend` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('keyboard: Enter on a focused add button adds; arrow keys move between cards', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const first = cards(page, 'product').first();
  await first.locator('button.add').focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => JSON.parse(localStorage.getItem('shop:cart') || '[]').length === 1);
  await first.locator('a.link, div.link').first().focus();
  await page.keyboard.press('ArrowRight');
  const focusedCard = await page.evaluate(() => {
    const w = document.querySelector('xsell-recommendations[placement="product"]:not([mode])');
    return w.shadowRoot.activeElement?.closest('li.card')?.getAttribute('data-id');
  });
  assert.equal(focusedCard, await cards(page, 'product').nth(1).getAttribute('data-id'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('no layout shift while the suggestions load', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  await widgetSettled(page, `${WIDGET}[mode="bundle"]`);
  await page.waitForTimeout(300);
  const cls = await page.evaluate(() => window.__cls);
  assert.ok(cls < 0.1, `cumulative layout shift ${cls}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('early cards: the edge answers while the core loads, the core agrees and keeps them; a dismiss on them sticks', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  // A slow core download (held until released): the edge's answer comes first.
  let release;
  await page.route('**/xsell.wasm', async (route) => {
    await new Promise((r) => { release = r; });
    await route.continue();
  });
  const asked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/v1/recommend') asked.push(new URL(r.url()).searchParams); });
  await page.addInitScript(() => {
    window.__renders = [];
    document.addEventListener('xsell:render', (e) => { if (!e.target.hasAttribute('mode')) window.__renders.push(e.detail); });
  });
  const sel = `${WIDGET}[placement="product"]:not([mode])`;
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  const earlyCards = async () => {
    await page.waitForFunction((s) => document.querySelector(s)?.result?.early === true, sel);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.xsell), undefined, 'the core was up already');
    return page.evaluate((s) => document.querySelector(s).result, sel);
  };
  await open(page, url);
  const early = await earlyCards();
  assert.ok(early.items.length >= 2, `${early.items.length} early cards`);
  assert.equal(asked.length, 1, 'one GET /v1/recommend for the product widget (the bundle waits for the core)');
  assert.equal(asked[0].get('placement'), 'product');
  assert.equal(asked[0].get('anchor'), withSuggestions.id);
  // The core arrives: the same blob, variant and cards, kept in place
  // rather than drawn again.
  await page.evaluate((s) => document.querySelector(s).shadowRoot.querySelectorAll('li.card').forEach((li) => { li.__early = true; }), sel);
  release();
  await widgetSettled(page, sel);
  const core = await page.evaluate((s) => document.querySelector(s).result, sel);
  const c = await page.evaluate(async () => {
    const x = (await import('/xsell.js')).client();
    return { version: x.version, variant: x.variant() };
  });
  assert.equal(early.blob, c.version, 'the edge answered from the blob the page loads');
  assert.equal(early.variant, c.variant, 'the edge put the visitor in the same A/B variant');
  const show = (r) => r.items.map((x) => `${x.id} ${x.rule} ${x.reason} ${x.price}`);
  assert.deepEqual(show(early), show(core));
  const renders = await page.evaluate(() => window.__renders.filter((r) => r.placement === 'product'));
  assert.deepEqual(renders[0], { placement: 'product', items: early.items.map((x) => x.id), early: true, remembered: false }, 'the first render was not the early one');
  assert.ok(renders.length >= 2 && renders.slice(1).every((r) => r.kept && !r.early), JSON.stringify(renders));
  assert.ok(await page.evaluate((s) => [...document.querySelector(s).shadowRoot.querySelectorAll('li.card')].every((li) => li.__early), sel), 'the cards were drawn again');

  // Again, and dismiss the first early card before the core is up: it goes
  // at once, the core's answer leaves it out, and the dismiss event is sent.
  await forgetCore(page);
  await open(page, url);
  const again = await earlyCards();
  const gone = again.items[0].id;
  await cards(page, 'product').first().locator('button.dismiss').click();
  assert.ok(!(await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).includes(gone));
  release();
  await widgetSettled(page, sel);
  const after = await page.evaluate((s) => document.querySelector(s).result.items.map((x) => x.id), sel);
  assert.ok(after.length > 0 && !after.includes(gone), `after the dismiss: ${after}`);
  await page.evaluate(() => import('/xsell.js').then((m) => m.client().flush()));
  await waitFor(async () => (await backend.events()).some((e) => e.type === 'dismiss' && e.item === gone), { what: 'the dismiss event in D1' });
  assert.deepEqual(errors, []);
  await context.close();

  // The same page with early answers off asks the edge for nothing.
  const off = await newPage(chrome.browser);
  const asked2 = [];
  off.page.on('request', (r) => { if (new URL(r.url()).pathname === '/v1/recommend') asked2.push(r.url()); });
  await open(off.page, `${url}&early=0`);
  await widgetSettled(off.page, sel);
  assert.equal(await off.page.evaluate((s) => document.querySelector(s).result.early, sel), undefined);
  assert.deepEqual(asked2, []);
  assert.deepEqual(off.errors, []);
  await off.context.close();
});

test('remembered answers: a page whose context the core answered before draws that answer at once, without the edge', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  let hold = false;
  let release = () => {};
  await page.route('**/xsell.wasm', async (route) => {
    if (hold) await new Promise((r) => { release = r; });
    await route.continue();
  });
  const asked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/v1/recommend') asked.push(new URL(r.url()).searchParams.get('placement')); });
  await page.addInitScript(() => {
    window.__renders = [];
    document.addEventListener('xsell:render', (e) => { if (!e.target.hasAttribute('mode')) window.__renders.push(e.detail); });
  });
  const sel = `${WIDGET}[placement="product"]:not([mode])`;
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  const result = () => page.evaluate((s) => document.querySelector(s).result, sel);
  const show = (r) => r.items.map((x) => `${x.id} ${x.rule} ${x.reason} ${x.price} ${x.evidence?.lift}`);

  // First visit: the core's answer is kept in this browser.
  await open(page, url);
  await widgetSettled(page, sel);
  const core = await result();
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('xsell:answers') || '[]'));
  const mine = kept.find(([q]) => new URLSearchParams(q).get('anchor') === withSuggestions.id);
  assert.ok(mine, `kept: ${kept.map(([q]) => q)}`);

  // Again with the core held back: the same cards at once, from memory; the
  // edge is not asked for them; the core, when it comes, keeps them.
  hold = true;
  asked.length = 0;
  await forgetCore(page);
  await open(page, url);
  await page.waitForFunction((s) => document.querySelector(s)?.result?.early === true, sel);
  const first = await result();
  assert.equal(first.remembered, true);
  assert.equal(first.blob, core.blob);
  assert.equal(first.variant, core.variant);
  assert.deepEqual(show(first), show(core));
  assert.ok(!asked.includes('product'), `asked the edge: ${asked}`);
  await page.evaluate((s) => document.querySelector(s).shadowRoot.querySelectorAll('li.card').forEach((li) => { li.__early = true; }), sel);
  release();
  await widgetSettled(page, sel);
  const renders = await page.evaluate(() => window.__renders.filter((r) => r.placement === 'product'));
  assert.equal(renders[0].remembered, true, JSON.stringify(renders));
  assert.ok(renders.length >= 2 && renders.slice(1).every((r) => r.kept && !r.early), JSON.stringify(renders));
  assert.ok(await page.evaluate((s) => [...document.querySelector(s).shadowRoot.querySelectorAll('li.card')].every((li) => li.__early), sel), 'the cards were drawn again');

  // What is in storage is read as hostile: a bad entry, or one over an hour
  // old, is not drawn; the edge answers instead.
  for (const [what, entry] of [
    ['not an answer', [mine[0], Date.now(), '{"blob":"nope","suggestions":[{"id":"<img src=x onerror=alert(1)>"}]}']],
    ['over an hour old', [mine[0], Date.now() - 2 * 3600e3, mine[2]]],
    ['not a list', 'x'],
  ]) {
    await page.evaluate((e) => localStorage.setItem('xsell:answers', JSON.stringify(typeof e === 'string' ? e : [e])), entry);
    asked.length = 0;
    await forgetCore(page);
    await open(page, url);
    await page.waitForFunction((s) => document.querySelector(s)?.result?.early === true, sel);
    const r = await result();
    assert.equal(r.remembered, undefined, what);
    assert.ok(asked.includes('product'), `${what}: the edge was not asked`);
    release();
    await widgetSettled(page, sel);
  }
  assert.deepEqual(errors, []);
  await context.close();

  // With early answers off nothing is kept.
  const off = await newPage(chrome.browser);
  await open(off.page, `${url}&early=0`);
  await widgetSettled(off.page, sel);
  assert.equal(await off.page.evaluate(() => localStorage.getItem('xsell:answers')), null);
  assert.deepEqual(off.errors, []);
  await off.context.close();
});

test('the next page of a visit takes the loader, the widget and the shop\'s script from the HTTP cache', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  const sel = `${WIDGET}[placement="product"]:not([mode])`;
  const scripts = ['/xsell.js', '/xsell-widget.js', '/shop/shop.js'];
  const entries = () => page.evaluate((names) => Object.fromEntries(performance.getEntriesByType('resource')
    .filter((e) => names.includes(new URL(e.name).pathname)).map((e) => [new URL(e.name).pathname, e.transferSize])), scripts);
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, sel);
  const first = await entries();
  assert.deepEqual(Object.keys(first).sort(), [...scripts].sort(), JSON.stringify(first));
  assert.ok(scripts.every((s) => first[s] > 0), `first visit: ${JSON.stringify(first)}`);
  for (const s of scripts) {
    const cc = await page.evaluate(async (u) => (await fetch(u, { cache: 'no-store' })).headers.get('cache-control'), s);
    assert.equal(cc, 'public, max-age=300, stale-while-revalidate=86400', s);
  }
  // The next page (a new URL for the same product): transferSize 0 is a
  // read from the HTTP cache with no request at all (a revalidation would
  // count its headers).
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}&again=1`);
  await widgetSettled(page, sel);
  const again = await entries();
  assert.deepEqual(again, Object.fromEntries(scripts.map((s) => [s, 0])), JSON.stringify(again));
  assert.deepEqual(errors, []);
  await context.close();
});

test('events reach D1 exactly once across a network failure and a reload', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  let failing = true;
  let refused = 0;
  await page.route('**/v1/events', (route) => {
    if (failing) {
      refused++;
      return route.abort('connectionfailed');
    }
    return route.continue();
  });
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  await cards(page, 'product').first().locator('button.add').click();
  const flushed = await page.evaluate(async () => (await import('/xsell.js')).client().flush());
  assert.equal(flushed, false, 'flush claimed success while the network was down');
  assert.ok(refused > 0, 'no POST was attempted');
  const queue = () => page.evaluate(() => JSON.parse(localStorage.getItem('xsell:queue') || '[]'));
  const before = await queue();
  assert.ok(before.some((e) => e.type === 'add') && before.some((e) => e.type === 'impression'), `queue: ${before.map((e) => e.type)}`);
  // Reload while offline: the queue survives in localStorage; the new page
  // adds its own impressions. (The page-hide beacon may get through: the
  // edge must still count each event once.)
  await page.reload({ waitUntil: 'domcontentloaded' }); // see open()
  await page.waitForFunction(() => document.documentElement.dataset.shop === 'ready');
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  await page.waitForFunction((n) => JSON.parse(localStorage.getItem('xsell:queue') || '[]').length > n, before.length);
  const all = await queue();
  for (const e of before) assert.ok(all.some((x) => x.id === e.id), `event ${e.id} lost across the reload`);
  failing = false;
  assert.equal(await page.evaluate(async () => (await import('/xsell.js')).client().flush()), true);
  assert.deepEqual(await queue(), []);
  // A retry of a batch the edge already has (a lost answer) must not count again.
  const again = await page.evaluate(async (events) => (await fetch('/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) })).status, all.slice(0, 20));
  assert.ok(again >= 200 && again < 300, `resend: HTTP ${again}`);
  const visitor = await page.evaluate(() => JSON.parse(localStorage.getItem('xsell:visitor')));
  const ids = new Set(all.map((e) => e.id));
  const rows = await waitFor(
    async () => {
      const r = await backend.events();
      const mine = r.filter((x) => ids.has(x.id));
      return mine.length >= ids.size ? r : null;
    },
    { ms: 30000, every: 1000, what: `${ids.size} events in D1` },
  );
  const counts = new Map();
  for (const r of rows) if (ids.has(r.id)) counts.set(r.id, (counts.get(r.id) || 0) + 1);
  assert.equal(counts.size, ids.size);
  for (const [id, n] of counts) assert.equal(n, 1, `event ${id} stored ${n} times`);
  if (backend.d1) {
    const [{ n }] = await backend.d1(`SELECT COUNT(*) AS n FROM events WHERE visitor = '${visitor.replace(/'/g, '')}'`);
    assert.equal(n, ids.size, `D1 has ${n} events for the visitor, the page made ${ids.size}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the stamped core comes from the Cache API on a return visit; a damaged copy is replaced from the network', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  const wasmAsked = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.endsWith('/xsell.wasm')) wasmAsked.push(r.url()); });
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  const sel = `${WIDGET}[placement="product"]:not([mode])`;
  const ids = () => cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  // What the page's core cache holds. The page may delete an entry between
  // keys() and match() (storing this build drops the others): one gone by
  // then is not listed (CI at 4b2110d once read one as undefined here).
  const stored = () => page.evaluate(async (name) => {
    const c = await caches.open(name);
    const got = await Promise.all((await c.keys()).map(async (r) => {
      const res = await c.match(r);
      return res && { path: new URL(r.url).pathname, bytes: (await res.arrayBuffer()).byteLength };
    }));
    return got.filter(Boolean);
  }, WASM_CACHE);
  await open(page, url);
  await widgetSettled(page, sel);
  const first = await ids();
  assert.equal(wasmAsked.length, 1);
  const wasmPath = new URL(wasmAsked[0]).pathname;
  assert.match(wasmPath, /^\/core\/[0-9a-f]{16}\/xsell\.wasm$/, 'the page loads the stamped core');
  const good = await waitFor(async () => ((s) => (s.length === 1 && s[0].bytes > 1e6 ? s : null))(await stored()), { what: 'the core in the Cache API' });
  assert.equal(good[0].path, wasmPath);

  // Return visit: no request for the wasm at all, not even to the HTTP cache.
  wasmAsked.length = 0;
  await open(page, url);
  assert.equal(await widgetSettled(page, sel), 'ready');
  assert.deepEqual(wasmAsked, []);
  assert.deepEqual(await ids(), first);

  // Damaged storage, and a copy of another build: the page takes the
  // network's wasm, stores it, and keeps only this build.
  await page.evaluate(async ({ name, path }) => {
    const c = await caches.open(name);
    const wasm = { headers: { 'content-type': 'application/wasm' } };
    await c.put(path, new Response(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]), wasm));
    await c.put('/core/0123456789abcdef/xsell.wasm', new Response(new Uint8Array(100), wasm));
  }, { name: WASM_CACHE, path: wasmPath });
  await open(page, url);
  assert.equal(await widgetSettled(page, sel), 'ready');
  assert.deepEqual(wasmAsked.map((u) => new URL(u).pathname), [wasmPath]);
  assert.deepEqual(await ids(), first);
  await waitFor(async () => ((s) => (s.length === 1 && s[0].path === wasmPath && s[0].bytes === good[0].bytes ? s : null))(await stored()), { what: 'one good copy of this build' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('offline: suggestions still show from the cached blob and wasm', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  await open(page, url);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const online = await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  // The page stores the wasm in the background once the core compiles from
  // it, and the blob once it has loaded: offline is for a visit whose
  // copies are in (CI once went offline before the wasm's was).
  await waitFor(async () => (await cacheKeys(page, WASM_CACHE)).length > 0 && (await cacheKeys(page, BLOB_CACHE)).length > 0,
    { what: 'the wasm and the blob in the Cache API' });
  await page.route('**/v1/**', (r) => r.abort('internetdisconnected'));
  await page.route('**/xsell.wasm', (r) => r.abort('internetdisconnected'));
  await open(page, url);
  assert.equal(await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`), 'ready');
  const offline = await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  assert.deepEqual(offline, online);
  // The background check of the manifest fails and says so.
  await page.waitForFunction(() => document.documentElement.dataset.xsellError === 'unreachable');
  assert.deepEqual(errors, []);
  await context.close();
});

test('endpoint down: the shop works without suggestions', T, async () => {
  const { page, context, errors } = await newPage(chrome.browser);
  await page.route('**/v1/**', (r) => r.abort('connectionrefused'));
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await page.waitForFunction(() => document.documentElement.dataset.xsell === 'failed');
  assert.equal(await page.locator('h1').textContent(), withSuggestions.title);
  await page.locator('article.product button.primary').click();
  assert.equal(await page.locator('[data-cart-count]').textContent(), '1');
  for (const w of await page.locator(WIDGET).all()) {
    assert.equal(await w.getAttribute('state'), 'error');
    assert.equal(await w.isVisible(), false);
  }
  assert.equal(await page.evaluate(() => document.documentElement.dataset.xsellError), 'unreachable');
  await shot(page, '09-endpoint-down');
  await open(page, 'cart.html');
  assert.equal(await page.locator('[data-line]').count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a corrupt or too-new blob is refused with a clear error and the page works on', T, async (t) => {
  for (const c of [
    { name: 'corrupt', code: 'blob_corrupt', mutate: (b) => (b[b.length - 10] ^= 0xff, b) },
    { name: 'too new', code: 'blob_version', mutate: (b) => ((b[4] = 2), b) },
  ]) {
    await t.test(c.name, async () => {
      const { page, context, errors } = await newPage(chrome.browser);
      await page.route('**/v1/blob/*', async (route) => {
        const res = await route.fetch();
        const body = c.mutate(Buffer.from(await res.body()));
        await route.fulfill({ status: 200, body, headers: { 'content-type': 'application/octet-stream' } });
      });
      const seen = [];
      page.on('console', (m) => m.type() === 'warning' && seen.push(m.text()));
      await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
      await page.waitForFunction(() => document.documentElement.dataset.xsell === 'failed');
      assert.equal(await page.evaluate(() => document.documentElement.dataset.xsellError), c.code);
      assert.ok(seen.some((s) => s.startsWith('xsell: ')), `no clear error logged: ${seen}`);
      assert.equal(await page.locator('h1').textContent(), withSuggestions.title);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});

test('a blob from the network is hashed as it streams in; read back from the Cache API it is not hashed again; a damaged copy is refused, dropped and fetched anew', T, async () => {
  const { page, context, errors, warnings } = await newPage(chrome.browser);
  // Count the SHA-256 digests of blob-sized inputs the page asks WebCrypto for.
  await page.addInitScript(() => {
    const subtle = globalThis.crypto.subtle;
    const digest = subtle.digest.bind(subtle);
    globalThis.__blobDigests = 0;
    subtle.digest = (alg, data) => {
      if (data.byteLength > 1024) globalThis.__blobDigests++;
      return digest(alg, data);
    };
  });
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  const settle = async () => {
    const state = await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
    assert.equal(state, 'ready', JSON.stringify({ warnings, errors }));
    return cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  };
  // The core marks each blob whose hash it checked; one from the network is
  // hashed as it streams into the core, not copied whole into WebCrypto.
  const hashes = () => page.evaluate(() => ({
    webcrypto: globalThis.__blobDigests,
    marks: performance.getEntriesByName('xsell:blob-hashed').map((m) => m.detail.how),
  }));
  await open(page, url);
  const good = await settle();
  assert.deepEqual(await hashes(), { webcrypto: 0, marks: ['stream'] }, 'a blob from the network is hashed, as it arrives');
  await open(page, url);
  assert.deepEqual(await settle(), good);
  assert.deepEqual(await hashes(), { webcrypto: 0, marks: [] }, 'the blob from our own cache is not hashed again');
  // Damage the cached copy (cut its last bytes): the core's checks refuse
  // it, the loader drops it and fetches the blob again, hashing it.
  const cut = await page.evaluate(async () => {
    const cache = await caches.open('xsell-blobs-v1');
    let n = 0;
    for (const req of await cache.keys()) {
      const bytes = new Uint8Array(await (await cache.match(req)).arrayBuffer());
      await cache.put(req, new Response(bytes.slice(0, bytes.length - 10)));
      n++;
    }
    return n;
  });
  assert.ok(cut >= 1, 'no cached blob to damage');
  await open(page, url);
  assert.deepEqual(await settle(), good);
  assert.deepEqual(await hashes(), { webcrypto: 0, marks: ['stream'] }, 'the damaged copy was replaced from the network');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a too-new version after a good one: the last good blob keeps serving', T, async () => {
  const { page, context, errors, warnings } = await newPage(chrome.browser);
  const url = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  await open(page, url);
  // The good blob must have gone live (and into the cache) first, or the
  // rest of the test says nothing about keeping it.
  const first = await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  assert.equal(first, 'ready', `the good blob did not load: ${JSON.stringify({ warnings, errors })}`);
  const good = await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  // The edge now announces a blob of format 2.x, which this loader cannot read.
  await page.route('**/v1/manifest', async (route) => {
    const res = await route.fetch();
    const m = await res.json();
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...m, version: '2.0', hash: 'f'.repeat(64) }) });
  });
  await open(page, url);
  const cachedState = await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  assert.equal(cachedState, 'ready', `the cached blob did not serve: ${JSON.stringify({ warnings, errors })}`);
  assert.deepEqual(await cards(page, 'product').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), good);
  await page.waitForFunction(() => document.documentElement.dataset.xsellError === 'blob_version');
  assert.deepEqual(errors, []);
  await context.close();
});

test('hostile catalog strings render as text; a new blob swaps in without a reload', T, async () => {
  const hostile = await buildBlob(join(ROOT, 'web', 'test', 'testdata', 'hostile'), 'hostile');
  const { page, context, errors } = await newPage(chrome.browser);
  await open(page, `product.html?id=${encodeURIComponent(withSuggestions.id)}`);
  await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`);
  const oldVersion = await page.evaluate(async () => (await import('/xsell.js')).client().version);
  await backend.publish(hostile);
  // Swap without reload: the client revalidates and the widgets re-render.
  const swapped = await page.evaluate(async () => {
    const c = (await import('/xsell.js')).client();
    const updated = new Promise((r) => c.addEventListener('update', () => r(true), { once: true }));
    return (await c.revalidate()) && (await updated) && c.version;
  });
  assert.ok(swapped && swapped !== oldVersion, 'no new version went live');
  // The old anchor is not in the new catalog: its widget now shows nothing.
  await page.waitForFunction(() => document.querySelector('xsell-recommendations[placement="product"]:not([mode])').getAttribute('state') !== 'ready');

  await page.addInitScript(() => {
    window.__xss = undefined;
  });
  await open(page, 'product.html?id=cam-1');
  assert.equal(await widgetSettled(page, `${WIDGET}[placement="product"]:not([mode])`), 'ready');
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'catalog string ran as script');
  const title = await page.locator('h1').textContent();
  assert.equal(title, '<img src=x onerror="window.__xss=1">Camera <b>Pro</b>');
  const report = await page.evaluate(() => {
    const out = { imgs: 0, scripts: 0, svgs: 0, bold: 0, jsLinks: 0, names: [], reasons: [], rtl: [], heights: [] };
    for (const w of document.querySelectorAll('xsell-recommendations')) {
      const r = w.shadowRoot;
      out.imgs += r.querySelectorAll('img').length;
      out.scripts += r.querySelectorAll('script').length;
      out.svgs += r.querySelectorAll('svg').length;
      out.bold += r.querySelectorAll('b').length;
      out.jsLinks += [...r.querySelectorAll('a')].filter((a) => !/^https?:/.test(a.href)).length;
      for (const n of r.querySelectorAll('li.card .name')) {
        out.names.push(n.textContent);
        out.heights.push(n.getBoundingClientRect().height);
        if (n.matches(':dir(rtl)')) out.rtl.push(n.textContent);
      }
      for (const n of r.querySelectorAll('.reason')) out.reasons.push(n.textContent);
    }
    out.pageImgs = document.querySelectorAll('img').length;
    return out;
  });
  const result = await page.evaluate(() => document.querySelector('xsell-recommendations[placement="product"]:not([mode])').result);
  assert.deepEqual(report.names, result.items.map((s) => s.title), 'card names are not the raw titles');
  assert.equal(report.imgs + report.scripts + report.svgs + report.bold + report.pageImgs, 0, JSON.stringify(report));
  assert.equal(report.jsLinks, 0, 'a javascript: URL became a link');
  const long = result.items.find((s) => s.id === 'lens-1');
  if (long) assert.ok(Math.max(...report.heights) < 60, `a long title is ${Math.max(...report.heights)}px tall`);
  const rtl = result.items.filter((s) => /[\u0590-\u06ff]/.test(s.title)).map((s) => s.title);
  assert.deepEqual(report.rtl.sort(), rtl.sort(), 'RTL titles are not laid out right to left');
  assert.ok(result.items.some((s) => /[<>]/.test(s.title) || /[<>]/.test(s.reason)), `no hostile string was suggested: ${result.items.map((s) => s.id)}`);
  await shot(page, '08-hostile');
  assert.deepEqual(errors, []);
  await context.close();
});

const dashboardSettled = () => ['ready', 'error'].includes(document.documentElement.dataset.dashboard);

test('dashboard draws the stats of the events the earlier tests sent', T, async () => {
  // Until the earlier pages' last events (flushes, page-hide beacons) are
  // in: the same totals twice in a row.
  let last = '';
  const settledStats = await waitFor(async () => {
    const s = await backend.stats();
    const now = JSON.stringify(s.totals);
    const settled = now === last;
    last = now;
    return settled && s.totals?.impressions > 0 && s.totals?.adds > 0 ? s : null;
  }, { ms: 30000, every: 1000, what: 'impressions and adds in /v1/stats, settled' });
  const { page, context, errors } = await newPage(chrome.browser, { viewport: { width: 1200, height: 1000 } });
  // A late event can still land while the dashboard loads (CI at 912c65a:
  // the page showed 152 impressions, the read before it 148): the page's
  // figures are checked against a read it falls between, equal before and
  // after its load.
  let stats = settledStats;
  for (let attempt = 1; ; attempt++) {
    await open(page, `dashboard.html?token=${encodeURIComponent(backend.token)}`, dashboardSettled);
    const after = await backend.stats();
    if (JSON.stringify(after.totals) === JSON.stringify(stats.totals) && JSON.stringify(after.rows) === JSON.stringify(stats.rows)) break;
    assert.ok(attempt < 5, `/v1/stats still moving after ${attempt} loads of the dashboard`);
    stats = after;
  }
  assert.equal(await page.evaluate(() => document.documentElement.dataset.dashboard), 'ready', await page.locator('[data-status]').textContent());
  assert.equal(await page.locator('[data-kpi="Impressions"] b').textContent(), stats.totals.impressions.toLocaleString('en-US'));
  const charts = await page.evaluate(() => [...document.querySelectorAll('canvas[data-chart]')].map((c) => [c.dataset.chart, !!globalThis.Chart.getChart(c)]));
  assert.deepEqual(charts.filter(([, drawn]) => !drawn), [], 'charts not drawn');
  assert.ok((await page.locator('[data-rules] tbody tr').count()) >= 1, 'no rule rows');
  // The time series split by placement: one line per placement the events name.
  const placements = new Set(stats.rows.map((r) => r.placement || '(none)'));
  await page.selectOption('[data-series]', 'placement');
  const lines = await page.waitForFunction((n) => {
    const c = globalThis.Chart.getChart(document.querySelector('canvas[data-chart="time"]'));
    const got = c?.data.datasets.map((d) => d.label) || [];
    return got.length === n ? got : null;
  }, placements.size, { timeout: 10000 });
  assert.deepEqual((await lines.jsonValue()).sort(), [...placements].sort());
  await shot(page, '10-dashboard');
  // A wrong token is refused with the edge's message, not a blank page.
  await open(page, 'dashboard.html?token=wrong', () => document.documentElement.dataset.dashboard === 'error');
  assert.match(await page.locator('[data-status]').textContent(), /HTTP 401|HTTP 403/);
  assert.deepEqual(errors.filter((e) => !/\/v1\/stats/.test(e)), []);
  await context.close();
});

// Last: it replaces the live blob. The sample blob cut into a head and pair
// shards (mkblob -split): a product page fetches the head and only the
// shards its widget needs, shows the whole blob's answer, and on a reload
// reads its shard back from the Cache API.
test('sharded blob: the page fetches only the shards it needs and shows the whole blob\'s answer', T, async () => {
  const sel = `${WIDGET}[placement="product"]:not([mode])`;
  const path = `product.html?id=${encodeURIComponent(withSuggestions.id)}`;
  const answer = async (page) => {
    assert.equal(await widgetSettled(page, sel), 'ready');
    return page.evaluate((s) => document.querySelector(s).result.items.map((x) => `${x.id} ${x.rule} ${x.reason}`), sel);
  };
  const dir = join(OUT, 'test-web', 'sharded');
  await run('go', ['run', './wasm/internal/mkblob', '-split', join(OUT, 'sample.blob'), '-shard-pairs', '2000', '-o', dir, '-name', 'sample'], { cwd: ROOT, timeout: 180_000 });
  // The whole blob's answer (the sample blob, raw body: the same hash).
  await backend.publish(await readFile(join(dir, 'sample.blob')));
  let { page, context } = await newPage(chrome.browser);
  await open(page, path);
  const want = await answer(page);
  await context.close();

  const files = (await readdir(dir)).filter((f) => /^sample\.shard-\d+\.blob$/.test(f));
  assert.ok(files.length >= 5, `${files.length} shards`);
  for (const f of files) await backend.publish(await readFile(join(dir, f))); // shards first
  await backend.publish(await readFile(join(dir, 'sample.head.blob')));

  ({ page, context } = await newPage(chrome.browser));
  const fetched = [];
  page.on('request', (r) => { if (/\/v1\/blob\//.test(r.url())) fetched.push(new URL(r.url()).pathname); });
  await open(page, path);
  assert.deepEqual(await answer(page), want);
  assert.ok(fetched.length >= 2 && fetched.length <= 1 + 3, `blob requests: ${fetched.join(' ')}`); // the head and the shards of one anchor and the cart
  assert.ok(fetched.length - 1 < files.length, 'fetched every shard');
  // A reload: head and shard from the Cache API, the same answer.
  fetched.length = 0;
  // The page's own ready signal, not the load event: see open().
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => document.documentElement.dataset.shop === 'ready');
  assert.deepEqual(await answer(page), want);
  assert.deepEqual(fetched, [], `fetched again: ${fetched.join(' ')}`);
  await shot(page, '11-sharded');
  await context.close();
});
