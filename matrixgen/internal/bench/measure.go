package bench

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// measurement of one phase: wall and CPU time, and the peak of live heap
// objects above what was live when it started (the shared input excluded).
type measurement struct {
	wall, cpu time.Duration
	peakHeap  uint64
	rss       uint64 // child processes only: their peak RSS
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapObjects(s []metrics.Sample) uint64 {
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// measure runs fn after a full GC, sampling the heap every millisecond.
func measure(fn func() error) (measurement, error) {
	runtime.GC()
	s := []metrics.Sample{{Name: heapMetric}}
	base := heapObjects(s)
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: heapMetric}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, heapObjects(s))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	c0, t0 := cpuTime(), time.Now()
	err := fn()
	m := measurement{wall: time.Since(t0), cpu: cpuTime() - c0}
	close(stop)
	wg.Wait()
	peak = max(peak, heapObjects(s))
	if peak > base {
		m.peakHeap = peak - base
	}
	return m, err
}
