package report

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// pageData is everything report.html.tmpl shows. Strings in it are plain
// text; html/template escapes them where they land.
type pageData struct {
	Title     string
	Version   string
	Generated string
	CSP       string
	Capture   analyze.Capture
	// Header is what the page's header and printed page margins show.
	Header    header
	Cards     []fact
	Facts     []fact
	Sections  []section
	Findings  findingsPanel
	ChartData map[string]map[string]any
	EChartsJS template.JS
	AppJS     template.JS
}

type fact struct{ Label, Value, Title string }

// header holds the capture's span and size as the header shows them: the
// same text as the facts table's, kept in fields of their own so that a
// change to a label there cannot empty the header.
type header struct {
	First, Last, Duration, Size string
}

type section struct {
	ID, Title, Intro string
	Notes            []string
	Charts           []chart
	Tables           []*table
	// Empty, when set by add, is the one line a section with nothing to
	// show is collapsed to, on screen and on paper.
	Empty string
}

// emptyText is what a section with no row and no chart says instead, by
// section id.
var emptyText = map[string]string{
	"timeline":      "No timed IP packets in this capture.",
	"sources":       "No IP packets in this capture.",
	"destinations":  "No IP packets in this capture.",
	"conversations": "No IP conversations in this capture.",
	"hosts":         "No IP packets in this capture.",
	"netmap":        "No IP packets in this capture.",
	"ports":         "No TCP or UDP in this capture.",
	"protocols":     "No packets in this capture.",
	"dns":           "No DNS in this capture.",
	"http":          "No HTTP in this capture.",
	"http-files":    "No HTTP transaction in this capture.",
	"ftp-files":     "No FTP data transfer in this capture.",
	"smtp-files":    "No SMTP attachment in this capture.",
	"tls":           "No TLS in this capture.",
	"icmp-arp":      "No ICMP or ARP in this capture.",
	"problems":      "Every packet was IP, and every one decoded without an error.",
	"detections":    "No beacons or cleartext credentials in this capture.",
}

type table struct {
	ID      string // the table's id in the page, when a finding links to it
	Caption string
	Columns []column
	Rows    [][]cell
	More    string // a note under the table, e.g. rows left out
	// DataID names the table's row data in the page (rowdata.go), when
	// it has rows past its HTML rows (rest).
	DataID string
	rest   *rowSource
	// Collapsed puts the table behind a disclosure (a details element)
	// that names it and its rows: for a table that repeats a chart.
	Collapsed bool
}

type column struct {
	Name    string
	Numeric bool
}

type cell struct {
	Text, Title string
	Numeric     bool
	// Href makes the cell's text a link, in HTML rows only (rows past
	// --top are data, text only): set it only in a table without row data.
	Href string
}

func build(s *analyze.Summary, o Options) *pageData {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	c := s.Capture
	d := &pageData{
		Title:     show.Printable(filepath.Base(c.Path), 200),
		Version:   o.Version,
		Generated: o.Generated,
		CSP:       csp,
		Capture:   c,
		ChartData: map[string]map[string]any{},
		EChartsJS: echartsJS,
		AppJS:     appJS,
	}
	d.Capture.Warnings = printables(c.Warnings)

	d.Cards = []fact{
		{Label: "Packets", Value: thousands(c.Packets)},
		{Label: "IP packets", Value: thousands(c.IPPackets)},
		{Label: "IP bytes", Value: humanBytes(c.IPBytes), Title: thousands(c.IPBytes) + " bytes"},
		{Label: "Duration", Value: humanDuration(bulkOf(c).DurationSeconds)},
		keyCard("Source IPs", len(s.Sources), s.EstimateOf(analyze.ListSources)),
		keyCard("Destination IPs", len(s.Destinations), s.EstimateOf(analyze.ListDestinations)),
		{Label: "DNS queries", Value: thousands(s.DNS.TotalQueries)},
		{Label: "HTTP requests", Value: thousands(s.HTTP.TotalRequests)},
		{Label: "TLS server names", Value: thousands(int64(len(s.TLS.ServerNames)))},
		{Label: "Decode errors", Value: thousands(c.DecodeErrors)},
	}
	format := c.Format
	if c.Compression != "" {
		format += " (" + c.Compression + "-compressed)"
	}
	bulk := bulkOf(c)
	d.Header = header{
		First:    showTime(bulk.First, loc),
		Last:     showTime(bulk.Last, loc),
		Duration: humanDuration(bulk.DurationSeconds),
		Size:     thousands(c.Size) + " bytes (" + humanBytes(c.Size) + ")",
	}
	if bulk.First == "" {
		d.Header.First, d.Header.Last, d.Header.Duration = "", "", ""
	}
	d.Facts = []fact{
		{Label: "File", Value: show.Printable(c.Path, 1000)},
		{Label: "Size", Value: d.Header.Size},
		{Label: "SHA-256", Value: c.SHA256},
		{Label: "Format", Value: format},
		{Label: "Link types", Value: strings.Join(c.LinkTypes, ", ")},
		{Label: "Packets", Value: fmt.Sprintf("%s: %s IP, %s other, %s undecodable",
			thousands(c.Packets), thousands(c.IPPackets), thousands(c.OtherPackets), thousands(c.UndecodablePackets))},
		{Label: "First packet", Value: showTime(bulkOf(c).First, loc)},
		{Label: "Last packet", Value: showTime(bulkOf(c).Last, loc)},
		{Label: "Duration", Value: humanDuration(bulkOf(c).DurationSeconds)},
	}
	if f, ok := outlyingFact(c, loc); ok {
		d.Facts = append(d.Facts, f)
	}
	d.Facts = append(d.Facts,
		fact{Label: "IP bytes", Value: thousands(c.IPBytes) + " (" + humanBytes(c.IPBytes) + ")"},
		fact{Label: "Decode errors", Value: thousands(c.DecodeErrors) + " packets"},
	)
	d.Facts = append(d.Facts, qualityFacts(c.Quality)...)

	nm := newNamer(s.Names)
	d.add(detectionSection(s, nm, loc))
	d.add(timelineSection(s.Timeline, loc, o.Top))
	d.add(endpointSection("sources", "Top source IPs", "Sent", s.Sources, c, nm, o.Top, s.EstimateOf(analyze.ListSources)))
	d.add(endpointSection("destinations", "Top destination IPs", "Received", s.Destinations, c, nm, o.Top, s.EstimateOf(analyze.ListDestinations)))
	d.add(conversationSection(s.Conversations, nm, loc, o.Top, s.EstimateOf(analyze.ListIPConversations), s.EstimateOf(analyze.ListTransportConversations)))
	d.add(hostsSection(s.Hosts, loc, o.Top))
	d.add(netmapSection(s.Hosts, s.Conversations.IP, nm))
	d.add(portSection(s.Ports, o.Top))
	d.add(protocolSection(s.Protocols))
	dns := dnsSection(s.DNS, nm, o.Top, s.EstimateOf(analyze.ListDNSQueries))
	dns.Tables = append(dns.Tables, dnsDetailTables(s.DNS, nm, o.Top)...)
	if t := nxBurstTable(s.DNS.NXBursts, nm, loc, o.Top); t != nil {
		dns.Tables = append(dns.Tables, t)
	}
	d.add(dns)
	d.add(httpSection(s.HTTP, o.Top))
	d.add(httpObjectsSection(s.HTTP, loc, o.Top))
	d.add(ftpObjectsSection(s.FTP, loc, o.Top))
	d.add(smtpObjectsSection(s.SMTP, loc, o.Top))
	d.add(tlsSection(s.TLS, o.Top))
	d.add(icmpARPSection(s.ICMP, s.ARP, nm, o.Top))
	d.add(problemSection(c))
	addProvenance(d, s.Provenance)
	d.Findings = buildFindings(d, s)
	return d
}

func (d *pageData) add(sec section) {
	drawn := sec.Charts[:0:0]
	for _, ch := range sec.Charts {
		if ch.empty {
			continue
		}
		d.ChartData[ch.ID] = ch.Option
		drawn = append(drawn, ch)
	}
	sec.Charts = drawn
	for _, t := range sec.Tables {
		t.More = strings.TrimSpace(t.More)
	}
	if len(sec.Charts) == 0 && len(sec.Notes) == 0 && sectionRows(sec) == 0 {
		sec.Empty = emptyText[sec.ID]
		if sec.Empty == "" {
			sec.Empty = "None in this capture."
		}
		sec.Intro, sec.Tables = "", nil
	}
	d.Sections = append(d.Sections, sec)
}

// sectionRows counts the rows of a section's tables.
func sectionRows(sec section) int {
	n := 0
	for _, t := range sec.Tables {
		n += t.Kept()
	}
	return n
}

// limit is how many of n rows to show under --top.
func limit(n, top int) int {
	if top > 0 && top < n {
		return top
	}
	return n
}

// moreNote is the note under a table whose rows past the top are in the
// page's row data (table.fill): all of them are searched, sorted and
// exported.
func moreNote(shown, total int, what string) string {
	if shown >= total {
		return ""
	}
	return fmt.Sprintf("Showing the top %s of %s %s first (--top), as the charts do; the filter, sorting, pages and CSV cover all %s.",
		thousands(int64(shown)), thousands(int64(total)), what, thousands(int64(total)))
}

// notKeptNote says, under a table, that a list kept fewer rows than the
// capture had (past --keys, or a bound of analyze's): those rows are in
// no table and no search finds them.
func notKeptNote(kept int, seen int64, what string) string {
	if seen <= int64(kept) {
		return ""
	}
	return fmt.Sprintf(" Not kept: up to %s more %s were seen than the %s kept (--keys); no table or search holds them.",
		thousands(seen-int64(kept)), what, thousands(int64(kept)))
}

// estimatedNotKept is notKeptNote for a heavy-hitter list.
func estimatedNotKept(e *analyze.Estimate, what string) string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf(" Not kept: more distinct %s were seen than the %s kept (--keys); those past them are in no table, and no search finds them.",
		what, thousands(int64(e.Tracked)))
}

// keyCard is a card counting the keys of a list, "100,000+" when the list
// is an estimate that kept fewer keys than there were.
// Its hover text is the estimate's note, the one explanation of it.
func keyCard(label string, n int, e *analyze.Estimate) fact {
	f := fact{Label: label, Value: thousands(int64(n))}
	if e != nil {
		f.Value += "+"
		f.Title = estimateNote(e, "addresses", "address")
	}
	return f
}

// markEstimated says in s that the list behind t is an estimate, when e
// is not nil: a note with its bound, and a "may miss" column in t, whose
// cells the caller adds with missCell. It reports whether it did.
func (s *section) markEstimated(e *analyze.Estimate, t *table, what, one string) bool {
	if e == nil {
		return false
	}
	s.Notes = append(s.Notes, estimateNote(e, what, one))
	t.Columns = append(t.Columns, column{"May miss (" + e.Unit + ")", true})
	return true
}

// estimateNote explains an estimated list under its section's intro.
func estimateNote(e *analyze.Estimate, what, one string) string {
	bytes := ""
	if e.MaxErrorBytes > 0 {
		bytes = fmt.Sprintf(" (%s bytes)", thousands(e.MaxErrorBytes))
	}
	return fmt.Sprintf("Estimated: there were more distinct %s than the %s kept, so this list is a heavy-hitter (Space-Saving) estimate; "+
		"%s times a new one took the place of the one with the fewest %s. "+
		"No %s missing from the list has more than %s %s%s, and a listed count may miss at most that many: "+
		"the column \u201cmay miss\u201d gives each row's bound (0 where the count is exact).",
		what, thousands(int64(e.Tracked)), thousands(e.Replaced), e.Unit,
		one, thousands(e.MaxError), e.Unit, bytes)
}

func endpointSection(id, title, verb string, eps []analyze.Endpoint, c analyze.Capture, nm namer, top int, est *analyze.Estimate) section {
	n := limit(len(eps), top)
	byPackets := make([]barItem, n)
	for i, e := range eps[:n] {
		byPackets[i] = barItem{nm.label(e.IP), e.Packets}
	}
	// The ranking by bytes is a display choice: re-sort a copy.
	byBytes := sortedBy(eps, func(e analyze.Endpoint) int64 { return e.Bytes })
	byteItems := make([]barItem, n)
	for i, e := range byBytes[:n] {
		byteItems[i] = barItem{nm.label(e.IP), e.Bytes}
	}
	sec := section{
		ID: id, Title: title,
		Intro: fmt.Sprintf("%s IP addresses; bytes are IP total lengths. %s by each address, ranked by packets.",
			thousands(int64(len(eps))), verb),
		Charts: []chart{
			hbar("chart-"+id+"-packets", title+" by packets", "IP packets", "count", byPackets),
			hbar("chart-"+id+"-bytes", title+" by bytes", "IP bytes", "bytes", byteItems),
		},
	}
	t := &table{
		Caption: title + " by packets",
		Columns: []column{{"#", true}, {"IP address", false}, {"Names seen in the capture", false}, {"Packets", true}, {"% of IP packets", true}, {"Bytes", true}},
		More:    moreNote(n, len(eps), "addresses"),
	}
	estimated := sec.markEstimated(est, t, "addresses", "address")
	t.More += estimatedNotKept(est, "addresses")
	t.fill(n, len(eps), func(i int) []cell {
		e := eps[i]
		row := []cell{
			num(int64(i + 1)), {Text: e.IP}, {Text: nm.names(e.IP), Title: nm.all(e.IP)}, num(e.Packets), pct(e.Packets, c.IPPackets), bytesCell(e.Bytes),
		}
		if estimated {
			row = append(row, missCell(e.PacketsError, e.BytesError))
		}
		return row
	})
	sec.Tables = append(sec.Tables, t)
	return sec
}

// missCell shows what an estimated row may miss: packets (or queries),
// with the bytes on hover.
func missCell(n, bytes int64) cell {
	c := num(n)
	if bytes > 0 {
		c.Title = "and up to " + thousands(bytes) + " bytes"
	}
	return c
}

func dnsSection(dns analyze.DNS, nm namer, top int, est *analyze.Estimate) section {
	n := limit(len(dns.Queries), top)
	items := bars(dns.Queries, n, func(q analyze.DNSQuery) barItem { return nameBar(q.Name, q.Count) })
	sec := section{
		ID: "dns", Title: "DNS queries",
		Intro: fmt.Sprintf("%s query messages (QR=0) on UDP or TCP port 53 for %s distinct names, and %s responses. "+
			"Names are the first question's, lower-cased; control bytes and invalid UTF-8 are shown as \\x escapes.",
			thousands(dns.TotalQueries), thousands(int64(len(dns.Queries))), thousands(dns.Responses)),
		Charts: []chart{hbar("chart-dns", "Top DNS query names by queries", "queries", "count", items)},
	}
	t := &table{
		Caption: "DNS query names by queries",
		Columns: []column{{"#", true}, {"Name", false}, {"Queries", true}, {"Clients that asked", false}},
		More:    moreNote(n, len(dns.Queries), "names"),
	}
	estimated := sec.markEstimated(est, t, "names", "name")
	t.More += estimatedNotKept(est, "names")
	t.fill(n, len(dns.Queries), func(i int) []cell {
		q := dns.Queries[i]
		row := []cell{num(int64(i + 1)), {Text: show.Printable(q.Name, 0)}, num(q.Count), {Text: clientsText(q.Clients, q.ClientsTotal)}}
		if estimated {
			row = append(row, missCell(q.CountError, 0))
		}
		return row
	})
	sec.Tables = append(sec.Tables, t)
	return sec
}

// maxTimelineRows bounds the timeline table in the page; the JSON has every bin.
const maxTimelineRows = 1000

func timelineSection(tl analyze.Timeline, loc *time.Location, top int) section {
	ch, notes := timelineChart(tl, loc)
	width := binWidthText(binSeconds(tl))
	sec := section{
		ID: "timeline", Title: "Traffic over time",
		Intro:  fmt.Sprintf("IP packets and bytes in %s bins, from the bin of the first IP packet to the bin of the last.", width),
		Charts: []chart{ch},
		Notes:  notes,
	}
	if binSeconds(tl) != tl.IntervalSeconds && tl.IntervalSeconds > 0 {
		sec.Notes = append(sec.Notes, fmt.Sprintf("The bins asked for were %s; at that width the IP packets would fill more than %s bins, "+
			"so they are merged into %s bins.", binWidthText(tl.IntervalSeconds), thousands(analyze.MaxBins), width))
	}
	if tl.Sparse {
		sec.Notes = append(sec.Notes, fmt.Sprintf("The capture's IP packets span more than %s bins, so only the %s non-empty bins are listed; "+
			"the chart breaks its line across the empty stretches.", thousands(analyze.MaxBins), thousands(int64(len(tl.Bins)))))
	}
	t := &table{
		Caption:   "IP traffic per bin",
		Columns:   []column{{"Bin start", false}, {"Packets", true}, {"Bytes", true}},
		Collapsed: true,
	}
	rows := tl.Bins
	if len(rows) > maxTimelineRows {
		// Too many to list: show the non-empty bins with the most bytes, in time order.
		nonEmpty := make([]analyze.Bin, 0, len(rows))
		for _, b := range rows {
			if b.Packets > 0 {
				nonEmpty = append(nonEmpty, b)
			}
		}
		if len(nonEmpty) > maxTimelineRows {
			busiest := sortedBy(nonEmpty, func(b analyze.Bin) int64 { return b.Bytes })[:maxTimelineRows]
			keep := map[string]bool{}
			for _, b := range busiest {
				keep[b.Start] = true
			}
			sel := nonEmpty[:0:0]
			for _, b := range nonEmpty {
				if keep[b.Start] {
					sel = append(sel, b)
				}
			}
			nonEmpty = sel
			t.More = fmt.Sprintf("Showing the %s busiest of %s bins, in time order; the JSON lists every bin.",
				thousands(maxTimelineRows), thousands(int64(len(tl.Bins))))
		} else {
			t.More = fmt.Sprintf("Showing the %s non-empty bins of %s; the JSON lists every bin.",
				thousands(int64(len(nonEmpty))), thousands(int64(len(tl.Bins))))
		}
		rows = nonEmpty
	}
	for _, b := range rows {
		t.Rows = append(t.Rows, []cell{{Text: showTime(b.Start, loc)}, num(b.Packets), bytesCell(b.Bytes)})
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}

func problemSection(c analyze.Capture) section {
	sec := section{
		ID: "problems", Title: "Packets not counted as IP, and decode errors",
		Intro: fmt.Sprintf("%s packets carried something other than IP, %s could not be decoded at all, and %s had a layer that failed to decode. "+
			"No packet is dropped in silence: every one is counted here or above.",
			thousands(c.OtherPackets), thousands(c.UndecodablePackets), thousands(c.DecodeErrors)),
	}
	t := &table{
		Caption: "Packets by what they carried or why they failed",
		Columns: []column{{"Kind", false}, {"What", false}, {"Packets", true}},
	}
	for _, o := range c.OtherProtocols {
		t.Rows = append(t.Rows, []cell{{Text: "not IP"}, {Text: o.Name}, num(o.Count)})
	}
	for _, r := range c.DecodeErrorReasons {
		t.Rows = append(t.Rows, []cell{{Text: "decode error"}, {Text: r.Name}, num(r.Count)})
	}
	for _, e := range c.DecodeErrorExamples {
		where := "packet " + thousands(e.Packet)
		if e.Offset >= 0 {
			where += " at byte " + thousands(e.Offset)
		}
		what := e.Reason
		if e.Detail != "" {
			what += ": " + e.Detail
		}
		sec.Notes = append(sec.Notes, where+": "+show.Printable(what, 300))
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}

// sortedBy returns a copy of xs ordered by key descending; ties keep their
// order, which is already deterministic.
func sortedBy[T any](xs []T, key func(T) int64) []T {
	out := append([]T(nil), xs...)
	slices.SortStableFunc(out, func(a, b T) int { return cmp.Compare(key(b), key(a)) })
	return out
}

func printables(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = show.Printable(x, 1000)
	}
	return out
}

func num(n int64) cell { return cell{Text: thousands(n), Numeric: true} }

func bytesCell(n int64) cell {
	return cell{Text: thousands(n), Title: humanBytes(n), Numeric: true}
}

func pct(n, of int64) cell {
	if of == 0 {
		return cell{Text: "–", Numeric: true}
	}
	return cell{Text: strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64), Numeric: true}
}

// thousands writes n with commas between groups of three digits.
func thousands(n int64) string { return show.Thousands(n) }

// humanBytes writes n in decimal units, as the page's script does.
func humanBytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	v := float64(n)
	i := 0
	for math.Abs(v) >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatInt(n, 10) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

func humanDuration(sec float64) string {
	const day = 24 * 3600
	switch {
	case sec < 1:
		return time.Duration(sec * float64(time.Second)).Round(time.Microsecond).String()
	case sec < 3600:
		return time.Duration(sec * float64(time.Second)).Round(time.Millisecond).String()
	case sec < 2*day:
		return time.Duration(sec * float64(time.Second)).Round(time.Second).String()
	case sec < 365*day:
		return strconv.FormatFloat(sec/day, 'f', 1, 64) + " days"
	}
	return strconv.FormatFloat(sec/(365.25*day), 'f', 1, 64) + " years"
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// bulkOf is the span of the bulk of c's timestamps, which the page shows
// as the capture's first and last packet; for a Summary written before
// Capture.Bulk existed, the first and last packet.
func bulkOf(c analyze.Capture) analyze.Bulk {
	if c.Bulk.First == "" && c.First != "" {
		return analyze.Bulk{First: c.First, Last: c.Last, DurationSeconds: c.DurationSeconds}
	}
	return c.Bulk
}

// outlyingFact names the packets stamped outside the bulk of c's times,
// if any: the span the page shows leaves them out.
func outlyingFact(c analyze.Capture, loc *time.Location) (fact, bool) {
	b := c.Bulk
	if b.OutlyingPackets == 0 {
		return fact{}, false
	}
	v := fmt.Sprintf("%s stamped far outside the span above; all timestamps run from %s to %s",
		show.Plural(b.OutlyingPackets, "packet"), showTime(c.First, loc), showTime(c.Last, loc))
	if len(b.OutlyingExamples) > 0 {
		nums := make([]string, len(b.OutlyingExamples))
		for i, n := range b.OutlyingExamples {
			nums[i] = strconv.FormatInt(n, 10)
		}
		first := "packets "
		if b.OutlyingPackets == 1 {
			first = "packet "
		}
		v += "; " + first + strings.Join(nums, ", ")
		if int64(len(nums)) < b.OutlyingPackets {
			v += ", …"
		}
	}
	return fact{Label: "Outlying timestamps", Value: v}, true
}

// showTime converts a time from the Summary to loc for display, keeping
// its fractional digits. Years past 9999 (corrupt timestamps) are shown
// as they are; a time that is not a Summary's is shown as given.
func showTime(s string, loc *time.Location) string {
	if s == "" {
		return "–"
	}
	t, err := analyze.ParseTime(s)
	if err != nil {
		return s
	}
	return formatShown(t, analyze.FracDigits(s), loc)
}

// formatShown writes t in loc with digits fractional digits and the zone.
func formatShown(t time.Time, digits int, loc *time.Location) string {
	if digits >= 0 && digits < len(shownLayouts) {
		return t.In(loc).Format(shownLayouts[digits])
	}
	return t.In(loc).Format(shownLayout(digits))
}

func shownLayout(digits int) string {
	layout := "2006-01-02 15:04:05"
	if digits > 0 {
		layout += "." + strings.Repeat("0", digits)
	}
	return layout + " MST"
}

// shownLayouts are formatShown's layouts for 0 to 9 fractional digits,
// made once: a report formats the times of thousands of rows.
var shownLayouts = func() (l [10]string) {
	for d := range l {
		l[d] = shownLayout(d)
	}
	return l
}()
