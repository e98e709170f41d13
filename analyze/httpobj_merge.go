package analyze

// httpObjMerger merges the HTTP transactions and objects of Summaries:
// the lists are joined and ordered as one capture's (sortHTTPLists), within
// one capture's bounds, and the indexes that tie them are moved with them.
type httpObjMerger struct {
	tx       []HTTPTransaction
	txTotal  int64
	objs     []HTTPObject
	objTotal int64
	skipped  map[string]int64
	cut      [2]int64 // transactions and objects cut to the bounds here
}

func newHTTPObjMerger() httpObjMerger {
	return httpObjMerger{tx: []HTTPTransaction{}, objs: []HTTPObject{}, skipped: map[string]int64{}}
}

func (m *httpObjMerger) add(h *HTTP) {
	m.txTotal += h.TransactionsTotal
	m.objTotal += h.ObjectsTotal
	addCounts(m.skipped, h.ObjectsSkipped)
	n := len(m.tx)
	m.tx = append(m.tx, h.Transactions...)
	for _, o := range h.Objects {
		if o.Transaction >= 0 {
			o.Transaction += n
		}
		m.objs = append(m.objs, o)
	}
	// Twice the bounds at most are held: past that, the earliest are kept.
	if len(m.tx) > 2*maxHTTPTransactions || len(m.objs) > 2*maxHTTPObjects {
		m.trim()
	}
}

func (m *httpObjMerger) trim() {
	var ct, co int64
	m.tx, m.objs, ct, co = sortHTTPLists(m.tx, m.objs, maxHTTPTransactions, maxTransactionBytes, maxHTTPObjects)
	m.cut[0] += ct
	m.cut[1] += co
}

func (m *httpObjMerger) result(h *HTTP) {
	m.trim()
	h.Transactions, h.TransactionsTotal = m.tx, m.txTotal
	h.Objects, h.ObjectsTotal = m.objs, m.objTotal
	m.skipped["transactions_not_listed"] += m.cut[0]
	m.skipped["objects_not_listed"] += m.cut[1]
	h.ObjectsSkipped = cutCounts(m.skipped)
}
