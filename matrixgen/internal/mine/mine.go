// Package mine counts item pairs and triples in order baskets and keeps, per
// anchor, the neighbours whose evidence is strong enough to show a shopper.
// Counts are exact: n_AB, n_A, n_B and N, plain and time-decayed.
package mine

import "github.com/xsell/xsell/wasm/blob"

// Baskets holds orders in CSR form: order o has items
// Items[Off[o]:Off[o+1]], dense item numbers below NItems (duplicates inside
// an order are allowed and counted once).
type Baskets struct {
	Off    []uint32
	Items  []uint32
	NItems int
	// Time is each order's time in Unix seconds; nil or 0 entries: unknown.
	Time []int64
}

// Len is the number of orders.
func (b *Baskets) Len() int { return len(b.Off) - 1 }

// Options tune Mine; blob.Mining carries the merchant's values.
type Options struct {
	blob.Mining
	// Now is the reference time for decay (usually the last order's time).
	Now int64
	// Progress, when set, is called now and then with orders done and total.
	Progress func(done, total int)
	// Workers is how many goroutines count (0: GOMAXPROCS).
	Workers int
}

// Result is what the blob needs from mining.
type Result struct {
	Stats         blob.Stats
	Orders        []uint32  // n_A per item
	OrdersDecayed []float32 // n_A, decayed
	Pairs         blob.Pairs
	Triples       blob.Triples
}
