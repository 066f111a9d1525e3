//go:build js && wasm

// Command xsell is the browser core: setup through syscall/js (load a blob,
// read the catalog), the hot path through //go:wasmexport functions over
// shared buffers, one crossing per recommendation. web/xsell-core.js is
// its only caller; docs/engine.md documents the buffers.
package main

import (
	"errors"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"syscall/js"
	"unsafe"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"

	_ "embed"
)

// Shared buffers: the page writes an encoded context into in and reads the
// answer from out. Globals never move, so their addresses stay valid.
var (
	in  [64 << 10]byte
	out [64 << 10]byte
)

// state is what one loaded blob serves; loadBlob swaps it atomically.
type state struct {
	e     *engine.Engine
	stage int // loadBlob's staging number (see commit); 0 when loaded directly
}

var (
	cur     atomic.Pointer[state]
	pending atomic.Pointer[state] // decoded by a staged loadBlob, waiting for commit
	stages  int
	ctx     engine.Context
	list    = make([]engine.Suggestion, 0, 2*engine.MaxK)
	lastErr string
)

// Export results below zero are errors; xsell_error writes the message.
const (
	errNoBlob   = -1
	errContext  = -2
	errSize     = -3
	errInternal = -4
)

// maxBlobBytes bounds what loadBlob copies into the Go heap: a tab that
// asks for more gets an error, not a dead core.
const maxBlobBytes = 256 << 20

// guard turns a panic in an export into an error code, so one bad call
// cannot stop the core that keeps serving the page.
func guard(code *int32) {
	if p := recover(); p != nil {
		lastErr = "xsell: internal error: " + fmtPanic(p)
		*code = errInternal
	}
}

func fmtPanic(p any) string {
	if err, ok := p.(error); ok {
		return err.Error()
	}
	if s, ok := p.(string); ok {
		return s
	}
	return "panic"
}

// Memory: the collector runs against a limit, never by heap growth
// (GOGC off). A loaded blob lives until the next one, recommend does not
// allocate, and a collection in the page's main thread costs 10–30 ms: with
// growth-triggered collection the first call after a load paid for one,
// over the heap the load had just built. The limit follows the blob's size
// (setMemoryLimit), so the garbage of replaced blobs is collected once it
// would pass room for about two of them.
const baseMemoryLimit = 64 << 20

func setMemoryLimit(blobBytes int) {
	debug.SetMemoryLimit(baseMemoryLimit + 4*int64(blobBytes))
}

func main() {
	debug.SetGCPercent(-1)
	setMemoryLimit(0)
	api := js.Global().Get("Object").New()
	api.Set("loadBlob", js.FuncOf(loadBlob))
	api.Set("variant", js.FuncOf(variant))
	api.Set("commit", js.FuncOf(commit))
	api.Set("warm", js.FuncOf(warm))
	api.Set("loadShard", js.FuncOf(loadShard))
	api.Set("reserve", js.FuncOf(reserve))
	api.Set("release", js.FuncOf(release))
	api.Set("version", blob.MajorVersion)
	key := "__xsell_boot"
	if len(os.Args) > 1 {
		key = os.Args[1]
	}
	if boot := js.Global().Get(key); boot.Type() == js.TypeFunction {
		boot.Invoke(api)
	}
	select {} // serve calls from the page until it goes away
}

func ptr(b *byte) uint32 { return uint32(uintptr(unsafe.Pointer(b))) }

//go:wasmexport xsell_in
func xsellIn() uint32 { return ptr(&in[0]) }

//go:wasmexport xsell_out
func xsellOut() uint32 { return ptr(&out[0]) }

//go:wasmexport xsell_in_size
func xsellInSize() uint32 { return uint32(len(in)) }

// decode reads the context the page wrote; it returns the engine or an
// error code.
func decode(n uint32) (*engine.Engine, int32) {
	st := cur.Load()
	if st == nil {
		lastErr = "xsell: no blob loaded"
		return nil, errNoBlob
	}
	if n > uint32(len(in)) {
		lastErr = "xsell: context of " + strconv.Itoa(int(n)) + " bytes, buffer holds " + strconv.Itoa(len(in))
		return nil, errSize
	}
	if err := st.e.DecodeContext(in[:n], &ctx); err != nil {
		lastErr = err.Error()
		return nil, errContext
	}
	return st.e, 0
}

// answer encodes list into out and returns its length.
func answer(e *engine.Engine, total, bundleTotal float64) int32 {
	b := e.AppendSuggestions(out[:0], list, total, bundleTotal)
	if len(b) > 0 && &b[0] != &out[0] { // cannot happen: MaxOutBytes < len(out)
		lastErr = "xsell: answer over the output buffer"
		return errSize
	}
	return int32(len(b))
}

//go:wasmexport xsell_recommend
func xsellRecommend(n uint32) (code int32) {
	defer guard(&code)
	e, c := decode(n)
	if e == nil {
		return c
	}
	list = e.Recommend(&ctx, list[:0])
	return answer(e, 0, 0)
}

// xsell_shards writes into out, as little-endian uint32s, the shards of a
// sharded blob that the context in in needs and the core does not have
// (engine.MissingShards), and returns how many; 0 for a whole blob.
//
//go:wasmexport xsell_shards
func xsellShards(n uint32) (code int32) {
	defer guard(&code)
	e, c := decode(n)
	if e == nil {
		return c
	}
	need = e.MissingShards(&ctx, need[:0])
	b := out[:0]
	for _, k := range need {
		b = le32(b, uint32(k))
	}
	return int32(len(need))
}

var need []int

//go:wasmexport xsell_bundle
func xsellBundle(n uint32) (code int32) {
	defer guard(&code)
	e, c := decode(n)
	if e == nil {
		return c
	}
	if ctx.Anchor < 0 {
		list = list[:0]
		return answer(e, 0, 0)
	}
	b := e.Bundle(uint32(ctx.Anchor), &ctx, list[:0])
	list = b.Items
	return answer(e, b.Total, b.BundleTotal)
}

//go:wasmexport xsell_alternatives
func xsellAlternatives(n uint32) (code int32) {
	defer guard(&code)
	e, c := decode(n)
	if e == nil {
		return c
	}
	list = list[:0]
	if ctx.Anchor >= 0 {
		list = e.Alternatives(uint32(ctx.Anchor), &ctx, list)
	}
	return answer(e, 0, 0)
}

// xsell_item writes one item's catalog fields into out:
//
//	0  u32 item   4 i32 stock   8 f64 price (NaN unknown)
//	16 u8 role    17 u8 tier    18 u16 0   20 u32 string count (7)
//	24 then per string: u32 byte length, UTF-8 bytes:
//	   id, title, currency, url, image, category, brand
//
//go:wasmexport xsell_item
func xsellItem(item uint32) (code int32) {
	defer guard(&code)
	st := cur.Load()
	if st == nil {
		return errNoBlob
	}
	b := st.e.Blob()
	if int(item) >= b.Items.Len() {
		lastErr = "xsell: no item " + strconv.Itoa(int(item))
		return errContext
	}
	it := &b.Items
	o := out[:0]
	o = le32(o, item)
	o = le32(o, uint32(it.Stock[item]))
	o = le64(o, math.Float64bits(it.Price[item]))
	o = append(o, uint8(it.Role[item]), it.Tier[item], 0, 0)
	o = le32(o, 7)
	for _, s := range [...]string{it.ID[item], it.Title[item], b.Str(it.Currency[item]), b.Str(it.URL[item]),
		b.Str(it.Image[item]), b.Str(it.Category[item]), b.Str(it.Brand[item])} {
		if len(o)+4+len(s) > len(out) {
			s = "" // a catalog string over 64 KB is not drawn
		}
		o = le32(o, uint32(len(s)))
		o = append(o, s...)
	}
	return int32(len(o))
}

// xsell_lookup returns the item number of the catalog id the page wrote
// into the first n bytes of out (out, not in: the page looks ids up while
// it writes a context into in), or -1 when the catalog has no such id or
// no blob is loaded. The page caches what it learns, so the 20k ids of a
// catalog never cross the boundary at load.
//
//go:wasmexport xsell_lookup
func xsellLookup(n uint32) (code int32) {
	defer guard(&code)
	st := cur.Load()
	if st == nil || n == 0 || n > uint32(len(out)) {
		return -1
	}
	// The map lookup does not keep its key: a view of out is enough.
	i, ok := st.e.Item(unsafe.String(&out[0], n))
	if !ok {
		return -1
	}
	return int32(i)
}

// xsell_error writes the last error's message into out.
//
//go:wasmexport xsell_error
func xsellError() int32 { return int32(copy(out[:], lastErr)) }

func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func le64(b []byte, v uint64) []byte { return le32(le32(b, uint32(v)), uint32(v>>32)) }

// loadBlob(bytes: Uint8Array | an address from reserve, hashChecked?: bool,
// staged?: bool) → info object, or {error, code}. A bad blob leaves the
// current one serving.
// staged: decode and index, but serve it only once commit(info.stage, true)
// says so (the page checks the SHA-256 with WebCrypto meanwhile).
func loadBlob(_ js.Value, args []js.Value) (res any) {
	defer func() {
		if p := recover(); p != nil {
			res = fail("xsell: internal error: "+fmtPanic(p), "other")
		}
	}()
	var src []byte
	switch {
	case len(args) > 0 && args[0].Type() == js.TypeNumber:
		// The buffer reserve handed out, which the page has filled: the
		// blob is read where it is, never copied.
		if src = takeReserved(args[0].Float()); src == nil {
			return fail("xsell: loadBlob: no such reserved buffer", "other")
		}
	case len(args) > 0 && args[0].Type() == js.TypeObject && args[0].InstanceOf(js.Global().Get("Uint8Array")):
		n := args[0].Get("byteLength").Int()
		if n > maxBlobBytes {
			return overLimit(n)
		}
		// Room for this blob, the one it may replace and their indexes
		// before the collector runs (see setMemoryLimit).
		setMemoryLimit(n)
		src = make([]byte, n)
		if js.CopyBytesToGo(src, args[0]) != len(src) {
			return fail("xsell: loadBlob could not copy the bytes", "other")
		}
	default:
		return fail("xsell: loadBlob wants a Uint8Array", "other")
	}
	// A second argument true says the page checked the body's SHA-256 with
	// WebCrypto (loadBlobAsync): hashing 10 MB in Go wasm costs ~150 ms.
	verified := len(args) > 1 && args[1].Truthy()
	b, err := decodeBlob(src, verified)
	if err != nil {
		return fail(err.Error(), errCode(err))
	}
	e, err := engine.New(b)
	if err != nil {
		return fail(err.Error(), errCode(err))
	}
	if len(args) > 2 && args[2].Truthy() {
		stages++
		st := &state{e: e, stage: stages}
		pending.Store(st)
		r := info(e).(map[string]any)
		r["stage"] = st.stage
		return r
	}
	pending.Store(nil) // a staged load that started earlier must not replace this one
	cur.Store(&state{e: e})
	return info(e)
}

// overLimit is the error for n bytes of blob or shard past maxBlobBytes.
func overLimit(n int) any {
	return fail("blob: over limit: "+strconv.Itoa(n)+" bytes, this core loads at most "+strconv.Itoa(maxBlobBytes), "limit")
}

// reserved are the buffers reserve handed out that no loadBlob took yet,
// oldest first; at most maxReserved (xsell-core.js keeps the same count).
var reserved [][]byte

const maxReserved = 4

// reserve(n) → the address in wasm memory of n bytes the page may write a
// blob into as it arrives, then load with loadBlob(address): the blob is
// never held whole in the page nor copied into the core (on a fresh page
// every new megabyte costs its first touch; see docs/engine.md). A fifth
// reservation drops the oldest. → {error, code} when n is out of range.
func reserve(_ js.Value, args []js.Value) any {
	if len(args) < 1 || args[0].Type() != js.TypeNumber {
		return fail("xsell: reserve wants a byte count", "other")
	}
	n := args[0].Int()
	if n < blob.HeaderSize {
		return fail("blob: truncated: "+strconv.Itoa(n)+" bytes, header needs "+strconv.Itoa(blob.HeaderSize), "truncated")
	}
	if n > maxBlobBytes {
		return overLimit(n)
	}
	if len(reserved) == maxReserved {
		reserved = append(reserved[:0:0], reserved[1:]...)
	}
	setMemoryLimit(n)
	b := make([]byte, n)
	reserved = append(reserved, b)
	return ptr(&b[0])
}

// takeReserved removes the reserved buffer at address addr and returns it
// (nil when there is none).
func takeReserved(addr float64) []byte {
	for i, r := range reserved {
		if addr == float64(ptr(&r[0])) {
			reserved = append(reserved[:i:i], reserved[i+1:]...)
			return r
		}
	}
	return nil
}

// release(address) drops a reserved buffer no load will take (a download
// that ended short, a blob that failed its hash): the collector may reuse
// its memory.
func release(_ js.Value, args []js.Value) any {
	if len(args) > 0 && args[0].Type() == js.TypeNumber {
		takeReserved(args[0].Float())
	}
	return nil
}

// loadShard(bytes: Uint8Array, hashChecked?: bool) → {index, shards,
// loaded}, or {error, code}: adds a pair shard of the serving (sharded)
// blob. The shard must be the one the blob lists at its index (same
// SHA-256); anything else is refused and changes nothing. hashChecked: the
// page checked the body's SHA-256 with WebCrypto, or stored the shard only
// after it did.
func loadShard(_ js.Value, args []js.Value) (res any) {
	defer func() {
		if p := recover(); p != nil {
			res = fail("xsell: internal error: "+fmtPanic(p), "other")
		}
	}()
	st := cur.Load()
	if st == nil {
		return fail("xsell: no blob loaded", "other")
	}
	if len(args) < 1 || args[0].Type() != js.TypeObject || !args[0].InstanceOf(js.Global().Get("Uint8Array")) {
		return fail("xsell: loadShard wants a Uint8Array", "other")
	}
	n := args[0].Get("byteLength").Int()
	if n > maxBlobBytes {
		return overLimit(n)
	}
	src := make([]byte, n)
	if js.CopyBytesToGo(src, args[0]) != len(src) {
		return fail("xsell: loadShard could not copy the bytes", "other")
	}
	s, err := blob.DecodeShard(src, blob.DecodeOptions{SkipHash: len(args) > 1 && args[1].Truthy()}, true)
	if err != nil {
		return fail(err.Error(), errCode(err))
	}
	if err := st.e.AddShard(s); err != nil {
		return fail(err.Error(), errCode(err))
	}
	total, loaded := st.e.Shards()
	return map[string]any{"index": s.Index, "shards": total, "loaded": loaded}
}

// warmBlob is a tiny synthetic blob (12 items; go run ./wasm/internal/mkblob
// -items 12 -neighbours 4 -name warm) for warm.
//
//go:embed warm.blob
var warmBlob []byte

// warm() → bool runs the decoder and the engine once on warmBlob and drops
// the result: nothing the page sees changes. A page calls it while its blob
// is still on the way. V8 compiles a wasm function when it first runs, in
// its baseline tier, so on a cold page the real blob's decode and the first
// recommendation paid for compiling their code: warmed, they start compiled.
// False when the built-in blob does not load (a format change it missed:
// wasm/blob's TestWarmBlob says so first).
func warm(_ js.Value, _ []js.Value) (res any) {
	defer func() {
		if p := recover(); p != nil {
			res = false
		}
	}()
	b, err := decodeBlob(append([]byte(nil), warmBlob...), true)
	if err != nil {
		return false
	}
	e, err := engine.New(b)
	if err != nil {
		return false
	}
	var ans []byte
	var list []engine.Suggestion
	for _, c := range []engine.Context{
		{Placement: engine.Product, Anchor: 1, Now: 1_781_000_000},
		{Placement: engine.Cart, Anchor: -1, Cart: []engine.Line{{Item: 2, Qty: 1}, {Item: 3, Qty: 2}, {Item: 5, Qty: 1}}, Now: 1_781_000_000, Visitor: 7},
		{Placement: engine.Checkout, Anchor: -1, Cart: []engine.Line{{Item: 7, Qty: 1}}, FreeDelivery: 500, Now: 1_781_000_000},
	} {
		list = e.Recommend(&c, list[:0])
		ans = e.AppendSuggestions(ans[:0], list, 0, 0)
	}
	c := engine.Context{Placement: engine.Product, Anchor: 1, Now: 1_781_000_000}
	e.Alternatives(1, &c, list[:0])
	return len(ans) > 0
}

// commit(stage: number, ok: bool) → bool: with ok, the blob that the staged
// loadBlob numbered stage starts serving (true); without, it is dropped.
// A later staged load replaces an earlier one: committing the earlier one
// then does nothing (false).
func commit(_ js.Value, args []js.Value) any {
	if len(args) < 2 || args[0].Type() != js.TypeNumber {
		return false
	}
	st := pending.Load()
	if st == nil || st.stage != args[0].Int() || !pending.CompareAndSwap(st, nil) {
		return false
	}
	if !args[1].Truthy() {
		return false
	}
	cur.Store(st)
	return true
}

func fail(msg, code string) any {
	return map[string]any{"error": msg, "code": code}
}

func errCode(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{{blob.ErrMagic, "magic"}, {blob.ErrVersion, "version"}, {blob.ErrTruncated, "truncated"}, {blob.ErrHash, "hash"},
		{blob.ErrSignature, "signature"}, {blob.ErrLimit, "limit"}, {blob.ErrCompressed, "zstd"}, {blob.ErrCorrupt, "corrupt"}} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "other"
}

// info describes the loaded blob and carries what the page needs to encode
// contexts besides item numbers (xsell_lookup): segment and currency
// numbers.
func info(e *engine.Engine) any {
	b := e.Blob()
	h := b.Header
	exps := []any{}
	for _, x := range b.Policy.Experiments {
		vs := []any{}
		for _, v := range x.Variants {
			vs = append(vs, v.Name)
		}
		exps = append(exps, map[string]any{"name": x.Name, "variants": vs})
	}
	segs := map[string]any{}
	for name, n := range e.Segments() {
		segs[name] = n
	}
	curs := map[string]any{}
	last := uint32(0)
	for _, c := range b.Items.Currency {
		if c != 0 && c != last { // most shops have one currency: one map write, not one per item
			curs[b.Str(c)] = c
			last = c
		}
	}
	return map[string]any{
		"hash":         h.HashHex(),
		"version":      strconv.Itoa(int(h.Major)) + "." + strconv.Itoa(int(h.Minor)),
		"created":      b.Created,
		"generator":    b.Generator,
		"items":        b.Items.Len(),
		"pairs":        len(b.Pairs.To),
		"triples":      len(b.Triples.To),
		"matrix":       b.Matrix.Len(),
		"feedback":     b.Feedback.Len(),
		"orders":       b.Stats.Orders,
		"experiments":  exps,
		"segments":     segs,
		"currencies":   curs,
		"freeDelivery": b.Policy.FreeDelivery,
		"shards":       shardHashes(b),
	}
}

// variant(visitorId) → [{experiment, variant, holdout}]
func variant(_ js.Value, args []js.Value) any {
	st := cur.Load()
	if st == nil || len(args) != 1 || args[0].Type() != js.TypeString {
		return []any{}
	}
	out := []any{}
	for _, a := range st.e.Assignments(engine.HashVisitor(args[0].String()), nil) {
		out = append(out, map[string]any{"experiment": a.Experiment, "variant": a.Variant, "holdout": a.Holdout})
	}
	return out
}

// shardHashes lists a sharded blob's shards by index (their content
// addresses, as the edge serves them); empty for a whole blob.
func shardHashes(b *blob.Blob) []any {
	hs := []any{}
	for _, h := range b.Shards.Hash {
		hs = append(hs, blob.Header{Hash: h}.HashHex())
	}
	return hs
}
