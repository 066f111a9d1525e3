package synth

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

func gen(t testing.TB, cfg Config) *Log {
	t.Helper()
	l, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Orders: 100_000, Items: 2000, Seed: 7}
	a := gen(t, cfg)
	prev := runtime.GOMAXPROCS(1)
	b := gen(t, cfg)
	runtime.GOMAXPROCS(prev)
	if !slices.Equal(a.Off, b.Off) || !slices.Equal(a.Items, b.Items) || !slices.Equal(a.Time, b.Time) ||
		!slices.Equal(a.Customer, b.Customer) || !slices.Equal(a.Qty, b.Qty) {
		t.Fatal("same config, different log with one core")
	}
	c := gen(t, Config{Orders: 100_000, Items: 2000, Seed: 8})
	if slices.Equal(a.Items, c.Items) {
		t.Fatal("different seeds, same log")
	}
}

func TestShape(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"default mix", Config{Orders: 200_000, Items: 20_000}},
		{"small catalog, short baskets", Config{Orders: 50_000, Items: 300, MeanLines: 4}},
		{"long baskets", Config{Orders: 20_000, Items: 5000, MeanLines: 25}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := gen(t, tc.cfg)
			cfg := l.Config
			if l.Len() != cfg.Orders || len(l.Time) != cfg.Orders || len(l.Customer) != cfg.Orders || len(l.Qty) != len(l.Items) {
				t.Fatalf("lengths: %d orders, %d times, %d customers, %d qty for %d lines", l.Len(), len(l.Time), len(l.Customer), len(l.Qty), len(l.Items))
			}
			mean := float64(len(l.Items)) / float64(l.Len())
			if math.Abs(mean-cfg.MeanLines)/cfg.MeanLines > 0.1 {
				t.Errorf("mean lines %.2f, want %v ±10%%", mean, cfg.MeanLines)
			}
			counts := make([]int, l.NItems)
			defer func() {
				if share := float64(counts[0]) / float64(l.Len()); share < 0.03 || share > 0.5 {
					t.Errorf("the best seller is in %.0f%% of orders, want 3..50%%", 100*share)
				}
			}()
			sizes := map[int]int{}
			for o := range l.Len() {
				its := l.Items[l.Off[o]:l.Off[o+1]]
				sizes[len(its)]++
				if len(its) == 0 {
					t.Fatalf("order %d is empty", o)
				}
				seen := map[uint32]bool{}
				for _, x := range its {
					if seen[x] {
						t.Fatalf("order %d repeats item %d", o, x)
					}
					seen[x] = true
					counts[x]++
				}
			}
			// Retail skew: the top 1% of items carry a large share of lines,
			// and single-item orders are common but not the rule.
			slices.Sort(counts)
			slices.Reverse(counts)
			top := 0
			for _, c := range counts[:max(1, len(counts)/100)] {
				top += c
			}
			if share := float64(top) / float64(len(l.Items)); share < 0.08 || share > 0.8 {
				t.Errorf("top 1%% of items carry %.0f%% of lines, want a skewed 8..80%%", 100*share)
			}
			if single := float64(sizes[1]) / float64(l.Len()); cfg.MeanLines <= 12 && (single < 0.01 || single > 0.5) {
				t.Errorf("%.0f%% single-item orders", 100*single)
			}
			if !slices.IsSorted(l.Time) || l.Time[0] < cfg.Start || l.Time[l.Len()-1] >= cfg.Start+int64(cfg.Days)*86400 {
				t.Errorf("times not sorted inside the year: %d..%d", l.Time[0], l.Time[l.Len()-1])
			}
			for _, c := range l.Customer {
				if int(c) >= cfg.Customers {
					t.Fatalf("customer %d of %d", c, cfg.Customers)
				}
			}
		})
	}
}

func TestPlantedRulesShowInCounts(t *testing.T) {
	l := gen(t, Config{Orders: 200_000, Items: 2000, Seed: 3})
	n := float64(l.Len())
	ordersOf := make([][]uint32, l.NItems)
	for o := range l.Len() {
		for _, x := range l.Items[l.Off[o]:l.Off[o+1]] {
			ordersOf[x] = append(ordersOf[x], uint32(o))
		}
	}
	together := func(items ...uint32) float64 {
		k := 0
		for _, o := range ordersOf[items[0]] {
			all := true
			for _, x := range items[1:] {
				all = all && slices.Contains(l.Items[l.Off[o]:l.Off[o+1]], x)
			}
			if all {
				k++
			}
		}
		return float64(k)
	}
	nA := func(x uint32) float64 { return float64(len(ordersOf[x])) }
	var pairs, kits, strong, kitsFire int
	for _, p := range l.Plants {
		a := uint32(p.A)
		if nA(a) < 200 {
			continue
		}
		if p.B >= 0 {
			// A kit: C is likelier with A and B than with A alone.
			b := uint32(p.B)
			if ab := together(a, b); ab >= 50 {
				kits++
				if r1, r2 := together(a, b, p.C)/ab, together(a, p.C)/nA(a); r1 > 1.5*r2 {
					kitsFire++
				} else {
					t.Logf("kit %v: n_A %v n_AB %v P(C|AB) %.3f P(C|A) %.3f", p, nA(a), ab, r1, r2)
				}
				if false {
					kitsFire++
				}
			}
			continue
		}
		pairs++
		lift := together(a, p.C) * n / (nA(a) * nA(p.C))
		if lift <= 1 {
			t.Errorf("planted %d→%d has lift %.2f", a, p.C, lift)
		}
		if lift > 1.5 {
			strong++
		}
	}
	if kits == 0 || pairs == 0 {
		t.Fatalf("%d well-supported kits and %d well-supported planted pairs", kits, pairs)
	}
	if float64(strong) < 0.8*float64(pairs) {
		t.Errorf("only %d of %d planted pairs show a lift above 1.5", strong, pairs)
	}
	if float64(kitsFire) < 0.95*float64(kits) {
		t.Errorf("only %d of %d kits make C likelier given both A and B", kitsFire, kits)
	}
}

func TestWriteCSV(t *testing.T) {
	l := gen(t, Config{Orders: 3000, Items: 100})
	var buf bytes.Buffer
	if err := l.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	head, err := r.Read()
	if err != nil || len(head) != 6 || head[0] != "order_id" || head[1] != "item_id" {
		t.Fatalf("header %v, %v", head, err)
	}
	line := 0
	for o := range l.Len() {
		for i := l.Off[o]; i < l.Off[o+1]; i++ {
			rec, err := r.Read()
			if err != nil {
				t.Fatalf("line %d: %v", line+2, err)
			}
			line++
			want := []string{"O" + strconv.Itoa(o+1), ItemID(l.Items[i]), strconv.Itoa(int(l.Qty[i])),
				strconv.FormatFloat(l.Price[l.Items[i]], 'f', 2, 64), strconv.FormatInt(l.Time[o], 10), "C" + strconv.Itoa(int(l.Customer[o]))}
			if !slices.Equal(rec, want) {
				t.Fatalf("line %d = %v, want %v", line+1, rec, want)
			}
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("extra rows after %d lines: %v", line, err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"negative orders", Config{Orders: -1}},
		{"three items", Config{Items: 3}},
		{"NaN lines", Config{MeanLines: math.NaN()}},
		{"huge zipf", Config{Zipf: 9}},
		{"negative kits", Config{Kits: -1}},
		{"complements over 1", Config{Complements: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Generate(tc.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		l, err := Generate(Config{Orders: 100_000})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(l.Items)) * 4)
	}
}
