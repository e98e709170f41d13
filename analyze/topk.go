package analyze

import (
	"cmp"
	"slices"
)

// topK counts weights per key in bounded memory: a Space-Saving
// heavy-hitter counter (Metwally, Agrawal and El Abbadi, "Efficient
// computation of frequent and top-k elements in data streams", ICDT 2005),
// generalised to weighted adds.
//
// It tracks at most capacity keys. While no more distinct keys than that
// have been added, every count is exact. After that, a key that is not
// tracked takes the slot of the tracked key with the smallest count, and
// starts from that count, which becomes its error. So for every tracked
// key, count-err <= true weight <= count, and no untracked key weighs more
// than MaxError(); a key heavier than MaxError() is always tracked. The
// counts always add up to Total().
//
// Adding to a tracked key costs a map lookup and a heap fix-up, and
// allocates nothing.
type topK[K comparable] struct {
	capacity int
	index    map[K]int32    // key -> slot in entries
	entries  []topKEntry[K] // slots, in order of first use
	heap     []int32        // slots; a min-heap on count
	total    int64          // sum of all weights added
	evicted  bool           // a key has lost its slot: counts are estimates
}

// topKEntry is one tracked key.
type topKEntry[K comparable] struct {
	key   K
	count int64 // an upper bound of the key's weight
	err   int64 // count-err is a lower bound; 0 while the key never replaced another
	pos   int32 // index of this slot in heap
}

// newTopK returns a counter that tracks at most capacity keys (at least 1).
// Memory grows with the keys seen, up to capacity.
func newTopK[K comparable](capacity int) *topK[K] {
	capacity = max(capacity, 1)
	return &topK[K]{capacity: capacity, index: make(map[K]int32, min(capacity, 1024))}
}

// Add adds weight (>= 0) to key k.
func (t *topK[K]) Add(k K, weight int64) {
	if weight < 0 {
		panic("topK: negative weight")
	}
	t.total += weight
	if s, ok := t.index[k]; ok {
		e := &t.entries[s]
		e.count += weight
		t.down(int(e.pos))
		return
	}
	if len(t.entries) < t.capacity {
		s := int32(len(t.entries))
		t.entries = append(t.entries, topKEntry[K]{key: k, count: weight, pos: int32(len(t.heap))})
		t.heap = append(t.heap, s)
		t.index[k] = s
		t.up(len(t.heap) - 1)
		return
	}
	// Space-Saving: k replaces the key with the smallest count, and that
	// count is all k may have been undercounted by.
	t.evicted = true
	s := t.heap[0]
	e := &t.entries[s]
	delete(t.index, e.key)
	t.index[k] = s
	e.key, e.err, e.count = k, e.count, e.count+weight
	t.down(0)
}

// Exact reports whether every count is exact: no more distinct keys than
// the capacity have been added.
func (t *topK[K]) Exact() bool { return !t.evicted }

// MaxError is the largest amount by which a count may overestimate its
// key's weight, and the most that any untracked key may weigh: 0 while
// Exact, else the smallest tracked count.
func (t *topK[K]) MaxError() int64 {
	if !t.evicted {
		return 0
	}
	return t.entries[t.heap[0]].count
}

// Len is the number of keys tracked.
func (t *topK[K]) Len() int { return len(t.entries) }

// Total is the sum of every weight added, tracked or not.
func (t *topK[K]) Total() int64 { return t.total }

// Items returns the tracked keys, count descending, then err ascending
// (the surer first), then by cmpKey when it is not nil, else in the order
// the slots were first used, which depends only on the sequence of adds.
// The slice is the caller's.
func (t *topK[K]) Items(cmpKey func(a, b K) int) []topKEntry[K] {
	out := slices.Clone(t.entries)
	slices.SortStableFunc(out, func(x, y topKEntry[K]) int {
		if c := cmp.Compare(y.count, x.count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.err, y.err); c != 0 {
			return c
		}
		if cmpKey != nil {
			return cmpKey(x.key, y.key)
		}
		return 0
	})
	return out
}

// Heap maintenance: heap holds slots, and each slot's pos its index in heap.

func (t *topK[K]) less(i, j int) bool {
	return t.entries[t.heap[i]].count < t.entries[t.heap[j]].count
}

func (t *topK[K]) swap(i, j int) {
	h := t.heap
	h[i], h[j] = h[j], h[i]
	t.entries[h[i]].pos = int32(i)
	t.entries[h[j]].pos = int32(j)
}

func (t *topK[K]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.less(i, p) {
			return
		}
		t.swap(i, p)
		i = p
	}
}

func (t *topK[K]) down(i int) {
	n := len(t.heap)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && t.less(c+1, c) {
			c++
		}
		if !t.less(c, i) {
			return
		}
		t.swap(i, c)
		i = c
	}
}
