package compile

import (
	"errors"
	"strings"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

// FuzzCompile: whatever files parse, Compile returns a blob that encodes and
// decodes, or an error; it never panics.
func FuzzCompile(f *testing.F) {
	f.Add("id,title,price,category,role,tags,season\na,A,10,x,flagship,vegan,11-01..01-06\nb,B,2,x,consumable,,\nc,C,1,y,,,\n",
		"a,b\na,b,c\nb,c\na,b\n", "anchor,complement,kind,discount\na,b,consumable,10\ncategory:x,c,impulse,\n",
		"anchor,item,shown,clicked,added,bought,dismissed\na,b,3,1,1,1,0\n*,c,1,0,0,0,1\n")
	f.Add("id,title\nx,X\n", "x\nx y\n", "anchor,complement\nx,y\n", "")
	f.Fuzz(func(t *testing.T, catalog, orders, matrix, feedback string) {
		cat, _, err := input.ReadCatalog("catalog.csv", strings.NewReader(catalog))
		if err != nil {
			cat = nil
		}
		o, _, err := input.ReadOrders("orders.csv", strings.NewReader(orders), input.FormatBaskets)
		if err != nil {
			return
		}
		m, _, err := input.ReadMatrix("matrix.csv", strings.NewReader(matrix))
		if err != nil {
			m = nil
		}
		fb, _, err := input.ReadFeedback("fb.csv", strings.NewReader(feedback))
		if err != nil {
			fb = nil
		}
		pol := blob.DefaultPolicy()
		pol.Mining.Confidence = 0.5
		pol.Mining.MinCount = 1
		b, _, err := Compile(Inputs{Catalog: cat, Orders: o, Matrix: m, Feedback: fb, Policy: &pol}, Options{Created: 1, Workers: 1})
		if err != nil {
			var ie *input.Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *input.Error", err)
			}
			return
		}
		enc, err := blob.Encode(b, blob.EncodeOptions{Raw: true})
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := blob.Decode(enc, blob.DecodeOptions{})
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if back.Items.Len() != b.Items.Len() || len(back.Pairs.To) != len(b.Pairs.To) || back.Matrix.Len() != b.Matrix.Len() {
			t.Fatalf("round trip changed the blob")
		}
	})
}
