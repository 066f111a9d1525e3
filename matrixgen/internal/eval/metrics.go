package eval

import "math"

// Ks are the cut-offs every ranking metric is reported at.
var Ks = [3]int{1, 3, 5}

// MaxK is the longest answer the protocol asks for; shorter cut-offs are
// its prefixes.
const MaxK = 5

// Metric indices into a metric vector.
const (
	mHR1 = iota
	mHR3
	mHR5
	mMRR1
	mMRR3
	mMRR5
	mNDCG1
	mNDCG3
	mNDCG5
	mFallback     // share of answers with a fallback among their first 3
	mLen          // suggestions per answer (of MaxK asked): empty slots show
	nQueryMetrics // the metrics above are means over queries
)

// Catalog coverage: the share of known items suggested at least once among
// the first 3 (5) of any answer.
const (
	mCov3 = nQueryMetrics + iota
	mCov5
	nMetrics
)

// MetricNames label the metric vector in reports and JSON.
var MetricNames = [nMetrics]string{"HR@1", "HR@3", "HR@5", "MRR@1", "MRR@3", "MRR@5",
	"NDCG@1", "NDCG@3", "NDCG@5", "Fallback@3", "Length@5", "Cov@3", "Cov@5"}

// ShownK is the answer length that fallback share and coverage count: what
// a shop shows by default (policy k = 3).
const ShownK = 3

// rankOf is the 1-based position of want in answer, 0 when absent.
func rankOf(answer []Suggestion, want int32) int {
	for i, s := range answer {
		if s.Item == want {
			return i + 1
		}
	}
	return 0
}

// addQuery adds one hide-one query's metrics: the hidden item's 1-based rank
// in the answer (0 when missing) and the answer itself.
func addQuery(sum *[nQueryMetrics]float64, rank int, answer []Suggestion) {
	for ki, k := range Ks {
		if rank > 0 && rank <= k {
			sum[mHR1+ki]++
			sum[mMRR1+ki] += 1 / float64(rank)
			// One relevant item: the ideal DCG is 1.
			sum[mNDCG1+ki] += 1 / math.Log2(float64(rank)+1)
		}
	}
	sum[mLen] += float64(len(answer))
	for i, s := range answer {
		if i < ShownK && s.Fallback {
			sum[mFallback]++
			break
		}
	}
}
