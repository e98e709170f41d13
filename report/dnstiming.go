package report

import (
	"fmt"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// dnsTimingTable is the DNS servers' response times, with the queries
// they never answered, the retransmitted queries and the responses to no
// query seen; nil when no query went to port 53.
func dnsTimingTable(t analyze.DNSTiming, nm namer, top int) *table {
	if t.Queries+t.Unsolicited+t.Untracked == 0 {
		return nil
	}
	n := limit(len(t.Servers), top)
	tb := &table{
		Caption: "DNS response times by server (port 53)",
		Columns: []column{{"Server", false}, {"Queries", true}, {"Answered", true}, {"Unanswered", true},
			{"Retransmitted", true}, {"Unsolicited responses", true}, {"Median", true}, {"Worst", true}, {"Slowest name", false}},
	}
	tb.fill(n, len(t.Servers), func(i int) []cell {
		s := t.Servers[i]
		// A doctored JSON file may hold anything as an address.
		return []cell{nm.ipCell(show.Printable(s.Server, 60)), num(s.Queries), num(s.Answered), num(s.Unanswered),
			num(s.Retransmissions), num(s.Unsolicited), msCell(s.MedianMS, s.Answered), msCell(s.WorstMS, s.Answered),
			{Text: show.Printable(s.WorstName, 0)}}
	})
	note := fmt.Sprintf("All servers: %s queries, %s answered (median %s, worst %s), %s never answered, %s sent again, %s responses to no query seen.",
		thousands(t.Queries), thousands(t.Answered), show.Millis(t.MedianMS, t.Answered), show.Millis(t.WorstMS, t.Answered),
		thousands(t.Unanswered), thousands(t.Retransmissions), thousands(t.Unsolicited))
	if t.Untracked > 0 {
		note += fmt.Sprintf(" %s queries were not followed: 65,536 were waiting for a response.", thousands(t.Untracked))
	}
	if m := moreNote(n, len(t.Servers), "servers"); m != "" {
		note += " " + m
	}
	if t.ServersTruncated {
		note += " Servers past the first 4,096 are counted in the totals only."
	}
	tb.More = note + " A query sent again within 5 s of its first copy is a retransmission; the time runs from the first copy. Medians are within 2.5%."
	return tb
}

func msCell(ms float64, answered int64) cell {
	return cell{Text: show.Millis(ms, answered), Numeric: true}
}
