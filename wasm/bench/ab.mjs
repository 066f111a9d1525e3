// Chromium A/B of two builds of the browser core: each round opens a fresh
// headless browser on page.mjs's loop (?mode=loop) once per build, in
// turn, and takes recommend()'s settled p50 and p99 for 10-item carts (the
// window after V8's tier-up, see page.mjs) and the naive pure-JS
// baseline's p50 from the same page. The machine's speed
// drifts between browsers, so the figure to compare is each run's ratio to
// its own naive baseline; medians over the rounds. Node's V8 (11.3) is no
// proxy for Chromium's (15.6): changes that gained 5-13% there showed
// nothing here beyond the noise (docs/engine.md, "Eighth session").
// Args: ROUNDS DATA SITE_A SITE_B (wasm/scripts/ab.sh builds the sites
// from two git revisions).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.mjs';
import { launch } from './browser.mjs';

const [roundsArg, data, ...sites] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!(rounds > 0) || !data || sites.length !== 2) throw new Error('usage: node ab.mjs ROUNDS DATA SITE_A SITE_B');
const here = dirname(fileURLToPath(import.meta.url));
const runs = sites.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < sites.length; i++) {
    const srv = await serve({ '/site/': sites[i], '/data/': data, '/bench/': here, '/web/': join(here, '../../web') });
    const browser = await launch('xsell-ab-');
    try {
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error('page error:', e.message));
      await page.goto(`${srv.url}/bench/page.html?mode=loop`);
      await page.waitForFunction(() => window.__result, null, { timeout: 120000 });
      const x = await page.evaluate(() => window.__result);
      // p50 and the ratio from batches of 200 calls (0.025 µs steps), p99 from batches of 10.
      const run = { p50: x.wasmFine.p50us, p99: x.wasm.p99us, naive: x.naiveFine.p50us, naive99: x.naive.p99us, ratio: x.wasmFine.p50us / x.naiveFine.p50us };
      runs[i].push(run);
      console.log(`round ${r + 1} ${'AB'[i]}: p50 ${run.p50.toFixed(2)} µs  p99 ${run.p99.toFixed(1)} µs  naive p50 ${run.naive.toFixed(2)} µs  p99 ${run.naive99.toFixed(1)} µs  ratio ${run.ratio.toFixed(3)}`);
    } finally {
      await browser.close();
      await srv.close();
    }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = runs.map((rs) => ({ p50: med(rs.map((x) => x.p50)), p99: med(rs.map((x) => x.p99)), ratio: med(rs.map((x) => x.ratio)) }));
sites.forEach((s, i) => console.log(`${'AB'[i]} ${s}: medians over ${rounds} runs: p50 ${m[i].p50.toFixed(2)} µs, p99 ${m[i].p99.toFixed(1)} µs, ratio to naive JS ${m[i].ratio.toFixed(3)}`));
console.log(`B/A, ratio to naive JS: ${(m[1].ratio / m[0].ratio).toFixed(3)}× (p50s from batches of 200 calls: 0.025 µs steps)`);
