// edge/scripts/demo.sh's body: the worker on a fixed port with persistent
// state and token under $OUT/edge-demo, the sample blob published.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { publish, publishBuild, startWorker } from '../test/worker.mjs';

const out = process.env.OUT;
const dir = join(out, 'edge-demo');
mkdirSync(dir, { recursive: true });
const tokenFile = join(out, 'edge-demo.token');
if (!existsSync(tokenFile)) writeFileSync(tokenFile, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
const token = readFileSync(tokenFile, 'utf8').trim();
const port = Number(process.env.PORT || 8787);
const origins = (process.env.ALLOWED_ORIGINS || '').split(',').filter(Boolean);

const w = await startWorker({ persistDir: dir, fresh: false, port, token, origins, assetsDir: join(out, 'site') });
const sample = join(out, 'sample.blob');
if (existsSync(sample)) {
  // A sharded build (matrixgen build --shard-pairs) has its shards beside it: they go first.
  const r = existsSync(join(out, 'sample.manifest.json')) ? await publishBuild(w, sample) : await publish(w, readFileSync(sample));
  console.log(`published ${sample}: ${r.manifest.hash} (${r.unchanged ? 'already current' : 'new'})`);
} else {
  console.log(`no ${sample} yet (./build.sh blob makes it); publish with PUT /v1/blob`);
}
console.log(`xsell edge: ${w.url}/  (token in ${tokenFile}; log ${w.log})`);
console.log(`dashboard: ${w.url}/dashboard.html?token=${token}`);
const stop = async () => { await w.stop(); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
