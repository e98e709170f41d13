package report

import (
	"strconv"
	"strings"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// An overview with a provenance (a batch's, or pcapreport merge's) says,
// for each row of its main tables, which captures the row came from: a
// "Captures" column holds their numbers ("1, 4 and 3 more"), which number
// the rows of the "Captures in this overview" table, whose links open each
// capture's report. report.js turns each number into a link to that
// report too (its title the capture's path); without script the numbers
// lead to that table. Numbers, not paths: a file name is as much the
// attacker's as a packet, and text made only of digits cannot be misread
// when the script splits it.

// capturesSectionID is the id of the section listing the captures.
const capturesSectionID = "overview-captures"

// capturesColumn is the name of the column report.js turns into links.
const capturesColumn = "Captures"

// provenanceView looks a row's provenance up by its list and key.
type provenanceView struct {
	p    *analyze.Provenance
	rows map[string]map[string]*analyze.ProvenanceRow // list -> key (as Printable shows it) -> row
}

func newProvenanceView(p *analyze.Provenance) *provenanceView {
	v := &provenanceView{p: p, rows: map[string]map[string]*analyze.ProvenanceRow{}}
	for i := range p.Lists {
		l := &p.Lists[i]
		m := make(map[string]*analyze.ProvenanceRow, len(l.Rows))
		for j := range l.Rows {
			k := l.Rows[j].Key
			if !plainASCII(k) {
				k = show.Printable(k, 0) // as the cells show it
			}
			m[k] = &l.Rows[j]
		}
		v.rows[l.List] = m
	}
	return v
}

// plainASCII reports whether Printable shows s as it is (printable ASCII
// only), so that the common key needs no copy.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// text is a row's captures as the Captures column shows them: their
// numbers (1-based, as the captures table numbers them) and how many more
// hold the row.
func (v *provenanceView) text(r *analyze.ProvenanceRow) string {
	if r == nil || r.Total == 0 {
		return "—"
	}
	nums := make([]string, 0, len(r.Captures))
	for _, c := range r.Captures {
		if c >= 0 && c < len(v.p.Captures) {
			nums = append(nums, strconv.Itoa(c+1))
		}
	}
	s := strings.Join(nums, ", ")
	if more := r.Total - int64(len(nums)); more > 0 {
		if s == "" {
			return thousands(more) + " captures"
		}
		s += " and " + thousands(more) + " more"
	}
	return s
}

// provenanceTable says which list the rows of a table come from and
// each row's key, from its cells: the table is that of section whose
// caption starts with caption.
type provenanceTable struct {
	section, caption string
	key              func(cells []cell) (list, key string)
}

// ipText is the address of an ipCell's text ("10.0.0.1 (host.example)").
func ipText(c cell) string {
	ip, _, _ := strings.Cut(c.Text, " (")
	return ip
}

func pair(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + " " + b
}

var provenanceTables = []provenanceTable{
	{"sources", "Top source IPs", func(c []cell) (string, string) { return "sources", c[1].Text }},
	{"destinations", "Top destination IPs", func(c []cell) (string, string) { return "destinations", c[1].Text }},
	{"conversations", "IP conversations", func(c []cell) (string, string) {
		return "conversations.ip", pair(ipText(c[0]), ipText(c[1]))
	}},
	{"conversations", "TCP and UDP conversations", func(c []cell) (string, string) {
		return "conversations.transport", strings.ToLower(c[0].Text) + " " + pair(ipText(c[1])+" "+c[2].Text, ipText(c[3])+" "+c[4].Text)
	}},
	{"hosts", "Hosts by bytes", func(c []cell) (string, string) { return "hosts.list", c[1].Text }},
	{"ports", "Ports by packets", func(c []cell) (string, string) { return "ports." + strings.ToLower(c[0].Text), c[1].Text }},
	{"dns", "DNS query names", func(c []cell) (string, string) { return "dns.queries", c[1].Text }},
	{"http", "Hosts", func(c []cell) (string, string) { return "http.hosts", c[0].Text }},
	{"tls", "Server names (SNI)", func(c []cell) (string, string) { return "tls.server_names", c[0].Text }},
	{"tls", "Client fingerprints (JA4)", func(c []cell) (string, string) { return "tls.ja4", c[0].Text }},
}

// addProvenance adds the Captures column to the tables of
// provenanceTables and the section listing the captures. Call it once
// the sections are built.
func addProvenance(d *pageData, p *analyze.Provenance) {
	if p == nil {
		return
	}
	v := newProvenanceView(p)
	for _, pt := range provenanceTables {
		t := findTable(d, pt.section, pt.caption)
		if t == nil {
			continue
		}
		key := pt.key
		cellOf := func(cells []cell) cell {
			list, k := key(cells)
			r, ok := v.rows[list][k]
			if !ok {
				return cell{} // past the rows with a provenance
			}
			return cell{Text: v.text(r)}
		}
		lists := listsOfTable(pt, t)
		for _, l := range p.Lists {
			if l.Truncated && lists[l.List] {
				t.More = strings.TrimSpace(t.More + " Captures are given for the first " + thousands(int64(len(l.Rows))) +
					" rows of " + l.List + " (the busiest).")
			}
		}
		t.Columns = append(t.Columns, column{Name: capturesColumn})
		for i := range t.Rows {
			t.Rows[i] = append(t.Rows[i], cellOf(t.Rows[i]))
		}
		if t.rest != nil {
			row := t.rest.row
			t.rest.row = func(i int) []cell {
				cells := row(i)
				return append(cells, cellOf(cells))
			}
		}
	}
	// Every capture as an HTML row: its link is in the page itself, for
	// report.js to copy and for a reader without script. There are at
	// most as many as the captures merged.
	t := &table{
		Caption: "Captures the rows above came from",
		Columns: []column{{"#", true}, {"Capture (its report)", false}, {"SHA-256", false}},
	}
	for i, c := range p.Captures {
		t.Rows = append(t.Rows, []cell{num(int64(i + 1)), {Text: show.Printable(c.Path, 1000), Href: relHref(c.Report)}, {Text: show.Printable(c.SHA256, 64)}})
	}
	d.add(section{
		ID: capturesSectionID, Title: "Captures in this overview",
		Intro: "The Captures column of the tables above numbers the captures that hold each row: the first " +
			strconv.Itoa(p.Cap) + " by path, then how many more. Here are those captures, each linked to its report. " +
			"A capture counts when its own JSON lists the row (a capture keeps at most --keys rows of a list). " +
			"A finding lists the captures whose own findings include it (the same rule about a host, MAC or name in common), " +
			"or, when no capture has it alone, those that hold its first host or name.",
		Tables: []*table{t},
	})
}

// listsOfTable are the lists the HTML rows of table t come from.
func listsOfTable(pt provenanceTable, t *table) map[string]bool {
	lists := map[string]bool{}
	for _, r := range t.Rows {
		list, _ := pt.key(r)
		lists[list] = true
	}
	return lists
}

// findTable is the table of section sec whose caption starts with caption.
func findTable(d *pageData, sec, caption string) *table {
	for i := range d.Sections {
		if d.Sections[i].ID != sec {
			continue
		}
		for _, t := range d.Sections[i].Tables {
			if strings.HasPrefix(t.Caption, caption) {
				return t
			}
		}
	}
	return nil
}

// findingCaptures is the captures of finding i of an overview, as links.
func findingCaptures(p *analyze.Provenance, i int) (links []captureLink, more string) {
	if p == nil {
		return nil, ""
	}
	for _, l := range p.Lists {
		if l.List != "findings" || i >= len(l.Rows) {
			continue
		}
		r := l.Rows[i]
		for _, c := range r.Captures {
			if c >= 0 && c < len(p.Captures) {
				links = append(links, captureLink{Text: strconv.Itoa(c + 1), Href: relHref(p.Captures[c].Report),
					Title: show.Printable(p.Captures[c].Path, 300)})
			}
		}
		if n := r.Total - int64(len(links)); n > 0 {
			more = " and " + thousands(n) + " more"
		}
	}
	return links, more
}

// captureLink is a link to a capture's report.
type captureLink struct{ Text, Href, Title string }
