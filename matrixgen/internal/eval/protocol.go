package eval

import (
	"slices"
	"sync"
	"time"
)

// basketStat is one method's result on one test basket: metric sums over
// its hide-one queries and the items it ever suggested there.
type basketStat struct {
	queries int32
	sum     [nQueryMetrics]float64
	shown3  []int32
	shown5  []int32
}

// MethodRun is one method's results over every test basket.
type MethodRun struct {
	Name    string
	Baskets []basketStat
	Elapsed time.Duration
	Queries int
}

// runProtocol hides each item of each basket in turn and asks m for MaxK
// suggestions given the rest.
func runProtocol(m Method, baskets [][]int32) MethodRun {
	start := time.Now()
	run := MethodRun{Name: m.Name(), Baskets: make([]basketStat, len(baskets))}
	var answer []Suggestion
	for bi, b := range baskets {
		st := &run.Baskets[bi]
		m.Start(b)
		for hide := range b {
			answer = m.Answer(hide, MaxK, answer[:0])
			if len(answer) > MaxK {
				answer = answer[:MaxK]
			}
			addQuery(&st.sum, rankOf(answer, b[hide]), answer)
			st.queries++
			for i, s := range answer {
				if s.Item < 0 {
					continue // an item outside the evaluation's space
				}
				if i < ShownK {
					st.shown3 = append(st.shown3, s.Item)
				}
				st.shown5 = append(st.shown5, s.Item)
			}
		}
		st.shown3 = slices.Compact(sorted(st.shown3))
		st.shown5 = slices.Compact(sorted(st.shown5))
		run.Queries += int(st.queries)
	}
	run.Elapsed = time.Since(start)
	return run
}

func sorted(s []int32) []int32 { slices.Sort(s); return s }

// runAll runs every method on its own goroutine, at most workers at once.
func runAll(methods []Method, baskets [][]int32, workers int) []MethodRun {
	runs := make([]MethodRun, len(methods))
	sem := make(chan struct{}, max(workers, 1))
	var wg sync.WaitGroup
	for i, m := range methods {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			runs[i] = runProtocol(m, baskets)
		}()
	}
	wg.Wait()
	return runs
}
