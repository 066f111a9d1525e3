//go:build xsell_lite

package blob

import "reflect"

// The browser build (-tags xsell_lite): Decode without the msgpack, zstd and
// ed25519 libraries, which would more than double the wasm. It reads raw
// bodies only (the edge serves blob.Recode(…, raw=true) under HTTP
// Content-Encoding, which the browser inflates natively), still checks the
// SHA-256 (unless SkipHash: the page may have checked it with WebCrypto),
// and rejects signatures it cannot verify. Encode, Recode and StringTable
// exist only in the full build.

// DecodeOptions tune Decode.
type DecodeOptions struct {
	Limits Limits
	// PublicKey: this build cannot verify signatures; setting it fails.
	PublicKey []byte
	SkipHash  bool
}

// The policy's bounded types (bounded.go in the full build).
type (
	PlacementInts   map[string]int
	PlacementFloats map[string]float64
	Exclusions      []Exclusion
	Experiments     []Experiment
	Variants        []Variant
)

// Decode parses, verifies and validates a blob with a raw body. The blob
// does not refer to src afterwards.
func Decode(src []byte, opts DecodeOptions) (*Blob, error) { return decode(src, opts, false) }

// DecodeOwned is Decode for a caller that hands src over for good and never
// changes it again (the browser core's private copy): the blob's strings and
// numeric columns then stay in src instead of being copied out, which takes
// the 60k strings and ~25 MB of column copies of a 20k × 30 blob off the
// load path. The checks are Decode's.
func DecodeOwned(src []byte, opts DecodeOptions) (*Blob, error) { return decode(src, opts, true) }

func decode(src []byte, opts DecodeOptions, owned bool) (*Blob, error) {
	h, raw, limits, err := liteBody(src, opts)
	if err != nil {
		return nil, err
	}
	if h.Flags&FlagShard != 0 {
		return nil, ErrIsShard
	}
	w, err := decodeWireLite(raw, owned)
	if err != nil {
		return nil, err
	}
	if err := w.checkLimits(limits); err != nil {
		return nil, err
	}
	b := &Blob{Header: h}
	if err := fromWire(w, b); err != nil {
		return nil, err
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// DecodeShard parses, verifies and checks a pair shard. owned as for
// DecodeOwned: the shard's columns may stay in src.
func DecodeShard(src []byte, opts DecodeOptions, owned bool) (*PairShard, error) {
	h, raw, limits, err := liteBody(src, opts)
	if err != nil {
		return nil, err
	}
	if h.Flags&FlagShard == 0 {
		return nil, ErrNotShard
	}
	r := &liteReader{b: raw, alias: owned}
	var w shardWire
	if err := r.value(reflect.ValueOf(&w).Elem(), 0); err != nil {
		return nil, err
	}
	w.alias = owned
	return w.toShard(h, limits)
}

// liteBody checks the header and returns the raw body, hash-checked unless
// opts.SkipHash.
func liteBody(src []byte, opts DecodeOptions) (Header, []byte, Limits, error) {
	limits := opts.Limits
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	var h Header
	if opts.PublicKey != nil {
		return h, nil, limits, Wrap(ErrSignature, "this build (xsell_lite) cannot verify signatures")
	}
	h, err := ParseHeader(src)
	if err != nil {
		return h, nil, limits, err
	}
	if h.RawLen > limits.MaxRawBytes {
		return h, nil, limits, Wrap(ErrLimit, "body of "+Utoa(h.RawLen)+" bytes, limit "+Utoa(limits.MaxRawBytes))
	}
	raw := src[HeaderSize:]
	if uint64(len(raw)) != h.BodyLen {
		return h, nil, limits, Wrap(ErrTruncated, "body has "+Itoa(len(raw))+" bytes, header says "+Utoa(h.BodyLen))
	}
	if h.Flags&FlagZstd != 0 {
		return h, nil, limits, Wrap(ErrCompressed, "zstd-compressed body; this build (xsell_lite) reads raw bodies: serve blob.Recode(…, raw=true) under HTTP Content-Encoding")
	}
	if uint64(len(raw)) != h.RawLen {
		return h, nil, limits, Wrap(ErrCorrupt, "raw body has "+Itoa(len(raw))+" bytes, header says "+Utoa(h.RawLen))
	}
	if !opts.SkipHash && sum256(raw) != h.Hash {
		return h, nil, limits, ErrHash
	}
	return h, raw, limits, nil
}
