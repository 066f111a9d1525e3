package blob

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// liteBoth decodes a raw body with the msgpack library and with the lite
// reader of the browser build (owned: as DecodeOwned does, strings and
// columns left in the body).
func liteBoth(t *testing.T, b *Blob, owned bool) (full, lite *Blob) {
	t.Helper()
	enc, err := Encode(b, EncodeOptions{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	body := enc[HeaderSize:]
	var w wireBody
	if err := msgpack.NewDecoder(bytes.NewReader(body)).Decode(&w); err != nil {
		t.Fatal(err)
	}
	full = &Blob{}
	if err := fromWire(&w, full); err != nil {
		t.Fatal(err)
	}
	lw, err := decodeWireLite(body, owned)
	if err != nil {
		t.Fatal(err)
	}
	lite = &Blob{}
	if err := fromWire(lw, lite); err != nil {
		t.Fatal(err)
	}
	return full, lite
}

func TestLiteDecoderMatchesMsgpack(t *testing.T) {
	withExperiments := sample()
	withExperiments.Policy.Experiments = Experiments{{Name: "ranking", Variants: Variants{
		{Name: "control", Weight: 0.5},
		{Name: "evidence", Weight: 0.4, Weights: &Weights{Evidence: 2, Curated: 1, Shrinkage: 5}, K: PlacementInts{"cart": 4}},
		{Name: "holdout", Weight: 0.1, Off: true}}}}
	withExperiments.Policy.Exclusions = Exclusions{{Segment: "diabetic", Tag: "sugar"}}
	withExperiments.Policy.FreeDelivery = 49.99
	empty := &Blob{Policy: DefaultPolicy()}
	tuned := sample()
	tuned.Policy.Weights.EvidencePower = 1
	tuned.Policy.Mining.Tuned = "weights.evidence_power 1, chosen by HR@3 on the latest 372 orders"
	tuned.Policy.Experiments = Experiments{{Name: "q", Variants: Variants{
		{Name: "shop's q", Weight: 1, Weights: &Weights{Evidence: 1, Curated: 2}},
		{Name: "q 2.5", Weight: 1, Weights: &Weights{Evidence: 1, Curated: 2, EvidencePower: 2.5}}}}}
	for _, tc := range []struct {
		name  string
		b     *Blob
		owned bool
	}{
		{"sample", sample(), false}, {"experiments and exclusions", withExperiments, false}, {"empty catalog", empty, false},
		{"sample, owned", sample(), true}, {"experiments and exclusions, owned", withExperiments, true}, {"empty catalog, owned", empty, true},
		{"evidence power in the policy and a variant", tuned, false}, {"evidence power, owned", tuned, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full, lite := liteBoth(t, tc.b, tc.owned)
			for _, b := range []*Blob{full, lite} {
				if got, want := b.Policy.Weights.EvidencePower, tc.b.Policy.Weights.EvidencePower; got != want {
					t.Errorf("weights.evidence_power read as %v, want %v", got, want)
				}
				if got, want := b.Policy.Mining.Tuned, tc.b.Policy.Mining.Tuned; got != want {
					t.Errorf("mining.tuned read as %q, want %q", got, want)
				}
				for i, x := range b.Policy.Experiments {
					for j, v := range x.Variants {
						if w := tc.b.Policy.Experiments[i].Variants[j].Weights; w != nil && v.Weights.EvidencePower != w.EvidencePower {
							t.Errorf("variant %s: evidence_power read as %v, want %v", v.Name, v.Weights.EvidencePower, w.EvidencePower)
						}
					}
				}
			}
			// NaN != NaN: compare prices and margins apart.
			for _, b := range []*Blob{full, lite} {
				for i, p := range b.Items.Price {
					if math.IsNaN(p) {
						b.Items.Price[i] = -1
					}
				}
				for i, m := range b.Items.Margin {
					if math.IsNaN(float64(m)) {
						b.Items.Margin[i] = -1
					}
				}
			}
			if !reflect.DeepEqual(full, lite) {
				t.Fatalf("lite decoder differs:\nfull %+v\nlite %+v", full, lite)
			}
		})
	}
}

func TestLiteDecoderRejects(t *testing.T) {
	enc, err := Encode(sample(), EncodeOptions{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	body := enc[HeaderSize:]
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"truncated", body[:len(body)/2], ErrCorrupt},
		{"not a map", []byte{0x93, 1, 2, 3}, ErrCorrupt},
		{"lying string array", []byte{0x81, 0xa7, 's', 't', 'r', 'i', 'n', 'g', 's', 0xdd, 0x7f, 0xff, 0xff, 0xff}, ErrCorrupt},
		{"huge policy list", append(append([]byte{0x81, 0xa6, 'p', 'o', 'l', 'i', 'c', 'y', 0x81, 0xab}, "experiments\xdc\x01\x01"...), bytes.Repeat([]byte{0x80}, 300)...), ErrLimit},
		{"deep nesting", append([]byte{0x81, 0xa1, 'x'}, bytes.Repeat([]byte{0x91}, 100)...), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeWireLite(tc.in, false); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzDecodeWireLite(f *testing.F) {
	enc, _ := Encode(sample(), EncodeOptions{Raw: true})
	f.Add(enc[HeaderSize:])
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := decodeWireLite(body, false)
		if err != nil {
			return
		}
		var b Blob
		if fromWire(w, &b) == nil {
			b.Validate()
		}
	})
}

// TestOwnedDecodeReadsInPlace: with the body handed over (DecodeOwned), the
// strings and the byte columns are views of it, not copies; without, none is.
func TestOwnedDecodeReadsInPlace(t *testing.T) {
	enc, err := Encode(sample(), EncodeOptions{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	body := enc[HeaderSize:]
	lo, hi := uintptr(unsafe.Pointer(&body[0])), uintptr(unsafe.Pointer(&body[len(body)-1]))
	inBody := func(p unsafe.Pointer) bool { return uintptr(p) >= lo && uintptr(p) <= hi }
	for _, tc := range []struct {
		name  string
		owned bool
	}{{"owned", true}, {"copied", false}} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := decodeWireLite(body, tc.owned)
			if err != nil {
				t.Fatal(err)
			}
			var b Blob
			if err := fromWire(w, &b); err != nil {
				t.Fatal(err)
			}
			if len(b.Items.ID) == 0 || len(b.Items.Role) == 0 {
				t.Fatal("sample has no items")
			}
			for what, p := range map[string]unsafe.Pointer{
				"id":    unsafe.Pointer(unsafe.StringData(b.Items.ID[0])),
				"title": unsafe.Pointer(unsafe.StringData(b.Items.Title[0])),
				"role":  unsafe.Pointer(&b.Items.Role[0]), // one byte per entry: always aligned
			} {
				if inBody(p) != tc.owned {
					t.Errorf("%s in the body: %v, want %v", what, inBody(p), tc.owned)
				}
			}
		})
	}
}

// TestUnpackInPlaceOnlyWhenAligned: a column read in place must start at a
// multiple of its element size, except where the machine reads any address.
func TestUnpackInPlaceOnlyWhenAligned(t *testing.T) {
	buf := make([]uint64, 4) // 8-aligned backing
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 32)
	for i := range raw {
		raw[i] = byte(i)
	}
	for _, tc := range []struct {
		name    string
		off     int
		inPlace bool
	}{{"aligned", 0, littleEndian}, {"misaligned", 1, littleEndian && canMisalign}} {
		t.Run(tc.name, func(t *testing.T) {
			src := raw[tc.off : tc.off+16]
			got, err := unpack[uint32](src, 4, "test", true)
			if err != nil {
				t.Fatal(err)
			}
			want, err := unpack[uint32](src, 4, "test", false)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("in place %v, copied %v", got, want)
			}
			if same := unsafe.Pointer(&got[0]) == unsafe.Pointer(&src[0]); same != tc.inPlace {
				t.Fatalf("read in place: %v, want %v", same, tc.inPlace)
			}
		})
	}
}

// The evidence power is an additive policy field: a blob that does not set
// it carries no key for it (its bytes are those of a blob written before
// the field, and it reads as the default q), and a reader written before
// the field skips the key.
func TestEvidencePowerIsAdditive(t *testing.T) {
	key := []byte("evidence_power")
	for _, tc := range []struct {
		name    string
		q       float64
		withKey bool
		power   float64
	}{
		{"not set: no key, default q", 0, false, DefaultEvidencePower},
		{"set: carried", 2, true, 2},
		{"out of bounds: carried, read as the default", 20, true, DefaultEvidencePower},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sample()
			b.Policy.Weights.EvidencePower = tc.q
			enc, err := Encode(b, EncodeOptions{Raw: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(enc[HeaderSize:], key); got != tc.withKey {
				t.Errorf("body holds the key %q: %v, want %v", key, got, tc.withKey)
			}
			dec, err := Decode(enc, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if dec.Policy.Weights.EvidencePower != tc.q || dec.Policy.Weights.Power() != tc.power {
				t.Errorf("decoded evidence_power %v (power %v), want %v (power %v)", dec.Policy.Weights.EvidencePower, dec.Policy.Weights.Power(), tc.q, tc.power)
			}
			// A reader from before the field: the same tags without it.
			type weightsBefore struct {
				Evidence  float64 `msgpack:"evidence"`
				Shrinkage float64 `msgpack:"shrinkage"`
			}
			raw, err := msgpack.Marshal(&b.Policy.Weights)
			if err != nil {
				t.Fatal(err)
			}
			var old weightsBefore
			if err := msgpack.Unmarshal(raw, &old); err != nil || old.Evidence != b.Policy.Weights.Evidence || old.Shrinkage != b.Policy.Weights.Shrinkage {
				t.Errorf("a reader without the field: %+v, %v", old, err)
			}
		})
	}
}
