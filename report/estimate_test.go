package report

import (
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestEstimatedLists: when a list of the Summary is a heavy-hitter
// estimate, its section says so with the bound, its table gains a "may
// miss" column with each row's error, and the card shows the count as a
// lower bound. Exact lists get none of it.
func TestEstimatedLists(t *testing.T) {
	s := &analyze.Summary{
		Capture: analyze.Capture{Path: "flood.pcap", Packets: 1000, IPPackets: 1000, IPBytes: 100000},
		Sources: []analyze.Endpoint{
			{IP: "10.0.0.1", Packets: 400, Bytes: 40000},
			{IP: "100.64.0.7", Packets: 3, Bytes: 300, PacketsError: 7, BytesError: 10500},
		},
		Destinations: []analyze.Endpoint{{IP: "192.0.2.1", Packets: 1000, Bytes: 100000}},
		DNS: analyze.DNS{TotalQueries: 10, Queries: []analyze.DNSQuery{
			{Name: "heavy.example", Count: 8, Clients: []analyze.IPCount{}},
			{Name: "x.victim.example", Count: 1, CountError: 1, Clients: []analyze.IPCount{}},
		}},
		Estimates: []analyze.Estimate{
			{List: "sources", Unit: "packets", Tracked: 2, Replaced: 98, MaxError: 7, MaxErrorBytes: 10500},
			{List: "dns.queries", Unit: "queries", Tracked: 2, Replaced: 3, MaxError: 1},
		},
	}
	d := build(s, Options{})
	sections := map[string]section{}
	for _, sec := range d.Sections {
		sections[sec.ID] = sec
	}
	src := sections["sources"]
	if len(src.Notes) != 1 || !strings.Contains(src.Notes[0], "No address missing from the list has more than 7 packets (10,500 bytes)") ||
		!strings.Contains(src.Notes[0], "98 times") {
		t.Errorf("sources notes %q", src.Notes)
	}
	tb := src.Tables[0]
	last := len(tb.Columns) - 1
	if tb.Columns[last].Name != "May miss (packets)" {
		t.Fatalf("sources columns %+v", tb.Columns)
	}
	if got := tb.Rows[0][last]; got.Text != "0" {
		t.Errorf("exact row may miss %+v", got)
	}
	if got := tb.Rows[1][last]; got.Text != "7" || got.Title != "and up to 10,500 bytes" {
		t.Errorf("estimated row may miss %+v", got)
	}
	if dst := sections["destinations"]; len(dst.Notes) != 0 || dst.Tables[0].Columns[len(dst.Tables[0].Columns)-1].Name == "May miss (packets)" {
		t.Errorf("exact destinations: notes %q, columns %+v", dst.Notes, dst.Tables[0].Columns)
	}
	dns := sections["dns"]
	if len(dns.Notes) != 1 || !strings.Contains(dns.Notes[0], "No name missing from the list has more than 1 queries") {
		t.Errorf("dns notes %q", dns.Notes)
	}
	if row := dns.Tables[0].Rows[1]; row[len(row)-1].Text != "1" {
		t.Errorf("dns row %+v", row)
	}
	cards := map[string]fact{}
	for _, c := range d.Cards {
		cards[c.Label] = c
	}
	if cards["Source IPs"].Value != "2+" || cards["Destination IPs"].Value != "1" {
		t.Errorf("cards %+v", d.Cards)
	}
}

// TestIndexCardEstimate: the index page's source count of an overview
// whose sources list is estimated reads as a lower bound too.
func TestIndexCardEstimate(t *testing.T) {
	s := &analyze.Summary{
		Sources:   []analyze.Endpoint{{IP: "10.0.0.1", Packets: 2}, {IP: "10.0.0.2", Packets: 1, PacketsError: 1}},
		Estimates: []analyze.Estimate{{List: "sources", Unit: "packets", Tracked: 2, Replaced: 1, MaxError: 1}},
	}
	p := buildIndex(&Index{Overview: s}, Options{})
	for _, c := range p.Cards {
		if c.Label == "Source IPs" {
			if c.Value != "2+" {
				t.Errorf("Source IPs card %+v, want 2+", c)
			}
			return
		}
	}
	t.Errorf("no Source IPs card in %+v", p.Cards)
}
