package eval

import (
	"fmt"
	"slices"
	"testing"
)

// itemsOf lists answer items by id.
func itemsOf(d *Data, ans []Suggestion) []string {
	var out []string
	for _, s := range ans {
		id := fmt.Sprint(s.Item)
		if s.Item >= 0 && int(s.Item) < len(d.IDs) {
			id = d.IDs[s.Item]
		}
		if s.Fallback {
			id += "*"
		}
		out = append(out, id)
	}
	return out
}

func TestBaselines(t *testing.T) {
	// milk is in most baskets; caviar is rare but always with blini;
	// bread goes with butter more than chance.
	var raw [][]string
	add := func(n int, items ...string) {
		for range n {
			raw = append(raw, items)
		}
	}
	add(30, "milk", "bread", "butter")
	add(30, "milk", "eggs")
	add(20, "milk", "bread")
	add(3, "caviar", "blini", "bread")
	add(10, "butter", "jam")
	add(7, "tea")
	d, err := NewData(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := CountPairs(d.Baskets, len(d.IDs))
	id := map[string]int32{}
	for i, s := range d.IDs {
		id[s] = int32(i)
	}
	cart := func(items ...string) []int32 {
		var b []int32
		for _, s := range items {
			b = append(b, id[s])
		}
		return dedupe(b)
	}
	// Hide "x" (a placeholder) so the cart is the rest: Answer(hide) with
	// the hidden item at a known position.
	ask := func(m Method, hidden string, rest ...string) []string {
		b := cart(append(rest, hidden)...)
		m.Start(b)
		return itemsOf(d, m.Answer(slices.Index(b, id[hidden]), 3, nil))
	}
	byName := map[string]Method{}
	for _, m := range Baselines(c, 3) {
		byName[m.Name()] = m
	}
	cases := []struct {
		method, hidden string
		cart           []string
		want           []string
	}{
		{"popular", "tea", []string{"milk"}, []string{"bread", "butter", "eggs"}},
		// caviar and blini tie on every count: the lower item number wins.
		{"count", "tea", []string{"bread"}, []string{"milk", "butter", "caviar"}},
		{"confidence", "tea", []string{"bread"}, []string{"milk", "butter", "caviar"}},
		// Lift ranks the rare pair first.
		{"lift", "tea", []string{"bread"}, []string{"caviar", "blini", "butter"}},
		{"cosine", "tea", []string{"butter"}, []string{"bread", "milk", "jam"}},
		// Jaccard: bread 30/63, milk 30/90, jam 10/40.
		{"jaccard", "tea", []string{"butter"}, []string{"bread", "milk", "jam"}},
		// Nothing goes with tea: popular fill-ins, marked as fallbacks.
		{"count", "milk", []string{"tea"}, []string{"milk*", "bread*", "butter*"}},
		// Whole basket: bread and butter together point at milk.
		{"count", "jam", []string{"bread", "butter"}, []string{"milk", "jam", "caviar"}},
	}
	for _, tc := range cases {
		t.Run(tc.method+" for "+fmt.Sprint(tc.cart), func(t *testing.T) {
			got := ask(byName[tc.method], tc.hidden, tc.cart...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
