package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestLowerGCRestores: overlapping LowerGC calls (a batch builds several
// Summaries at once) restore the setting in force before the first, and
// a setting already lower, or GC off, is left alone.
func TestLowerGCRestores(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	r1 := LowerGC()
	r2 := LowerGC()
	if got := debug.SetGCPercent(summaryGC); got != summaryGC {
		t.Errorf("GOGC %d while building, want %d", got, summaryGC)
	}
	r1()
	if got := debug.SetGCPercent(summaryGC); got != summaryGC {
		t.Errorf("GOGC %d with one Summary still being built, want %d", got, summaryGC)
	}
	r2()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after both, want 100 restored", got)
	}
	debug.SetGCPercent(-1)
	r := LowerGC()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GOGC off became %d", got)
	}
	r()
	if got := debug.SetGCPercent(100); got != -1 {
		t.Errorf("GOGC off became %d after", got)
	}
}

// TestMemoryBudget: the budget is set while held (overlapping holds
// restore the limit in force before the first), given up once the live
// heap outgrows it, and a limit the user set is left alone.
func TestMemoryBudget(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	r1 := Hold()
	r2 := Hold()
	runtime.GC()
	Check() // the test binary's heap is far below the budget
	if got := debug.SetMemoryLimit(-1); got != memoryBudget {
		t.Errorf("limit %d while held, want %d", got, memoryBudget)
	}
	// Past budgetLiftAt the budget follows the live heap: a quarter over
	// it and stepSlack more, never lowered.
	// Raised by the collections themselves, not only at Check: no Check
	// is called here.
	big := make([]byte, budgetLiftAt+(4<<20))
	for i := range big {
		big[i] = byte(i)
	}
	want := collect(memoryBudget)
	if live := Live(); !near(want, int64(live+live/4)+stepSlack) {
		t.Errorf("limit %d with %d bytes live, want about %d (a quarter over it and %d)", want, live, int64(live+live/4)+stepSlack, stepSlack)
	}
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	Check()
	if got := debug.SetMemoryLimit(-1); got != want {
		t.Errorf("limit %d once the live heap fell, want it kept at %d", got, want)
	}
	// Past stepCeiling it is given up.
	big = make([]byte, stepCeiling+(1<<20))
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	Check()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit %d with %d bytes live, want the budget given up", got, len(big))
	}
	runtime.KeepAlive(big)
	big = nil
	r1()
	r3 := Hold() // joins the holds in force: stays given up
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit %d for a hold joining a given-up budget", got)
	}
	r3()
	r2()
	r4 := Hold() // a new run starts with the budget again
	if got := debug.SetMemoryLimit(-1); got != memoryBudget {
		t.Errorf("limit %d for a new hold, want %d", got, memoryBudget)
	}
	r4()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("limit %d after every hold, want none", got)
	}

	debug.SetMemoryLimit(1 << 40) // GOMEMLIMIT=1TiB
	r := Hold()
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("the user's limit became %d", got)
	}
	r()
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("the user's limit became %d after", got)
	}
}

// collect runs collections until the memory limit is no longer was (the
// finalizer that follows a collection runs on its own goroutine), at most
// 1,000 times, and returns the limit.
func collect(was int64) int64 {
	for range 1000 {
		runtime.GC()
		if l := debug.SetMemoryLimit(-1); l != was {
			return l
		}
		time.Sleep(time.Millisecond)
	}
	return debug.SetMemoryLimit(-1)
}

// near is whether got is within 1 MiB of want.
func near(got, want int64) bool { return got > want-(1<<20) && got < want+(1<<20) }

// TestLowerGCPausesBudget: while a Summary is built or rendered the budget
// no longer holds the heap (GOGC does) but follows it, set after each
// collection a quarter over the live heap and stepSlack more, at least the
// budget; once the last LowerGC is done the budget is back, raised if the
// live heap passed budgetLiftAt meanwhile (never lowered), unless it was
// given up; a user's limit is never touched.
func TestLowerGCPausesBudget(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	// following is the limit the pause sets for the live heap.
	following := func() int64 { l := Live(); return max(memoryBudget, int64(l+l/4)+stepSlack) }

	runtime.GC()
	release := Hold()
	l1 := LowerGC()
	l2 := LowerGC()
	if got, want := limit(), following(); !near(got, want) {
		t.Errorf("limit %d as the Summaries start, want about %d", got, want)
	}
	big := make([]byte, budgetLiftAt+(4<<20))
	for i := range big {
		big[i] = byte(i)
	}
	raised := collect(limit())
	if want := following(); want <= memoryBudget || !near(raised, want) {
		t.Errorf("limit %d with %d bytes live, want about %d", raised, Live(), want)
	}
	l1()
	if got := limit(); got != raised {
		t.Errorf("limit %d with one Summary still being built, want %d", got, raised)
	}
	l2()
	if got := limit(); got != raised {
		t.Errorf("limit %d after the Summaries, want the budget as raised, %d", got, raised)
	}
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if got := limit(); got != raised {
		t.Errorf("limit %d once the live heap fell, want it kept at %d", got, raised)
	}

	// Given up while paused: no limit, then or after.
	l3 := LowerGC()
	big = make([]byte, stepCeiling+(1<<20))
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	Check()
	if got := limit(); got != math.MaxInt64 {
		t.Errorf("limit %d once the budget was given up while paused, want none", got)
	}
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	l3()
	if got := limit(); got != math.MaxInt64 {
		t.Errorf("limit %d after a pause in which the budget was given up, want none", got)
	}
	release()

	debug.SetMemoryLimit(1 << 40) // GOMEMLIMIT=1TiB
	release = Hold()
	l4 := LowerGC()
	runtime.GC()
	if got := limit(); got != 1<<40 {
		t.Errorf("the user's limit became %d while paused", got)
	}
	l4()
	release()
	if got := limit(); got != 1<<40 {
		t.Errorf("the user's limit became %d", got)
	}
}
