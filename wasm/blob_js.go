//go:build js && wasm

package main

import (
	"errors"

	"github.com/xsell/xsell/wasm/blob"
)

// errZstd: a zstd body reached a build without the decoder.
var errZstd = errors.New("xsell: zstd body not supported by this build")

// decodeBlob verifies (magic, version, hash, limits, columns) and decodes.
func decodeBlob(src []byte) (*blob.Blob, error) {
	return blob.Decode(src, blob.DecodeOptions{})
}
