// launch starts headless Debian chromium for the core's benchmarks on a
// fresh profile (a cold HTTP cache and Cache API), kept off the network by
// DESIGN.md's flags: only 127.0.0.1 resolves. $CHROMIUM overrides the
// binary; $XSELL_JSFLAGS passes V8 flags (e.g. --no-wasm-dynamic-tiering:
// every wasm function optimized up front, to see what tier-up costs).
// close() also removes the profile.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launch(prefix = 'xsell-bench-') {
  const profile = mkdtempSync(join(tmpdir(), prefix));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, 'config'), XDG_CACHE_HOME: join(profile, 'cache'), XDG_DATA_HOME: join(profile, 'data') },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', ...(process.env.XSELL_JSFLAGS ? ['--js-flags=' + process.env.XSELL_JSFLAGS] : []), '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
  });
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return browser;
}
