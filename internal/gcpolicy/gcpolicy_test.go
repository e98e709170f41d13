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
	big := make([]byte, budgetLiftAt+(4<<20))
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	live := Live()
	Check()
	want := debug.SetMemoryLimit(-1)
	if step := int64(live+live/4) + stepSlack; want < step-(1<<20) || want > step+(1<<20) {
		t.Errorf("limit %d with %d bytes live, want about %d (a quarter over it and %d)", want, live, step, stepSlack)
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

// TestLowerGCPausesBudget: while a Summary is built or rendered the budget
// no longer holds the heap (GOGC does) but follows it, set after each
// collection a quarter over the live heap and stepSlack more, at least the
// budget; once the last LowerGC is done the budget is back, unless it was
// given up meanwhile; a user's limit is never touched.
func TestLowerGCPausesBudget(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	// following is the limit the pause sets for the live heap.
	following := func() int64 { l := Live(); return max(memoryBudget, int64(l+l/4)+stepSlack) }
	// collect runs collections until the limit is no longer was (the
	// finalizer that follows a collection runs on its own goroutine), at
	// most 1,000 times.
	collect := func(was int64) int64 {
		for range 1000 {
			runtime.GC()
			if l := limit(); l != was {
				return l
			}
			time.Sleep(time.Millisecond)
		}
		return limit()
	}
	near := func(got, want int64) bool { return got > want-(1<<20) && got < want+(1<<20) }

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
	got := collect(limit())
	if want := following(); want <= memoryBudget || !near(got, want) {
		t.Errorf("limit %d with %d bytes live, want about %d", got, Live(), want)
	}
	runtime.KeepAlive(big)
	big = nil
	l1()
	if got := collect(limit()); !near(got, following()) {
		t.Errorf("limit %d with one Summary still being built, want about %d", got, following())
	}
	l2()
	if got := limit(); got != memoryBudget {
		t.Errorf("limit %d after the Summaries, want the budget %d back", got, memoryBudget)
	}
	// The collections after the pause leave the budget alone.
	big = make([]byte, budgetLiftAt/2)
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if got := limit(); got != memoryBudget {
		t.Errorf("limit %d after collections past the pause, want the budget %d", got, memoryBudget)
	}
	runtime.KeepAlive(big)

	// A budget raised with the live heap comes back raised after a pause.
	big = make([]byte, budgetLiftAt+(4<<20))
	for i := range big {
		big[i] = byte(i)
	}
	runtime.GC()
	live := Live()
	Check()
	stepped := limit()
	if step := int64(live+live/4) + stepSlack; !near(stepped, step) {
		t.Errorf("limit %d with %d bytes live, want about %d", stepped, live, step)
	}
	lp := LowerGC()
	if got := limit(); got < stepped {
		t.Errorf("limit %d while a Summary is built, want at least the raised budget %d", got, stepped)
	}
	lp()
	if got := limit(); got != stepped {
		t.Errorf("limit %d after the Summary, want the raised budget %d back", got, stepped)
	}
	runtime.KeepAlive(big)

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
