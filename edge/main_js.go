//go:build js && wasm

// Command edge is the Go core of the xsell edge worker, compiled to
// WebAssembly and driven by edge/src/worker.mjs. It does no I/O: the shell
// passes request bytes in, the core answers bytes out (edge/api).
//
// The bridge is three //go:wasmexport functions over two buffers in Go's
// memory. No js.FuncOf, no promise callbacks and no js.Value cross it per
// request, so nothing is left to release and one runtime serves every
// request of the isolate.
package main

import (
	"unsafe"

	"github.com/xsell/xsell/edge/api"
)

var (
	core = api.NewCore()
	in   []byte // request bytes, written by the shell
	out  []byte // framed answer, read by the shell
)

// keepBuffer is the most a buffer keeps between calls; a blob upload's
// megabytes go back to the heap instead of staying pinned.
const keepBuffer = 1 << 20

// xsellInput makes room for n request bytes and answers where to write them.
//
//go:wasmexport xsell_input
func xsellInput(n int32) int32 {
	if n < 0 {
		n = 0
	}
	if cap(in) < int(n) || cap(in) > keepBuffer && int(n) <= keepBuffer {
		in = make([]byte, n, max(int(n), 4096))
	}
	in = in[:n]
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(in[:cap(in)]))))
}

// xsellCall runs operation op on the n bytes written at xsellInput's address
// and answers the length of the framed result; xsellOutput says where it is.
//
//go:wasmexport xsell_call
func xsellCall(op int32, n int32, now int64) int32 {
	if int(n) > len(in) || n < 0 {
		n = 0
	}
	status, parts := core.Handle(api.Op(op), in[:n], now)
	if cap(out) > keepBuffer {
		out = nil
	}
	out = api.Frame(out, status, parts)
	if cap(in) > keepBuffer {
		in = nil
	}
	return int32(len(out))
}

//go:wasmexport xsell_output
func xsellOutput() int32 {
	if len(out) == 0 {
		return 0
	}
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
}

func main() {
	// The runtime stays up between requests: the exports above are called
	// from JavaScript while main waits here.
	select {}
}
