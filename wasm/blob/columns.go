package blob

import (
	"encoding/binary"
	"runtime"
	"unsafe"
)

// number is a fixed-size column element; columns travel as little-endian
// msgpack bin so that decoding is one bulk copy per column.
type number interface {
	~uint8 | ~uint16 | ~uint32 | ~int32 | ~int64 | ~float32 | ~float64
}

func pack[T number](s []T) []byte {
	out, err := binary.Append(make([]byte, 0, len(s)*binary.Size(*new(T))), binary.LittleEndian, s)
	if err != nil {
		panic(err) // only fixed-size types reach here
	}
	return out
}

// unpack decodes a column of want elements (want < 0: any count) and names
// the field when the byte length does not fit. With alias set (the caller
// handed its bytes over for good, see DecodeOwned) a little-endian machine
// reads the column in place: no allocation, no copy.
func unpack[T number](b []byte, want int, field string, alias bool) ([]T, error) {
	size := binary.Size(*new(T))
	if len(b)%size != 0 {
		return nil, Wrap(ErrCorrupt, "column "+field+" has "+Itoa(len(b))+" bytes, not a multiple of "+Itoa(size))
	}
	n := len(b) / size
	if want >= 0 && n != want {
		return nil, Wrap(ErrCorrupt, "column "+field+" has "+Itoa(n)+" entries, want "+Itoa(want))
	}
	if n == 0 {
		return make([]T, 0), nil
	}
	if alias && littleEndian && (canMisalign || uintptr(unsafe.Pointer(&b[0]))%uintptr(size) == 0) {
		// The column's bytes hold no pointers and outlive the blob (the
		// caller promised never to change them): view them as []T.
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n), nil
	}
	out := make([]T, n)
	if littleEndian {
		// The column's bytes are already the machine's layout (amd64, arm64,
		// wasm): one memmove instead of a call per element, which costs tens
		// of milliseconds per blob load in the browser.
		copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(out))), len(b)), b)
		return out, nil
	}
	if _, err := binary.Decode(b, binary.LittleEndian, out); err != nil {
		return nil, Wrap(ErrCorrupt, "column "+field+": "+err.Error())
	}
	return out, nil
}

// canMisalign: the machine reads numbers at any address (WebAssembly's
// loads and stores take any address; alignment is only a hint), so a
// column need not start at a multiple of its element size to be read in
// place.
var canMisalign = runtime.GOARCH == "wasm"

// littleEndian: the machine stores numbers as the blob's columns do.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// wireBody is the msgpack layout of the body: small scalars and the policy as
// maps, every column as bin, text columns as arrays of str.
type wireBody struct {
	Created   int64  `msgpack:"created"`
	Generator string `msgpack:"generator"`
	Stats     Stats  `msgpack:"stats"`
	Policy    Policy `msgpack:"policy"`

	Strings []string `msgpack:"strings"`

	// alias: the decoder owns the body's bytes for good (DecodeOwned), so
	// fromWire may read columns in place instead of copying them. Not on
	// the wire.
	alias bool

	NItems        int      `msgpack:"n_items"`
	ID            []string `msgpack:"id"`
	Title         []string `msgpack:"title"`
	Price         []byte   `msgpack:"price"`
	Currency      []byte   `msgpack:"currency"`
	URL           []byte   `msgpack:"url"`
	Image         []byte   `msgpack:"image"`
	Category      []byte   `msgpack:"category"`
	Brand         []byte   `msgpack:"brand"`
	Role          []byte   `msgpack:"role"`
	Stock         []byte   `msgpack:"stock"`
	Margin        []byte   `msgpack:"margin"`
	Tier          []byte   `msgpack:"tier"`
	TagOff        []byte   `msgpack:"tag_off"`
	Tags          []byte   `msgpack:"tags"`
	SeasonFrom    []byte   `msgpack:"season_from"`
	SeasonTo      []byte   `msgpack:"season_to"`
	Replenish     []byte   `msgpack:"replenish"`
	Orders        []byte   `msgpack:"orders"`
	OrdersDecayed []byte   `msgpack:"orders_decayed"`

	PairOff        []byte `msgpack:"pair_off"`
	PairTo         []byte `msgpack:"pair_to"`
	PairNAB        []byte `msgpack:"pair_nab"`
	PairNABDecayed []byte `msgpack:"pair_nab_decayed"`

	TriA    []byte `msgpack:"tri_a"`
	TriB    []byte `msgpack:"tri_b"`
	TriNAB  []byte `msgpack:"tri_nab"`
	TriOff  []byte `msgpack:"tri_off"`
	TriTo   []byte `msgpack:"tri_to"`
	TriNABC []byte `msgpack:"tri_nabc"`

	MxAnchorItem     []byte `msgpack:"mx_anchor_item"`
	MxAnchorCategory []byte `msgpack:"mx_anchor_category"`
	MxComplement     []byte `msgpack:"mx_complement"`
	MxKind           []byte `msgpack:"mx_kind"`
	MxReason         []byte `msgpack:"mx_reason"`
	MxPriority       []byte `msgpack:"mx_priority"`
	MxDiscount       []byte `msgpack:"mx_discount"`
	MxValidFrom      []byte `msgpack:"mx_valid_from"`
	MxValidTo        []byte `msgpack:"mx_valid_to"`
	MxReqOff         []byte `msgpack:"mx_req_off"`
	MxReq            []byte `msgpack:"mx_req"`
	MxExclOff        []byte `msgpack:"mx_excl_off"`
	MxExcl           []byte `msgpack:"mx_excl"`
	MxLine           []byte `msgpack:"mx_line"`

	FbAnchor    []byte `msgpack:"fb_anchor"`
	FbItem      []byte `msgpack:"fb_item"`
	FbShown     []byte `msgpack:"fb_shown"`
	FbClicked   []byte `msgpack:"fb_clicked"`
	FbAdded     []byte `msgpack:"fb_added"`
	FbBought    []byte `msgpack:"fb_bought"`
	FbDismissed []byte `msgpack:"fb_dismissed"`

	ShardFrom []byte `msgpack:"shard_from,omitempty"`
	ShardHash []byte `msgpack:"shard_hash,omitempty"`
	LinkCat   []byte `msgpack:"link_cat,omitempty"`
	LinkOff   []byte `msgpack:"link_off,omitempty"`
	LinkTo    []byte `msgpack:"link_to,omitempty"`
	LinkLift  []byte `msgpack:"link_lift,omitempty"`
}

func toWire(b *Blob) *wireBody {
	it, p, t, m, f := &b.Items, &b.Pairs, &b.Triples, &b.Matrix, &b.Feedback
	return &wireBody{
		Created: b.Created, Generator: b.Generator, Stats: b.Stats, Policy: b.Policy,
		Strings: b.Strings,
		NItems:  it.Len(), ID: it.ID, Title: it.Title,
		Price: pack(it.Price), Currency: pack(it.Currency), URL: pack(it.URL), Image: pack(it.Image),
		Category: pack(it.Category), Brand: pack(it.Brand), Role: pack(it.Role), Stock: pack(it.Stock),
		Margin: pack(it.Margin), Tier: pack(it.Tier), TagOff: pack(it.TagOff), Tags: pack(it.Tags),
		SeasonFrom: pack(it.SeasonFrom), SeasonTo: pack(it.SeasonTo), Replenish: pack(it.Replenish),
		Orders: pack(it.Orders), OrdersDecayed: pack(it.OrdersDecayed),

		PairOff: pack(p.Off), PairTo: pack(p.To), PairNAB: pack(p.NAB), PairNABDecayed: pack(p.NABDecayed),

		TriA: pack(t.A), TriB: pack(t.B), TriNAB: pack(t.NAB), TriOff: pack(t.Off), TriTo: pack(t.To), TriNABC: pack(t.NABC),

		MxAnchorItem: pack(m.AnchorItem), MxAnchorCategory: pack(m.AnchorCategory), MxComplement: pack(m.Complement),
		MxKind: pack(m.Kind), MxReason: pack(m.Reason), MxPriority: pack(m.Priority), MxDiscount: pack(m.Discount),
		MxValidFrom: pack(m.ValidFrom), MxValidTo: pack(m.ValidTo), MxReqOff: pack(m.ReqOff), MxReq: pack(m.Req),
		MxExclOff: pack(m.ExclOff), MxExcl: pack(m.Excl), MxLine: pack(m.Line),

		FbAnchor: pack(f.Anchor), FbItem: pack(f.Item), FbShown: pack(f.Shown), FbClicked: pack(f.Clicked),
		FbAdded: pack(f.Added), FbBought: pack(f.Bought), FbDismissed: pack(f.Dismissed),

		ShardFrom: packOmit(b.Shards.From), ShardHash: packHashes(b.Shards.Hash),
		LinkCat: packOmit(b.Shards.LinkCat), LinkOff: packOmit(b.Shards.LinkOff), LinkTo: packOmit(b.Shards.LinkTo), LinkLift: packOmit(b.Shards.LinkLift),
	}
}

// packOmit is pack, nil for an empty column (the key is then left out, so a
// blob without shards has the same bytes as before shards existed).
func packOmit[T number](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return pack(s)
}

func packHashes(h [][32]byte) []byte {
	var out []byte
	for _, x := range h {
		out = append(out, x[:]...)
	}
	return out
}

// fromWire unpacks every column, checking each length against the counts it
// must match; cross-references are checked afterwards by Validate.
func fromWire(w *wireBody, b *Blob) error {
	b.Created, b.Generator, b.Stats, b.Policy, b.Strings = w.Created, w.Generator, w.Stats, w.Policy, w.Strings
	n := w.NItems
	if n < 0 || len(w.ID) != n || len(w.Title) != n {
		return Wrap(ErrCorrupt, "n_items "+Itoa(n)+", "+Itoa(len(w.ID))+" ids, "+Itoa(len(w.Title))+" titles")
	}
	it := &b.Items
	it.ID, it.Title = w.ID, w.Title
	var err error
	col := func(dst any, src []byte, want int, field string) {
		if err != nil {
			return
		}
		switch d := dst.(type) {
		case *[]float64:
			*d, err = unpack[float64](src, want, field, w.alias)
		case *[]float32:
			*d, err = unpack[float32](src, want, field, w.alias)
		case *[]uint32:
			*d, err = unpack[uint32](src, want, field, w.alias)
		case *[]int32:
			*d, err = unpack[int32](src, want, field, w.alias)
		case *[]int64:
			*d, err = unpack[int64](src, want, field, w.alias)
		case *[]uint16:
			*d, err = unpack[uint16](src, want, field, w.alias)
		case *[]uint8:
			*d, err = unpack[uint8](src, want, field, w.alias)
		case *[]Role:
			*d, err = unpack[Role](src, want, field, w.alias)
		case *[]Kind:
			*d, err = unpack[Kind](src, want, field, w.alias)
		}
	}
	col(&it.Price, w.Price, n, "price")
	col(&it.Currency, w.Currency, n, "currency")
	col(&it.URL, w.URL, n, "url")
	col(&it.Image, w.Image, n, "image")
	col(&it.Category, w.Category, n, "category")
	col(&it.Brand, w.Brand, n, "brand")
	col(&it.Role, w.Role, n, "role")
	col(&it.Stock, w.Stock, n, "stock")
	col(&it.Margin, w.Margin, n, "margin")
	col(&it.Tier, w.Tier, n, "tier")
	col(&it.TagOff, w.TagOff, n+1, "tag_off")
	col(&it.Tags, w.Tags, -1, "tags")
	col(&it.SeasonFrom, w.SeasonFrom, n, "season_from")
	col(&it.SeasonTo, w.SeasonTo, n, "season_to")
	col(&it.Replenish, w.Replenish, n, "replenish")
	col(&it.Orders, w.Orders, n, "orders")
	col(&it.OrdersDecayed, w.OrdersDecayed, n, "orders_decayed")

	p := &b.Pairs
	col(&p.Off, w.PairOff, n+1, "pair_off")
	col(&p.To, w.PairTo, -1, "pair_to")
	if err == nil {
		np := len(p.To)
		col(&p.NAB, w.PairNAB, np, "pair_nab")
		col(&p.NABDecayed, w.PairNABDecayed, np, "pair_nab_decayed")
	}

	t := &b.Triples
	col(&t.A, w.TriA, -1, "tri_a")
	if err == nil {
		nr := len(t.A)
		col(&t.B, w.TriB, nr, "tri_b")
		col(&t.NAB, w.TriNAB, nr, "tri_nab")
		col(&t.Off, w.TriOff, nr+1, "tri_off")
		col(&t.To, w.TriTo, -1, "tri_to")
		col(&t.NABC, w.TriNABC, len(t.To), "tri_nabc")
	}

	m := &b.Matrix
	col(&m.Complement, w.MxComplement, -1, "mx_complement")
	if err == nil {
		nm := len(m.Complement)
		col(&m.AnchorItem, w.MxAnchorItem, nm, "mx_anchor_item")
		col(&m.AnchorCategory, w.MxAnchorCategory, nm, "mx_anchor_category")
		col(&m.Kind, w.MxKind, nm, "mx_kind")
		col(&m.Reason, w.MxReason, nm, "mx_reason")
		col(&m.Priority, w.MxPriority, nm, "mx_priority")
		col(&m.Discount, w.MxDiscount, nm, "mx_discount")
		col(&m.ValidFrom, w.MxValidFrom, nm, "mx_valid_from")
		col(&m.ValidTo, w.MxValidTo, nm, "mx_valid_to")
		col(&m.ReqOff, w.MxReqOff, nm+1, "mx_req_off")
		col(&m.Req, w.MxReq, -1, "mx_req")
		col(&m.ExclOff, w.MxExclOff, nm+1, "mx_excl_off")
		col(&m.Excl, w.MxExcl, -1, "mx_excl")
		col(&m.Line, w.MxLine, nm, "mx_line")
	}

	f := &b.Feedback
	col(&f.Item, w.FbItem, -1, "fb_item")
	if err == nil {
		nf := len(f.Item)
		col(&f.Anchor, w.FbAnchor, nf, "fb_anchor")
		col(&f.Shown, w.FbShown, nf, "fb_shown")
		col(&f.Clicked, w.FbClicked, nf, "fb_clicked")
		col(&f.Added, w.FbAdded, nf, "fb_added")
		col(&f.Bought, w.FbBought, nf, "fb_bought")
		col(&f.Dismissed, w.FbDismissed, nf, "fb_dismissed")
	}

	sh := &b.Shards
	if len(w.ShardFrom) > 0 && err == nil {
		col(&sh.From, w.ShardFrom, -1, "shard_from")
		if err == nil && len(w.ShardHash) != 32*max(len(sh.From)-1, 0) {
			return Wrap(ErrCorrupt, "column shard_hash has "+Itoa(len(w.ShardHash))+" bytes, want 32 per shard ("+Itoa(len(sh.From)-1)+" shards)")
		}
		sh.Hash = make([][32]byte, len(w.ShardHash)/32)
		for i := range sh.Hash {
			copy(sh.Hash[i][:], w.ShardHash[32*i:])
		}
		col(&sh.LinkCat, w.LinkCat, -1, "link_cat")
		col(&sh.LinkOff, w.LinkOff, len(sh.LinkCat)+1, "link_off")
		col(&sh.LinkTo, w.LinkTo, -1, "link_to")
		col(&sh.LinkLift, w.LinkLift, len(sh.LinkTo), "link_lift")
	}
	return err
}
