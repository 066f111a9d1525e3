package eval

import (
	"math"
	"testing"
)

func TestAddQuery(t *testing.T) {
	ans := func(items ...int32) []Suggestion {
		var out []Suggestion
		for _, it := range items {
			out = append(out, Suggestion{Item: it})
		}
		return out
	}
	l3, l5 := 1/math.Log2(3), 1/math.Log2(5)
	cases := []struct {
		name   string
		answer []Suggestion
		hidden int32
		// HR@1,3,5, MRR@1,3,5, NDCG@1,3,5, fallback, length
		want [nQueryMetrics]float64
	}{
		{"first", ans(7, 1, 2, 3, 4), 7, [nQueryMetrics]float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 5}},
		{"second", ans(1, 7, 2, 3, 4), 7, [nQueryMetrics]float64{0, 1, 1, 0, 0.5, 0.5, 0, l3, l3, 0, 5}},
		{"fourth", ans(1, 2, 3, 7, 4), 7, [nQueryMetrics]float64{0, 0, 1, 0, 0, 0.25, 0, 0, l5, 0, 5}},
		{"missing", ans(1, 2, 3, 4, 5), 7, [nQueryMetrics]float64{mLen: 5}},
		{"empty answer", nil, 7, [nQueryMetrics]float64{}},
		{"fallback in the first three", []Suggestion{{Item: 1}, {Item: 7, Fallback: true}}, 7,
			[nQueryMetrics]float64{0, 1, 1, 0, 0.5, 0.5, 0, l3, l3, 1, 2}},
		{"fallback only past three", []Suggestion{{Item: 1}, {Item: 2}, {Item: 3}, {Item: 4, Fallback: true}}, 9,
			[nQueryMetrics]float64{mLen: 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [nQueryMetrics]float64
			addQuery(&got, rankOf(c.answer, c.hidden), c.answer)
			for i := range got {
				if math.Abs(got[i]-c.want[i]) > 1e-12 {
					t.Errorf("%s = %v, want %v", MetricNames[i], got[i], c.want[i])
				}
			}
		})
	}
}

// fixed answers the same list whatever the cart, for protocol tests.
type fixed struct {
	name   string
	answer []Suggestion
}

func (f *fixed) Name() string    { return f.name }
func (f *fixed) Start(b []int32) {}
func (f *fixed) Answer(hide, k int, dst []Suggestion) []Suggestion {
	return append(dst[:0], f.answer...)
}

func TestProtocolAndCoverage(t *testing.T) {
	// Two baskets, five queries. The method always answers 1, 2, 3.
	baskets := [][]int32{{1, 4}, {2, 3, 5}}
	run := runProtocol(&fixed{"f", []Suggestion{{Item: 1}, {Item: 2}, {Item: 3}}}, baskets)
	if run.Queries != 5 {
		t.Fatalf("queries = %d, want 5", run.Queries)
	}
	got := metricsOf(&run, nil, 10, newMarks(10))
	// Hits: hide 1 (rank 1); hide 2 (rank 2); hide 3 (rank 3); 4 and 5 miss.
	want := map[int]float64{
		mHR1: 1.0 / 5, mHR3: 3.0 / 5, mHR5: 3.0 / 5,
		mMRR3:  (1 + 0.5 + 1.0/3) / 5,
		mNDCG3: (1 + 1/math.Log2(3) + 1/math.Log2(4)) / 5,
		mCov3:  3.0 / 10, mCov5: 3.0 / 10, mFallback: 0, mLen: 3,
	}
	for m, w := range want {
		if math.Abs(got[m]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", MetricNames[m], got[m], w)
		}
	}
	// Resampling basket 1 twice doubles its weight; coverage stays a set.
	got = metricsOf(&run, []int{1, 1}, 10, newMarks(10))
	if w := (0.0 + 1 + 1 + 0 + 1 + 1 + 0) / 6; math.Abs(got[mHR3]-w) > 1e-12 {
		t.Errorf("resampled HR@3 = %v, want %v", got[mHR3], w)
	}
	if got[mCov3] != 0.3 {
		t.Errorf("resampled Cov@3 = %v, want 0.3", got[mCov3])
	}
}

func TestPercentiles(t *testing.T) {
	v := make([]float64, 1000)
	for i := range v {
		v[i] = float64(999 - i)
	}
	lo, hi := percentiles(v)
	if lo != 24 || hi != 974 {
		t.Errorf("percentiles = %v, %v; want 24, 974", lo, hi)
	}
}

func TestSummaryRatioAndIntervals(t *testing.T) {
	baskets := [][]int32{{1, 4}, {2, 3, 5}, {1, 2}, {3, 4}}
	good := runProtocol(&fixed{"good", []Suggestion{{Item: 1}, {Item: 2}, {Item: 3}}}, baskets)
	weak := runProtocol(&fixed{"weak", []Suggestion{{Item: 4}, {Item: 9}, {Item: 8}}}, baskets)
	s := summarize([]MethodRun{good, weak}, 10, 10, 200, 7)
	if s.Best[mHR3] != 1 {
		t.Fatalf("best baseline = %d, want 1", s.Best[mHR3])
	}
	hr, wk := s.Est[0][mHR3], s.Est[1][mHR3]
	if r := s.Ratio[mHR3].Value; math.Abs(r-hr.Value/wk.Value) > 1e-12 {
		t.Errorf("ratio = %v, want %v", r, hr.Value/wk.Value)
	}
	for _, e := range []Estimate{hr, wk, s.Ratio[mHR3]} {
		if !(e.Lo <= e.Value && e.Value <= e.Hi) || e.Lo == e.Hi {
			t.Errorf("interval [%v, %v] around %v: want a proper interval holding the value", e.Lo, e.Hi, e.Value)
		}
	}
	again := summarize([]MethodRun{good, weak}, 10, 10, 200, 7)
	if again.Est[0][mHR3] != hr || again.Ratio[mHR3] != s.Ratio[mHR3] {
		t.Errorf("same seed, different intervals: %v vs %v", again.Est[0][mHR3], hr)
	}
}
