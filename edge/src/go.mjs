// The bridge to the Go core (build/xsell.wasm, built from edge/main_js.go).
//
// One Go runtime per isolate, started on first use and reused by every later
// request. Calls cross through three //go:wasmexport functions and two
// buffers in Go's memory: JS copies the request bytes in, Go answers a framed
// result that JS copies out. Nothing per request is registered on either
// side (no js.FuncOf, no promise callbacks), so nothing accumulates.
import wasm from '../build/xsell.wasm';
import '../build/wasm_exec.js'; // Go's runtime glue: defines globalThis.Go

// Operation numbers: the contract with edge/api/handle.go.
export const OP = Object.freeze({
  EVENTS: 1, PUBLISH: 2, CONSUME: 3, STATS: 4, EXPORT: 5, LOAD_BLOB: 6, RECOMMEND: 7, CONFIGURE: 8, MEMORY: 9, ADD_SHARD: 10,
});

let go = null;
let exports = null;
let config = null;
const enc = new TextEncoder();
export const dec = new TextDecoder();

// Counters for GET /v1/health: how often the runtime started and was called.
export const runtimeStats = { starts: 0, calls: 0 };

function start() {
  go = new globalThis.Go();
  const inst = new WebAssembly.Instance(wasm, go.importObject);
  // run() executes main up to its select{} synchronously, then the exports
  // are live; the promise only settles if the program exits.
  go.run(inst).catch(() => {});
  exports = inst.exports;
  runtimeStats.starts++;
  if (config) invoke(OP.CONFIGURE, enc.encode(JSON.stringify(config)), Date.now());
}

// configure sets the limits passed to the core each time it starts.
export function configure(cfg) {
  const same = config && JSON.stringify(config) === JSON.stringify(cfg);
  config = cfg;
  if (exports && !same) invoke(OP.CONFIGURE, enc.encode(JSON.stringify(cfg)), Date.now());
}

function invoke(op, bytes, now) {
  const p = exports.xsell_input(bytes.length);
  new Uint8Array(exports.mem.buffer, p, bytes.length).set(bytes);
  const n = exports.xsell_call(op, bytes.length, BigInt(Math.floor(now)));
  const at = exports.xsell_output();
  // A fresh view: the call may have grown (and so replaced) the buffer.
  const frame = new Uint8Array(exports.mem.buffer, at, n);
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const status = dv.getUint16(0, true);
  const count = dv.getUint16(2, true);
  let off = 4 + 4 * count;
  const parts = [];
  for (let i = 0; i < count; i++) {
    const len = dv.getUint32(4 + 4 * i, true);
    parts.push(frame.slice(off, off + len)); // copy out: the next call reuses the buffer
    off += len;
  }
  return { status, parts };
}

// call runs one core operation on bytes (Uint8Array or string) and answers
// {status, parts}. If the runtime died (a fatal error in Go), it is started
// again for the next call and this one answers 500.
export function call(op, bytes, now = Date.now()) {
  if (typeof bytes === 'string') bytes = enc.encode(bytes);
  if (!exports || go.exited) start();
  runtimeStats.calls++;
  try {
    return invoke(op, bytes, now);
  } catch (err) {
    exports = null;
    const body = enc.encode(JSON.stringify({ error: { code: 'internal', message: `core failed: ${err && err.message}` } }));
    return { status: 500, parts: [body] };
  }
}

// memory answers the Go runtime's memory figures without starting it.
export function memory() {
  if (!exports || go.exited) return null;
  const res = invoke(OP.MEMORY, new Uint8Array(0), Date.now());
  return { ...JSON.parse(dec.decode(res.parts[0])), wasm_memory: exports.mem.buffer.byteLength };
}

// text decodes a part as UTF-8.
export const text = (part) => dec.decode(part);
