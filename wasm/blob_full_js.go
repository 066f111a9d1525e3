//go:build js && wasm && !xsell_lite

package main

import "github.com/xsell/xsell/wasm/blob"

// decodeBlob verifies (magic, version, hash, signature, limits, columns)
// and decodes, zstd bodies too (the full decoder: XSELL_WASM_TAGS= builds
// it). hashChecked skips the SHA-256, which the page has checked already.
func decodeBlob(src []byte, hashChecked bool) (*blob.Blob, error) {
	return blob.Decode(src, blob.DecodeOptions{SkipHash: hashChecked})
}
