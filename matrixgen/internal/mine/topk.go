package mine

// topK keeps the k best values seen, by a strict total order: worse(a, b)
// reports whether a ranks below b. The worst kept value sits at h[0].
type topK[T any] struct {
	k     int
	h     []T
	worse func(a, b T) bool
}

func newTopK[T any](k int, worse func(a, b T) bool) *topK[T] {
	return &topK[T]{k: k, h: make([]T, 0, min(k, 1024)), worse: worse}
}

// rejects reports whether v could not enter: the heap is full and v is no better
// than its worst.
func (t *topK[T]) rejects(v T) bool {
	return len(t.h) == t.k && !t.worse(t.h[0], v)
}

func (t *topK[T]) push(v T) {
	if t.k <= 0 {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, v)
		t.up(len(t.h) - 1)
		return
	}
	if !t.worse(t.h[0], v) {
		return
	}
	t.h[0] = v
	t.down(0)
}

func (t *topK[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(t.h[i], t.h[p]) {
			break
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *topK[T]) down(i int) {
	n := len(t.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && t.worse(t.h[r], t.h[l]) {
			m = r
		}
		if !t.worse(t.h[m], t.h[i]) {
			return
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// drain empties the heap into dst, best first, and returns it.
func (t *topK[T]) drain(dst []T) []T {
	n := len(t.h)
	start := len(dst)
	dst = append(dst, t.h...)
	out := dst[start:]
	// Pop the worst repeatedly and fill out from the back.
	for i := n - 1; i >= 0; i-- {
		out[i] = t.h[0]
		last := len(t.h) - 1
		t.h[0] = t.h[last]
		t.h = t.h[:last]
		t.down(0)
	}
	return dst
}
