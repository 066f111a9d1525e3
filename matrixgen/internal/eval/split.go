package eval

import (
	"fmt"
	"slices"
	"time"
)

// Split says which orders train the model and which test it.
type Split struct {
	// ByTime is true when orders were split by timestamp, false when by
	// their position in the input (no timestamps).
	ByTime bool
	// Train and Test are order indices into the Data, in time order.
	Train, Test []int
	// Cut is the first test order's time (ByTime only): every training
	// order is strictly earlier.
	Cut int64
	// Why explains a fallback to order position.
	Why string
}

// SplitOrders puts the latest testFrac of the orders in the test part. With
// timestamps on every order it splits by time, and orders sharing the cut's
// timestamp all go to the test side so no training order is as late as a
// test order; otherwise by position in the input.
func SplitOrders(d *Data, testFrac float64) (Split, error) {
	if !(testFrac > 0 && testFrac < 1) {
		return Split{}, fmt.Errorf("eval: test fraction %v: want a value in (0, 1)", testFrac)
	}
	n := len(d.Baskets)
	if n < 2 {
		return Split{}, fmt.Errorf("eval: %d orders: need at least 2 to split", n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	s := Split{ByTime: d.hasTime()}
	if s.ByTime {
		slices.SortStableFunc(order, func(a, b int) int { return cmpInt64(d.Time[a], d.Time[b]) })
	} else if d.Time == nil {
		s.Why = "no timestamps"
	} else {
		s.Why = "some orders have no timestamp"
	}
	cut := n - int(float64(n)*testFrac+0.5)
	cut = max(1, min(cut, n-1))
	if s.ByTime {
		s.Cut = d.Time[order[cut]]
		for cut > 0 && d.Time[order[cut-1]] == s.Cut {
			cut--
		}
		if cut == 0 {
			return Split{}, fmt.Errorf("eval: every order before the cut has the same time %s: cannot split by time", fmtTime(s.Cut))
		}
	}
	s.Train, s.Test = order[:cut], order[cut:]
	return s, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func fmtTime(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02 15:04:05") }

// String describes the split for the report.
func (s Split) String(d *Data) string {
	if s.ByTime {
		first, last := d.Time[s.Train[0]], d.Time[s.Train[len(s.Train)-1]]
		tl := d.Time[s.Test[len(s.Test)-1]]
		return fmt.Sprintf("by time: train %d orders %s .. %s, test %d orders %s .. %s",
			len(s.Train), fmtTime(first), fmtTime(last), len(s.Test), fmtTime(s.Cut), fmtTime(tl))
	}
	return fmt.Sprintf("by order position (%s): train orders 1..%d, test orders %d..%d",
		s.Why, len(s.Train), len(s.Train)+1, len(s.Train)+len(s.Test))
}
