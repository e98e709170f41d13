package analyze

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// checkHitters checks the Space-Saving guarantees of t against the true
// weights: each count within its error, untracked keys under MaxError, the
// counts adding up to the total, the items sorted.
func checkHitters[K comparable](tb testing.TB, t *hitters[K, struct{}], truth map[K]int64) {
	tb.Helper()
	var total, sumCounts int64
	for _, w := range truth {
		total += w
	}
	items := t.Items(nil)
	if len(items) != t.len() {
		tb.Fatalf("%d items, Len %d", len(items), t.len())
	}
	tracked := map[K]bool{}
	for i, e := range items {
		tracked[e.key] = true
		sumCounts += e.weight
		w := truth[e.key]
		if e.weight-e.err > w || w > e.weight {
			tb.Errorf("%v: count %d, err %d, true weight %d outside [count-err, count]", e.key, e.weight, e.err, w)
		}
		if e.err > t.maxError() {
			tb.Errorf("%v: err %d over MaxError %d", e.key, e.err, t.maxError())
		}
		if t.exact() && (e.err != 0 || e.weight != w) {
			tb.Errorf("%v: count %d, err %d in an exact counter; true weight %d", e.key, e.weight, e.err, w)
		}
		if i > 0 && (items[i-1].lower() < e.lower() || items[i-1].lower() == e.lower() && items[i-1].err > e.err) {
			tb.Errorf("items %d and %d out of order: %+v, %+v", i-1, i, items[i-1], e)
		}
	}
	for k, w := range truth {
		if !tracked[k] && w > t.maxError() {
			tb.Errorf("%v weighs %d > MaxError %d but is not tracked", k, w, t.maxError())
		}
	}
	if t.Total() != total || sumCounts != total {
		tb.Errorf("Total %d, counts add up to %d, true total %d", t.Total(), sumCounts, total)
	}
	if t.exact() != (len(truth) <= t.capacity) {
		tb.Errorf("Exact %v with %d distinct keys and capacity %d", t.exact(), len(truth), t.capacity)
	}
	checkBuckets(tb, t)
}

// checkBuckets checks the Stream-Summary of h, when it has one: from
// minBucket up, non-empty buckets of increasing weight, each slot in the
// bucket of its weight and linked both ways, every slot in one bucket.
func checkBuckets[K comparable, V any](tb testing.TB, h *hitters[K, V]) {
	tb.Helper()
	if h.buckets == nil {
		return
	}
	seen := 0
	prevB, prevW := int32(-1), int64(-1)
	for b := h.minBucket; b >= 0; b = h.buckets[b].next {
		bk := h.buckets[b]
		if bk.prev != prevB || bk.weight <= prevW || bk.head < 0 {
			tb.Fatalf("bucket %d: %+v after bucket %d of weight %d", b, bk, prevB, prevW)
		}
		prevS := int32(-1)
		for s := bk.head; s >= 0; s = h.at(s).next {
			e := h.at(s)
			if e.bucket != b || e.weight != bk.weight || e.prev != prevS {
				tb.Fatalf("slot %d (weight %d, bucket %d, prev %d) in bucket %d of weight %d after slot %d", s, e.weight, e.bucket, e.prev, b, bk.weight, prevS)
			}
			prevS = s
			if seen++; seen > h.len() {
				tb.Fatalf("more slots in buckets than %d", h.len())
			}
		}
		prevB, prevW = b, bk.weight
	}
	if seen != h.len() {
		tb.Fatalf("%d slots in buckets, %d slots", seen, h.len())
	}
}

// TestHittersWeighted adds random weights, from 1 to a few thousand, to a
// stream of keys far more than the slots: the Space-Saving guarantees
// hold, and the Stream-Summary stays in order (addN walks up over the
// weights in between). Below capacity, addN of w is w adds.
func TestHittersWeighted(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	weight := func() int64 {
		switch r.IntN(10) {
		case 0:
			return 1 + r.Int64N(5000)
		case 1, 2:
			return 1 + r.Int64N(100)
		}
		return 1 + r.Int64N(3)
	}
	for _, capacity := range []int{1, 7, 100} {
		tk := newTestHitters[int](capacity)
		truth := map[int]int64{}
		for i := range 20_000 {
			k := r.IntN(2_000)
			if i%3 == 0 {
				k = r.IntN(20) // some heavy keys
			}
			w := weight()
			tk.AddN(k, w)
			truth[k] += w
			if i%997 == 0 {
				checkBuckets(t, tk)
			}
		}
		checkHitters(t, tk, truth)
	}
	units, weighted := newTestHitters[int](50), newTestHitters[int](50)
	for i := range 5_000 {
		k, w := i%50, weight()
		units.Add(k, w)
		weighted.AddN(k, w)
	}
	for i := range int32(units.len()) {
		u, w := units.at(i), weighted.at(i)
		if u.key != w.key || u.weight != w.weight || u.err != 0 || w.err != 0 {
			t.Fatalf("slot %d: adds %+v, addN %+v", i, u, w)
		}
	}
}

func TestHittersExact(t *testing.T) {
	tk := newTestHitters[string](4)
	truth := map[string]int64{}
	for i, k := range []string{"a", "b", "a", "c", "d", "a", "d", "b", "a"} {
		w := int64(i + 1)
		tk.Add(k, w)
		truth[k] += w
	}
	checkHitters(t, tk, truth)
	if !tk.exact() || tk.maxError() != 0 {
		t.Errorf("Exact %v, MaxError %d with 4 keys in 4 slots", tk.exact(), tk.maxError())
	}
	got := tk.Items(nil)
	want := []hitter[string, struct{}]{{key: "a", weight: 1 + 3 + 6 + 9}, {key: "d", weight: 5 + 7}, {key: "b", weight: 2 + 8}, {key: "c", weight: 4}}
	for i := range want {
		if got[i].key != want[i].key || got[i].weight != want[i].weight || got[i].err != 0 {
			t.Errorf("item %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	tk.Add("e", 1) // a fifth key: takes c's slot
	truth["e"] = 1
	checkHitters(t, tk, truth)
	if tk.exact() || tk.maxError() != 5 {
		t.Errorf("after a fifth key: Exact %v, MaxError %d; want false, 5", tk.exact(), tk.maxError())
	}
}

// TestHittersSlotsStay checks the pages the slots are kept in: once the
// first page is full, no slot moves again while the list grows to its
// capacity (across pages, the last one partial), each keeps its key and
// value, and a key past capacity takes an evicted key's slot.
func TestHittersSlotsStay(t *testing.T) {
	const capacity = 3*pageLen + 5
	h := newHitters[int, int](capacity)
	var at []*hitter[int, int]
	for k := range capacity {
		s := h.slot(k)
		if int(s) != k {
			t.Fatalf("key %d got slot %d", k, s)
		}
		h.at(s).val = -k
		h.add(s)
		if k == pageLen-1 {
			for i := range k {
				at = append(at, h.at(int32(i)))
			}
		}
		if k >= pageLen-1 {
			at = append(at, h.at(s))
		}
	}
	if h.len() != capacity || len(h.pages) != 4 || cap(h.pages[3]) != 5 {
		t.Fatalf("%d slots in %d pages (last of %d), want %d in 4 (last of 5)", h.len(), len(h.pages), cap(h.pages[len(h.pages)-1]), capacity)
	}
	for k, e := range at {
		if got := h.at(int32(k)); got != e || got.key != k || got.val != -k || got.weight != 1 {
			t.Fatalf("slot %d moved or changed: at %p %+v, was at %p", k, got, *got, e)
		}
	}
	s := h.slot(capacity)
	if h.len() != capacity || h.at(s) != at[s] || h.at(s).key != capacity || h.at(s).val != 0 {
		t.Fatalf("a key past capacity: slot %d, %d slots, %+v", s, h.len(), *h.at(s))
	}
}

// TestHittersZipf counts a Zipf stream of 10 million keys (1 million under
// -short) in 10,000 slots: the top 20 must be the true top 20, in order,
// each count within its error.
func TestHittersZipf(t *testing.T) {
	n := 10_000_000
	if testing.Short() {
		n = 1_000_000
	}
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 1, 1<<20)
	tk := newTestHitters[uint64](10_000)
	truth := map[uint64]int64{}
	for range n {
		k := z.Uint64()
		tk.Add(k, 1)
		truth[k]++
	}
	checkHitters(t, tk, truth)
	if tk.exact() {
		t.Fatalf("%d distinct keys in 10000 slots, but Exact", len(truth))
	}
	type kv struct {
		k uint64
		w int64
	}
	exact := make([]kv, 0, len(truth))
	for k, w := range truth {
		exact = append(exact, kv{k, w})
	}
	slices.SortFunc(exact, func(x, y kv) int {
		if c := cmp.Compare(y.w, x.w); c != 0 {
			return c
		}
		return cmp.Compare(x.k, y.k)
	})
	items := tk.Items(cmp.Compare[uint64])
	for i := range 20 {
		e := items[i]
		if e.key != exact[i].k {
			t.Errorf("rank %d: key %d (count %d, err %d), true top key %d (weight %d)", i+1, e.key, e.weight, e.err, exact[i].k, exact[i].w)
		}
		if w := truth[e.key]; e.weight-e.err > w || w > e.weight {
			t.Errorf("rank %d: count %d, err %d, true weight %d", i+1, e.weight, e.err, w)
		}
	}
	t.Logf("%d adds, %d distinct keys, MaxError %d; rank 20: count %d err %d, rank 21 true weight %d",
		n, len(truth), tk.maxError(), items[19].weight, items[19].err, exact[20].w)
}

// TestHittersCapture counts packets per source address of the testdata
// captures in slots far fewer than their sources.
func TestHittersCapture(t *testing.T) {
	for _, capacity := range []int{1, 4, 16, 64} {
		tk := newTestHitters[netip.Addr](capacity)
		truth := map[netip.Addr]int64{}
		lds := map[layers.LinkType]*linkDecoder{}
		forEachFrame(t, fastpathCaptures[:1],
			func(_ string, _ int, lt layers.LinkType, data []byte) {
				ld := lds[lt]
				if ld == nil {
					ld = newLinkDecoder(lt)
					lds[lt] = ld
				}
				lr := ld.decode(data)
				if lr.ip == nil {
					return
				}
				h, ok, _ := parseIPHeader(lr.ip, lr.version)
				if !ok {
					return
				}
				tk.Add(h.src, 1)
				truth[h.src]++
			})
		if len(truth) <= capacity {
			t.Fatalf("only %d sources", len(truth))
		}
		checkHitters(t, tk, truth)
	}
}

// TestHittersNoAllocs checks that adding to a tracked key allocates nothing.
func TestHittersNoAllocs(t *testing.T) {
	addrs := newTestHitters[netip.Addr](2)
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("192.0.2.3")
	addrs.Add(a, 1)
	addrs.Add(b, 1)
	addrs.Add(c, 1) // full: c replaces one of them
	if n := testing.AllocsPerRun(1000, func() { addrs.Add(c, 1) }); n != 0 {
		t.Errorf("Add of a tracked netip.Addr: %v allocations", n)
	}
	names := newTestHitters[string](8)
	names.Add("example.com", 1)
	key := string([]byte("example.com")) // equal, not the same string
	if n := testing.AllocsPerRun(1000, func() { names.Add(key, 1) }); n != 0 {
		t.Errorf("Add of a tracked string: %v allocations", n)
	}
	type flow struct {
		a, b   netip.Addr
		sp, dp uint16
	}
	flows := newTestHitters[flow](8)
	f := flow{a, b, 443, 50000}
	flows.Add(f, 1)
	if n := testing.AllocsPerRun(1000, func() { flows.Add(f, 1) }); n != 0 {
		t.Errorf("Add of a tracked struct key: %v allocations", n)
	}
}

// BenchmarkHittersAdd measures an add to a Zipf stream of addresses in
// 10,000 slots.
func BenchmarkHittersAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 1, 1<<20)
	keys := make([]netip.Addr, 1<<20)
	for i := range keys {
		v := uint32(z.Uint64())
		keys[i] = netip.AddrFrom4([4]byte{10, byte(v >> 16), byte(v >> 8), byte(v)})
	}
	tk := newTestHitters[netip.Addr](10_000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tk.Add(keys[i&(len(keys)-1)], 1)
	}
}

func newTestHitters[K comparable](capacity int) *hitters[K, struct{}] {
	h := newHitters[K, struct{}](capacity)
	return &h
}

// Add and Items are the tests' shorthands for slot-then-add and sorted.
func (h *hitters[K, V]) Add(k K, w int64) {
	s := h.slot(k)
	for range w {
		h.add(s)
	}
}

// AddN is slot-then-addN.
func (h *hitters[K, V]) AddN(k K, w int64) { h.addN(h.slot(k), w) }

func (h *hitters[K, V]) Items(cmpKey func(a, b K) int) []*hitter[K, V] { return h.sorted(cmpKey) }

// Total is the sum of the tracked weights, which Space-Saving keeps equal
// to the number of adds.
func (h *hitters[K, V]) Total() int64 {
	var sum int64
	for _, e := range h.all() {
		sum += e.weight
	}
	return sum
}
