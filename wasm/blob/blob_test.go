package blob

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sample builds a small blob that uses every column.
func sample() *Blob {
	var st StringTable
	b := &Blob{Created: 1_700_000_000, Generator: "test", Policy: DefaultPolicy()}
	it := &b.Items
	it.ID = []string{"cam", "lens", "bag", "card"}
	it.Title = []string{"Camera", "Lens <b>", "Bag", "SD card"}
	it.Price = []float64{500, 200, math.NaN(), 20}
	eur := st.Ref("EUR")
	it.Currency = []uint32{eur, eur, eur, eur}
	photo := st.Ref("photo")
	it.Category = []uint32{photo, photo, st.Ref("bags"), st.Ref("storage")}
	it.Role = []Role{RoleFlagship, RoleAccessory, RoleAccessory, RoleConsumable}
	it.Stock = []int32{3, StockIn, 0, StockUnknown}
	it.TagOff = []uint32{0, 0, 1, 1, 2}
	it.Tags = []uint32{st.Ref("vegan"), st.Ref("sugar")}
	it.SeasonFrom = []uint16{0, 1101, 0, 0}
	it.SeasonTo = []uint16{0, 215, 0, 0}
	it.Orders = []uint32{10, 6, 4, 8}
	b.Pairs = Pairs{Off: []uint32{0, 2, 3, 3, 4}, To: []uint32{1, 3, 0, 0}, NAB: []uint32{5, 4, 5, 4}, NABDecayed: []float32{4.5, 3, 4.5, 3}}
	b.Triples = Triples{A: []uint32{0}, B: []uint32{1}, NAB: []uint32{5}, Off: []uint32{0, 1}, To: []uint32{3}, NABC: []uint32{3}}
	b.Matrix = Matrix{AnchorItem: []int32{0, -1}, AnchorCategory: []uint32{0, photo}, Complement: []uint32{1, 3},
		Kind: []Kind{KindAccessory, KindConsumable}, Reason: []uint32{st.Ref("sharper portraits"), st.Ref("never run out")},
		Priority: []float32{2, 1}, Discount: []float32{10, 0}, ValidFrom: []int64{0, 0}, ValidTo: []int64{0, 1_800_000_000},
		ReqOff: []uint32{0, 0, 1}, Req: []uint32{st.Ref("loyalty")}, ExclOff: []uint32{0, 1, 1}, Excl: []uint32{st.Ref("diabetic")},
		Line: []uint32{2, 3}}
	b.Feedback = Feedback{Anchor: []int32{0}, Item: []uint32{1}, Shown: []uint32{100}, Clicked: []uint32{10}, Added: []uint32{5}, Bought: []uint32{3}, Dismissed: []uint32{2}}
	b.Strings = st.Strings
	return b
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts EncodeOptions
	}{{"zstd", EncodeOptions{}}, {"raw", EncodeOptions{Raw: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			in := sample()
			enc, err := Encode(in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Decode(enc, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in.Header = out.Header
			// NaN != NaN: compare prices apart.
			if !math.IsNaN(out.Items.Price[2]) {
				t.Fatalf("price[2] = %v, want NaN", out.Items.Price[2])
			}
			in.Items.Price[2], out.Items.Price[2] = 0, 0
			in.Items.Margin, out.Items.Margin = nil, nil
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("round trip differs:\n in %+v\nout %+v", in, out)
			}
		})
	}
}

func TestRecodeKeepsIdentityAndSignature(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(bytes.NewReader(make([]byte, 64)))
	enc, err := Encode(sample(), EncodeOptions{SignKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Recode(enc, true, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ParseHeader(enc)
	b, _ := ParseHeader(raw)
	if a.Hash != b.Hash || b.Flags&FlagZstd != 0 {
		t.Fatalf("recode changed identity or kept compression: %x %x flags %x", a.Hash, b.Hash, b.Flags)
	}
	if _, err := Decode(raw, DecodeOptions{PublicKey: pub}); err != nil {
		t.Fatalf("recoded signed blob: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{1}, 64)))
	if _, err := Decode(raw, DecodeOptions{PublicKey: other}); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong key: err = %v, want ErrSignature", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := Encode(sample(), EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"magic", mut(func(b []byte) []byte { b[0] = 'Y'; return b }), ErrMagic},
		{"newer major", mut(func(b []byte) []byte { b[4] = 2; return b }), ErrVersion},
		{"truncated body", good[:len(good)-3], ErrTruncated},
		{"flipped body byte", mut(func(b []byte) []byte { b[len(b)-10] ^= 0xff; return b }), ErrCorrupt},
		{"flipped hash", mut(func(b []byte) []byte { b[40] ^= 1; return b }), ErrHash},
		{"raw len over limit", mut(func(b []byte) []byte { b[23] = 0x7f; return b }), ErrLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.in, DecodeOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestValidateRejectsBadRefs(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(b *Blob)
	}{
		{"pair target out of range", func(b *Blob) { b.Pairs.To[0] = 99 }},
		{"category string out of range", func(b *Blob) { b.Items.Category[0] = 999 }},
		{"offsets decrease", func(b *Blob) { b.Pairs.Off[1], b.Pairs.Off[2] = 3, 2 }},
		{"matrix anchor out of range", func(b *Blob) { b.Matrix.AnchorItem[0] = 4 }},
		{"bad season", func(b *Blob) { b.Items.SeasonFrom[0] = 1340 }},
		{"negative price", func(b *Blob) { b.Items.Price[0] = -1 }},
		{"missing column", func(b *Blob) { b.Items.Orders = b.Items.Orders[:2] }},
		{"triples out of order", func(b *Blob) {
			b.Triples = Triples{A: []uint32{1, 0}, B: []uint32{2, 1}, NAB: []uint32{5, 5}, Off: []uint32{0, 1, 2}, To: []uint32{3, 3}, NABC: []uint32{3, 3}}
		}},
		{"triple antecedent twice", func(b *Blob) {
			b.Triples = Triples{A: []uint32{0, 0}, B: []uint32{1, 1}, NAB: []uint32{5, 5}, Off: []uint32{0, 1, 2}, To: []uint32{3, 2}, NABC: []uint32{3, 3}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sample()
			tc.mut(b)
			if _, err := Encode(b, EncodeOptions{}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestInSeason(t *testing.T) {
	for _, tc := range []struct {
		from, to, md uint16
		want         bool
	}{{0, 0, 101, true}, {601, 831, 715, true}, {601, 831, 901, false}, {1101, 215, 1224, true}, {1101, 215, 110, true}, {1101, 215, 301, false}} {
		if got := InSeason(tc.from, tc.to, tc.md); got != tc.want {
			t.Errorf("InSeason(%d,%d,%d) = %v", tc.from, tc.to, tc.md, got)
		}
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(sample(), EncodeOptions{})
	raw, _ := Encode(sample(), EncodeOptions{Raw: true})
	f.Add(good)
	f.Add(raw)
	f.Add(good[:HeaderSize])
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data, DecodeOptions{Limits: Limits{MaxRawBytes: 1 << 20, MaxItems: 1e4, MaxPairs: 1e5, MaxStrings: 1e5, MaxRows: 1e5}})
		if err != nil {
			return
		}
		// Whatever decodes must validate and re-encode to the same identity.
		enc, err := Encode(b, EncodeOptions{Raw: true})
		if err != nil {
			t.Fatalf("decoded blob does not re-encode: %v", err)
		}
		if _, err := Decode(enc, DecodeOptions{}); err != nil {
			t.Fatalf("re-encoded blob does not decode: %v", err)
		}
	})
}

// FuzzDecodeBody fuzzes the msgpack body under a valid header, which random
// bytes rarely reach because of the hash.
func FuzzDecodeBody(f *testing.F) {
	raw, _ := Encode(sample(), EncodeOptions{Raw: true})
	f.Add(raw[HeaderSize:])
	f.Fuzz(func(t *testing.T, body []byte) {
		h := Header{Major: MajorVersion, RawLen: uint64(len(body)), BodyLen: uint64(len(body))}
		buf := make([]byte, HeaderSize, HeaderSize+len(body))
		h.put(buf)
		buf = append(buf, body...)
		Decode(buf, DecodeOptions{SkipHash: true, Limits: Limits{MaxRawBytes: 1 << 20, MaxItems: 1e4, MaxPairs: 1e5, MaxStrings: 1e5, MaxRows: 1e5}})
	})
}

// A body that declares billions of experiments must fail fast with ErrLimit,
// not allocate what the bytes promise.
func TestHostileLengthsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		tail []byte // what follows the "policy" key
	}{
		{"experiments array", append([]byte{0x81, 0xab}, append([]byte("experiments"), 0xdd, 0x7f, 0xff, 0xff, 0xff)...)},
		{"k map", append([]byte{0x81, 0xa1, 'k'}, 0xdf, 0x7f, 0xff, 0xff, 0xff)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := append([]byte{0x81, 0xa6}, "policy"...)
			body = append(body, tc.tail...)
			h := Header{Major: MajorVersion, RawLen: uint64(len(body)), BodyLen: uint64(len(body))}
			buf := make([]byte, HeaderSize)
			h.put(buf)
			_, err := Decode(append(buf, body...), DecodeOptions{SkipHash: true})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "limit") {
				t.Fatalf("err = %v, want a limit error", err)
			}
		})
	}
}

// TestWarmBlob: the tiny blob the browser core runs once to compile its
// code while the real blob downloads (wasm/main_js.go, warm) must load with
// this format. On a format change, make it anew:
// go run ./wasm/internal/mkblob -items 12 -neighbours 4 -name warm -o /tmp/w && cp /tmp/w/warm.blob wasm/warm.blob
func TestWarmBlob(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "warm.blob"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(src, DecodeOptions{})
	if err != nil {
		t.Fatalf("wasm/warm.blob no longer loads (make it anew, see above): %v", err)
	}
	if b.Items.Len() < 8 || len(b.Pairs.To) == 0 {
		t.Fatalf("wasm/warm.blob has %d items and %d pairs; warm needs at least 8 items with pairs", b.Items.Len(), len(b.Pairs.To))
	}
}
