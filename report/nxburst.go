package report

import (
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// nxBurstTable lists the clients that got NXDOMAIN answers, the most
// within one minute first (the evidence of dns-nxdomain-burst), or nil
// when none did.
func nxBurstTable(b analyze.DNSNXBursts, nm namer, loc *time.Location, top int) *table {
	if len(b.Clients) == 0 {
		return nil
	}
	n := limit(len(b.Clients), top)
	more := moreNote(n, len(b.Clients), "clients")
	if b.Unfollowed > 0 {
		more = strings.TrimSpace(more + " " + thousands(b.Unfollowed) + " NXDOMAIN answers went to clients past the 4,096 followed.")
	}
	t := &table{
		Caption: "NXDOMAIN answers by client, most within one minute",
		Columns: []column{{"Client", false}, {"NXDOMAIN answers", true}, {"Most in one minute", true},
			{"Minute from", false}, {"Reverse lookups in it", true}, {"Names in it", false}},
		More: more,
	}
	t.fill(n, len(b.Clients), func(i int) []cell {
		c := b.Clients[i]
		names := make([]string, 0, len(c.PeakNames)+1)
		for _, name := range c.PeakNames {
			names = append(names, show.Printable(name, 80))
		}
		if c.PeakNamesMore {
			names = append(names, "…")
		}
		return []cell{nm.ipCell(show.Printable(c.Client, 60)), num(c.NXDomain), num(c.Peak60s),
			{Text: showTime(c.PeakStart, loc)}, num(c.PeakReverse), {Text: strings.Join(names, ", ")}}
	})
	return t
}
