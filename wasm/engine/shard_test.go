package engine

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/internal/synth"
)

// sharded encodes b as a head and shards of about per pairs each and
// decodes them again, as a page receives them.
func sharded(t *testing.T, b *blob.Blob, per int) (*blob.Blob, []*blob.PairShard) {
	t.Helper()
	_, headBytes, shardBytes, err := EncodeSharded(b, per, blob.EncodeOptions{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	head, err := blob.Decode(headBytes, blob.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var shards []*blob.PairShard
	for i, sb := range shardBytes {
		s, err := blob.DecodeShard(sb, blob.DecodeOptions{}, false)
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		shards = append(shards, s)
	}
	return head, shards
}

// randomContext is a context of any placement over n items.
func randomContext(rnd *rand.Rand, n int, segs []uint32) Context {
	items := func(max int) []uint32 {
		l := make([]uint32, rnd.IntN(max+1))
		for i := range l {
			l[i] = uint32(rnd.IntN(n))
		}
		return l
	}
	ctx := Context{Placement: Placement(rnd.IntN(int(numPlacements))), Anchor: -1,
		Now: 1_760_000_000 + rnd.Int64N(80_000_000), K: rnd.IntN(6)}
	if rnd.IntN(3) > 0 {
		ctx.Anchor = int32(rnd.IntN(n))
	}
	for _, it := range items(12) {
		ctx.Cart = append(ctx.Cart, Line{Item: it, Qty: uint32(1 + rnd.IntN(3))})
	}
	ctx.Viewed, ctx.Dismissed = items(4), items(3)
	for _, it := range items(3) {
		ctx.Owned = append(ctx.Owned, Owned{Item: it, At: ctx.Now - rnd.Int64N(200*86400)})
	}
	if len(segs) > 0 && rnd.IntN(2) == 0 {
		ctx.Segments = []uint32{segs[rnd.IntN(len(segs))]}
	}
	if rnd.IntN(2) == 0 {
		ctx.FreeDelivery = float64(20 + rnd.IntN(200))
	}
	return ctx
}

// TestShardedSameAnswers: a head with the shards a context needs answers
// exactly as the whole blob does (recommend, bundle, alternatives), on
// random contexts of every placement, over the sample blob and a synthetic
// one; with every shard added as well. The category fallback reads the
// head's links, so it does not change with the shards a page has.
func TestShardedSameAnswers(t *testing.T) {
	syn := synth.Build(synth.Options{Items: 3000, Neighbours: 30, Seed: 5})
	for _, tc := range []struct {
		name string
		b    *blob.Blob
		per  int
	}{{"sample", sampleEngine(t).Blob(), 40}, {"synthetic", syn, 2000}} {
		t.Run(tc.name, func(t *testing.T) {
			whole, err := New(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			head, shards := sharded(t, tc.b, tc.per)
			if len(shards) < 3 {
				t.Fatalf("%d shards: want several", len(shards))
			}
			n := whole.Len()
			var segs []uint32
			for _, v := range whole.Segments() {
				segs = append(segs, v)
			}
			rnd := rand.New(rand.NewPCG(21, 22))
			all, err := New(head)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shards {
				if err := all.AddShard(s); err != nil {
					t.Fatal(err)
				}
			}
			if tot, got := all.Shards(); tot != len(shards) || got != tot {
				t.Fatalf("Shards() = %d, %d; want %d, %d", tot, got, len(shards), len(shards))
			}
			var want, got, gotAll []Suggestion
			var part *Engine
			for i := 0; i < 1500; i++ {
				ctx := randomContext(rnd, n, segs)
				// A page's engine: the head and only what its contexts so
				// far needed (a new page every 50 contexts).
				if i%50 == 0 {
					if part, err = New(head); err != nil {
						t.Fatal(err)
					}
				}
				missing := part.MissingShards(&ctx, nil)
				for _, k := range missing {
					if err := part.AddShard(shards[k]); err != nil {
						t.Fatal(err)
					}
				}
				if m := part.MissingShards(&ctx, nil); len(m) != 0 {
					t.Fatalf("still missing %v after adding them", m)
				}
				want = whole.Recommend(&ctx, want[:0])
				got = part.Recommend(&ctx, got[:0])
				gotAll = all.Recommend(&ctx, gotAll[:0])
				if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotAll, want) {
					t.Fatalf("context %d %+v (shards %v):\nwhole   %+v\nneeded  %+v\nall     %+v", i, ctx, missing, want, got, gotAll)
				}
				if ctx.Anchor >= 0 && i%5 == 0 {
					wb := whole.Bundle(uint32(ctx.Anchor), &ctx, nil)
					pb := part.Bundle(uint32(ctx.Anchor), &ctx, nil)
					if !reflect.DeepEqual(wb, pb) {
						t.Fatalf("bundle of %d differs:\nwhole  %+v\nneeded %+v", ctx.Anchor, wb, pb)
					}
					wa := whole.Alternatives(uint32(ctx.Anchor), &ctx, nil)
					pa := part.Alternatives(uint32(ctx.Anchor), &ctx, nil)
					if !reflect.DeepEqual(wa, pa) {
						t.Fatalf("alternatives of %d differ", ctx.Anchor)
					}
				}
			}
		})
	}
}

// TestShardedHeadAlone: with no shard, a head answers from everything but
// the mined pairs (curated rows, fallbacks), never a pair rule, and says
// which shard it is missing.
func TestShardedHeadAlone(t *testing.T) {
	b := sampleEngine(t).Blob()
	head, shards := sharded(t, b, 40)
	e, err := New(head)
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	var list []Suggestion
	for i := 0; i < 500; i++ {
		ctx := randomContext(rnd, e.Len(), nil)
		list = e.Recommend(&ctx, list[:0])
		for _, s := range list {
			if s.Rule == RulePairs {
				t.Fatalf("context %+v: a pair rule from a head without shards: %+v", ctx, s)
			}
		}
		if ctx.Anchor >= 0 {
			m := e.MissingShards(&ctx, nil)
			want := head.Shards.Of(uint32(ctx.Anchor))
			found := false
			for _, k := range m {
				found = found || k == want
			}
			if e.Blob().Pairs.Off[ctx.Anchor] != e.Blob().Pairs.Off[ctx.Anchor+1] && !found {
				t.Fatalf("anchor %d (shard %d) not in missing %v", ctx.Anchor, want, m)
			}
		}
	}
	if tot, got := e.Shards(); tot != len(shards) || got != 0 {
		t.Fatalf("Shards() = %d, %d", tot, got)
	}
}

// TestAddShardRefuses: a shard that is not the one the head lists, or that
// does not fit it, is refused and changes nothing; adding one twice is
// fine; a whole blob takes no shards.
func TestAddShardRefuses(t *testing.T) {
	b := sampleEngine(t).Blob()
	head, shards := sharded(t, b, 40)
	_, other := sharded(t, b, 400) // another split: other hashes and ranges
	e, err := New(head)
	if err != nil {
		t.Fatal(err)
	}
	bad := *shards[1]
	bad.Index = 2
	if err := e.AddShard(&bad); !errors.Is(err, blob.ErrHash) {
		t.Fatalf("shard at the wrong index: %v", err)
	}
	for _, o := range other {
		if o.Index < len(shards) && o.Header.Hash != shards[o.Index].Header.Hash {
			if err := e.AddShard(o); !errors.Is(err, blob.ErrHash) {
				t.Fatalf("shard %d of another split: %v", o.Index, err)
			}
		}
	}
	bad = *shards[1]
	bad.Index = len(shards)
	if err := e.AddShard(&bad); err == nil {
		t.Fatal("index out of range taken")
	}
	bad = *shards[1]
	bad.To++
	if err := e.AddShard(&bad); err == nil {
		t.Fatal("a shard with another range taken")
	}
	if _, got := e.Shards(); got != 0 {
		t.Fatalf("%d shards loaded after refusals", got)
	}
	for i := 0; i < 2; i++ {
		if err := e.AddShard(shards[1]); err != nil {
			t.Fatal(err)
		}
	}
	if !e.ShardLoaded(1) || e.ShardLoaded(0) {
		t.Fatal("ShardLoaded wrong")
	}
	if err := sampleEngine(t).AddShard(shards[0]); !errors.Is(err, ErrNotSharded) {
		t.Fatalf("whole blob took a shard: %v", err)
	}
	if _, _, err := Split(head, 10); err == nil {
		t.Fatal("split a head again")
	}
}

// TestAddShardWhileServing: shards arrive while other goroutines answer
// (run with -race); every answer is one the engine could give with some
// set of shards, and once all are in, the whole blob's.
func TestAddShardWhileServing(t *testing.T) {
	syn := synth.Build(synth.Options{Items: 2000, Neighbours: 20, Seed: 9})
	whole, err := New(syn)
	if err != nil {
		t.Fatal(err)
	}
	head, shards := sharded(t, syn, 1500)
	e, err := New(head)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 1))
			var list []Suggestion
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx := randomContext(rnd, e.Len(), nil)
				list = e.Recommend(&ctx, list[:0])
			}
		}(g)
	}
	for _, s := range shards {
		if err := e.AddShard(s); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	rnd := rand.New(rand.NewPCG(77, 1))
	var a, b []Suggestion
	for i := 0; i < 300; i++ {
		ctx := randomContext(rnd, e.Len(), nil)
		a, b = whole.Recommend(&ctx, a[:0]), e.Recommend(&ctx, b[:0])
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("after all shards, context %+v differs", ctx)
		}
	}
}
