package mine

import (
	"testing"

	"github.com/xsell/xsell/matrixgen/internal/synth"
)

// TestFindsPlantedRules mines a synthetic log and checks that what was
// planted comes back: well-supported complements among their anchor's
// neighbours, and kits as {A,B}→C rules.
func TestFindsPlantedRules(t *testing.T) {
	l, err := synth.Generate(synth.Config{Orders: 200_000, Items: 2000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	b := &Baskets{Off: l.Off, Items: l.Items, NItems: l.NItems, Time: l.Time}
	res := mustMine(t, b, Options{Mining: defaults()})
	p, tr := &res.Pairs, &res.Triples
	kept := func(a, c uint32) bool {
		for _, x := range p.To[p.Off[a]:p.Off[a+1]] {
			if x == c {
				return true
			}
		}
		return false
	}
	rule := func(a, b, c uint32) bool {
		if a > b {
			a, b = b, a
		}
		for r := range tr.A {
			if tr.A[r] == a && tr.B[r] == b {
				for _, x := range tr.To[tr.Off[r]:tr.Off[r+1]] {
					if x == c {
						return true
					}
				}
			}
		}
		return false
	}
	var pairs, found, kits, kitsFound int
	for _, pl := range l.Plants {
		a := uint32(pl.A)
		if res.Orders[a] < 300 {
			continue
		}
		if pl.B >= 0 {
			kits++
			if rule(a, uint32(pl.B), pl.C) {
				kitsFound++
			}
			continue
		}
		if pl.P < 0.2 {
			continue // weak plants may rightly lose to stronger neighbours
		}
		pairs++
		if kept(a, pl.C) {
			found++
		}
	}
	t.Logf("planted pairs found %d/%d, kits %d/%d, triple rules %d", found, pairs, kitsFound, kits, len(tr.To))
	if pairs == 0 || float64(found) < 0.9*float64(pairs) {
		t.Errorf("found %d of %d well-supported planted complements", found, pairs)
	}
	if kits == 0 || float64(kitsFound) < 0.4*float64(kits) {
		t.Errorf("found %d of %d kits", kitsFound, kits)
	}
}
