// Package testblob makes small, valid, deterministic blobs for the edge's
// tests and benchmarks, so they do not depend on matrixgen's sample data.
package testblob

import (
	"fmt"

	"github.com/xsell/xsell/wasm/blob"
)

// Make builds a blob of n items (n >= 4): flagships with accessories and
// consumables, mined pairs, one curated matrix row, and hostile strings in
// titles and reasons. Different seeds give different hashes.
func Make(seed, n int) *blob.Blob {
	if n < 4 {
		n = 4
	}
	var st blob.StringTable
	b := &blob.Blob{Created: 1_760_000_000 + int64(seed), Generator: fmt.Sprintf("edge testblob seed %d", seed), Policy: blob.DefaultPolicy()}
	it := &b.Items
	eur := st.Ref("EUR")
	cats := []uint32{st.Ref("cameras"), st.Ref("lenses"), st.Ref("cards")}
	roles := []blob.Role{blob.RoleFlagship, blob.RoleAccessory, blob.RoleConsumable}
	prices := []float64{600, 180, 19.9}
	for i := 0; i < n; i++ {
		k := i % 3
		it.ID = append(it.ID, fmt.Sprintf("item-%d", i))
		title := fmt.Sprintf("Item %d (seed %d)", i, seed)
		if i == 1 {
			title = `Lens <script>alert("x")</script> & "quotes", commas`
		}
		it.Title = append(it.Title, title)
		it.Price = append(it.Price, prices[k]+float64(i%7))
		it.Currency = append(it.Currency, eur)
		it.URL = append(it.URL, st.Ref(fmt.Sprintf("/p/item-%d", i)))
		it.Category = append(it.Category, cats[k])
		it.Role = append(it.Role, roles[k])
		it.Stock = append(it.Stock, blob.StockIn)
		it.Orders = append(it.Orders, uint32(100+i))
	}
	// Flagship i pairs with the accessory and consumable after it.
	p := &b.Pairs
	p.Off = append(p.Off, 0)
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			for _, j := range []int{i + 1, i + 2} {
				if j < n {
					p.To = append(p.To, uint32(j))
					p.NAB = append(p.NAB, uint32(40-(j-i)*5))
				}
			}
		}
		p.Off = append(p.Off, uint32(len(p.To)))
	}
	b.Stats = blob.Stats{Orders: 1000, OrdersDecayed: 1000, Lines: 3000}
	m := &b.Matrix
	m.AnchorItem = []int32{0}
	m.AnchorCategory = []uint32{0}
	m.Complement = []uint32{1}
	m.Kind = []blob.Kind{blob.KindAccessory}
	m.Reason = []uint32{st.Ref(`sharper portraits <b>bold</b>`)}
	m.Priority = []float32{2}
	b.Strings = st.Strings
	return b
}

// Encode is Make then blob.Encode (zstd body, as matrixgen writes it).
func Encode(seed, n int) ([]byte, error) {
	return blob.Encode(Make(seed, n), blob.EncodeOptions{})
}
