package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xsell/xsell/wasm/blob"
)

// testBlob: five items; "bag" has no price and "ink" is out of stock, so
// neither may be listed; "lens" is a matrix anchor and sells least.
func testBlob(t *testing.T) []byte {
	t.Helper()
	var st blob.StringTable
	b := &blob.Blob{Created: 1_700_000_000, Generator: "test", Policy: blob.DefaultPolicy()}
	b.Policy.FreeDelivery = 50
	it := &b.Items
	it.ID = []string{"cam", "lens", "bag", "card", "ink"}
	it.Title = []string{"Camera", "Lens <img src=x onerror=alert(1)>", "Bag", "SD card", "Ink"}
	it.Price = []float64{500, 200, math.NaN(), 20, 9}
	gbp := st.Ref("GBP")
	it.Currency = []uint32{gbp, gbp, gbp, st.Ref("EUR"), gbp}
	it.Stock = []int32{3, blob.StockIn, 5, blob.StockUnknown, 0}
	it.Orders = []uint32{10, 1, 40, 8, 90}
	b.Matrix = blob.Matrix{AnchorItem: []int32{1}, AnchorCategory: []uint32{0}, Complement: []uint32{3},
		Kind: []blob.Kind{blob.KindAccessory}, Reason: []uint32{st.Ref("fits")}, Priority: []float32{1}, Discount: []float32{0},
		ValidFrom: []int64{0}, ValidTo: []int64{0}, ReqOff: []uint32{0, 0}, ExclOff: []uint32{0, 0}, Line: []uint32{2}}
	b.Strings = st.Strings
	src, err := blob.Encode(b, blob.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func ids(l *List) string {
	var s []string
	for _, p := range l.Items {
		s = append(s, p.ID)
	}
	return strings.Join(s, ",")
}

func TestBuild(t *testing.T) {
	src := testBlob(t)
	for _, tc := range []struct {
		name string
		n    int
		want string
	}{
		{"anchors first then best sellers", 10, "lens,cam,card"},
		{"n caps the list", 2, "lens,cam"},
		{"one", 1, "cam"}, // n/2 = 0 anchors: only best sellers
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := build(src, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(l); got != tc.want {
				t.Errorf("ids = %s, want %s", got, tc.want)
			}
			if l.Currency != "GBP" || l.FreeDelivery != 50 || len(l.Hash) != 64 {
				t.Errorf("currency %q freeDelivery %v hash %q", l.Currency, l.FreeDelivery, l.Hash)
			}
		})
	}
}

func TestBuildRejectsBadBlob(t *testing.T) {
	src := testBlob(t)
	for _, tc := range []struct {
		name string
		mut  func([]byte) []byte
	}{
		{"truncated", func(b []byte) []byte { return b[:100] }},
		{"bad magic", func(b []byte) []byte { b[0] = 'Y'; return b }},
		{"flipped body byte", func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b }},
		{"newer major", func(b []byte) []byte { b[4] = 9; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := build(tc.mut(bytes.Clone(src)), 10); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestRunWritesJSON(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "x.blob"), filepath.Join(dir, "p.json")
	if err := os.WriteFile(in, testBlob(t), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := run([]string{"-blob", in, "-o", out}, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	var l List
	raw, _ := os.ReadFile(out)
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	// The hostile title travels as data; the pages render it with textContent.
	if l.Items[0].Title != "Lens <img src=x onerror=alert(1)>" || *l.Items[0].Price != 200 || !l.Items[0].InStock {
		t.Errorf("first item = %+v", l.Items[0])
	}
	for _, args := range [][]string{{}, {"-blob", in, "-n", "0"}, {"-blob", filepath.Join(dir, "missing")}} {
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
}

func TestWriteSite(t *testing.T) {
	var st blob.StringTable
	b := &blob.Blob{Created: 1_700_000_000, Generator: "test", Policy: blob.DefaultPolicy()}
	it := &b.Items
	it.ID = []string{"85123A", "../etc", "x y", "other"}
	it.Title = []string{"Holder", "Evil", "Space", "Other"}
	it.Price = []float64{2, 3, 4, 5}
	it.URL = []uint32{st.Ref("/product/85123A"), st.Ref("/product/../etc"), st.Ref("/product/x y"), st.Ref("https://elsewhere.example/p/1")}
	it.Image = []uint32{st.Ref("/img/candles.svg"), st.Ref("/img/../../evil.svg"), st.Ref("/img/candles.svg"), st.Ref("/img/own.svg")}
	b.Strings = st.Strings
	src, err := blob.Encode(b, blob.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err = blob.Decode(src, blob.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := []byte(`<link rel="stylesheet" href="/shop/shop.css">`)
	os.WriteFile(filepath.Join(dir, "product.html"), page, 0o644)
	os.MkdirAll(filepath.Join(dir, "img"), 0o755)
	os.WriteFile(filepath.Join(dir, "img", "own.svg"), []byte("mine"), 0o644)
	n, err := writeSite(dir, b, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if n.pages != 1 || n.images != 1 {
		t.Errorf("counts = %+v, want 1 page (only the safe id) and 1 image (own.svg kept)", n)
	}
	for _, tc := range []struct {
		path string
		want string // "" = must not exist
	}{
		{"product/85123A.html", string(page)},
		{"img/candles.svg", "<svg"},
		{"img/own.svg", "mine"},
		{"shop/products.json", "{}"},
		{"etc.html", ""},
		{"product/x y.html", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(dir, tc.path))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("%s was written", tc.path)
				}
				return
			}
			if err != nil || !strings.HasPrefix(string(got), tc.want) {
				t.Errorf("%s = %q, %v; want prefix %q", tc.path, got, err, tc.want)
			}
		})
	}
	os.WriteFile(filepath.Join(dir, "product.html"), []byte(`<link href="shop/shop.css">`), 0o644)
	if _, err := writeSite(dir, b, nil); err == nil {
		t.Error("a template with relative paths was accepted")
	}
}
