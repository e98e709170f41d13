package analyze

import (
	"cmp"
	"iter"
	"slices"
	"unsafe"
)

// hitters keeps a value of type V per key in bounded memory. Up to
// capacity distinct keys it is a plain map and every count is exact. Past
// that it becomes a Space-Saving heavy-hitter summary (Metwally, Agrawal
// and El Abbadi, "Efficient computation of frequent and top-k elements in
// data streams", ICDT 2005): a new key takes the slot of the tracked key
// with the smallest weight, and that weight becomes the new key's error.
//
// The weight ranks the keys (packets for addresses and conversations,
// queries for DNS names) and grows by one per add, or by w per addN; V
// holds what the caller counts besides. Weighted updates keep the
// guarantees below (a new key with weight w takes the lightest slot's
// weight as its error and adds w to it). For a tracked key, the weight
// counted since it took its slot is exact, and its true weight is at most
// err more. No key that lost or never got a slot weighs more than
// maxError(), so every key heavier than that is tracked: the top of the
// list stays right. The weights always add up to the number of adds.
//
// Past capacity the slots are kept in the paper's Stream-Summary: buckets
// of slots with equal weight, in a list by weight, so that an add and an
// eviction each cost a few index updates, whatever the number of slots.
//
// The caller gets a slot with slot, adds to its V and calls add. Slots are
// indices (at gives the slot itself): they stay valid until the key is
// evicted, which the caller can check by comparing the slot's key.
type hitters[K comparable, V any] struct {
	capacity int
	index    map[K]int32 // key -> slot
	// pages hold the slots, pageLen to a page (see pageLen); n are in use.
	pages [][]hitter[K, V]
	n     int32
	// evictions counts keys that took the slot of another; churn, those
	// since the index was last rebuilt.
	evictions, churn int64
	// The Stream-Summary, built at the first eviction: buckets[minBucket]
	// holds the slots of the smallest weight; unused buckets are chained
	// from freeBucket through next.
	buckets    []bucket
	minBucket  int32
	freeBucket int32
	// onEvict, when set, is called with the key and value of a key about to
	// lose its slot (to release what it holds, or pass on what it counted).
	onEvict func(*K, *V)
}

// hitter is one tracked key.
type hitter[K comparable, V any] struct {
	key    K
	val    V
	weight int64 // since the key took this slot, plus err: an upper bound
	err    int64 // weight of the key this one replaced; 0 if none
	// bucket, prev and next place the slot in the Stream-Summary.
	bucket, prev, next int32
}

// bucket is the list of slots of one weight, linked by weight to the
// buckets of the next lower and higher weights.
type bucket struct {
	weight     int64
	head       int32 // a slot; -1 when the bucket is empty
	prev, next int32 // buckets; -1 at the ends
}

func newHitters[K comparable, V any](capacity int) hitters[K, V] {
	capacity = max(capacity, 1)
	return hitters[K, V]{capacity: capacity, index: make(map[K]int32, min(capacity, 256)), minBucket: -1, freeBucket: -1}
}

// slot returns the slot of k, giving k a slot (a new one while there is
// room, else the lightest key's) when it has none.
func (h *hitters[K, V]) slot(k K) int32 {
	if s, ok := h.index[k]; ok {
		return s
	}
	return h.insert(k)
}

// pageLen is how many slots a page holds. The slots are kept in pages so
// that, once the first page is full, they never move: one growing slice
// of 20,000 flow slots (256 bytes each) was copied about three times over
// into fresh memory as it grew, each fresh page of memory costing a
// fault, 4-5% of the decoding pass of a 1 GB capture. The first page
// grows by half up to pageLen, so that a list of a few keys stays small;
// later pages are made whole, and their memory is touched only as their
// slots are taken (or when it is zeroed for reuse: one page at most
// stands unused).
const (
	pageBits = 10
	pageLen  = 1 << pageBits
)

// at returns slot s.
func (h *hitters[K, V]) at(s int32) *hitter[K, V] {
	return &h.pages[s>>pageBits][s&(pageLen-1)]
}

// len returns the number of slots in use.
func (h *hitters[K, V]) len() int { return int(h.n) }

// all yields every slot in use, and its index, in slot order.
func (h *hitters[K, V]) all() iter.Seq2[int32, *hitter[K, V]] {
	return func(yield func(int32, *hitter[K, V]) bool) {
		for s := range h.n {
			if !yield(s, h.at(s)) {
				return
			}
		}
	}
}

// insert gives k, which has no slot, one, with a zero value.
func (h *hitters[K, V]) insert(k K) int32 {
	if h.len() < h.capacity {
		s := h.n
		p := int(s >> pageBits)
		room := min(pageLen, h.capacity-p*pageLen) // the most page p ever holds
		if p == len(h.pages) {
			n := room
			if p == 0 {
				n = min(room, 8)
			}
			h.pages = append(h.pages, make([]hitter[K, V], 0, n))
		}
		page := &h.pages[p]
		if len(*page) == cap(*page) {
			// By half, but fourfold for slots of a kilobyte or more (the scan
			// rules' sources, 1.7 KB each): their copies were fresh memory
			// the kernel had to fault in, 0.04 s of the 1 GB capture's
			// Summary, for a list that fills up anyway.
			grow := len(*page) / 2
			if unsafe.Sizeof(hitter[K, V]{}) >= 1<<10 {
				grow = 3 * len(*page)
			}
			*page = slices.Grow(*page, min(room, len(*page)+grow)-len(*page))
		}
		*page = append(*page, hitter[K, V]{key: k})
		h.n++
		h.index[k] = s
		return s
	}
	if h.buckets == nil {
		h.buildSummary()
	}
	h.evictions++
	s := h.buckets[h.minBucket].head
	e := h.at(s)
	if h.onEvict != nil {
		h.onEvict(&e.key, &e.val)
	}
	if h.churn++; h.churn >= int64(h.capacity) {
		// A Go map leaves a tombstone for each deleted key until it grows,
		// and with one delete per insert it never does: lookups of new keys
		// then probe ever longer (a 1 GB flood took 30 s, two thirds of it
		// in map probes). A fresh index every capacity evictions costs
		// O(1) per eviction.
		h.churn = 0
		h.index = make(map[K]int32, h.len())
		for i, e := range h.all() {
			if i != s {
				h.index[e.key] = i
			}
		}
	} else {
		delete(h.index, e.key)
	}
	h.index[k] = s
	var zero V
	e.key, e.val, e.err = k, zero, e.weight
	return s
}

// add adds one to the weight of slot s.
func (h *hitters[K, V]) add(s int32) { h.addN(s, 1) }

// addN adds w to the weight of slot s; w <= 0 adds nothing.
func (h *hitters[K, V]) addN(s int32, w int64) {
	if w <= 0 {
		return
	}
	e := h.at(s)
	e.weight += w
	if h.buckets != nil {
		h.move(s, e)
	}
}

// cachedSlot returns the slot of k, trying *cache first and remembering
// the slot there. Any value of *cache is safe: the slot is checked
// against k, as an eviction may have given it to another key.
func (h *hitters[K, V]) cachedSlot(cache *int32, k K) int32 {
	s := *cache
	if s < 0 || int(s) >= h.len() || h.at(s).key != k {
		s = h.slot(k)
		*cache = s
	}
	return s
}

// exact reports whether every key ever added still has its slot.
func (h *hitters[K, V]) exact() bool { return h.evictions == 0 }

// maxError is the most weight any key without a slot can have, and the
// most any tracked key's weight can be undercounted: 0 while exact, else
// the smallest tracked weight.
func (h *hitters[K, V]) maxError() int64 {
	if h.buckets == nil {
		return 0
	}
	return h.buckets[h.minBucket].weight
}

// lower is the weight counted for slot s since its key took it: exact for
// a key that never replaced another, and at most err below the truth.
func (e *hitter[K, V]) lower() int64 { return e.weight - e.err }

// sorted returns the tracked slots by weight counted (lower bound)
// descending, then by error ascending, then by key with cmpKey (when
// nil, in slot order).
func (h *hitters[K, V]) sorted(cmpKey func(a, b K) int) []*hitter[K, V] {
	out := make([]*hitter[K, V], h.n)
	for i, e := range h.all() {
		out[i] = e
	}
	slices.SortStableFunc(out, func(x, y *hitter[K, V]) int {
		if c := cmp.Compare(y.lower(), x.lower()); c != 0 {
			return c
		}
		if c := cmp.Compare(x.err, y.err); c != 0 {
			return c
		}
		if cmpKey == nil {
			return 0
		}
		return cmpKey(x.key, y.key)
	})
	return out
}

// Stream-Summary maintenance.

// buildSummary puts every slot in the bucket of its weight.
func (h *hitters[K, V]) buildSummary() {
	order := make([]int32, h.len())
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(h.at(a).weight, h.at(b).weight) })
	h.buckets = make([]bucket, 0, 64)
	last := int32(-1)
	for _, s := range order {
		w := h.at(s).weight
		if last < 0 || h.buckets[last].weight != w {
			last = h.newBucket(w, last)
		}
		h.push(last, s)
	}
	h.minBucket = 0
}

// newBucket makes an empty bucket of weight w after bucket after (-1: first).
func (h *hitters[K, V]) newBucket(w int64, after int32) int32 {
	b := h.freeBucket
	if b >= 0 {
		h.freeBucket = h.buckets[b].next
	} else {
		b = int32(len(h.buckets))
		h.buckets = append(h.buckets, bucket{})
	}
	next := int32(-1)
	if after >= 0 {
		next = h.buckets[after].next
		h.buckets[after].next = b
	}
	if next >= 0 {
		h.buckets[next].prev = b
	}
	h.buckets[b] = bucket{weight: w, head: -1, prev: after, next: next}
	return b
}

// push adds slot s to bucket b.
func (h *hitters[K, V]) push(b, s int32) {
	e := h.at(s)
	head := h.buckets[b].head
	e.bucket, e.prev, e.next = b, -1, head
	if head >= 0 {
		h.at(head).prev = s
	}
	h.buckets[b].head = s
}

// move moves slot s, whose weight just grew, to the bucket of its new
// weight: the next bucket after an add, or one further up the list after
// an addN (a walk over the weights in between).
func (h *hitters[K, V]) move(s int32, e *hitter[K, V]) {
	b := e.bucket
	// Take s out of b.
	if e.prev >= 0 {
		h.at(e.prev).next = e.next
	} else {
		h.buckets[b].head = e.next
	}
	if e.next >= 0 {
		h.at(e.next).prev = e.prev
	}
	after, nb := b, h.buckets[b].next
	for nb >= 0 && h.buckets[nb].weight < e.weight {
		after, nb = nb, h.buckets[nb].next
	}
	if nb < 0 || h.buckets[nb].weight != e.weight {
		nb = h.newBucket(e.weight, after)
	}
	h.push(nb, s)
	if h.buckets[b].head < 0 {
		// b is empty: unlink it and chain it for reuse. A bucket follows
		// it, since s moved up.
		bk := h.buckets[b]
		if bk.prev >= 0 {
			h.buckets[bk.prev].next = bk.next
		} else {
			h.minBucket = bk.next
		}
		h.buckets[bk.next].prev = bk.prev // bk.next is never -1
		h.buckets[b].next = h.freeBucket
		h.freeBucket = b
	}
}
