package blob

// Sharded blobs. A large catalog's pair rows are most of its blob (600k
// neighbours of 20k items: 7 of 9.7 MB), and a page needs the rows of the
// few items it shows. matrixgen can therefore write a head and shards:
//
//   - the head is a normal blob (same header, hash and checks) whose
//     Pairs.Off is whole but whose pair rows are empty; Shards lists the
//     shards: shard i holds the rows of the anchors From[i]..From[i+1]-1 and
//     has the SHA-256 Hash[i], so the head (verified itself) vouches for
//     every shard. It also carries the category links, which the engine
//     would otherwise compute from every item's pairs;
//   - a shard is a small blob of its own (header flag FlagShard) with the
//     rows of its anchors: pair_to, pair_nab, pair_nab_decayed.
//
// The engine serves with the head alone (items whose shard is not loaded
// have no mined neighbours yet) and adds shards as they arrive
// (engine.AddShard); with the shards of the context's items loaded it
// answers exactly as with the whole blob.

// FlagShard marks a pair shard. A blob decoder refuses one (and a shard
// decoder a blob), with an error that says which is which.
const FlagShard uint32 = 1 << 2

// Shards lists a head's shards and the category links.
type Shards struct {
	// From: S+1 item numbers, From[0] = 0, strictly increasing, From[S] = the
	// number of items; shard i holds the rows of anchors From[i]..From[i+1]-1.
	From []uint32
	// Hash: the SHA-256 of each shard's raw body (its identity).
	Hash [][32]byte
	// Category links (the engine's category fallback): category LinkCat[c]
	// (a string ref, increasing) links to LinkTo[LinkOff[c]:LinkOff[c+1]]
	// (string refs, best first) with the lifts in LinkLift.
	LinkCat, LinkOff, LinkTo []uint32
	LinkLift                 []float32
}

// Sharded reports whether b is the head of a sharded blob.
func (b *Blob) Sharded() bool { return len(b.Shards.From) > 0 }

// Count is the number of shards (0: not sharded).
func (s *Shards) Count() int { return max(len(s.From)-1, 0) }

// Of returns the shard holding anchor item's rows, or -1.
func (s *Shards) Of(item uint32) int {
	lo, hi := 0, s.Count()
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.From[m+1] <= item {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo >= s.Count() {
		return -1
	}
	return lo
}

func (s *Shards) validate(n int, ns uint32) error {
	S := s.Count()
	if S < 1 {
		return Wrap(ErrCorrupt, "shard_from has "+Itoa(len(s.From))+" entries, want at least 2")
	}
	if len(s.Hash) != S {
		return Wrap(ErrCorrupt, "shard_hash has "+Itoa(len(s.Hash))+" hashes, want "+Itoa(S))
	}
	if s.From[0] != 0 || int(s.From[S]) != n {
		return Wrap(ErrCorrupt, "shard_from runs "+Utoa(s.From[0])+".."+Utoa(s.From[S])+", want 0.."+Itoa(n))
	}
	for i := 1; i <= S; i++ {
		if s.From[i] <= s.From[i-1] {
			return Wrap(ErrCorrupt, "shard_from does not increase at "+Itoa(i))
		}
	}
	if err := csr("link_off", s.LinkOff, len(s.LinkCat), len(s.LinkTo)); err != nil {
		return err
	}
	if len(s.LinkLift) != len(s.LinkTo) {
		return Wrap(ErrCorrupt, "link_lift has "+Itoa(len(s.LinkLift))+" entries, want "+Itoa(len(s.LinkTo)))
	}
	for i, c := range s.LinkCat {
		if c == 0 || c >= ns || (i > 0 && c <= s.LinkCat[i-1]) {
			return Wrap(ErrCorrupt, "link_cat["+Itoa(i)+"] = "+Utoa(c)+": want increasing string refs in 1.."+Utoa(ns-1))
		}
	}
	for i, c := range s.LinkTo {
		if c == 0 || c >= ns {
			return Wrap(ErrCorrupt, "link_to["+Itoa(i)+"] = "+Utoa(c)+", out of range 1.."+Utoa(ns-1))
		}
	}
	return nil
}

// PairShard is one pair shard: the rows of anchors From..To-1 of a head with
// Items items. Its pair columns run from the head's Pairs.Off[From] to
// Pairs.Off[To].
type PairShard struct {
	Header     Header
	Index      int
	Items      int
	From, To   uint32
	PairTo     []uint32
	NAB        []uint32
	NABDecayed []float32
}

// shardWire is a shard's msgpack body.
type shardWire struct {
	Index          int    `msgpack:"index"`
	Items          int    `msgpack:"n_items"`
	From           uint32 `msgpack:"from"`
	To             uint32 `msgpack:"to"`
	PairTo         []byte `msgpack:"pair_to"`
	PairNAB        []byte `msgpack:"pair_nab"`
	PairNABDecayed []byte `msgpack:"pair_nab_decayed"`
	alias          bool
}

func (s *PairShard) toWire() *shardWire {
	return &shardWire{Index: s.Index, Items: s.Items, From: s.From, To: s.To,
		PairTo: pack(s.PairTo), PairNAB: pack(s.NAB), PairNABDecayed: pack(s.NABDecayed)}
}

func (w *shardWire) toShard(h Header, limits Limits) (*PairShard, error) {
	if len(w.PairTo)/4 > limits.MaxPairs {
		return nil, Wrap(ErrLimit, Itoa(len(w.PairTo)/4)+" pairs, limit "+Itoa(limits.MaxPairs))
	}
	s := &PairShard{Header: h, Index: w.Index, Items: w.Items, From: w.From, To: w.To}
	var err error
	if s.PairTo, err = unpack[uint32](w.PairTo, -1, "pair_to", w.alias); err != nil {
		return nil, err
	}
	if s.NAB, err = unpack[uint32](w.PairNAB, len(s.PairTo), "pair_nab", w.alias); err != nil {
		return nil, err
	}
	if s.NABDecayed, err = unpack[float32](w.PairNABDecayed, len(s.PairTo), "pair_nab_decayed", w.alias); err != nil {
		return nil, err
	}
	return s, s.Validate()
}

// Validate checks a shard on its own: its range and its references. Whether
// it belongs to a head is the head's Hash (engine.AddShard checks both).
func (s *PairShard) Validate() error {
	if s.Index < 0 || s.Items < 0 || s.Items > 1<<31 {
		return Wrap(ErrCorrupt, "shard "+Itoa(s.Index)+" of "+Itoa(s.Items)+" items")
	}
	if s.From >= s.To || int64(s.To) > int64(s.Items) {
		return Wrap(ErrCorrupt, "shard "+Itoa(s.Index)+" holds anchors "+Utoa(s.From)+".."+Utoa(s.To)+" of "+Itoa(s.Items))
	}
	if len(s.NAB) != len(s.PairTo) || len(s.NABDecayed) != len(s.PairTo) {
		return Wrap(ErrCorrupt, "shard pair columns differ in length")
	}
	return refs("pair_to", s.PairTo, uint32(s.Items))
}

// ErrIsShard and ErrNotShard: a pair shard given where a blob is wanted, and
// the other way round.
var (
	ErrIsShard  = Wrap(ErrCorrupt, "this is a pair shard, not a blob: load its head blob first")
	ErrNotShard = Wrap(ErrCorrupt, "this is a blob, not a pair shard")
)
