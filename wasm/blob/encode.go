//go:build !xsell_lite

package blob

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"

	"github.com/klauspost/compress/zstd"
	"github.com/vmihailenco/msgpack/v5"
)

// sortedMaps makes the policy's typed maps (k, max_price_ratio) encode in
// key order: msgpack's SetSortMapKeys covers only a few map types, and a
// content-addressed blob must not change with Go's map iteration order.
// Only the order of keys changes, not the wire format.
func init() {
	msgpack.Register(PlacementInts(nil), encodeSortedMap[PlacementInts], nil)
	msgpack.Register(PlacementFloats(nil), encodeSortedMap[PlacementFloats], nil)
}

func encodeSortedMap[M ~map[string]V, V int | float64](e *msgpack.Encoder, v reflect.Value) error {
	if v.IsNil() {
		return e.EncodeNil()
	}
	m := v.Interface().(M)
	if err := e.EncodeMapLen(len(m)); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := e.EncodeString(k); err != nil {
			return err
		}
		if err := e.Encode(m[k]); err != nil {
			return err
		}
	}
	return nil
}

// EncodeOptions tune Encode.
type EncodeOptions struct {
	// Raw stores the body uncompressed (for transport that compresses anyway).
	Raw bool
	// Level is the zstd level (default: zstd.SpeedBetterCompression).
	Level zstd.EncoderLevel
	// SignKey, when set, signs the header with Ed25519.
	SignKey ed25519.PrivateKey
}

// Encode writes b as a blob: header, then the msgpack body, zstd-compressed
// unless opts.Raw. Columns left nil are filled with their "unknown" value, so
// a generator only sets what it has. Encode validates before writing.
func Encode(b *Blob, opts EncodeOptions) ([]byte, error) {
	b.normalize()
	if err := b.Validate(); err != nil {
		return nil, err
	}
	minor := uint16(MinorVersion)
	if b.Sharded() {
		minor = MinorSharded
	}
	return encodeBody(toWire(b), minor, 0, opts, func(h Header) { b.Header = h })
}

// EncodeShard writes a pair shard: header (flag FlagShard), then its msgpack
// body, zstd-compressed unless opts.Raw. Its hash goes into the head's
// Shards.Hash.
func EncodeShard(s *PairShard, opts EncodeOptions) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return encodeBody(s.toWire(), MinorSharded, FlagShard, opts, func(h Header) { s.Header = h })
}

func encodeBody(w any, minor uint16, flags uint32, opts EncodeOptions, setHeader func(Header)) ([]byte, error) {
	var raw bytes.Buffer
	enc := msgpack.NewEncoder(&raw)
	enc.UseCompactInts(true)
	enc.SetSortMapKeys(true) // same blob, same bytes (see sortedMaps)
	if err := enc.Encode(w); err != nil {
		return nil, fmt.Errorf("blob: encode body: %w", err)
	}
	h := Header{Major: MajorVersion, Minor: minor, Flags: flags, RawLen: uint64(raw.Len()), Hash: sha256.Sum256(raw.Bytes())}
	body := raw.Bytes()
	if !opts.Raw {
		level := opts.Level
		if level == 0 {
			level = zstd.SpeedBetterCompression
		}
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		body = zw.EncodeAll(raw.Bytes(), make([]byte, 0, raw.Len()/3))
		zw.Close()
		h.Flags |= FlagZstd
	}
	h.BodyLen = uint64(len(body))
	if opts.SignKey != nil {
		h.Flags |= FlagSigned
	}
	out := make([]byte, HeaderSize, HeaderSize+len(body))
	h.put(out)
	if opts.SignKey != nil {
		copy(out[64:128], ed25519.Sign(opts.SignKey, signedMessage(h.Hash)))
	}
	hh, _ := ParseHeader(out)
	setHeader(hh)
	return append(out, body...), nil
}

// Recode returns the same blob with its body stored raw (uncompressed) or
// zstd-compressed, keeping its hash and signature: the hash covers the raw
// body, so both forms have one identity. The edge uses it to serve a raw
// blob under HTTP Content-Encoding, which browsers inflate natively.
func Recode(src []byte, raw bool, limits Limits) ([]byte, error) {
	h, body, err := rawBody(src, limits)
	if err != nil {
		return nil, err
	}
	if raw {
		h.Flags &^= FlagZstd
	} else {
		zw, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		body = zw.EncodeAll(body, nil)
		zw.Close()
		h.Flags |= FlagZstd
	}
	h.BodyLen = uint64(len(body))
	out := make([]byte, HeaderSize, HeaderSize+len(body))
	h.put(out)
	return append(out, body...), nil
}

// normalize fills nil columns with their unknown values so every column has
// its full length.
func (b *Blob) normalize() {
	it := &b.Items
	n := len(it.ID)
	if it.Title == nil {
		it.Title = make([]string, n)
	}
	if len(b.Strings) == 0 {
		b.Strings = []string{""}
	}
	fillF64(&it.Price, n, math.NaN())
	fillF32(&it.Margin, n, float32(math.NaN()))
	fill(&it.Currency, n, 0)
	fill(&it.URL, n, 0)
	fill(&it.Image, n, 0)
	fill(&it.Category, n, 0)
	fill(&it.Brand, n, 0)
	fill(&it.Role, n, RoleNone)
	fill(&it.Stock, n, StockUnknown)
	fill(&it.Tier, n, 0)
	fill(&it.TagOff, n+1, 0)
	fill(&it.SeasonFrom, n, 0)
	fill(&it.SeasonTo, n, 0)
	fill(&it.Replenish, n, 0)
	fill(&it.Orders, n, 0)
	fillF32(&it.OrdersDecayed, n, 0)
	fill(&b.Pairs.Off, n+1, 0)
	if b.Pairs.NABDecayed == nil {
		b.Pairs.NABDecayed = make([]float32, len(b.Pairs.To))
	}
	fill(&b.Triples.Off, len(b.Triples.A)+1, 0)
	m := &b.Matrix
	nm := len(m.Complement)
	fill(&m.AnchorItem, nm, -1)
	fill(&m.AnchorCategory, nm, 0)
	fill(&m.Kind, nm, KindComplement)
	fill(&m.Reason, nm, 0)
	fillF32(&m.Priority, nm, 0)
	fillF32(&m.Discount, nm, 0)
	fill(&m.ValidFrom, nm, 0)
	fill(&m.ValidTo, nm, 0)
	fill(&m.ReqOff, nm+1, 0)
	fill(&m.ExclOff, nm+1, 0)
	fill(&m.Line, nm, 0)
	f := &b.Feedback
	nf := len(f.Item)
	fill(&f.Anchor, nf, -1)
	for _, c := range []*[]uint32{&f.Shown, &f.Clicked, &f.Added, &f.Bought, &f.Dismissed} {
		fill(c, nf, 0)
	}
}

func fill[T comparable](s *[]T, n int, v T) {
	if *s != nil {
		return
	}
	*s = make([]T, n)
	var zero T
	if v != zero {
		for i := range *s {
			(*s)[i] = v
		}
	}
}

func fillF64(s *[]float64, n int, v float64) {
	if *s == nil {
		*s = make([]float64, n)
		for i := range *s {
			(*s)[i] = v
		}
	}
}

func fillF32(s *[]float32, n int, v float32) {
	if *s == nil {
		*s = make([]float32, n)
		for i := range *s {
			(*s)[i] = v
		}
	}
}

// StringTable interns strings for a Blob; entry 0 is "".
type StringTable struct {
	Strings []string
	index   map[string]uint32
}

// Ref returns the reference of s, adding it when new.
func (t *StringTable) Ref(s string) uint32 {
	if t.index == nil {
		t.index = map[string]uint32{"": 0}
		if len(t.Strings) == 0 {
			t.Strings = []string{""}
		}
	}
	if i, ok := t.index[s]; ok {
		return i
	}
	i := uint32(len(t.Strings))
	t.Strings = append(t.Strings, s)
	t.index[s] = i
	return i
}
