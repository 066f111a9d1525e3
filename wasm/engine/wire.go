package engine

import (
	"encoding/binary"
	"math"
	"unicode/utf8"

	"github.com/xsell/xsell/wasm/blob"
)

// The binary context and suggestion encodings used across the
// WebAssembly boundary (one crossing per call, shared buffers). All numbers
// are little-endian; docs/engine.md has the tables.

// ContextMagic starts an encoded context: "XC01".
const ContextMagic = 0x31304358

// Bounds of an encoded context; a context over them is rejected.
const (
	ContextHeaderSize = 64
	MaxContextList    = 4096 // entries per list (cart, viewed, owned, ...)
	MaxVisitorBytes   = 256
	// MaxReasonBytes bounds one reason's text in the output.
	MaxReasonBytes = 1024
	// OutHeaderSize and OutRecordSize describe AppendSuggestions' output.
	OutHeaderSize = 32
	OutRecordSize = 56
	// MaxOutBytes is the most AppendSuggestions writes for MaxK suggestions.
	MaxOutBytes = OutHeaderSize + MaxK*(OutRecordSize+MaxReasonBytes)
)

// AppendContext encodes ctx (and the visitor id whose hash ctx.Visitor
// should be) for DecodeContext.
func AppendContext(dst []byte, ctx *Context, visitor string) []byte {
	le := binary.LittleEndian
	dst = le.AppendUint32(dst, ContextMagic)
	dst = le.AppendUint32(dst, uint32(ctx.Placement))
	dst = le.AppendUint32(dst, uint32(ctx.Anchor))
	dst = le.AppendUint32(dst, uint32(max(ctx.K, 0)))
	dst = le.AppendUint64(dst, uint64(ctx.Now))
	dst = le.AppendUint64(dst, math.Float64bits(ctx.FreeDelivery))
	dst = le.AppendUint32(dst, ctx.Currency)
	for _, n := range []int{len(ctx.Cart), len(ctx.Viewed), len(ctx.Owned), len(ctx.Dismissed), len(ctx.Segments), len(visitor)} {
		dst = le.AppendUint32(dst, uint32(n))
	}
	dst = le.AppendUint32(dst, 0)
	for _, l := range ctx.Cart {
		dst = le.AppendUint32(le.AppendUint32(dst, l.Item), l.Qty)
	}
	for _, v := range ctx.Viewed {
		dst = le.AppendUint32(dst, v)
	}
	for _, o := range ctx.Owned {
		dst = le.AppendUint64(le.AppendUint32(dst, o.Item), uint64(o.At))
	}
	for _, d := range ctx.Dismissed {
		dst = le.AppendUint32(dst, d)
	}
	for _, s := range ctx.Segments {
		dst = le.AppendUint32(dst, s)
	}
	return append(dst, visitor...)
}

// DecodeContext parses an encoded context into ctx, reusing its slices.
// The bytes come from page script and are treated as hostile: every count
// is bounded by MaxContextList and by the bytes present, every item number
// by the catalog; errors wrap ErrContext and name the field.
func (e *Engine) DecodeContext(src []byte, ctx *Context) error {
	ctx.Reset()
	le := binary.LittleEndian
	if len(src) < ContextHeaderSize {
		return blob.Wrap(ErrContext, blob.Itoa(len(src))+" bytes, header needs "+blob.Itoa(ContextHeaderSize))
	}
	if le.Uint32(src) != ContextMagic {
		return blob.Wrap(ErrContext, "magic "+blob.Hex(le.Uint32(src)))
	}
	pl := le.Uint32(src[4:])
	if pl >= uint32(numPlacements) {
		return blob.Wrap(ErrContext, "placement "+blob.Utoa(pl))
	}
	ctx.Placement = Placement(pl)
	ctx.Anchor = int32(le.Uint32(src[8:]))
	if ctx.Anchor < -1 || int(ctx.Anchor) >= e.n {
		return blob.Wrap(ErrContext, "anchor "+blob.Itoa(ctx.Anchor)+" of "+blob.Itoa(e.n)+" items")
	}
	k := le.Uint32(src[12:])
	if k > MaxK {
		k = MaxK
	}
	ctx.K = int(k)
	ctx.Now = int64(le.Uint64(src[16:]))
	fd := math.Float64frombits(le.Uint64(src[24:]))
	if math.IsNaN(fd) || math.IsInf(fd, 0) || fd < 0 {
		return blob.Wrap(ErrContext, "free_delivery "+blob.Ftoa(fd))
	}
	ctx.FreeDelivery = fd
	ctx.Currency = le.Uint32(src[32:])
	var n [6]uint32
	names := [6]string{"cart", "viewed", "owned", "dismissed", "segments", "visitor"}
	size := ContextHeaderSize
	per := [6]int{8, 4, 12, 4, 4, 1}
	for i := range n {
		n[i] = le.Uint32(src[36+4*i:])
		limit := uint32(MaxContextList)
		if i == 5 {
			limit = MaxVisitorBytes
		}
		if n[i] > limit {
			return blob.Wrap(ErrContext, blob.Utoa(n[i])+" "+names[i]+" entries, limit "+blob.Utoa(limit))
		}
		size += int(n[i]) * per[i]
	}
	if size != len(src) {
		return blob.Wrap(ErrContext, "counts need "+blob.Itoa(size)+" bytes, have "+blob.Itoa(len(src)))
	}
	p := src[ContextHeaderSize:]
	// The item checks are written out: a closure call per entry is dearer
	// in wasm than the test.
	for i := 0; i < int(n[0]); i++ {
		l := Line{Item: le.Uint32(p), Qty: le.Uint32(p[4:])}
		if int(l.Item) >= e.n {
			return e.itemError("cart", i, l.Item)
		}
		l.Qty = min(max(l.Qty, 1), 1<<20)
		ctx.Cart = append(ctx.Cart, l)
		p = p[8:]
	}
	for i := 0; i < int(n[1]); i++ {
		v := le.Uint32(p)
		if int(v) >= e.n {
			return e.itemError("viewed", i, v)
		}
		ctx.Viewed = append(ctx.Viewed, v)
		p = p[4:]
	}
	for i := 0; i < int(n[2]); i++ {
		o := Owned{Item: le.Uint32(p), At: int64(le.Uint64(p[4:]))}
		if int(o.Item) >= e.n {
			return e.itemError("owned", i, o.Item)
		}
		ctx.Owned = append(ctx.Owned, o)
		p = p[12:]
	}
	for i := 0; i < int(n[3]); i++ {
		v := le.Uint32(p)
		if int(v) >= e.n {
			return e.itemError("dismissed", i, v)
		}
		ctx.Dismissed = append(ctx.Dismissed, v)
		p = p[4:]
	}
	for i := 0; i < int(n[4]); i++ {
		ctx.Segments = append(ctx.Segments, le.Uint32(p))
		p = p[4:]
	}
	if len(p) > 0 {
		ctx.Visitor = hashBytes(p)
	}
	return nil
}

// itemError is DecodeContext's error for an entry of list field that names
// no item of the blob.
func (e *Engine) itemError(field string, i int, v uint32) error {
	return blob.Wrap(ErrContext, field+"["+blob.Itoa(i)+"] = item "+blob.Utoa(v)+" of "+blob.Itoa(e.n))
}

// Record flags in AppendSuggestions' output.
const (
	FlagFallback  = 1 << 0
	FlagClosesGap = 1 << 1
	// FlagReasonByEvidence: the reason text is a function of the record's
	// rule, n_AB and lift alone (AppendReason for pairs and triples), so
	// the page may reuse the text it decoded for the same three.
	FlagReasonByEvidence = 1 << 2
)

// AppendSuggestions encodes list for the page: a header (count, flags,
// text offset and length, two float64 totals for bundles), fixed records,
// then the reasons' UTF-8 text. See docs/engine.md for the layout. It
// writes at most MaxOutBytes for MaxK suggestions and does not allocate
// when dst has room.
func (e *Engine) AppendSuggestions(dst []byte, list []Suggestion, total, bundleTotal float64) []byte {
	le := binary.LittleEndian
	if len(list) > MaxK {
		list = list[:MaxK]
	}
	base := len(dst)
	textOff := OutHeaderSize + len(list)*OutRecordSize
	dst = le.AppendUint32(dst, uint32(len(list)))
	dst = le.AppendUint32(dst, 0)
	dst = le.AppendUint32(dst, uint32(textOff))
	dst = le.AppendUint32(dst, 0) // text length, patched below
	dst = le.AppendUint64(dst, math.Float64bits(total))
	dst = le.AppendUint64(dst, math.Float64bits(bundleTotal))
	for i := range list {
		s := &list[i]
		var flags uint8
		if s.Fallback {
			flags |= FlagFallback
		}
		if s.ClosesGap {
			flags |= FlagClosesGap
		}
		if s.Reason == 0 && (s.Rule == RulePairs || s.Rule == RuleTriple) {
			flags |= FlagReasonByEvidence
		}
		dst = le.AppendUint32(dst, s.Item)
		dst = le.AppendUint32(dst, uint32(s.Anchor))
		dst = append(dst, uint8(s.Kind), uint8(s.Rule), flags, 0)
		dst = le.AppendUint32(dst, math.Float32bits(s.Score))
		dst = le.AppendUint32(dst, s.Reason)
		dst = le.AppendUint32(dst, 0) // text offset, patched
		dst = le.AppendUint32(dst, 0) // text length, patched
		dst = le.AppendUint32(dst, s.Evidence.NAB)
		dst = le.AppendUint32(dst, s.Evidence.NA)
		dst = le.AppendUint32(dst, s.Evidence.NB)
		dst = le.AppendUint32(dst, s.Evidence.N)
		dst = le.AppendUint32(dst, math.Float32bits(s.Evidence.Lift))
		dst = le.AppendUint32(dst, math.Float32bits(s.Discount))
		dst = le.AppendUint32(dst, 0)
	}
	textStart := len(dst)
	for i := range list {
		at := len(dst)
		dst = e.AppendReason(dst, &list[i])
		if len(dst)-at > MaxReasonBytes {
			cut := at + MaxReasonBytes
			for cut > at && !utf8.RuneStart(dst[cut]) {
				cut--
			}
			dst = dst[:cut]
		}
		rec := base + OutHeaderSize + i*OutRecordSize
		le.PutUint32(dst[rec+20:], uint32(at-textStart))
		le.PutUint32(dst[rec+24:], uint32(len(dst)-at))
	}
	le.PutUint32(dst[base+12:], uint32(len(dst)-textStart))
	return dst
}
