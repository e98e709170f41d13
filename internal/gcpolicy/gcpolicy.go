// Package gcpolicy is pcapreport's memory policy: the settings of Go's
// garbage collector, process-wide, while captures are analysed and their
// reports rendered. It belongs to the program (main), not to the analyze
// library, which sets no process-wide state: main passes Check and
// LowerGC to the analysis as analyze.Hooks and holds the budget around
// each run.
package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The analysis sets two process-wide knobs of Go's garbage collector, so
// that a capture of ordinary variety is read in flat memory (the goal:
// under 64 MiB of RSS at any size) without slowing down a flood, whose
// heavy-hitter lists legitimately need more. Both are shared by the
// analyses a batch runs at once: the setting in force before the first is
// restored after the last, and settings the user made (GOGC, GOMEMLIMIT)
// are kept.

// memoryBudget is the soft memory limit (debug.SetMemoryLimit: heap,
// stacks and runtime data, not the program's code) while captures are
// analysed. With GOGC alone the heap grows to twice what is live: 27 MiB
// live at the end of a 10 GB pass (20,000 conversations and pairs, 30,000
// URLs) meant 57-64 MB of RSS, and 73-81 MB while the Summary is built.
const memoryBudget = 48 << 20

// budgetLiftAt is the live heap past which the fixed budget gives way. A
// limit near the live heap makes the collector run back to back: a 1 GB
// flood (4.4 M sources, 130-145 MB of RSS without a limit) took 55 s of
// CPU under a fixed 48 MiB limit against 15 s without.
const budgetLiftAt = memoryBudget * 3 / 4

// Past budgetLiftAt the budget follows the live heap, up to stepCeiling:
// the limit is a quarter over the live heap and stepSlack more, raised
// after each collection and at each Check, never lowered. The generated 10 GB capture holds 44-49 MB
// when its pass ends (full conversation, HTTP and host lists); with the
// budget simply given up, GOGC=100 let its heap grow to twice that, and
// the pass ended at 112-114 MB of RSS (81-84 MB with the step, the same
// CPU). Past stepCeiling, a flood filling its heavy-hitter lists, the
// budget is given up: a 1 GB flood took 30.6 s of CPU against 26.5 s when
// the budget followed its heap up to 96 MiB, and the same with 64 MiB.
const (
	stepCeiling = 64 << 20
	stepSlack   = 8 << 20
)

var (
	budgetMu     sync.Mutex
	budgetLimit  int64 // the budget in force: memoryBudget, or raised by Check
	budgetSet    int64 // the limit adjustLocked last set
	budgetUsers  int
	budgetSaved  int64 // the limit before the first user
	budgetActive bool  // this package set the limit and has not lifted it
	// budgetPaused counts the LowerGC calls in force: while there is one,
	// the budget does not hold the heap (the lowered GOGC does) but follows
	// it after each collection (follow), and is not given up either.
	budgetPaused int
	// watchGen tells the chain of watchLocked calls in force from older
	// ones: each Hold's first user starts one, its last ends it.
	watchGen int
)

// Hold sets the memory budget until the returned function is
// called, unless a limit is already set (GOMEMLIMIT). The analysis holds it
// while it runs, and gives it up if the capture needs more. A caller that
// goes on to render the Summary should hold it around both: rendering a
// 10 GB capture's 20 MB Summary allocates 17 MB more, and without the
// budget the process peaked there.
func Hold() func() {
	budgetMu.Lock()
	defer budgetMu.Unlock()
	if budgetUsers == 0 {
		budgetSaved = debug.SetMemoryLimit(-1)
		budgetActive = budgetSaved == math.MaxInt64
		budgetLimit, budgetSet = memoryBudget, budgetSaved
		if budgetActive {
			if budgetPaused == 0 {
				debug.SetMemoryLimit(budgetLimit)
				budgetSet = budgetLimit
			}
			watchGen++
			watchLocked(watchGen)
		}
	}
	budgetUsers++
	return func() {
		budgetMu.Lock()
		defer budgetMu.Unlock()
		if budgetUsers--; budgetUsers == 0 {
			watchGen++ // ends the chain of watchLocked calls
			if budgetActive {
				debug.SetMemoryLimit(budgetSaved)
				budgetActive = false
			}
		}
	}
}

// Live is the live heap in bytes, as the last garbage collection
// measured it (0 before the first).
func Live() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// Check applies the budget for the live heap the last collection
// measured (adjustLocked). The analysis calls it every Hooks.TickEvery
// packets; the collections call it too (watchLocked).
func Check() {
	budgetMu.Lock()
	defer budgetMu.Unlock()
	adjustLocked()
}

// adjustLocked raises the budget with the live heap once it has grown past
// budgetLiftAt (a quarter over it and stepSlack more, never lowered), and
// gives it up past stepCeiling. While paused, the limit is the budget or a
// quarter over the live heap and stepSlack more, whichever is higher, and
// the budget is not raised: the Summary's live heap rises and falls, and a
// limit kept at its high point kept 2 MB more of freed pages at 1 GB.
// budgetMu is held.
func adjustLocked() {
	if !budgetActive {
		return
	}
	live := Live()
	step := int64(live+live/4) + stepSlack
	switch {
	case live <= budgetLiftAt:
	case live <= stepCeiling:
		if budgetPaused == 0 {
			budgetLimit = max(budgetLimit, step)
		}
	default:
		debug.SetMemoryLimit(budgetSaved)
		budgetActive = false
		return
	}
	want := budgetLimit
	if budgetPaused > 0 {
		want = max(budgetLimit, step)
	}
	if want != budgetSet {
		debug.SetMemoryLimit(want)
		budgetSet = want
	}
}

// watchLocked calls adjustLocked after each collection, until watchGen
// moves on or the budget is given up; budgetMu is held. (Not at once: the
// live heap the last collection measured may be an earlier run's.) The
// ticks alone came too seldom: a capture of a few big packets (12 SMTP
// sessions in 64 KiB segments, TestSMTPObjectsMemory) grew its live heap
// between two of them past a budget not yet raised, and the collector ran
// back to back: 3.6-3.8 s of CPU against 1.8-2.3 s when the collections
// raise it too.
func watchLocked(gen int) {
	if gen != watchGen || !budgetActive {
		return
	}
	// A finalizer runs after the collection that finds its object
	// unreachable: the one way to hear of each collection.
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		budgetMu.Lock()
		defer budgetMu.Unlock()
		if gen == watchGen {
			adjustLocked()
			watchLocked(gen)
		}
	})
}

// gcSentinel is the object whose finalizer calls watchLocked. It is not
// zero-sized, so that it is a heap object of its own.
type gcSentinel struct{ _ [16]byte }

// summaryGC is the GOGC percentage while Summaries are built.
const summaryGC = 25

var (
	gcMu      sync.Mutex
	gcUsers   int // Summaries being built (a batch builds several at once)
	gcSaved   int // the percentage to restore when the last one is done
	gcChanged bool
)

// LowerGC sets GOGC to summaryGC until the returned function is called,
// unless it is already lower or off, and pauses the memory budget
// meanwhile. Calls may overlap: the setting in force before the first is
// restored after the last.
//
// The budget is paused because the Summary and its rendering hold the
// analysis and the Summary at once, and then the page and JSON being
// made: at the end of the generated 1 GB capture the live heap rose from
// 27 MB to 44 MB, near the 48 MiB limit, and the collector ran back to
// back (14 collections in 0.18 s of the Summary, 16 in the 0.5 s of
// rendering), the pathology budgetLiftAt exists to avoid. GOGC=25 bounds
// the heap to a quarter over the live data instead: peak RSS 80-82 MB
// rather than 71 there, 0.15-0.3 s faster; 51-52 MB rather than 55-57 for
// the 100 MB capture.
//
// With no limit at all, though, the pages the collector freed stayed with
// the process (the runtime gives them back slowly): at the end of the
// Summary of the generated 10 GB capture 17-21 MB of the heap was free
// pages. So while paused the limit follows the live heap instead, set
// after each collection a quarter over it and stepSlack more (at least
// the budget): the collections are still GOGC's, and the runtime gives
// back what is over the limit. Peak RSS 94.5-94.8 MiB instead of
// 100-106 at 10 GB, 67.6-71.2 instead of 70.1-77.6 MiB at 1 GB, for the
// same time.
func LowerGC() func() {
	budgetMu.Lock()
	budgetPaused++
	adjustLocked()
	budgetMu.Unlock()
	gcMu.Lock()
	if gcUsers == 0 {
		gcSaved = debug.SetGCPercent(summaryGC)
		gcChanged = gcSaved >= 0 && gcSaved > summaryGC
		if !gcChanged {
			debug.SetGCPercent(gcSaved) // GOGC=off or lower: keep it
		}
	}
	gcUsers++
	gcMu.Unlock()
	return func() {
		gcMu.Lock()
		if gcUsers--; gcUsers == 0 && gcChanged {
			debug.SetGCPercent(gcSaved)
		}
		gcMu.Unlock()
		budgetMu.Lock()
		budgetPaused--
		adjustLocked()
		budgetMu.Unlock()
	}
}
