// Package blob owns the xsell blob format: one immutable artifact that carries
// a shop's catalog, curated matrix, mined pair statistics and policy, laid out
// in columns so that decoding is a few bulk copies. It is pure Go: the caller
// passes the bytes, nothing here touches the platform or the clock.
package blob

import "errors"

// Errors returned by Decode and ParseHeader. Wrapped errors name the field.
var (
	// ErrMagic: the bytes do not start with the xsell magic.
	ErrMagic = errors.New("blob: not an xsell blob (bad magic)")
	// ErrVersion: the blob was written by a newer major version of the format.
	ErrVersion = errors.New("blob: unsupported format version")
	// ErrTruncated: fewer bytes than the header promises.
	ErrTruncated = errors.New("blob: truncated")
	// ErrHash: the body does not match the SHA-256 in the header.
	ErrHash = errors.New("blob: body hash mismatch")
	// ErrSignature: a signature is required or present and does not verify.
	ErrSignature = errors.New("blob: bad signature")
	// ErrLimit: a length read from the bytes is over a hard limit.
	ErrLimit = errors.New("blob: over limit")
	// ErrCorrupt: the body decodes but its columns are inconsistent.
	ErrCorrupt = errors.New("blob: corrupt body")
	// ErrCompressed: the body is compressed and this build cannot inflate it
	// (the browser build, tag xsell_lite, reads raw bodies only).
	ErrCompressed = errors.New("blob: compressed body not supported by this build")
)

// Format version written by this package. A reader accepts any minor version
// of its own major and rejects a newer major.
const (
	MajorVersion = 1
	MinorVersion = 0
	// MinorSharded: the head of a sharded blob and its shards (1.1). A 1.0
	// reader refuses a head: its pair_off does not match its empty rows.
	MinorSharded = 1
)

// Blob is the decoded artifact. Item numbers (uint32 / int32 fields that
// refer to items) index the Items columns; string references index Strings,
// whose entry 0 is always "".
type Blob struct {
	Header Header `msgpack:"-"`

	// Created is the build time in Unix seconds (set by the generator).
	Created int64 `msgpack:"created"`
	// Generator names the program and version that wrote the blob.
	Generator string `msgpack:"generator"`
	// Strings is the string table for categories, reasons, tags, urls.
	Strings []string `msgpack:"-"`

	Items    Items    `msgpack:"-"`
	Stats    Stats    `msgpack:"stats"`
	Pairs    Pairs    `msgpack:"-"`
	Triples  Triples  `msgpack:"-"`
	Matrix   Matrix   `msgpack:"-"`
	Feedback Feedback `msgpack:"-"`
	// Shards, when set, makes this blob the head of a sharded blob: Pairs.Off
	// is whole but the pair rows travel in separate shard blobs (shard.go).
	Shards Shards `msgpack:"-"`
	Policy Policy `msgpack:"policy"`
}

// Role of a catalog item; roles drive rules (an accessory page does not
// pitch the flagship, impulse items fill the checkout slot).
type Role uint8

const (
	RoleNone Role = iota
	RoleFlagship
	RoleAccessory
	RoleConsumable
	RoleThematic
	RoleSeasonal
	RoleImpulse
	RoleService
	RolePromo
	roleCount
)

var roleNames = [...]string{"", "flagship", "accessory", "consumable", "thematic", "seasonal", "impulse", "service", "promo"}

func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "invalid"
}

// ParseRole maps a role name to a Role; "" is RoleNone.
func ParseRole(s string) (Role, bool) {
	for i, n := range roleNames {
		if n == s {
			return Role(i), true
		}
	}
	return RoleNone, false
}

// RoleNames lists the valid role names, for error messages.
func RoleNames() []string { return append([]string(nil), roleNames[1:]...) }

// Kind of a suggestion: what the complement is to its anchor.
type Kind uint8

const (
	KindNone Kind = iota
	KindComplement
	KindConsumable
	KindAccessory
	KindThematic
	KindImpulse
	KindPromo
	KindUpsell
	KindDownsell
	KindService
	kindCount
)

var kindNames = [...]string{"", "complement", "consumable", "accessory", "thematic", "impulse", "promo", "upsell", "downsell", "service"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// ParseKind maps a kind name to a Kind.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s && i > 0 {
			return Kind(i), true
		}
	}
	return KindNone, false
}

// KindNames lists the valid kind names, for error messages.
func KindNames() []string { return append([]string(nil), kindNames[1:]...) }

// Stock sentinels. Any value >= 0 is a known quantity (0 is out of stock).
const (
	StockUnknown int32 = -1
	StockIn      int32 = 1<<31 - 1 // "in": in stock, quantity not given
)

// Items holds the catalog in columns; every slice has one entry per item.
type Items struct {
	ID    []string
	Title []string
	// Price in the item's currency; NaN when unknown.
	Price    []float64
	Currency []uint32 // string ref
	URL      []uint32 // string ref
	Image    []uint32 // string ref
	Category []uint32 // string ref
	Brand    []uint32 // string ref
	Role     []Role
	Stock    []int32   // see StockUnknown, StockIn
	Margin   []float32 // fraction of the price that is margin; NaN when unknown
	// Tier is the item's price segment inside its category: 0 unknown,
	// 1 budget, 2 mid, 3 premium.
	Tier []uint8
	// TagOff/Tags: the item's segment tags in CSR form (string refs);
	// item i has Tags[TagOff[i]:TagOff[i+1]].
	TagOff []uint32
	Tags   []uint32
	// SeasonFrom/SeasonTo: the selling window as month*100+day (0 = all year);
	// a window may wrap the new year (1101..0215).
	SeasonFrom []uint16
	SeasonTo   []uint16
	// Replenish is the usual reorder interval in days for consumables (0 = none).
	Replenish []uint16
	// Orders is n_A, the number of orders containing the item; OrdersDecayed
	// the same with each order weighted by its time decay.
	Orders        []uint32
	OrdersDecayed []float32
}

// Len is the number of items.
func (it *Items) Len() int { return len(it.ID) }

// Stats describes the order data the pair counts were mined from.
type Stats struct {
	Orders        uint32  `msgpack:"orders"`         // N: non-empty orders counted
	OrdersDecayed float64 `msgpack:"orders_decayed"` // N, time-decayed
	Lines         uint64  `msgpack:"lines"`          // order lines read
	HalfLifeDays  float64 `msgpack:"half_life_days"` // 0: no decay applied
	From          int64   `msgpack:"from"`           // first order time, Unix seconds (0 unknown)
	To            int64   `msgpack:"to"`             // last order time, Unix seconds (0 unknown)
	Customers     uint32  `msgpack:"customers"`
}

// Pairs holds the kept mined neighbours per anchor in CSR form. Anchor a's
// neighbours are To[Off[a]:Off[a+1]], best first, with the joint counts
// n_AB in NAB (plain) and NABDecayed (time-decayed). Evidence is directed:
// a neighbour list is the anchor's, B in A's list says nothing of A in B's.
type Pairs struct {
	Off        []uint32
	To         []uint32
	NAB        []uint32
	NABDecayed []float32
}

// Triples holds multi-item rules {A,B} → C. Row r is the antecedent pair
// (A[r], B[r]) with A[r] < B[r], rows sorted by (A, B), NAB[r] orders
// containing both; its consequents are To[Off[r]:Off[r+1]] with NABC the
// orders containing all three.
type Triples struct {
	A    []uint32
	B    []uint32
	NAB  []uint32
	Off  []uint32
	To   []uint32
	NABC []uint32
}

// Matrix is the merchandiser's curated table, one row per pair, in file order.
type Matrix struct {
	AnchorItem     []int32  // item number, -1 when the anchor is a category
	AnchorCategory []uint32 // string ref when the anchor is a category
	Complement     []uint32 // item number
	Kind           []Kind
	Reason         []uint32 // string ref: the text a shopper sees
	Priority       []float32
	Discount       []float32 // bundle discount in percent, 0 none
	ValidFrom      []int64   // Unix seconds, 0 unbounded
	ValidTo        []int64   // Unix seconds, 0 unbounded
	// Segments the shopper must have (ReqOff/Req) or must not have
	// (ExclOff/Excl), CSR string refs per row.
	ReqOff  []uint32
	Req     []uint32
	ExclOff []uint32
	Excl    []uint32
	// Line is the matrix.csv line the row came from, for reports.
	Line []uint32
}

// Len is the number of curated rows.
func (m *Matrix) Len() int { return len(m.Complement) }

// Feedback is what shoppers did with suggestions, per anchor → item pair,
// as exported by the edge worker and read back by the generator.
type Feedback struct {
	Anchor    []int32 // item number, -1 for "any anchor"
	Item      []uint32
	Shown     []uint32
	Clicked   []uint32
	Added     []uint32
	Bought    []uint32
	Dismissed []uint32
}

// Len is the number of feedback rows.
func (f *Feedback) Len() int { return len(f.Item) }

// Str returns string ref i, or "" when out of range.
func (b *Blob) Str(i uint32) string {
	if int(i) < len(b.Strings) {
		return b.Strings[i]
	}
	return ""
}
