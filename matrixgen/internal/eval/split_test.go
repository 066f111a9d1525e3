package eval

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func basketsOf(n int) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = []string{"a", "b"}
	}
	return out
}

func TestSplitOrders(t *testing.T) {
	cases := []struct {
		name       string
		times      []int64
		frac       float64
		train      []int
		test       []int
		byTime     bool
		why, error string
	}{
		{name: "by position without times", frac: 0.2, times: nil,
			train: []int{0, 1, 2, 3, 4, 5, 6, 7}, test: []int{8, 9}, why: "no timestamps"},
		{name: "by time, out of file order", frac: 0.2, times: []int64{10, 90, 20, 100, 30, 40, 50, 60, 70, 80},
			train: []int{0, 2, 4, 5, 6, 7, 8, 9}, test: []int{1, 3}, byTime: true},
		{name: "orders at the cut's time all go to the test part", frac: 0.2, times: []int64{1, 2, 3, 4, 5, 6, 7, 9, 9, 9},
			train: []int{0, 1, 2, 3, 4, 5, 6}, test: []int{7, 8, 9}, byTime: true},
		{name: "one unknown time: by position", frac: 0.2, times: []int64{1, 2, 3, 4, 5, 6, 0, 8, 9, 10},
			train: []int{0, 1, 2, 3, 4, 5, 6, 7}, test: []int{8, 9}, why: "some orders have no timestamp"},
		{name: "share out of range", frac: 1, error: "test fraction"},
		{name: "every training order at one time", frac: 0.5, times: []int64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, error: "same time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := NewData(basketsOf(10), c.times)
			if err != nil {
				t.Fatal(err)
			}
			s, err := SplitOrders(d, c.frac)
			if c.error != "" {
				if err == nil || !strings.Contains(err.Error(), c.error) {
					t.Fatalf("error %v, want one mentioning %q", err, c.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.ByTime != c.byTime || s.Why != c.why {
				t.Errorf("by time %v (%q), want %v (%q)", s.ByTime, s.Why, c.byTime, c.why)
			}
			if !slices.Equal(s.Train, c.train) || !slices.Equal(s.Test, c.test) {
				t.Errorf("train %v test %v, want %v and %v", s.Train, s.Test, c.train, c.test)
			}
			if s.ByTime {
				for _, tr := range s.Train {
					if d.Time[tr] >= s.Cut {
						t.Errorf("training order %d at %d is not before the cut %d", tr, d.Time[tr], s.Cut)
					}
				}
			}
			if !strings.Contains(s.String(d), "train") {
				t.Errorf("description %q does not describe the split", s.String(d))
			}
		})
	}
}

func TestNewData(t *testing.T) {
	d, err := NewData([][]string{{"x", "y", "x"}, {"y"}, {}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.IDs, []string{"x", "y"}) || !slices.Equal(d.Baskets[0], []int32{0, 1}) || len(d.Baskets[2]) != 0 {
		t.Errorf("ids %v baskets %v: want duplicates counted once", d.IDs, d.Baskets)
	}
	if _, err := NewData([][]string{{"x"}}, []int64{1, 2}); err == nil {
		t.Error("two times for one basket: want an error")
	}
}

func TestCountPairsMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const nItems = 40
	var baskets [][]int32
	for range 500 {
		var b []int32
		for range 1 + rng.IntN(8) {
			b = append(b, int32(rng.IntN(nItems)))
		}
		baskets = append(baskets, dedupe(b))
	}
	baskets = append(baskets, nil) // empty orders do not count
	c := CountPairs(baskets, nItems)
	var na [nItems]uint32
	var nab [nItems][nItems]uint32
	for _, b := range baskets {
		for _, x := range b {
			na[x]++
			for _, y := range b {
				if x != y {
					nab[x][y]++
				}
			}
		}
	}
	if c.N != 500 {
		t.Errorf("N = %d, want 500", c.N)
	}
	for a := range int32(nItems) {
		if c.NA[a] != na[a] {
			t.Errorf("n_%d = %d, want %d", a, c.NA[a], na[a])
		}
		for b := range int32(nItems) {
			if a != b && c.Pair(a, b) != nab[a][b] {
				t.Errorf("n_%d,%d = %d, want %d", a, b, c.Pair(a, b), nab[a][b])
			}
		}
	}
}
