package compile

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

var sample = filepath.Join("..", "..", "testdata", "sample")

func readOrders(t testing.TB, name, format string) *input.Orders {
	t.Helper()
	f, err := os.Open(filepath.Join(sample, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, _, err := input.ReadOrders(name, f, format)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func itemNo(t testing.TB, b *blob.Blob, id string) int {
	t.Helper()
	for i, x := range b.Items.ID {
		if x == id {
			return i
		}
	}
	t.Fatalf("no item %q", id)
	return -1
}

// nab finds n_AB of a → c in the kept pairs.
func nab(b *blob.Blob, a, c int) (uint32, bool) {
	for k := b.Pairs.Off[a]; k < b.Pairs.Off[a+1]; k++ {
		if int(b.Pairs.To[k]) == c {
			return b.Pairs.NAB[k], true
		}
	}
	return 0, false
}

// TestGroceriesCounts checks the whole path (reader, compile, mining) against
// the counts the sample README gives, which a brute-force count produced.
func TestGroceriesCounts(t *testing.T) {
	o := readOrders(t, "groceries.csv", input.FormatBaskets)
	pol := blob.DefaultPolicy()
	pol.Mining.Neighbours = 168 // keep every significant neighbour, so the pair is in the blob
	b, rep, err := Compile(Inputs{Orders: o, Policy: &pol}, Options{Created: 1, Generator: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Stats.Orders != 9835 || rep.Items != 169 {
		t.Fatalf("N = %d, items %d; want 9835, 169", b.Stats.Orders, rep.Items)
	}
	veg, milk := itemNo(t, b, "other vegetables"), itemNo(t, b, "whole milk")
	if b.Items.Orders[veg] != 1903 || b.Items.Orders[milk] != 2513 {
		t.Errorf("n_A = %d, n_B = %d; want 1903, 2513", b.Items.Orders[veg], b.Items.Orders[milk])
	}
	for _, d := range [][2]int{{veg, milk}, {milk, veg}} {
		n, ok := nab(b, d[0], d[1])
		if !ok || n != 736 {
			t.Errorf("n_AB %s → %s = %d (kept %v), want 736", b.Items.ID[d[0]], b.Items.ID[d[1]], n, ok)
		}
	}
	checkBrute(t, b, o)
	if _, err := blob.Encode(b, blob.EncodeOptions{}); err != nil {
		t.Fatalf("encode: %v", err)
	}
}

// checkBrute compares every kept pair's n_AB and every n_A with a count over
// the order baskets, items mapped by id and de-duplicated per order.
func checkBrute(t *testing.T, b *blob.Blob, o *input.Orders) {
	t.Helper()
	idx := map[string]int{}
	for i, id := range b.Items.ID {
		idx[id] = i
	}
	nA := make([]uint32, b.Items.Len())
	in := make([]map[int]bool, b.Items.Len()) // item → orders holding it
	for ord := 0; ord < o.Len(); ord++ {
		for _, x := range o.Basket(ord) {
			if i, ok := idx[o.ItemIDs[x]]; ok {
				if in[i] == nil {
					in[i] = map[int]bool{}
				}
				if !in[i][ord] {
					in[i][ord] = true
					nA[i]++
				}
			}
		}
	}
	joint := func(a, c int) uint32 {
		n := uint32(0)
		for ord := range in[a] {
			if in[c][ord] {
				n++
			}
		}
		return n
	}
	for a := 0; a < b.Items.Len(); a++ {
		if b.Items.Orders[a] != nA[a] {
			t.Errorf("n(%s) = %d, brute force %d", b.Items.ID[a], b.Items.Orders[a], nA[a])
		}
		for k := b.Pairs.Off[a]; k < b.Pairs.Off[a+1]; k++ {
			c := int(b.Pairs.To[k])
			if want := joint(a, c); b.Pairs.NAB[k] != want {
				t.Errorf("n_AB(%s, %s) = %d, brute force %d", b.Items.ID[a], b.Items.ID[c], b.Pairs.NAB[k], want)
			}
		}
	}
}

func TestOnlineRetailWithoutCatalog(t *testing.T) {
	o := readOrders(t, "online-retail-sample.csv", input.FormatOnlineRetail)
	b, rep, err := Compile(Inputs{Orders: o}, Options{Created: 1, NoTriples: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.CatalogFromOrders || rep.Items != len(o.ItemIDs) {
		t.Fatalf("report %+v", rep)
	}
	i := itemNo(t, b, "85123A")
	if b.Items.Title[i] != "WHITE HANGING HEART T-LIGHT HOLDER" || !(b.Items.Price[i] > 2 && b.Items.Price[i] < 3.5) {
		t.Errorf("85123A: %q at %v", b.Items.Title[i], b.Items.Price[i])
	}
	if rep.Customers == 0 || b.Stats.Customers == 0 {
		t.Error("no customers counted")
	}
	if len(b.Pairs.To) == 0 {
		t.Error("no pairs mined")
	}
	checkBrute(t, b, o)
}

func catalog(t testing.TB, text string) *input.Catalog {
	t.Helper()
	c, _, err := input.ReadCatalog("catalog.csv", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func orders(t testing.TB, text string) *input.Orders {
	t.Helper()
	o, _, err := input.ReadOrders("orders.csv", strings.NewReader(text), input.FormatLong)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

const smallCatalog = `id,title,price,category,role,tags,season,margin
cam,Camera,500,photo,flagship,,,0.2
lens,Lens,200,photo,accessory,,,0.3
card,SD card,20,photo,consumable,,,0.5
bag,Camera bag,40,bags,accessory,vegan,,
tree,Tree lights,30,xmas,seasonal,,11-01..01-06,
`

func TestCompileSmall(t *testing.T) {
	cat := catalog(t, smallCatalog)
	o := orders(t, "order_id,item_id,time\n"+
		"1,cam,1700000000\n1,lens,1700000000\n1,card,1700000000\n"+
		"2,cam,1700086400\n2,card,1700086400\n"+
		"3,cam,1700172800\n3,card,1700172800\n3,ghost,1700172800\n"+
		"4,ghost,1700259200\n")
	m, _, err := input.ReadMatrix("matrix.csv", strings.NewReader("anchor,complement,kind,reason,discount,segments_excluded\ncam,bag,accessory,keeps it safe,10,diabetic\ncategory:photo,card,consumable,never run out,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	fb, _, err := input.ReadFeedback("fb.csv", strings.NewReader("anchor,item,shown,clicked,added,bought,dismissed\ncam,bag,10,3,2,1,1\n*,card,5,1,1,1,0\nold,card,1,1,1,1,1\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, rep, err := Compile(Inputs{Catalog: cat, Orders: o, Matrix: m, Feedback: fb}, Options{Created: 42, Generator: "test"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"items", rep.Items, 5},
		{"unknown items", rep.UnknownItems, 1},
		{"unknown lines", rep.UnknownLines, uint64(2)},
		{"orders (order 4 held only an unknown item)", b.Stats.Orders, uint32(3)},
		{"never ordered", rep.NeverOrdered, 2},
		{"timed", rep.Timed, true},
		{"n(cam)", b.Items.Orders[0], uint32(3)},
		{"tier camera (premium in photo)", b.Items.Tier[0], uint8(3)},
		{"tier lens", b.Items.Tier[1], uint8(2)},
		{"tier card", b.Items.Tier[2], uint8(1)},
		{"tier bag (category of one)", b.Items.Tier[3], uint8(0)},
		{"season", [2]uint16{b.Items.SeasonFrom[4], b.Items.SeasonTo[4]}, [2]uint16{1101, 106}},
		{"tag", b.Str(b.Items.Tags[b.Items.TagOff[3]]), "vegan"},
		{"matrix rows", b.Matrix.Len(), 2},
		{"matrix anchor", b.Matrix.AnchorItem[0], int32(0)},
		{"matrix category anchor", b.Str(b.Matrix.AnchorCategory[1]), "photo"},
		{"matrix reason", b.Str(b.Matrix.Reason[0]), "keeps it safe"},
		{"matrix exclusion", b.Str(b.Matrix.Excl[0]), "diabetic"},
		{"matrix line", b.Matrix.Line[1], uint32(3)},
		{"feedback rows", b.Feedback.Len(), 2},
		{"feedback any anchor", b.Feedback.Anchor[1], int32(-1)},
		{"feedback unknown", rep.FeedbackUnknown, 1},
		{"created", b.Created, int64(42)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	checkBrute(t, b, o)
	if math.Abs(float64(b.Items.Margin[0])-0.2) > 1e-6 {
		t.Errorf("margin %v", b.Items.Margin[0])
	}
	if _, err := blob.Encode(b, blob.EncodeOptions{}); err != nil {
		t.Fatalf("encode: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	cat := catalog(t, smallCatalog)
	o := orders(t, "order_id,item_id\n1,cam\n1,lens\n")
	tests := []struct {
		name, matrix, want string
	}{
		{"unknown complement", "anchor,complement\ncam,lens\ncam,tripod\n", `matrix.csv:3:5: complement: item "tripod" is not in the catalog (catalog.csv)`},
		{"unknown anchor", "anchor,complement\ndrone,lens\n", `matrix.csv:2:1: anchor: item "drone" is not in the catalog (catalog.csv)`},
		{"unknown category", "anchor,complement\ncategory:audio,lens\n", `matrix.csv:2:1: anchor: no catalog item has category "audio" (catalog.csv)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _, err := input.ReadMatrix("matrix.csv", strings.NewReader(tc.matrix))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = Compile(Inputs{Catalog: cat, Orders: o, Matrix: m}, Options{})
			var ie *input.Error
			if !errors.As(err, &ie) || !errors.Is(err, input.ErrUnknown) {
				t.Fatalf("error %v, want an *input.Error of ErrUnknown", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
		})
	}
	wrongIDs := orders(t, "order_id,item_id\n1,SKU-1\n1,SKU-2\n")
	_, _, err := Compile(Inputs{Catalog: cat, Orders: wrongIDs}, Options{})
	const want = "orders.csv: no order names an item of the catalog catalog.csv (orders name e.g. SKU-1, SKU-2; the catalog has e.g. cam, lens, card): do the id columns match?"
	if !errors.Is(err, input.ErrUnknown) || err.Error() != want {
		t.Errorf("no known item:\n got %v\nwant %s", err, want)
	}
	if _, _, err := Compile(Inputs{}, Options{}); !errors.Is(err, ErrNoOrders) {
		t.Errorf("no orders: %v", err)
	}
}

func TestDeterministic(t *testing.T) {
	o := readOrders(t, "groceries.csv", input.FormatBaskets)
	var first []byte
	for i := 0; i < 2; i++ {
		b, _, err := Compile(Inputs{Orders: o}, Options{Created: 7, Workers: 1 + i})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := blob.Encode(b, blob.EncodeOptions{Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = enc
		} else if string(enc) != string(first) {
			t.Error("two runs on the same input gave different blobs")
		}
	}
}
