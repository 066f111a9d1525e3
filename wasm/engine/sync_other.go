//go:build !wasm

package engine

import "sync/atomic"

// Natively concurrent calls share the engine's first-use caches: see
// sync_wasm.go for why WebAssembly builds use plain fields instead.
type (
	onceFlag  = atomic.Bool
	word      = atomic.Uint64
	spareSlot = atomic.Pointer[scratch]
)
