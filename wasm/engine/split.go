//go:build !xsell_lite

package engine

import (
	"cmp"
	"errors"
	"slices"

	"github.com/xsell/xsell/wasm/blob"
)

// Split cuts a whole blob into a head and pair shards of about shardPairs
// neighbours each (an item's row is never cut; a shard holds at least one
// item). The head keeps everything but the pair rows, plus the category
// links computed here on the whole blob, so that the category fallback
// does not depend on which shards a page has. Encode each shard, put its
// hash in head.Shards.Hash, then Encode the head (EncodeSharded does all
// of it). b is not modified.
func Split(b *blob.Blob, shardPairs int) (*blob.Blob, []*blob.PairShard, error) {
	if b.Sharded() {
		return nil, nil, errors.New("engine: Split: the blob is already sharded")
	}
	if shardPairs < 1 {
		return nil, nil, errors.New("engine: Split: shardPairs must be at least 1")
	}
	e, err := New(b)
	if err != nil {
		return nil, nil, err
	}
	n := e.n
	if n == 0 {
		return nil, nil, errors.New("engine: Split: the blob has no items")
	}
	p := &b.Pairs
	from := []uint32{0}
	for i := 1; i <= n; i++ {
		if i == n || p.Off[i]-p.Off[from[len(from)-1]] >= uint32(shardPairs) {
			from = append(from, uint32(i))
		}
	}
	var shards []*blob.PairShard
	for k := 0; k+1 < len(from); k++ {
		lo, hi := p.Off[from[k]], p.Off[from[k+1]]
		shards = append(shards, &blob.PairShard{Index: k, Items: n, From: from[k], To: from[k+1],
			PairTo: p.To[lo:hi], NAB: p.NAB[lo:hi], NABDecayed: p.NABDecayed[lo:hi]})
	}

	head := *b
	head.Pairs = blob.Pairs{Off: p.Off, To: []uint32{}, NAB: []uint32{}, NABDecayed: []float32{}}
	sh := blob.Shards{From: from, Hash: make([][32]byte, len(shards)), LinkOff: []uint32{0}}
	// Category links by string ref, in the order of the refs.
	byRef := make([]uint32, len(e.catRef)) // dense categories sorted by ref
	for c := range e.catRef {
		byRef[c] = uint32(c)
	}
	slices.SortFunc(byRef, func(x, y uint32) int { return cmp.Compare(e.catRef[x], e.catRef[y]) })
	for _, c := range byRef {
		if c == 0 {
			continue
		}
		to, lift := e.links(c)
		sh.LinkCat = append(sh.LinkCat, e.catRef[c])
		for j := range to {
			sh.LinkTo = append(sh.LinkTo, e.catRef[to[j]])
			sh.LinkLift = append(sh.LinkLift, lift[j])
		}
		sh.LinkOff = append(sh.LinkOff, uint32(len(sh.LinkTo)))
	}
	head.Shards = sh
	return &head, shards, nil
}

// EncodeSharded splits b (Split) and encodes the shards and the head, the
// head last, with the shards' hashes in it. Returns the head (its Header
// set), its bytes and the shards' bytes in order.
func EncodeSharded(b *blob.Blob, shardPairs int, opts blob.EncodeOptions) (head *blob.Blob, headBytes []byte, shards [][]byte, err error) {
	head, ss, err := Split(b, shardPairs)
	if err != nil {
		return nil, nil, nil, err
	}
	for i, s := range ss {
		enc, err := blob.EncodeShard(s, opts)
		if err != nil {
			return nil, nil, nil, err
		}
		head.Shards.Hash[i] = s.Header.Hash
		shards = append(shards, enc)
	}
	if headBytes, err = blob.Encode(head, opts); err != nil {
		return nil, nil, nil, err
	}
	return head, headBytes, shards, nil
}
