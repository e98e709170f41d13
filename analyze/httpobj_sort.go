package analyze

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// sortHTTPLists orders transactions by time (then connection) and
// objects by time (then transaction, the request's first), keeps the first
// maxTx transactions within maxBytes of text and the first maxObj objects,
// and moves the indexes that tie them. It returns how many of each it cut.
// One capture's lists and an overview's are ordered the same way, so that
// merging does not depend on the order of the captures.
func sortHTTPLists(txs []HTTPTransaction, objs []HTTPObject, maxTx, maxBytes, maxObj int) ([]HTTPTransaction, []HTTPObject, int64, int64) {
	type txAt struct {
		t   time.Time
		old int
	}
	order := make([]txAt, len(txs))
	for i := range txs {
		order[i] = txAt{parseSummaryTime(txs[i].Time), i}
	}
	slices.SortStableFunc(order, func(x, y txAt) int {
		a, b := &txs[x.old], &txs[y.old]
		// Requests of one connection at one time stay in the order
		// they were sent (the sort is stable): pipelined requests.
		return cmp.Or(x.t.Compare(y.t), strings.Compare(a.Client, b.Client), cmp.Compare(a.ClientPort, b.ClientPort),
			strings.Compare(a.Server, b.Server), cmp.Compare(a.ServerPort, b.ServerPort))
	})
	newTx := make([]int, len(txs))
	outTx := make([]HTTPTransaction, 0, min(len(txs), maxTx))
	bytes := 0
	var cutTx int64
	for _, o := range order {
		t := txs[o.old]
		n := len(t.Method) + len(t.Host) + len(t.Target) + len(t.Referer) + len(t.UserAgent)
		if len(outTx) >= maxTx || bytes+n > maxBytes {
			newTx[o.old] = -1
			cutTx++
			continue
		}
		bytes += n
		newTx[o.old] = len(outTx)
		t.ResponseObject, t.RequestObject = -1, -1
		outTx = append(outTx, t)
	}
	type objAt struct {
		t time.Time
		o HTTPObject
	}
	os := make([]objAt, len(objs))
	for i, o := range objs {
		if o.Transaction >= 0 && o.Transaction < len(newTx) {
			o.Transaction = newTx[o.Transaction]
		} else {
			o.Transaction = -1
		}
		os[i] = objAt{parseSummaryTime(o.Time), o}
	}
	slices.SortStableFunc(os, func(x, y objAt) int {
		a, b := &x.o, &y.o
		// Without a transaction (-1), objects of one time stay in the
		// order they ended.
		return cmp.Or(x.t.Compare(y.t), cmp.Compare(a.Transaction, b.Transaction), cmp.Compare(b2i(b.Request), b2i(a.Request)))
	})
	outObj := make([]HTTPObject, 0, min(len(objs), maxObj))
	var cutObj int64
	for _, x := range os {
		if len(outObj) >= maxObj {
			cutObj++
			continue
		}
		o := x.o
		if o.Transaction >= 0 {
			t := &outTx[o.Transaction]
			if o.Request {
				t.RequestObject = len(outObj)
			} else {
				t.ResponseObject = len(outObj)
			}
		}
		outObj = append(outObj, o)
	}
	return outTx, outObj, cutTx, cutObj
}

// parseSummaryTime reads a time as formatTime writes it; zero if it cannot.
func parseSummaryTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
