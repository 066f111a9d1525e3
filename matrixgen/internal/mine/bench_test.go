package mine

import (
	"fmt"
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/synth"
	"github.com/xsell/xsell/wasm/blob"
)

var synthCache = map[int]*Baskets{}

func synthBaskets(b *testing.B, orders int) *Baskets {
	b.Helper()
	if bs, ok := synthCache[orders]; ok {
		return bs
	}
	l, err := synth.Generate(synth.Config{Orders: orders, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	bs := &Baskets{Off: l.Off, Items: l.Items, NItems: l.NItems, Time: l.Time}
	synthCache[orders] = bs
	return bs
}

// BenchmarkMine runs Mine with the blob's default options on synthetic logs;
// bytes are order lines × 4, so MB/s reads as 4 × million lines per second.
func BenchmarkMine(b *testing.B) {
	for _, orders := range []int{100_000, 1_000_000} {
		for _, tc := range []struct {
			name string
			opt  Options
		}{
			{"pairs", Options{Mining: defaults(), NoTriples: true}},
			{"pairs+triples", Options{Mining: defaults()}},
			{"pairs, no decay", Options{Mining: func() (m blob.Mining) { m = defaults(); m.HalfLifeDays = 0; return }(), NoTriples: true}},
		} {
			b.Run(fmt.Sprintf("%dk/%s", orders/1000, tc.name), func(b *testing.B) {
				bs := synthBaskets(b, orders)
				b.ReportAllocs()
				b.SetBytes(int64(len(bs.Items)) * 4)
				for range b.N {
					if _, err := Mine(bs, tc.opt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkGroceries(b *testing.B) {
	bs, _ := groceries(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(bs.Items)) * 4)
	for range b.N {
		if _, err := Mine(bs, Options{Mining: defaults()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCount times the pair pass's inner loop alone over the 30 heaviest
// anchors of a 1M-order log, with the records in time order and sorted by
// their first two ranks, the layout newIndex uses.
func BenchmarkCount(b *testing.B) {
	bs := synthBaskets(b, 1_000_000)
	opt, _ := Options{Mining: defaults(), Workers: 1}.withDefaults()
	defer func() { lexLayout = true }()
	for _, lex := range []bool{false, true} {
		lexLayout = lex
		ix, err := newIndex(bs, opt)
		if err != nil {
			b.Fatal(err)
		}
		name := "layout=time"
		if lex {
			name = "layout=rank-sorted"
		}
		b.Run(name, func(b *testing.B) {
			c := newCounter(ix.nItems, true)
			recs := 0
			for r := range 30 {
				recs += int(ix.invOff[r+1] - ix.invOff[r])
			}
			b.ReportAllocs()
			b.ReportMetric(float64(recs), "records/op")
			for range b.N {
				for r := range 30 {
					lo, hi := ix.invOff[r], ix.invOff[r+1]
					c.count(ix, ix.inv[lo:hi], ix.invW[lo:hi], true)
					clear(c.cnt)
					clear(c.dec)
				}
			}
		})
	}
}
