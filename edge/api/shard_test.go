package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xsell/xsell/edge/internal/testblob"
	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

// sharded encodes a test blob whole and as a head with shards of about 4
// pairs. Shards are content-addressed: the same rows of the same number of
// items are the same shard, whatever the seed.
func sharded(t *testing.T, seed, items int) (whole, head []byte, shards [][]byte) {
	t.Helper()
	b := testblob.Make(seed, items)
	whole, err := blob.Encode(b, blob.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err = blob.Decode(whole, blob.DecodeOptions{}) // normalized, as Split wants it
	if err != nil {
		t.Fatal(err)
	}
	_, head, shards, err = engine.EncodeSharded(b, 4, blob.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) < 3 {
		t.Fatalf("%d shards, want several", len(shards))
	}
	return whole, head, shards
}

func TestPrepareShardAndHead(t *testing.T) {
	_, head, shards := sharded(t, 1, 60)
	hp, err := Prepare(head, 0)
	if err != nil {
		t.Fatal(err)
	}
	if hp.Kind != KindHead || hp.Shard != nil || len(hp.Manifest.Shards) != len(shards) || hp.Manifest.Counts.Pairs == 0 {
		t.Fatalf("head: kind %s, manifest %+v", hp.Kind, hp.Manifest)
	}
	for i, src := range shards {
		p, err := Prepare(src, 0)
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		h, _ := blob.ParseHeader(src)
		if p.Kind != KindShard || p.Shard == nil || p.Shard.Hash != h.HashHex() || p.Shard.Index != i || p.Shard.Size != int64(len(src)) || p.Shard.Items != 60 {
			t.Fatalf("shard %d: kind %s, info %+v", i, p.Kind, p.Shard)
		}
		if hp.Manifest.Shards[i].Hash != p.Shard.Hash {
			t.Errorf("head lists %s as shard %d, the shard is %s", hp.Manifest.Shards[i].Hash, i, p.Shard.Hash)
		}
		// The raw form is still a shard with the same identity.
		s, err := blob.DecodeShard(p.Raw, blob.DecodeOptions{}, false)
		if err != nil || s.Header.HashHex() != p.Shard.Hash || s.Header.Flags&blob.FlagZstd != 0 {
			t.Errorf("shard %d raw form: %v %+v", i, err, s)
		}
		if len(p.RawZstd) == 0 {
			t.Errorf("shard %d: no zstd form", i)
		}
	}
	bad := append([]byte(nil), shards[0]...)
	bad[len(bad)-3] ^= 0xff
	_, err = Prepare(bad, 0)
	var e *Error
	if !errors.As(err, &e) || e.Status != 422 || !strings.Contains(e.Message, "shard") {
		t.Errorf("corrupt shard: %v", err)
	}
	st, parts := NewCore().Handle(OpPublish, shards[1], now)
	if st != 200 || len(parts) != 5 || string(parts[4]) != KindShard {
		t.Fatalf("publish shard: %d %q", st, parts[0])
	}
	var info ShardInfo
	if err := json.Unmarshal(parts[0], &info); err != nil || info.Index != 1 || string(parts[1]) != info.Hash {
		t.Errorf("publish shard answer %s: %v", parts[0], err)
	}
}

// TestHandleRecommendSharded: a core serving the head asks for the shards
// each query needs (409 need_shards), and once they are added answers
// exactly what a core serving the whole blob answers.
// shardedCores loads the whole blob of sharded(t, 3, 60) into one core and
// its head into another (wc, wh and sc, hh: the cores and the hashes they
// serve); byHash holds the shards by hash. A shard sent before its head is
// refused.
func shardedCores(t *testing.T) (byHash map[string][]byte, wc *Core, wh string, sc *Core, hh string) {
	t.Helper()
	whole, head, shards := sharded(t, 3, 60)
	byHash = map[string][]byte{}
	for _, s := range shards {
		h, _ := blob.ParseHeader(s)
		byHash[h.HashHex()] = s
	}
	wc, sc = NewCore(), NewCore()
	if st, parts := sc.Handle(OpAddShard, shards[0], now); st != 409 || !strings.Contains(string(parts[0]), "need_blob") {
		t.Fatalf("shard before its head: %d %s", st, parts[0])
	}
	load := func(c *Core, src []byte) string {
		st, parts := c.Handle(OpLoadBlob, src, now)
		if st != 200 {
			t.Fatalf("load: %d %s", st, parts[0])
		}
		return string(parts[0])
	}
	return byHash, wc, load(wc, whole), sc, load(sc, head)
}

// askRecommend is the shell's OpRecommend call.
func askRecommend(c *Core, hash, q string, partial bool) (int, [][]byte) {
	in, _ := json.Marshal(recommendInput{Hash: hash, Query: q, Partial: partial})
	return c.Handle(OpRecommend, in, now)
}

func TestHandleRecommendSharded(t *testing.T) {
	byHash, wc, wh, sc, hh := shardedCores(t)
	ask := func(c *Core, hash, q string) (int, [][]byte) { return askRecommend(c, hash, q, false) }
	added := 0
	for i := 0; i < 60; i++ {
		for _, q := range []string{
			fmt.Sprintf("?placement=product&anchor=item-%d", i),
			fmt.Sprintf("?placement=cart&cart=item-%d,item-%d:2", i, (i*7+3)%60),
			fmt.Sprintf("?placement=email&owned=item-%d@1700000000", i),
		} {
			st, want := ask(wc, wh, q)
			if st != 200 {
				t.Fatalf("%s on the whole blob: %d %s", q, st, want[0])
			}
			got := func() [][]byte {
				for round := 0; ; round++ {
					st, parts := ask(sc, hh, q)
					if st == 200 {
						return parts
					}
					var e struct {
						Error struct {
							Code   string
							Shards []string
						}
					}
					json.Unmarshal(parts[0], &e)
					if st != 409 || e.Error.Code != "need_shards" || len(e.Error.Shards) == 0 || round > 0 {
						t.Fatalf("%s: round %d: %d %s", q, round, st, parts[0])
					}
					for _, h := range e.Error.Shards {
						if st, parts := sc.Handle(OpAddShard, byHash[h], now); st != 200 || string(parts[0]) != h {
							t.Fatalf("add shard %s: %d %s", h, st, parts[0])
						}
						added++
					}
				}
			}()
			var a, b RecommendAnswer
			json.Unmarshal(want[1], &a)
			json.Unmarshal(got[1], &b)
			if !reflect.DeepEqual(a.Suggestions, b.Suggestions) || a.Dropped != b.Dropped {
				t.Fatalf("%s: sharded answer differs\nwhole   %s\nsharded %s", q, want[1], got[1])
			}
		}
	}
	// Each shard at most once; a shard whose anchors have no pairs is never needed.
	if total, loaded := sc.recs.eng.Shards(); added != loaded || loaded < total-1 || total != len(byHash) {
		t.Errorf("added %d shards, %d of %d loaded", added, loaded, total)
	}

	// A shard of another blob (the current one changed meanwhile) is stale.
	_, _, other := sharded(t, 4, 63)
	if st, parts := sc.Handle(OpAddShard, other[0], now); st != 409 || !strings.Contains(string(parts[0]), "stale_shard") {
		t.Errorf("other blob's shard: %d %s", st, parts[0])
	}
	if st, parts := sc.Handle(OpAddShard, []byte("XSEL not a shard"), now); st != 500 {
		t.Errorf("garbage shard: %d %s", st, parts[0])
	}
}

// TestHandleRecommendPartial: a shell whose shard reads for a request are
// spent asks with partial: the answer comes from the shards loaded and says
// how many the context's items lacked; each shard added lowers that count,
// and with all of them the answer is the whole blob's, without the field.
func TestHandleRecommendPartial(t *testing.T) {
	byHash, wc, wh, sc, hh := shardedCores(t)
	ask := askRecommend
	// A cart of one item with pair rows from each shard (the head the core
	// serves has every item's row bounds).
	hb := sc.recs.eng.Blob()
	var cart []string
	seen := map[int]bool{}
	for i := range hb.Items.Len() {
		if k := hb.Shards.Of(uint32(i)); k >= 0 && !seen[k] && hb.Pairs.Off[i] < hb.Pairs.Off[i+1] {
			seen[k] = true
			cart = append(cart, hb.Items.ID[i])
		}
	}
	q := "?placement=cart&cart=" + strings.Join(cart, ",")
	st, parts := ask(sc, hh, q, false)
	var e struct {
		Error struct {
			Code   string
			Shards []string
		}
	}
	if json.Unmarshal(parts[0], &e); st != 409 || e.Error.Code != "need_shards" || len(e.Error.Shards) < 2 {
		t.Fatalf("without partial: %d %s (want 409 need_shards naming 2 or more)", st, parts[len(parts)-1])
	}
	need := e.Error.Shards
	for i := 0; i <= len(need); i++ {
		st, parts := ask(sc, hh, q, true)
		if st != 200 {
			t.Fatalf("partial, %d of %d shards added: %d %s", i, len(need), st, parts[0])
		}
		var a RecommendAnswer
		if err := json.Unmarshal(parts[1], &a); err != nil {
			t.Fatal(err)
		}
		if a.MissingShards != len(need)-i {
			t.Fatalf("partial, %d of %d shards added: missing_shards %d, want %d", i, len(need), a.MissingShards, len(need)-i)
		}
		if i == len(need) {
			if strings.Contains(string(parts[1]), "missing_shards") {
				t.Errorf("a whole answer names missing_shards: %s", parts[1])
			}
			_, want := ask(wc, wh, q, false)
			var w RecommendAnswer
			json.Unmarshal(want[1], &w)
			if !reflect.DeepEqual(w.Suggestions, a.Suggestions) {
				t.Errorf("with every shard added\nwhole   %s\nsharded %s", want[1], parts[1])
			}
			break
		}
		if st, parts := sc.Handle(OpAddShard, byHash[need[i]], now); st != 200 {
			t.Fatalf("add shard: %d %s", st, parts[0])
		}
	}
}
