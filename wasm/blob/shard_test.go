package blob

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// sampleSharded is sample() cut by hand into a head and two shards:
// anchors 0..1 and 2..3.
func sampleSharded(t *testing.T) (head []byte, shards [][]byte) {
	t.Helper()
	b := sample()
	p := b.Pairs
	for i, r := range [][2]uint32{{0, 2}, {2, 4}} {
		lo, hi := p.Off[r[0]], p.Off[r[1]]
		s := &PairShard{Index: i, Items: 4, From: r[0], To: r[1], PairTo: p.To[lo:hi], NAB: p.NAB[lo:hi], NABDecayed: p.NABDecayed[lo:hi]}
		enc, err := EncodeShard(s, EncodeOptions{Raw: i == 0})
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, enc)
		b.Shards.Hash = append(b.Shards.Hash, s.Header.Hash)
	}
	b.Pairs = Pairs{Off: p.Off, To: []uint32{}, NAB: []uint32{}, NABDecayed: []float32{}}
	b.Shards.From = []uint32{0, 2, 4}
	st := StringTable{Strings: b.Strings}
	b.Shards.LinkCat = []uint32{st.Ref("photo")}
	b.Shards.LinkOff = []uint32{0, 1}
	b.Shards.LinkTo = []uint32{st.Ref("storage")}
	b.Shards.LinkLift = []float32{2.5}
	b.Strings = st.Strings
	head, err := Encode(b, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return head, shards
}

func TestShardRoundTrip(t *testing.T) {
	head, shards := sampleSharded(t)
	h, err := Decode(head, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Sharded() || h.Shards.Count() != 2 || h.Header.Minor != MinorSharded || len(h.Pairs.To) != 0 || h.Pairs.Off[4] != 4 {
		t.Fatalf("head: %+v %+v", h.Shards, h.Pairs)
	}
	if h.Shards.LinkLift[0] != 2.5 || h.Str(h.Shards.LinkTo[0]) != "storage" {
		t.Fatalf("links: %+v", h.Shards)
	}
	for i, item := range []uint32{0, 1, 2, 3, 4} {
		want := []int{0, 0, 1, 1, -1}[i]
		if got := h.Shards.Of(item); got != want {
			t.Errorf("Of(%d) = %d, want %d", item, got, want)
		}
	}
	for i, sb := range shards {
		s, err := DecodeShard(sb, DecodeOptions{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if s.Header.Hash != h.Shards.Hash[i] || s.Index != i || s.Items != 4 {
			t.Fatalf("shard %d: %+v", i, s)
		}
		want := [][]uint32{{1, 3, 0}, {0}}[i]
		if !reflect.DeepEqual(s.PairTo, want) {
			t.Fatalf("shard %d rows %v, want %v", i, s.PairTo, want)
		}
	}
	// A whole blob's bytes do not change with shards existing: no new keys.
	whole, _ := Encode(sample(), EncodeOptions{Raw: true})
	if strings.Contains(string(whole), "shard_from") {
		t.Fatal("a whole blob carries shard keys")
	}
}

func TestShardMixUpsAreNamed(t *testing.T) {
	head, shards := sampleSharded(t)
	if _, err := Decode(shards[0], DecodeOptions{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "pair shard") {
		t.Fatalf("Decode(shard) = %v", err)
	}
	if _, err := DecodeShard(head, DecodeOptions{}, false); !strings.Contains(fmtErr(err), "not a pair shard") {
		t.Fatalf("DecodeShard(head) = %v", err)
	}
	bad := append([]byte(nil), shards[0]...)
	bad[len(bad)-1] ^= 1
	if _, err := DecodeShard(bad, DecodeOptions{}, false); !errors.Is(err, ErrHash) {
		t.Fatalf("damaged shard: %v", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestShardedHeadValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(b *Blob)
		want string
	}{
		{"rows in head", func(b *Blob) { b.Pairs.To = []uint32{1}; b.Pairs.NAB = []uint32{1}; b.Pairs.NABDecayed = []float32{1} }, "want none"},
		{"from short", func(b *Blob) { b.Shards.From = []uint32{0, 2, 3} }, "shard_from runs"},
		{"from flat", func(b *Blob) { b.Shards.From = []uint32{0, 0, 4} }, "does not increase"},
		{"hashes", func(b *Blob) { b.Shards.Hash = b.Shards.Hash[:1] }, "shard_hash"},
		{"link ref", func(b *Blob) { b.Shards.LinkTo[0] = 999 }, "link_to[0]"},
		{"link cat order", func(b *Blob) { b.Shards.LinkCat = []uint32{0} }, "link_cat[0]"},
		{"link lift", func(b *Blob) { b.Shards.LinkLift = nil }, "link_lift"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, _ := sampleSharded(t)
			b, err := Decode(head, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(b)
			if err := b.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		s    PairShard
		want string
	}{
		{"empty range", PairShard{Items: 4, From: 2, To: 2}, "holds anchors"},
		{"past items", PairShard{Items: 4, From: 2, To: 5}, "holds anchors"},
		{"columns", PairShard{Items: 4, From: 0, To: 1, PairTo: []uint32{1}}, "differ in length"},
		{"ref", PairShard{Items: 4, From: 0, To: 1, PairTo: []uint32{4}, NAB: []uint32{1}, NABDecayed: []float32{1}}, "pair_to[0]"},
	} {
		if err := tc.s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func FuzzDecodeShard(f *testing.F) {
	b := sample()
	p := b.Pairs
	good, _ := EncodeShard(&PairShard{Index: 0, Items: 4, From: 0, To: 4, PairTo: p.To, NAB: p.NAB, NABDecayed: p.NABDecayed}, EncodeOptions{Raw: true})
	f.Add(good[HeaderSize:])
	f.Fuzz(func(t *testing.T, body []byte) {
		h := Header{Major: MajorVersion, Flags: FlagShard, RawLen: uint64(len(body)), BodyLen: uint64(len(body))}
		buf := make([]byte, HeaderSize, HeaderSize+len(body))
		h.put(buf)
		s, err := DecodeShard(append(buf, body...), DecodeOptions{SkipHash: true, Limits: Limits{MaxRawBytes: 1 << 20, MaxItems: 1e4, MaxPairs: 1e5, MaxStrings: 1e5, MaxRows: 1e5}}, false)
		if err == nil {
			if err := s.Validate(); err != nil {
				t.Fatalf("decoded shard does not validate: %v", err)
			}
		}
	})
}

// TestRecodeShard: the edge stores a shard's raw form through Recode, which
// must keep the shard flag and the hash (the shard's identity in its head).
func TestRecodeShard(t *testing.T) {
	_, shards := sampleSharded(t)
	for i, sb := range shards {
		want, err := DecodeShard(sb, DecodeOptions{}, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []bool{true, false} {
			re, err := Recode(sb, raw, Limits{})
			if err != nil {
				t.Fatalf("shard %d raw=%v: %v", i, raw, err)
			}
			got, err := DecodeShard(re, DecodeOptions{}, false)
			if err != nil {
				t.Fatalf("shard %d raw=%v: recoded form does not decode: %v", i, raw, err)
			}
			if got.Header.Flags&FlagShard == 0 || got.Header.Hash != want.Header.Hash || (got.Header.Flags&FlagZstd != 0) == raw {
				t.Errorf("shard %d raw=%v: header %+v", i, raw, got.Header)
			}
			if !reflect.DeepEqual(got.PairTo, want.PairTo) || got.From != want.From || got.To != want.To {
				t.Errorf("shard %d raw=%v: rows differ", i, raw)
			}
		}
	}
}

func TestManifestForHead(t *testing.T) {
	head, shards := sampleSharded(t)
	h, err := Decode(head, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := ManifestFor(h, head)
	if m.Hash != h.Header.HashHex() || m.Size != int64(len(head)) || m.Counts.Pairs != int(h.Pairs.Off[4]) || m.Version != "1.1" {
		t.Errorf("manifest %+v", m)
	}
	if len(m.Shards) != len(shards) {
		t.Fatalf("shards %+v", m.Shards)
	}
	for i, s := range m.Shards {
		ph, _ := ParseHeader(shards[i])
		wantFrom, wantTo := h.Items.ID[h.Shards.From[i]], h.Items.ID[h.Shards.From[i+1]-1]
		if s.Hash != ph.HashHex() || s.From != wantFrom || s.To != wantTo || s.Size != 0 {
			t.Errorf("shard %d: %+v, want %s %s..%s", i, s, ph.HashHex(), wantFrom, wantTo)
		}
	}
}
