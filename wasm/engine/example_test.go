package engine_test

import (
	"fmt"
	"math"

	"github.com/xsell/xsell/wasm/blob"
	"github.com/xsell/xsell/wasm/engine"
)

// A camera shop with three items and one mined pair: the lens goes with the
// camera in 30 of 1000 orders.
func exampleBlob() *blob.Blob {
	var st blob.StringTable
	b := &blob.Blob{Policy: blob.DefaultPolicy(), Stats: blob.Stats{Orders: 1000}}
	it := &b.Items
	it.ID = []string{"cam", "lens", "bag"}
	it.Title = []string{"Camera", "Lens", "Bag"}
	it.Price = []float64{500, 200, math.NaN()}
	it.Category = []uint32{st.Ref("cameras"), st.Ref("lenses"), st.Ref("bags")}
	it.Role = []blob.Role{blob.RoleFlagship, blob.RoleAccessory, blob.RoleAccessory}
	it.Orders = []uint32{100, 60, 50}
	b.Pairs = blob.Pairs{Off: []uint32{0, 1, 1, 1}, To: []uint32{1}, NAB: []uint32{30}}
	b.Strings = st.Strings
	raw, err := blob.Encode(b, blob.EncodeOptions{Raw: true}) // fills the columns left out
	if err != nil {
		panic(err)
	}
	b, err = blob.Decode(raw, blob.DecodeOptions{})
	if err != nil {
		panic(err)
	}
	return b
}

func Example() {
	e, err := engine.New(exampleBlob())
	if err != nil {
		panic(err)
	}
	var ctx engine.Context
	if _, err := e.Resolve(&engine.Request{Placement: "cart", Cart: []engine.CartLine{{ID: "cam", Qty: 1}}, Now: 1781524800}, &ctx); err != nil {
		panic(err)
	}
	for _, s := range e.Recommend(&ctx, nil) {
		fmt.Printf("%s (%s, %s): %s\n", e.Blob().Items.ID[s.Item], s.Kind, s.Rule, e.Reason(&s))
	}
	// Output:
	// lens (accessory, pairs): bought together in 30 orders, 5× more often than chance
}

// The browser's path: the page encodes the context, the core answers in a
// buffer; no allocation once the buffers exist.
func ExampleEngine_DecodeContext() {
	e, _ := engine.New(exampleBlob())
	in := engine.AppendContext(nil, &engine.Context{Placement: engine.Product, Anchor: 0, Now: 1781524800}, "visitor-1")
	var ctx engine.Context
	if err := e.DecodeContext(in, &ctx); err != nil {
		panic(err)
	}
	list := e.Recommend(&ctx, make([]engine.Suggestion, 0, engine.MaxK))
	out := e.AppendSuggestions(make([]byte, 0, engine.MaxOutBytes), list, 0, 0)
	fmt.Println(len(list), "suggestion,", len(out), "bytes")
	// Output:
	// 1 suggestion, 144 bytes
}
