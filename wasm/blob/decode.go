//go:build !xsell_lite

package blob

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

// DecodeOptions tune Decode.
type DecodeOptions struct {
	Limits Limits // zero: DefaultLimits
	// PublicKey, when set, requires a valid Ed25519 signature.
	PublicKey ed25519.PublicKey
	// SkipHash trusts the body without hashing it (the caller already did).
	SkipHash bool
}

// Decode parses, verifies and validates a blob. It never panics on hostile
// bytes: every length is bounded by the header and by opts.Limits.
func Decode(src []byte, opts DecodeOptions) (*Blob, error) {
	limits := opts.Limits
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	if opts.PublicKey != nil {
		if len(src) < HeaderSize {
			return nil, ErrTruncated
		}
		if err := verifySignature(src, opts.PublicKey); err != nil {
			return nil, err
		}
	}
	h, raw, err := rawBodyOpt(src, limits, opts.SkipHash)
	if err != nil {
		return nil, err
	}
	if h.Flags&FlagShard != 0 {
		return nil, ErrIsShard
	}
	var w wireBody
	dec := msgpack.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: msgpack: %v", ErrCorrupt, err)
	}
	if err := w.checkLimits(limits); err != nil {
		return nil, err
	}
	b := &Blob{Header: h}
	if err := fromWire(&w, b); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// DecodeShard parses, verifies and checks a pair shard (engine.AddShard
// then checks it belongs to the loaded head). owned is for the browser
// build's in-place reads (see DecodeOwned); this build always copies.
func DecodeShard(src []byte, opts DecodeOptions, owned bool) (*PairShard, error) {
	limits := opts.Limits
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	h, raw, err := rawBodyOpt(src, limits, opts.SkipHash)
	if err != nil {
		return nil, err
	}
	if h.Flags&FlagShard == 0 {
		return nil, ErrNotShard
	}
	var w shardWire
	if err := msgpack.NewDecoder(bytes.NewReader(raw)).Decode(&w); err != nil {
		return nil, fmt.Errorf("%w: msgpack: %v", ErrCorrupt, err)
	}
	return w.toShard(h, limits)
}

// rawBody returns the header and the uncompressed, hash-checked body.
func rawBody(src []byte, limits Limits) (Header, []byte, error) {
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	return rawBodyOpt(src, limits, false)
}

func rawBodyOpt(src []byte, limits Limits, skipHash bool) (Header, []byte, error) {
	h, err := ParseHeader(src)
	if err != nil {
		return h, nil, err
	}
	if h.RawLen > limits.MaxRawBytes {
		return h, nil, fmt.Errorf("%w: body of %d bytes, limit %d", ErrLimit, h.RawLen, limits.MaxRawBytes)
	}
	stored := src[HeaderSize:]
	if uint64(len(stored)) != h.BodyLen {
		return h, nil, fmt.Errorf("%w: body has %d bytes, header says %d", ErrTruncated, len(stored), h.BodyLen)
	}
	raw := stored
	if h.Flags&FlagZstd != 0 {
		zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(max(h.RawLen+1, 64<<10)) /* a frame names a window of at least 1 KB, whatever its size */, zstd.WithDecodeAllCapLimit(true))
		if err != nil {
			return h, nil, err
		}
		defer zr.Close()
		raw, err = zr.DecodeAll(stored, make([]byte, 0, h.RawLen))
		if err != nil {
			return h, nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
		}
	}
	if uint64(len(raw)) != h.RawLen {
		return h, nil, fmt.Errorf("%w: body inflates to %d bytes, header says %d", ErrCorrupt, len(raw), h.RawLen)
	}
	if !skipHash && sha256.Sum256(raw) != h.Hash {
		return h, nil, ErrHash
	}
	return h, raw, nil
}
