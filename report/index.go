package report

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/templates"
)

// Index is what the index page of a batch lists: every capture with its
// numbers and a link to its report, the files that were skipped, and a
// link to the overview of all captures.
type Index struct {
	// Entries are the captures, in the order shown (the batch sorts them by path).
	Entries []IndexEntry
	// Skipped are the files found that are not captures.
	Skipped []SkippedFile
	// Overview is the merged Summary of all captures, for the totals at the
	// top of the page; nil leaves them out.
	Overview *analyze.Summary
	// OverviewReport and OverviewJSON are the overview's report and JSON,
	// slash-separated and relative to the index; empty leaves the link out.
	OverviewReport, OverviewJSON string
}

// IndexEntry is one capture of a batch. Its numbers are copied from the
// capture's Summary by EntryOf, so the index needs no Summary kept.
type IndexEntry struct {
	// Path is the capture's path as found.
	Path string
	// Report and JSON are the capture's report and JSON, slash-separated
	// and relative to the index; empty when there is none.
	Report, JSON string
	// Error is why the capture has no report; the numbers below are then
	// zero, except Size.
	Error string

	Size   int64
	SHA256 string
	// First and Last are the bulk of the capture's timestamps (see
	// analyze.Bulk), RFC 3339 in UTC as in the Summary; Outlying counts
	// the packets stamped outside them.
	First, Last      string
	Outlying         int64
	Packets, IPBytes int64
	// TopSource is the source address with the most packets, and
	// TopSourcePackets its packets; empty when the capture has no IP.
	TopSource        string
	TopSourcePackets int64
	DNSQueries       int64
	DecodeErrors     int64
	Warnings         []string
}

// SkippedFile is a file with the reason it has no report.
type SkippedFile struct {
	Path, Reason string
}

// EntryOf copies the numbers the index shows from a capture's Summary.
func EntryOf(s *analyze.Summary) IndexEntry {
	c := &s.Capture
	b := bulkOf(*c)
	e := IndexEntry{
		Path: c.Path, Size: c.Size, SHA256: c.SHA256, First: b.First, Last: b.Last, Outlying: b.OutlyingPackets,
		Packets: c.Packets, IPBytes: c.IPBytes, DNSQueries: s.DNS.TotalQueries,
		DecodeErrors: c.DecodeErrors, Warnings: append([]string{}, c.Warnings...),
	}
	if len(s.Sources) > 0 {
		e.TopSource, e.TopSourcePackets = s.Sources[0].IP, s.Sources[0].Packets
	}
	return e
}

// indexPage is everything index.html.tmpl shows; strings are plain text.
type indexPage struct {
	Title, Version, Generated, CSP string
	OverviewHref, OverviewJSONHref string
	Cards                          []fact
	Failures                       []SkippedFile
	Rows                           []indexRow
	Skipped                        []SkippedFile
	AppJS                          template.JS
}

// indexRow is one capture. Each *Key is the cell's sort key for index.js:
// a decimal number in numeric columns, else text that sorts as the value.
type indexRow struct {
	Path, Href, JSONHref                   string
	Size, SizeTitle, SizeKey               string
	SHA256                                 string
	First, FirstKey, Last, LastKey         string
	Packets, PacketsKey                    string
	IPBytes, IPBytesTitle, IPBytesKey      string
	TopSource, TopSourceNote, TopSourceKey string
	DNS, DNSKey                            string
	Status, StatusKey                      string // ok, warning or error
	Notes                                  []string
}

var (
	indexOnce  sync.Once
	indexTmpl  *template.Template
	indexJS    template.JS
	indexCSP   string
	indexError error
)

// loadIndex parses the index template once. Its Content-Security-Policy
// is the report's, with index.js as the only script allowed.
func loadIndex() error {
	indexOnce.Do(func() {
		js, err := fs.ReadFile(templates.FS, "index.js")
		if err != nil {
			indexError = err
			return
		}
		// Our own script, embedded in the binary, never data: passed as a
		// value, it reaches the page byte for byte, as its CSP hash needs.
		indexJS = template.JS(js)
		indexCSP = "default-src 'none'; script-src " + scriptHash(js) +
			"; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
		indexTmpl, indexError = template.New("index.html.tmpl").ParseFS(templates.FS, "index.html.tmpl", "report.css")
	})
	return indexError
}

// WriteIndex renders the index page of a batch to w.
func WriteIndex(w io.Writer, idx *Index, opts Options) error {
	if err := loadIndex(); err != nil {
		return fmt.Errorf("index template: %w", err)
	}
	var buf bytes.Buffer
	if err := indexTmpl.Execute(&buf, buildIndex(idx, opts)); err != nil {
		return fmt.Errorf("rendering index: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func buildIndex(idx *Index, o Options) *indexPage {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	p := &indexPage{
		Version: o.Version, Generated: o.Generated, CSP: indexCSP, AppJS: indexJS,
		OverviewHref: relHref(idx.OverviewReport), OverviewJSONHref: relHref(idx.OverviewJSON),
		Rows: []indexRow{},
	}
	failed := 0
	for _, e := range idx.Entries {
		p.Rows = append(p.Rows, indexRowOf(e, loc))
		if e.Error != "" {
			failed++
			p.Failures = append(p.Failures, SkippedFile{Path: show.Printable(e.Path, 1000), Reason: show.Printable(e.Error, 1000)})
		}
	}
	for _, s := range idx.Skipped {
		p.Skipped = append(p.Skipped, SkippedFile{Path: show.Printable(s.Path, 1000), Reason: show.Printable(s.Reason, 500)})
	}
	p.Title = "Batch report: " + show.Plural(int64(len(idx.Entries)), "capture")
	captures := thousands(int64(len(idx.Entries)))
	if failed > 0 {
		captures += " (" + thousands(int64(failed)) + " failed)"
	}
	p.Cards = []fact{{Label: "Captures", Value: captures}, {Label: "Files skipped", Value: thousands(int64(len(idx.Skipped)))}}
	if s := idx.Overview; s != nil {
		c := s.Capture
		p.Cards = append(p.Cards,
			fact{Label: "Packets", Value: thousands(c.Packets)},
			fact{Label: "IP bytes", Value: humanBytes(c.IPBytes), Title: thousands(c.IPBytes) + " bytes"},
			fact{Label: "First packet", Value: showTime(bulkOf(c).First, loc)},
			fact{Label: "Last packet", Value: showTime(bulkOf(c).Last, loc)},
			keyCard("Source IPs", len(s.Sources), s.EstimateOf(analyze.ListSources)),
			fact{Label: "DNS queries", Value: thousands(s.DNS.TotalQueries)},
		)
	}
	return p
}

func indexRowOf(e IndexEntry, loc *time.Location) indexRow {
	r := indexRow{
		Path: show.Printable(e.Path, 1000), Href: relHref(e.Report), JSONHref: relHref(e.JSON),
		Size: humanBytes(e.Size), SizeTitle: thousands(e.Size) + " bytes", SizeKey: strconv.FormatInt(e.Size, 10),
		Status: "ok", StatusKey: "0",
	}
	if e.Error != "" {
		r.Status, r.StatusKey = "error", "2 "+e.Error
		r.Notes = []string{"error: " + show.Printable(e.Error, 1000)}
		r.First, r.Last, r.Packets, r.IPBytes, r.TopSource, r.DNS = "–", "–", "–", "–", "–", "–"
		return r
	}
	r.SHA256 = e.SHA256
	r.First, r.FirstKey = showTime(e.First, loc), timeKey(e.First)
	r.Last, r.LastKey = showTime(e.Last, loc), timeKey(e.Last)
	r.Packets, r.PacketsKey = thousands(e.Packets), strconv.FormatInt(e.Packets, 10)
	r.IPBytes, r.IPBytesTitle, r.IPBytesKey = humanBytes(e.IPBytes), thousands(e.IPBytes)+" bytes", strconv.FormatInt(e.IPBytes, 10)
	r.TopSource = "–"
	if e.TopSource != "" {
		r.TopSource = e.TopSource
		r.TopSourceNote = show.Plural(e.TopSourcePackets, "packet")
		r.TopSourceKey = addrKey(e.TopSource)
	}
	r.DNS, r.DNSKey = thousands(e.DNSQueries), strconv.FormatInt(e.DNSQueries, 10)
	for _, w := range e.Warnings {
		r.Notes = append(r.Notes, "warning: "+show.Printable(w, 500))
	}
	if e.DecodeErrors > 0 {
		r.Notes = append(r.Notes, show.Plural(e.DecodeErrors, "packet")+" with decode errors")
	}
	if e.Outlying > 0 {
		r.Notes = append(r.Notes, show.Plural(e.Outlying, "packet")+" stamped far outside the span shown (see its report)")
	}
	if len(e.Warnings) > 0 {
		r.Status, r.StatusKey = "warning", "1"
	}
	return r
}

// relHref is a link to a file beside the index, given its slash-separated
// relative path. Each segment is escaped, so a name with "#", "?" or "%"
// still names its file, and the "./" prefix keeps a name like "x:y" from
// reading as a URL scheme.
func relHref(rel string) string {
	if rel == "" {
		return ""
	}
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "./" + strings.Join(segs, "/")
}

// timeKey is a time from a Summary as text that sorts in time order:
// Unix seconds, shifted to be unsigned, and nanoseconds, fixed width. It
// sorts every year a Summary can hold, 586524 included.
func timeKey(s string) string {
	t, err := analyze.ParseTime(s)
	if err != nil {
		if s == "" {
			return ""
		}
		return "~" + s // not a Summary's time: after all others
	}
	return fmt.Sprintf("%020d.%09d", uint64(t.Unix())^1<<63, t.Nanosecond())
}

// addrKey is an IP address as text that sorts as analyze orders addresses:
// IPv4 before IPv6, each numerically.
func addrKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "~" + ip
	}
	b := a.As16()
	if a.Is4() {
		return "4" + hex.EncodeToString(b[12:])
	}
	return "6" + hex.EncodeToString(b[:])
}
