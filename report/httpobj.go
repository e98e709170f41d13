package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// maxObjectRows bounds the rows of the transaction and object tables
// unless --top is 0: the JSON lists every one kept.
const maxObjectRows = 1000

// httpObjectsSection is the HTTP transaction log and the objects
// (bodies) with their hashes. It is a section of its own, after HTTP's:
// its tables are wider than a narrow screen (hashes do not wrap), and
// scroll inside their box.
func httpObjectsSection(h analyze.HTTP, loc *time.Location, top int) section {
	return section{
		ID: "http-files", Title: "HTTP transactions and objects",
		Intro: fmt.Sprintf("%s HTTP/1.x transactions (each request with the response paired with it in order on its connection) and "+
			"%s objects: the bodies of responses and requests, reassembled from TCP, de-chunked and decoded (gzip, deflate), "+
			"with their type from the first bytes and their hashes. A body with bytes missing from the capture is incomplete.",
			thousands(h.TransactionsTotal), thousands(h.ObjectsTotal)),
		Tables: httpObjectTables(h, loc, top),
	}
}

// httpObjectTables are the transaction log and the object list.
func httpObjectTables(h analyze.HTTP, loc *time.Location, top int) []*table {
	rows := maxObjectRows
	if top == 0 {
		rows = 0
	}
	txURL := func(i int) string {
		if i < 0 || i >= len(h.Transactions) {
			return ""
		}
		t := h.Transactions[i]
		return show.Printable(urlOf(t.Host, t.Target), 300)
	}
	n := limit(len(h.Transactions), rows)
	tt := &table{
		ID:      "http-transactions",
		Caption: "HTTP transactions",
		Columns: []column{{"Time", false}, {"Client", false}, {"Server", false}, {"Method", false}, {"URL", false},
			{"Status", true}, {"Content-Type", false}, {"Size", true}, {"Referer", false}, {"User-Agent", false}},
		More: listNote(n, len(h.Transactions), h.TransactionsTotal, "transactions"),
	}
	for i, t := range h.Transactions[:n] {
		status, size := cell{Text: "–", Numeric: true}, cell{Text: "–", Numeric: true}
		if t.Status != 0 {
			status = cell{Text: strconv.Itoa(t.Status), Numeric: true}
		}
		if t.Size >= 0 {
			size = bytesCell(t.Size)
		}
		tt.Rows = append(tt.Rows, []cell{{Text: showTime(t.Time, loc)},
			{Text: t.Client + ":" + strconv.Itoa(int(t.ClientPort))}, {Text: t.Server + ":" + strconv.Itoa(int(t.ServerPort))},
			{Text: show.Printable(t.Method, 30)}, {Text: txURL(i), Title: show.Printable(urlOf(t.Host, t.Target), 0)},
			status, {Text: show.Printable(t.ContentType, 80)}, size,
			{Text: show.Printable(t.Referer, 120)}, {Text: show.Printable(t.UserAgent, 120), Title: show.Printable(t.UserAgent, 0)}})
	}
	n = limit(len(h.Objects), rows)
	ot := &table{
		Caption: "HTTP objects (bodies, de-chunked and decoded)",
		Columns: []column{{"Time", false}, {"URL", false}, {"Direction", false}, {"Size", true}, {"Declared type", false},
			{"Sniffed type", false}, {"Kind", false}, {"SHA-256", false}, {"MD5", false}, {"SHA-1", false}, {"State", false}},
		More: listNote(n, len(h.Objects), h.ObjectsTotal, "objects"),
	}
	for _, o := range h.Objects[:n] {
		dir := "response"
		if o.Request {
			dir = "request"
		}
		var state []string
		if o.Incomplete {
			state = append(state, "incomplete")
		}
		if o.Truncated {
			state = append(state, "truncated")
		}
		if o.Undecoded {
			state = append(state, "not decoded ("+show.Printable(o.Encoding, 30)+")")
		}
		ot.Rows = append(ot.Rows, []cell{{Text: showTime(o.Time, loc)}, {Text: txURL(o.Transaction)}, {Text: dir},
			bytesCell(o.Size), {Text: show.Printable(o.ContentType, 80)}, {Text: show.Printable(o.SniffedType, 80)},
			{Text: o.Kind}, {Text: show.Printable(o.SHA256, 64)}, {Text: show.Printable(o.MD5, 32)}, {Text: show.Printable(o.SHA1, 40)},
			{Text: strings.Join(state, ", ")}})
	}
	return []*table{tt, ot}
}

// listNote says how many of a list are shown, kept and seen.
func listNote(shown, kept int, total int64, what string) string {
	var parts []string
	if shown < kept {
		parts = append(parts, fmt.Sprintf("Showing the first %s of %s %s (--top 0 shows all; the JSON lists them).", thousands(int64(shown)), thousands(int64(kept)), what))
	}
	if int64(kept) < total {
		parts = append(parts, fmt.Sprintf("%s %s were seen; %s are kept.", thousands(total), what, thousands(int64(kept))))
	}
	return strings.Join(parts, " ")
}

// urlOf is http://host+target for an origin-form target, else the target.
func urlOf(host, target string) string {
	if host != "" && strings.HasPrefix(target, "/") {
		return "http://" + host + target
	}
	return target
}
