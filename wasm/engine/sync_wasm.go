//go:build wasm

package engine

// The engine's caches filled on first use (a category's lists, an anchor's
// pair evidence, specificity, the loaded shards, the spare scratch) are
// shared by concurrent calls natively, through sync/atomic. In Go's
// WebAssembly sync/atomic is a function call per operation (4% of a
// 10-item cart in Node's V8), and it buys nothing there: the program runs on one
// thread and another goroutine can run only where this one makes a call,
// so a plain load or store is whole, and these methods make no call.

type onceFlag struct{ v bool }

func (f *onceFlag) Load() bool   { return f.v }
func (f *onceFlag) Store(v bool) { f.v = v }

type word struct{ v uint64 }

func (w *word) Load() uint64   { return w.v }
func (w *word) Store(v uint64) { w.v = v }

type spareSlot struct{ p *scratch }

func (s *spareSlot) Swap(p *scratch) *scratch {
	old := s.p
	s.p = p
	return old
}

func (s *spareSlot) CompareAndSwap(old, p *scratch) bool {
	if s.p != old {
		return false
	}
	s.p = p
	return true
}
