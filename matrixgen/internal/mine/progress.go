package mine

import "sync"

// progress reports counting work to Options.Progress, scaled to orders, at
// most about a hundred times per run, one call at a time.
type progress struct {
	mu          sync.Mutex
	fn          func(done, total int)
	orders      int
	total, done int64
	next        int64
}

func newProgress(fn func(done, total int), orders int, total int64) *progress {
	if total < 1 {
		total = 1
	}
	return &progress{fn: fn, orders: orders, total: total, next: total / 100}
}

func (p *progress) add(units int64) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += units
	if p.done >= p.next && p.done < p.total {
		p.next = p.done + p.total/100
		p.fn(int(float64(p.done)/float64(p.total)*float64(p.orders)), p.orders)
	}
}

func (p *progress) finish() {
	if p.fn != nil {
		p.fn(p.orders, p.orders)
	}
}
