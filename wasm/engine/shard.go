package engine

import (
	"errors"

	"github.com/xsell/xsell/wasm/blob"
)

// ErrNotSharded: AddShard on an engine whose blob is whole.
var ErrNotSharded = errors.New("engine: the loaded blob is not sharded")

// Shards reports how many shards the loaded head lists (0: a whole blob)
// and how many of them have been added.
func (e *Engine) Shards() (total, loaded int) {
	for i := range e.shards {
		if e.shards[i].Load() {
			loaded++
		}
	}
	return len(e.shards), loaded
}

// ShardOf returns the shard that holds item's mined neighbours, or -1 for a
// whole blob or an item out of range.
func (e *Engine) ShardOf(item uint32) int {
	if e.shards == nil || int(item) >= e.n {
		return -1
	}
	return e.b.Shards.Of(item)
}

// ShardLoaded reports whether shard i has been added (true for a whole blob).
func (e *Engine) ShardLoaded(i int) bool {
	if e.shards == nil {
		return true
	}
	return i >= 0 && i < len(e.shards) && e.shards[i].Load()
}

// AddShard puts a decoded pair shard's rows in place. It checks that the
// shard is the one the head lists at its index (same SHA-256, same items,
// same anchor range, as many pairs as the head's offsets say) and refuses
// it otherwise, changing nothing. Adding a shard twice is a no-op. Safe
// while other goroutines call Recommend: a row is read only after its
// shard's flag is set, which happens after its columns are written.
func (e *Engine) AddShard(s *blob.PairShard) error {
	if e.shards == nil {
		return ErrNotSharded
	}
	sh := &e.b.Shards
	i := s.Index
	if i < 0 || i >= len(e.shards) {
		return blob.Wrap(blob.ErrCorrupt, "shard "+blob.Itoa(i)+": the blob has "+blob.Itoa(len(e.shards))+" shards")
	}
	if s.Header.Hash != sh.Hash[i] {
		return blob.Wrap(blob.ErrHash, "shard "+blob.Itoa(i)+" is "+s.Header.HashHex()[:12]+"…, the blob lists "+hashHex(sh.Hash[i])[:12]+"…")
	}
	if s.Items != e.n || s.From != sh.From[i] || s.To != sh.From[i+1] {
		return blob.Wrap(blob.ErrCorrupt, "shard "+blob.Itoa(i)+" holds anchors "+blob.Utoa(s.From)+".."+blob.Utoa(s.To)+" of "+blob.Itoa(s.Items)+
			", the blob lists "+blob.Utoa(sh.From[i])+".."+blob.Utoa(sh.From[i+1])+" of "+blob.Itoa(e.n))
	}
	p := &e.b.Pairs
	lo, hi := p.Off[s.From], p.Off[s.To]
	if len(s.PairTo) != int(hi-lo) {
		return blob.Wrap(blob.ErrCorrupt, "shard "+blob.Itoa(i)+" has "+blob.Itoa(len(s.PairTo))+" pairs, the blob's offsets say "+blob.Utoa(hi-lo))
	}
	e.shardMu.Lock()
	defer e.shardMu.Unlock()
	if e.shards[i].Load() {
		return nil
	}
	copy(p.To[lo:hi], s.PairTo)
	copy(p.NAB[lo:hi], s.NAB)
	copy(p.NABDecayed[lo:hi], s.NABDecayed)
	e.shards[i].Store(true)
	return nil
}

func hashHex(h [32]byte) string { return blob.Header{Hash: h}.HashHex() }

// MissingShards appends to dst the shards ctx's answer reads that have not
// been added: those of its anchor, its cart lines and its owned items (the
// email placement's anchors when the cart is empty), each once, in order.
// A page fetches and adds them before it asks (Recommend, Bundle and
// Alternatives with the same context), and then gets the whole blob's answer.
func (e *Engine) MissingShards(ctx *Context, dst []int) []int {
	if e.shards == nil {
		return dst
	}
	add := func(item uint32) {
		if int(item) >= e.n || e.b.Pairs.Off[item] == e.b.Pairs.Off[item+1] {
			return // no row: nothing to fetch
		}
		k := e.b.Shards.Of(item)
		if k < 0 || e.shards[k].Load() {
			return
		}
		for _, d := range dst {
			if d == k {
				return
			}
		}
		dst = append(dst, k)
	}
	if ctx.Anchor >= 0 {
		add(uint32(ctx.Anchor))
	}
	for _, l := range ctx.Cart {
		add(l.Item)
	}
	for _, o := range ctx.Owned {
		add(o.Item)
	}
	return dst
}
