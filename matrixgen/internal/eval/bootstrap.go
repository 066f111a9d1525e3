package eval

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Estimate is a point value with a percentile bootstrap interval.
type Estimate struct {
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// marks is scratch for coverage counts: generation stamps per item.
type marks struct {
	shown3, shown5 []uint32
	gen            uint32
}

func newMarks(nItems int) *marks {
	return &marks{shown3: make([]uint32, nItems), shown5: make([]uint32, nItems)}
}

// distinct counts items of list not yet stamped in this generation.
func (mk *marks) distinct(stamp []uint32, list []int32) int {
	n := 0
	for _, it := range list {
		if stamp[it] != mk.gen {
			stamp[it] = mk.gen
			n++
		}
	}
	return n
}

// metricsOf computes every metric of one method over the baskets chosen by
// idx (with repeats; nil: each basket once).
func metricsOf(run *MethodRun, idx []int, known int, mk *marks) [nMetrics]float64 {
	var sum [nQueryMetrics]float64
	var q float64
	var cov3, cov5 int
	mk.gen++
	visit := func(st *basketStat) {
		q += float64(st.queries)
		for i, v := range st.sum {
			sum[i] += v
		}
		cov3 += mk.distinct(mk.shown3, st.shown3)
		cov5 += mk.distinct(mk.shown5, st.shown5)
	}
	if idx == nil {
		for i := range run.Baskets {
			visit(&run.Baskets[i])
		}
	} else {
		for _, i := range idx {
			visit(&run.Baskets[i])
		}
	}
	var out [nMetrics]float64
	if q > 0 {
		for i := range sum {
			out[i] = sum[i] / q
		}
	}
	if known > 0 {
		out[mCov3] = float64(cov3) / float64(known)
		out[mCov5] = float64(cov5) / float64(known)
	}
	return out
}

// Summary holds each method's metrics with intervals, the best baseline per
// metric and the first method's ratio to it.
type Summary struct {
	Methods []string
	Est     [][nMetrics]Estimate
	// Best is, per metric, the index of the best method other than the
	// first (the lowest for Fallback@3, the highest otherwise); -1 if none.
	Best  [nMetrics]int
	Ratio [nMetrics]Estimate
}

func lowerIsBetter(m int) bool { return m == mFallback }

// noRatio: metrics that describe an answer rather than score it get no
// ratio to a baseline.
func noRatio(m int) bool { return m == mFallback || m == mLen }

// summarize computes point values, then B paired bootstrap replicates over
// baskets (the same draw for every method, so ratios are paired), seeded.
func summarize(runs []MethodRun, known, nItems, B int, seed uint64) Summary {
	s := Summary{Est: make([][nMetrics]Estimate, len(runs))}
	mk := newMarks(nItems)
	for i := range runs {
		s.Methods = append(s.Methods, runs[i].Name)
		v := metricsOf(&runs[i], nil, known, mk)
		for m := range v {
			s.Est[i][m] = Estimate{Value: v[m], Lo: v[m], Hi: v[m]}
		}
	}
	for m := range s.Best {
		s.Best[m] = -1
		for i := 1; i < len(runs); i++ {
			if b := s.Best[m]; b < 0 || better(m, s.Est[i][m].Value, s.Est[b][m].Value) {
				s.Best[m] = i
			}
		}
		s.Ratio[m] = Estimate{Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
		// A ratio of fallback shares says little (and divides by 0 when
		// the baselines never fall back): the table shows both shares.
		if b := s.Best[m]; b >= 0 && !noRatio(m) {
			r := ratio(s.Est[0][m].Value, s.Est[b][m].Value)
			s.Ratio[m] = Estimate{Value: r, Lo: r, Hi: r}
		}
	}
	nb := 0
	if len(runs) > 0 {
		nb = len(runs[0].Baskets)
	}
	if B <= 0 || nb == 0 {
		return s
	}
	rng := rand.New(rand.NewPCG(seed, 0x78736c6c)) // "xsll"
	idx := make([]int, nb)
	reps := make([][nMetrics][]float64, len(runs))
	ratios := [nMetrics][]float64{}
	for range B {
		for j := range idx {
			idx[j] = rng.IntN(nb)
		}
		var vals [][nMetrics]float64
		for i := range runs {
			v := metricsOf(&runs[i], idx, known, mk)
			vals = append(vals, v)
			for m := range v {
				reps[i][m] = append(reps[i][m], v[m])
			}
		}
		for m := range ratios {
			if b := s.Best[m]; b >= 0 && !noRatio(m) {
				ratios[m] = append(ratios[m], ratio(vals[0][m], vals[b][m]))
			}
		}
	}
	for i := range runs {
		for m := range reps[i] {
			s.Est[i][m].Lo, s.Est[i][m].Hi = interval(m, s.Est[i][m].Value, reps[i][m])
		}
	}
	for m := range ratios {
		if len(ratios[m]) > 0 {
			s.Ratio[m].Lo, s.Ratio[m].Hi = interval(m, s.Ratio[m].Value, ratios[m])
		}
	}
	return s
}

// interval is the 95% percentile bootstrap interval of metric m. Coverage
// gets none (NaN): it counts distinct items, a resample holds only ~63% of
// the distinct baskets, so every replicate sits below the value and neither
// the percentile nor the basic interval covers it honestly.
func interval(m int, value float64, reps []float64) (lo, hi float64) {
	if m == mCov3 || m == mCov5 {
		return math.NaN(), math.NaN()
	}
	return percentiles(reps)
}

func better(m int, a, b float64) bool {
	if lowerIsBetter(m) {
		return a < b
	}
	return a > b
}

func ratio(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return a / b
}

// percentiles returns the 2.5th and 97.5th percentiles (nearest rank).
func percentiles(v []float64) (lo, hi float64) {
	slices.Sort(v)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return v[max(0, min(i, len(v)-1))]
	}
	return at(0.025), at(0.975)
}
