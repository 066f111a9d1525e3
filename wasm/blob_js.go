//go:build js && wasm

package main

import "github.com/xsell/xsell/wasm/blob"

// decodeBlob verifies (magic, version, hash, limits, columns) and decodes.
// Built with -tags xsell_lite (wasm/scripts/build.sh does), blob.Decode
// reads raw bodies without the msgpack and zstd libraries.
// hashChecked skips the SHA-256, which the page has checked already.
func decodeBlob(src []byte, hashChecked bool) (*blob.Blob, error) {
	return blob.Decode(src, blob.DecodeOptions{SkipHash: hashChecked})
}
