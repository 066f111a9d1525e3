package compile_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/xsell/xsell/matrixgen/internal/compile"
	"github.com/xsell/xsell/matrixgen/internal/input"
	"github.com/xsell/xsell/wasm/blob"
)

// Compile a tiny shop: a catalog, six orders and one curated pair.
func ExampleCompile() {
	cat, _, err := input.ReadCatalog("catalog.csv", strings.NewReader(
		"id,title,price,category,role\n"+
			"holder,T-light holder,12,candles,flagship\n"+
			"lights,Tea lights (50),4,candles,consumable\n"+
			"card,Greeting card,2,cards,impulse\n"))
	if err != nil {
		log.Fatal(err)
	}
	orders, _, err := input.ReadOrders("orders.csv", strings.NewReader(
		"holder,lights\nholder,lights\nholder,lights,card\nholder,lights\ncard\ncard\n"), input.FormatBaskets)
	if err != nil {
		log.Fatal(err)
	}
	matrix, _, err := input.ReadMatrix("matrix.csv", strings.NewReader(
		"anchor,complement,kind,reason\nholder,lights,consumable,keeps the flame steady\n"))
	if err != nil {
		log.Fatal(err)
	}
	pol := blob.DefaultPolicy()
	pol.Mining.Confidence = 1 // a tiny shop: accept weaker evidence
	b, rep, err := compile.Compile(compile.Inputs{Catalog: cat, Orders: orders, Matrix: matrix, Policy: &pol},
		compile.Options{Created: 1735689600, Generator: "example"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d items, %d orders, %d pairs, %d curated\n", rep.Items, rep.Orders, rep.Pairs, rep.MatrixRows)
	for k := b.Pairs.Off[0]; k < b.Pairs.Off[1]; k++ {
		fmt.Printf("%s → %s in %d orders\n", b.Items.ID[0], b.Items.ID[b.Pairs.To[k]], b.Pairs.NAB[k])
	}
	fmt.Printf("curated: %q\n", b.Str(b.Matrix.Reason[0]))
	// Output:
	// 3 items, 6 orders, 2 pairs, 1 curated
	// holder → lights in 4 orders
	// curated: "keeps the flame steady"
}
