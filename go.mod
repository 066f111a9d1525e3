module github.com/xsell/xsell

go 1.26

require (
	// zstd for the stored blob body, with bounded decoder memory.
	github.com/klauspost/compress v1.20.3
	// Only the edge benchmark's baseline (edge/bench/syumai): the worker it
	// generates, measured against ours. The shipped worker has its own glue.
	github.com/syumai/workers v0.32.0
	// The blob body's encoding (the browser build reads it with wasm/blob/lite.go).
	github.com/vmihailenco/msgpack/v5 v5.4.1
)

require github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
