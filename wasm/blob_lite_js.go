//go:build js && wasm && xsell_lite

package main

import "github.com/xsell/xsell/wasm/blob"

// decodeBlob verifies (magic, version, hash, limits, columns) and decodes.
// Built with -tags xsell_lite (wasm/scripts/build.sh does), blob.Decode
// reads raw bodies without the msgpack and zstd libraries. src is
// loadBlob's private copy, never changed again, so the blob's strings and
// columns stay in it (blob.DecodeOwned): no per-string or per-column copy.
// hashChecked skips the SHA-256, which the page has checked already.
func decodeBlob(src []byte, hashChecked bool) (*blob.Blob, error) {
	return blob.DecodeOwned(src, blob.DecodeOptions{SkipHash: hashChecked})
}
