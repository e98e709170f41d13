package report

import (
	"fmt"
	"strings"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// findingView is one finding as the panel at the top of the page shows
// it: a severity in words (the colour only repeats it), the sentence, and
// a link to the section or table that holds the evidence.
type findingView struct {
	// Severity is one of high, medium, low or info: a CSS class suffix.
	Severity string
	// Label is the severity in words, shown before the sentence.
	Label string
	Title string
	// Anchor is the id of an element of the page; Evidence names it.
	Anchor, Evidence string
	Rule             string
	// Captures, in an overview with a provenance: the captures that have
	// the finding, linked to their reports, and "and N more".
	Captures     []captureLink
	CapturesMore string
}

// findingsPanel is the panel's content: the findings, and a one-line
// tally of them by severity ("2 findings: 1 high, 1 medium") when there
// are several.
type findingsPanel struct {
	Items []findingView
	Tally string
}

// evidenceTarget says where a finding's anchor points: a section, and
// within it the table whose caption starts with Caption ("" for the
// section itself). Label names it in the link.
type evidenceTarget struct {
	Section, Caption, Label string
}

// evidenceTargets maps the anchors of analyze.Finding to the page. A
// table named here gets the anchor as its id (see tagEvidenceTables).
var evidenceTargets = map[string]evidenceTarget{
	"arp-bindings":       {"icmp-arp", "ARP bindings", "ARP bindings"},
	"dns-servers":        {"dns", "Top DNS servers", "DNS servers"},
	"dns-timing":         {"dns", "DNS response times", "DNS response times"},
	"dns-types":          {"dns", "Query types", "DNS query types"},
	"arp-gratuitous":     {"icmp-arp", "Gratuitous ARP", "gratuitous ARP senders"},
	"dns-nxdomain":       {"dns", "Names answered NXDOMAIN", "names answered NXDOMAIN"},
	"dns-nxdomain-burst": {"dns", "NXDOMAIN answers by client", "NXDOMAIN answers by client"},
	"dns-queries":        {"dns", "DNS query names", "DNS query names"},
	"http-hosts":         {"http", "Hosts", "HTTP hosts"},
	"http-objects":       {"http-files", "HTTP objects", "HTTP objects"},
	"ftp-objects":        {"ftp-files", "FTP objects", "FTP objects"},
	"smtp-objects":       {"smtp-files", "SMTP objects", "SMTP objects"},
	"http-transactions":  {"http-files", "HTTP transactions", "HTTP transactions"},
	"ports-unexpected":   {"ports", "Protocols on another's port", "protocols on another's port"},
	"scanners":           {"conversations", "Sources that probed many", "sources that probed many targets"},
	"transport":          {"conversations", "TCP and UDP conversations", "TCP and UDP conversations"},
	"problems":           {"problems", "", "decode errors"},
	"capture":            {"capture", "", "capture facts"},
	"warnings":           {"warnings", "", "warnings"},
	"timeline":           {"timeline", "", "traffic over time"},
	"tls-certificates":   {"tls", "Certificates servers sent", "TLS certificates"},
	"beacons":            {"detections", "Beacons", "beacons"},
	"credentials":        {"detections", "Cleartext credentials", "cleartext credentials"},
}

// tagEvidenceTables gives each table that evidenceTargets names its
// anchor as id, so that a finding's link lands on the table itself.
func tagEvidenceTables(d *pageData) {
	for anchor, tgt := range evidenceTargets {
		if tgt.Caption == "" {
			continue
		}
		for i := range d.Sections {
			if d.Sections[i].ID != tgt.Section {
				continue
			}
			for _, t := range d.Sections[i].Tables {
				if t.ID == "" && strings.HasPrefix(t.Caption, tgt.Caption) {
					t.ID = anchor
					break
				}
			}
		}
	}
}

// buildFindings turns the Summary's findings into the panel. Call it
// after the sections are built: a link goes to the evidence's table when
// the page has it, else to its section, else to the capture facts. A
// Summary without a findings list (one built by hand, or read back from
// the JSON of an older pcapreport) gets the rules run on it here, so that
// the panel never says "no findings" for want of having looked.
func buildFindings(d *pageData, s *analyze.Summary) findingsPanel {
	fs := s.Findings
	if fs == nil {
		fs = analyze.Findings(s)
	}
	addUnexpectedTable(d, s.Ports.Unexpected)
	tagEvidenceTables(d)
	ids := map[string]bool{"capture": true}
	if len(d.Capture.Warnings) > 0 {
		ids["warnings"] = true
	}
	for _, sec := range d.Sections {
		ids[sec.ID] = true
		for _, t := range sec.Tables {
			if t.ID != "" {
				ids[t.ID] = true
			}
		}
	}
	p := findingsPanel{Items: make([]findingView, 0, len(fs))}
	bySeverity := map[string]int{}
	for i, f := range fs {
		sev := f.Severity
		if analyze.SeverityRank(sev) > analyze.SeverityRank(analyze.SeverityInfo) {
			sev = analyze.SeverityInfo // a Summary read back from JSON may say anything
		}
		bySeverity[sev]++
		v := findingView{
			Severity: sev,
			Label:    strings.ToUpper(sev[:1]) + sev[1:],
			Title:    show.Printable(f.Title, 600),
			Rule:     show.Printable(f.Rule, 60),
		}
		tgt, known := evidenceTargets[f.Anchor]
		switch {
		case known && ids[f.Anchor]:
			v.Anchor, v.Evidence = f.Anchor, tgt.Label
		case known && ids[tgt.Section]:
			v.Anchor, v.Evidence = tgt.Section, tgt.Label
		default:
			v.Anchor, v.Evidence = "capture", "capture facts"
		}
		if s.Findings != nil {
			v.Captures, v.CapturesMore = findingCaptures(s.Provenance, i)
		}
		p.Items = append(p.Items, v)
	}
	if len(fs) > 1 { // one finding shows its severity itself
		parts := []string{}
		for _, sev := range []string{analyze.SeverityHigh, analyze.SeverityMedium, analyze.SeverityLow, analyze.SeverityInfo} {
			if n := bySeverity[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		p.Tally = fmt.Sprintf("%d findings: %s.", len(fs), strings.Join(parts, ", "))
	}
	return p
}

// addUnexpectedTable adds to the ports section, when there are any, the
// services found on another's well-known port: the evidence of the
// port-unexpected-protocol findings.
func addUnexpectedTable(d *pageData, us []analyze.Unexpected) {
	if len(us) == 0 {
		return
	}
	t := &table{
		Caption: "Protocols on another's port (found by content)",
		Columns: []column{{"Server", false}, {"Port", true}, {"Port's service", false}, {"Seen", false}, {"Flows", true}, {"Clients", false}},
	}
	for _, u := range us {
		t.Rows = append(t.Rows, []cell{{Text: u.Server}, num(int64(u.Port)), {Text: u.Proto + " " + show.Printable(u.Service, 30)},
			{Text: show.Printable(u.Seen, 30)}, num(u.Flows), {Text: strings.Join(u.Clients, ", ")}})
	}
	for i := range d.Sections {
		if d.Sections[i].ID == "ports" {
			d.Sections[i].Tables = append(d.Sections[i].Tables, t)
			return
		}
	}
}

// qualityFacts are the capture-facts rows for what Capture.Quality found
// (the capture-* findings link there), none when all is well.
func qualityFacts(q analyze.Quality) []fact {
	var out []fact
	if q.SnappedPackets > 0 {
		v := fmt.Sprintf("%s packets stored cut, to at most %s bytes", thousands(q.SnappedPackets), thousands(q.SnapLength))
		if q.FirstSnapped > 0 {
			v += fmt.Sprintf(" (first: packet %s)", thousands(q.FirstSnapped))
		}
		out = append(out, fact{Label: "Snap length", Value: v})
	}
	if q.OutOfOrder > 0 {
		v := fmt.Sprintf("%s packets earlier than the packet before them", thousands(q.OutOfOrder))
		if q.FirstOutOfOrder > 0 {
			v += fmt.Sprintf(" (first: packet %s)", thousands(q.FirstOutOfOrder))
		}
		out = append(out, fact{Label: "Timestamps out of order", Value: v})
	}
	return out
}
