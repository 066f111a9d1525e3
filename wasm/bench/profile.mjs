// Where the browser core's start goes: loads the benchmark page (page.mjs,
// ?mode=start) in headless Chromium with V8's sampling profiler on (CDP
// Profiler), cold (fresh profile) then warm (reload), and prints the
// functions with the most self time. Args: SITE DATA [TOP]. Build the wasm
// without -s -w for function names (wasm/scripts/bench.sh does not).
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, pageFiles } from './serve.mjs';
import { launch } from './browser.mjs';

const [site, data, topArg] = process.argv.slice(2);
if (!site || !data) throw new Error('usage: node profile.mjs SITE DATA [TOP]');
const top = Number(topArg) || 30;
const here = dirname(fileURLToPath(import.meta.url));
const srv = await serve({ '/site/': site, '/data/': data, '/bench/': here, '/web/': join(here, '../../web') });
srv.warm([...pageFiles(here, site), join(site, 'xsell.wasm'), join(data, 'bench.blob')]);
const browser = await launch('xsell-prof-');
try {
  const page = await browser.newPage();
  const cdp = await browser.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  for (const run of ['cold', 'warm']) {
    await cdp.send('Profiler.start');
    await page.goto(`${srv.url}/bench/page.html?mode=start`);
    await page.waitForFunction(() => window.__result, null, { timeout: 120000 });
    const r = await page.evaluate(() => window.__result);
    const { profile: p } = await cdp.send('Profiler.stop');
    const dt = new Map();
    p.samples.forEach((s, i) => dt.set(s, (dt.get(s) || 0) + (p.timeDeltas[i] || 0)));
    const self = new Map();
    for (const n of p.nodes) {
      const f = n.callFrame;
      const k = f.functionName || `(${f.url.split('/').pop() || 'anonymous'})`;
      self.set(k, (self.get(k) || 0) + (dt.get(n.id) || 0));
    }
    console.log(`== ${run}: first suggestion ${r.firstSuggestionMs.toFixed(0)} ms (wasm ready ${r.wasmReadyMs.toFixed(0)}, blob fetch ${r.blobFetchMs.toFixed(0)}, decode ${r.blobDecodeMs.toFixed(0)}, first call ${r.firstCallMs.toFixed(1)})`);
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1000).toFixed(1).padStart(9)} ms  ${k}`);
  }
} finally {
  await browser.close();
  await srv.close();
}
