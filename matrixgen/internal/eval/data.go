package eval

import (
	"fmt"
	"slices"
)

// Data is order history as the evaluation sees it: one basket per order,
// items as dense numbers into IDs, de-duplicated and sorted inside a basket.
type Data struct {
	IDs     []string
	Baskets [][]int32
	// Time is each order's time in Unix seconds; nil when unknown.
	Time []int64
	// Order is, in a part made by the split, each basket's order number in
	// the whole Data; nil in the whole.
	Order []int
	// Catalog lists item ids the shop sells beyond those its orders name
	// (from catalog.csv): they count in the catalog coverage is measured
	// against, and a method may suggest them.
	Catalog []string
}

// NewData builds Data from baskets of item ids. times may be nil; when given
// it has one entry per basket (0: unknown). Duplicates inside a basket count
// once; empty baskets are kept (they are skipped by the protocol).
func NewData(baskets [][]string, times []int64) (*Data, error) {
	if times != nil && len(times) != len(baskets) {
		return nil, fmt.Errorf("eval: %d times for %d baskets", len(times), len(baskets))
	}
	d := &Data{Time: times}
	index := map[string]int32{}
	for _, b := range baskets {
		items := make([]int32, 0, len(b))
		for _, id := range b {
			n, ok := index[id]
			if !ok {
				n = int32(len(d.IDs))
				index[id] = n
				d.IDs = append(d.IDs, id)
			}
			items = append(items, n)
		}
		d.Baskets = append(d.Baskets, dedupe(items))
	}
	return d, nil
}

// dedupe sorts items and drops repeats, in place.
func dedupe(items []int32) []int32 {
	slices.Sort(items)
	return slices.Compact(items)
}

// hasTime reports whether every order has a known time.
func (d *Data) hasTime() bool {
	if d.Time == nil || len(d.Time) != len(d.Baskets) {
		return false
	}
	for _, t := range d.Time {
		if t == 0 {
			return false
		}
	}
	return true
}

func sortInt32(s []int32) { slices.Sort(s) }

func slicesSortFunc(s []int32, cmp func(a, b int32) int) { slices.SortFunc(s, cmp) }
