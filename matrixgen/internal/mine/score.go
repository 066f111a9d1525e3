package mine

import "math"

// WilsonLower is the Wilson score lower bound of a binomial proportion with
// k successes in n trials at z standard deviations (1.96: 95% two-sided).
// It is 0 when n is 0.
func WilsonLower(k, n uint32, z float64) float64 {
	if n == 0 {
		return 0
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	centre := p + z2/(2*nf)
	spread := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo := (centre - spread) / (1 + z2/nf)
	if lo < 0 {
		return 0
	}
	return lo
}

// LiftLower is a lower confidence bound on the lift of A→B: the Wilson lower
// bound of confidence(A→B) = n_AB/n_A divided by P(B) = n_B/N. Above 1, B
// is bought with A more often than chance, with confidence z; unlike raw
// lift it does not rank one-off pairs of rare items first. Mine keeps only
// neighbours with LiftLower above 1 and ranks them by WilsonLower of the
// confidence: on held-out baskets (matrixgen eval, docs/eval.md) ranking by
// LiftLower kept rare items and lost the complements shoppers add.
func LiftLower(nAB, nA, nB, n uint32, z float64) float64 {
	if nB == 0 || n == 0 {
		return 0
	}
	return WilsonLower(nAB, nA, z) * float64(n) / float64(nB)
}

// TripleZ is the z that keeps the error rate of z across many tests: the
// one-sided tail of z divided by tests (Bonferroni). Triples test every
// consequent of every antecedent pair, millions on a big log; at the plain
// z, tens of thousands of chance rules would pass.
func TripleZ(z float64, tests int) float64 {
	if tests <= 1 {
		return z
	}
	p := 0.5 * math.Erfc(z/math.Sqrt2) / float64(tests)
	return math.Max(z, math.Sqrt2*math.Erfcinv(2*p))
}
