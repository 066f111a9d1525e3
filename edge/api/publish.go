package api

import (
	"encoding/json"
	"errors"

	"github.com/klauspost/compress/zstd"
	"github.com/xsell/xsell/wasm/blob"
)

// publishLimits keep a decode inside the worker's 128 MB: a body that
// inflates past MaxRawBytes is refused before it is inflated.
var publishLimits = blob.Limits{
	MaxRawBytes: 48 << 20,
	MaxItems:    500_000,
	MaxPairs:    8_000_000,
	MaxStrings:  2_000_000,
	MaxRows:     2_000_000,
}

// Published is what the shell stores for one upload.
type Published struct {
	Manifest blob.Manifest
	Raw      []byte // the same blob with its body uncompressed (same hash)
	RawZstd  []byte // Raw compressed as HTTP Content-Encoding: zstd
}

// Prepare validates an upload with the core (header, version, hash, limits,
// full decode and column checks) and prepares the forms the edge serves.
// created is not read from the clock: it comes from the blob.
func Prepare(src []byte, maxBytes int) (*Published, error) {
	if maxBytes > 0 && len(src) > maxBytes {
		return nil, errorf(413, "too_large", ErrTooLarge, "blob is %d bytes, limit %d", len(src), maxBytes)
	}
	b, err := blob.Decode(src, blob.DecodeOptions{Limits: publishLimits})
	if err != nil {
		code := "bad_blob"
		switch {
		case errors.Is(err, blob.ErrVersion):
			code = "unsupported_version"
		case errors.Is(err, blob.ErrHash):
			code = "hash_mismatch"
		case errors.Is(err, blob.ErrLimit):
			code = "over_limit"
		case errors.Is(err, blob.ErrTruncated):
			code = "truncated"
		case errors.Is(err, blob.ErrMagic):
			code = "not_a_blob"
		}
		return nil, errorf(422, code, ErrBadBlob, "blob rejected, nothing published: %v", err)
	}
	raw, err := blob.Recode(src, true, publishLimits)
	if err != nil {
		return nil, errorf(422, "bad_blob", ErrBadBlob, "blob rejected, nothing published: %v", err)
	}
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<22))
	if err != nil {
		return nil, err
	}
	defer zw.Close()
	return &Published{
		Manifest: blob.ManifestFor(b, src),
		Raw:      raw,
		RawZstd:  zw.EncodeAll(raw, make([]byte, 0, len(src)+len(src)/8)),
	}, nil
}

func (c *Core) publish(src []byte) ([][]byte, error) {
	p, err := Prepare(src, c.MaxBlob)
	if err != nil {
		return nil, err
	}
	m, err := json.Marshal(p.Manifest)
	if err != nil {
		return nil, err
	}
	return [][]byte{m, []byte(p.Manifest.Hash), p.Raw, p.RawZstd}, nil
}
