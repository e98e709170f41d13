package report_test

// Hostile HTTP and TLS strings: a capture built here holds HTTP/1.1
// requests whose Host header, request target and User-Agent, and TLS
// ClientHellos whose server name (SNI) and ALPN protocol names, carry
// markup, script, quotes, template actions, go-echarts' function marker,
// control bytes, invalid UTF-8, bidi overrides and 5,000-character values,
// some of them split across TCP segments or TLS records. It is analysed
// and rendered, and the page is checked without a browser (structure,
// every table cell and chart label) and in a real Chromium (nothing runs,
// nothing is fetched, every string is visible as text, nothing widens the
// page).

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
)

// webFileName is the base name of the capture file; it reaches the page's
// title and heading.
const webFileName = `web"'<svg onload=window.__pwned=11>.pcap`

var (
	webClient     = net.IP{192, 0, 2, 20}
	webHTTPServer = net.IP{192, 0, 2, 80}
	webTLSServer  = net.IP{192, 0, 2, 43}
)

// webLongTarget is a request target of 5,000 bytes (ASCII, so also 5,000
// characters) of markup and quotes, without a space.
var webLongTarget = ("/" + strings.Repeat(`</td>"'<i>\`, 500))[:5000]

// webLongSNI is a server name of 5,000 bytes of markup; it ends in a
// letter, as a browser does not show a table cell's trailing space.
var webLongSNI = strings.Repeat(`<b title='"'>sni</b> `, 300)[:4999] + "z"

// The strings of the control-byte cases. A header value ends only at a
// line feed, so Host and User-Agent keep every other control byte; a
// request target with a byte below 0x21 is not a request at all, so the
// target carries C1 controls (U+0080 to U+009F, sent as UTF-8) instead. A
// server name is length-prefixed and may hold any byte, a line feed too.
const (
	webControlHeader = "nul\x00bel\x07esc\x1bdel\x7ftab\tcr\rx"
	webControlTarget = "/c1\u0085x\u009b"
	webControlSNI    = "nul\x00bel\x07esc\x1bnl\ncr\r\x7fx"
	webBadUTF8       = "bad\xff\xfeutf8\xc3("
	webBidi          = "evil\u202egnp.exe\u2066x\u200by"
	webQuotes        = `a"b'c\d\\e\"f'`
)

// webRequest is one kind of HTTP request the capture holds, sent requests
// times on one keep-alive connection, each answered with status.
type webRequest struct {
	host, target, agent string
	requests            int
	status              int
	// split sends each request in two TCP segments, cut at this byte
	// (0: one segment).
	split int
	// counted says whether the analysis finds these requests: a request
	// line longer than the 4 KiB stream buffer is not found when it spans
	// segments, and a target with a control byte is not a request.
	counted bool
}

// webRequests are the HTTP requests of the capture. The counted ones have
// distinct counts, so the order of every table is known.
var webRequests = []webRequest{
	// Cut at byte 75, in the Host header's value.
	{`</script><script>window.__pwned=5</script>`, `/</script><script>window.__pwned=5</script>`, `</script><script>window.__pwned=5</script>`, 13, 200, 75, true},
	{`<img src=x onerror="window.__pwned=6">`, `/<img/src=x/onerror="window.__pwned=6">`, `<img src=x onerror="window.__pwned=6">`, 12, 404, 0, true},
	{webQuotes, "/" + webQuotes, webQuotes, 11, 500, 0, true},
	{`__f__function(){window.__pwned=7}__f__`, `/?q=__f__function(){window.__pwned=7}__f__`, `__f__function(){window.__pwned=7}__f__`, 10, 302, 0, true},
	{`{{.Title}}`, `/{{.Title}}`, `Mozilla {{.Title}} {{template "report.css"}}`, 9, 403, 0, true},
	{webControlHeader, webControlTarget, webControlHeader, 8, 418, 0, true},
	{webBadUTF8, "/" + webBadUTF8, webBadUTF8, 7, 503, 0, true},
	{webBidi, "/" + webBidi, webBidi, 6, 301, 0, true},
	// The 5,000-character target in one segment is read in place.
	{"long.example", webLongTarget, "long-agent/1.0", 5, 200, 0, true},
	// Split over two segments it exceeds the 4 KiB stream buffer.
	{"split.example", webLongTarget, "split-agent/1.0", 2, 414, 2500, false},
	{"rejected.example", "/a\x07b", "rejected-agent/1.0", 3, 400, 0, false},
}

// webReason is the reason phrase of every response; the analysis reads
// only the status code, so it must not reach the page.
const webReason = `</script><script>window.__pwned=12</script>`

// The ALPN protocol names offered.
const (
	webALPNImg  = `<img src=x onerror="window.__pwned=9">`
	webALPNCtrl = "alpn\x00\x1b\u202e</script>"
)

// webHello is one kind of TLS ClientHello, sent hellos times, each on its
// own connection (the analysis reads one hello per connection).
type webHello struct {
	sni    string // "" for none
	hellos int
	alpn   []string
	split  int  // cut each hello into two TCP segments at this byte (0: one segment)
	twoRec bool // send the handshake message in two TLS records
}

var webHellos = []webHello{
	// Cut at byte 110, in the server name (bytes 97 to 139).
	{`</script><script>window.__pwned=5</script>`, 11, []string{"h2", webALPNImg}, 110, false},
	{`<img src=x onerror="window.__pwned=6">`, 10, []string{"h2"}, 0, false},
	{webQuotes, 9, []string{"h2", webALPNImg}, 0, true},
	{`__f__function(){window.__pwned=7}__f__`, 8, []string{"h2"}, 0, false},
	{`{{.Title}}`, 7, []string{"h2", webALPNImg}, 0, false},
	{webControlSNI, 6, []string{"h2", webALPNCtrl}, 0, false},
	{webBadUTF8, 5, []string{"h2", webALPNImg}, 0, false},
	{webBidi, 4, []string{"h2"}, 0, false},
	// 5,000 bytes of server name, cut in the middle.
	{webLongSNI, 3, []string{"h2", webALPNImg}, 2500, false},
	{"", 2, []string{"h2"}, 0, false},
}

// webCapture is what buildWebCapture wrote.
type webCapture struct {
	path    string
	packets int
}

// webClientHello builds a TLS ClientHello by hand: record header(s),
// handshake header, legacy_version, random, session ID, cipher suites,
// compression methods and the extensions server_name (if sni is not
// empty), supported_versions (GREASE, TLS 1.3, TLS 1.2) and ALPN.
func webClientHello(t testing.TB, sni string, alpn []string, twoRecords bool) []byte {
	t.Helper()
	u16 := func(b []byte, v int) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
	ext := func(b []byte, typ int, data []byte) []byte {
		b = u16(b, typ)
		b = u16(b, len(data))
		return append(b, data...)
	}
	var exts []byte
	if sni != "" {
		var list []byte
		list = append(list, 0) // host_name
		list = u16(list, len(sni))
		list = append(list, sni...)
		exts = ext(exts, 0, append(u16(nil, len(list)), list...))
	}
	exts = ext(exts, 43, []byte{6, 0x0a, 0x0a, 0x03, 0x04, 0x03, 0x03})
	var names []byte
	for _, p := range alpn {
		if len(p) == 0 || len(p) > 255 {
			t.Fatalf("bad ALPN name %q", p)
		}
		names = append(names, byte(len(p)))
		names = append(names, p...)
	}
	exts = ext(exts, 16, append(u16(nil, len(names)), names...))

	body := []byte{0x03, 0x03}
	for i := range 32 {
		body = append(body, byte(i)) // random
	}
	body = append(body, 32)
	for i := range 32 {
		body = append(body, byte(0xa0+i)) // session ID
	}
	body = u16(body, 6)
	body = append(body, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f)
	body = append(body, 1, 0) // compression: null
	body = u16(body, len(exts))
	body = append(body, exts...)

	msg := []byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	msg = append(msg, body...)
	record := func(frag []byte) []byte {
		if len(frag) > 1<<14 {
			t.Fatalf("TLS record of %d bytes", len(frag))
		}
		r := []byte{22, 3, 1}
		r = u16(r, len(frag))
		return append(r, frag...)
	}
	if twoRecords {
		cut := len(msg) / 2
		return append(record(msg[:cut]), record(msg[cut:])...)
	}
	return record(msg)
}

func webHTTPRequestBytes(r webRequest) []byte {
	return []byte("GET " + r.target + " HTTP/1.1\r\nHost: " + r.host + "\r\nUser-Agent: " + r.agent +
		"\r\nAccept: */*\r\n\r\n")
}

// buildWebCapture writes the capture into dir: Ethernet, IPv4, TCP, one
// packet every 20 ms. Every connection's sequence numbers grow with the
// bytes sent, so no segment looks like a retransmission.
func buildWebCapture(t testing.TB, dir string) webCapture {
	t.Helper()
	wc := webCapture{path: filepath.Join(dir, webFileName)}
	f, err := os.Create(wc.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func(src, dst net.IP, sport, dport uint16, seq, ack uint32, payload []byte) {
		t.Helper()
		eth := &layers.Ethernet{
			SrcMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, src[3]},
			DstMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, dst[3]},
			EthernetType: layers.EthernetTypeIPv4,
		}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: uint16(wc.packets), Flags: layers.IPv4DontFragment,
			Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack,
			ACK: true, PSH: true, Window: 65535}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		if len(data) > 65535 {
			t.Fatalf("frame of %d bytes", len(data))
		}
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		ts = ts.Add(20 * time.Millisecond)
		wc.packets++
	}
	port := uint16(41000)
	for i, r := range webRequests {
		port++
		cseq, sseq := uint32(1_000_000*(i+1)), uint32(2_000_000_000+1_000_000*i)
		for range r.requests {
			req := webHTTPRequestBytes(r)
			parts := [][]byte{req}
			if r.split > 0 {
				if r.split >= len(req) {
					t.Fatalf("split at %d of a %d-byte request", r.split, len(req))
				}
				parts = [][]byte{req[:r.split], req[r.split:]}
			}
			for _, p := range parts {
				write(webClient, webHTTPServer, port, 80, cseq, sseq, p)
				cseq += uint32(len(p))
			}
			resp := []byte(fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", r.status, webReason))
			write(webHTTPServer, webClient, 80, port, sseq, cseq, resp)
			sseq += uint32(len(resp))
		}
	}
	port = 51000
	for i, h := range webHellos {
		for k := range h.hellos {
			port++
			seq := uint32(3_000_000_000 + 1_000_000*i + 10_000*k)
			hello := webClientHello(t, h.sni, h.alpn, h.twoRec)
			parts := [][]byte{hello}
			if h.split > 0 {
				if h.split >= len(hello) {
					t.Fatalf("split at %d of a %d-byte hello", h.split, len(hello))
				}
				parts = [][]byte{hello[:h.split], hello[h.split:]}
			}
			for _, p := range parts {
				write(webClient, webTLSServer, port, 443, seq, 1, p)
				seq += uint32(len(p))
			}
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return wc
}

// webShort is how a chart label or a shortened cell must show s: as
// shown does, but cut to at most max runes before "…", an escape never
// cut in two (shown, like analyze.Printable, lets an escape that starts
// before the limit run up to three runes past it).
func webShort(s string, max int) string {
	var out []rune
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		piece := []rune(shown(s[i:i+size], 0)) // one rune, or one byte of invalid UTF-8
		if len(out)+len(piece) > max {
			return string(out) + "…"
		}
		out = append(out, piece...)
		i += size
	}
	return string(out)
}

// webCount is a name as the page must show it and its count.
type webCount struct {
	name  string
	count int
}

// webExpected is what the page must show, worked out from the lists
// above, not from the analysis.
type webExpected struct {
	requests      [][]string // Method, URL, Requests, Clients
	hosts, agents []webCount // raw names (hosts lower-cased), in table order
	status        []webCount
	sni, alpn     []webCount
	totalRequests int
	responses     int
	hellos        int
	withoutSNI    int
	httpNames     []string // the names the HTTP server gets from Host headers, sorted
	tlsNames      []string // the names the TLS server gets from server names, sorted
}

func webSortCounts(cs []webCount) []webCount {
	slices.SortStableFunc(cs, func(a, b webCount) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.name, b.name)
	})
	return cs
}

func webExpectations() webExpected {
	var e webExpected
	hosts, agents, status := map[string]int{}, map[string]int{}, map[string]int{}
	type urlRow struct {
		url   string
		count int
	}
	var urls []urlRow
	for _, r := range webRequests {
		status[fmt.Sprint(r.status)] += r.requests
		e.responses += r.requests
		if !r.counted {
			continue
		}
		e.totalRequests += r.requests
		host := webCut(lowerASCII(r.host), analyze.MaxNameLen)
		hosts[host] += r.requests
		agents[webCut(r.agent, analyze.MaxUserAgentLen)] += r.requests
		urls = append(urls, urlRow{"http://" + host + webCut(r.target, analyze.MaxTargetLen), r.requests})
	}
	slices.SortStableFunc(urls, func(a, b urlRow) int { return b.count - a.count })
	for _, u := range urls {
		e.requests = append(e.requests, []string{"GET", shown(u.url, 0), commas(u.count), webClient.String() + " (" + commas(u.count) + ")"})
	}
	toCounts := func(m map[string]int) []webCount {
		var out []webCount
		for k, n := range m {
			out = append(out, webCount{k, n})
		}
		return webSortCounts(out)
	}
	e.hosts, e.agents, e.status = toCounts(hosts), toCounts(agents), toCounts(status)
	for _, h := range e.hosts {
		e.httpNames = append(e.httpNames, h.name)
	}
	slices.Sort(e.httpNames)

	sni, alpn := map[string]int{}, map[string]int{}
	for _, h := range webHellos {
		e.hellos += h.hellos
		for _, p := range h.alpn {
			alpn[p] += h.hellos
		}
		if h.sni == "" {
			e.withoutSNI += h.hellos
			continue
		}
		name := webCut(lowerASCII(h.sni), analyze.MaxNameLen)
		sni[name] += h.hellos
		e.tlsNames = append(e.tlsNames, name)
	}
	slices.Sort(e.tlsNames)
	e.sni, e.alpn = toCounts(sni), toCounts(alpn)
	return e
}

// webCut is a string as the analysis keeps it: cut to limit bytes with a
// mark that says its length, when longer (the strings here are ASCII).
func webCut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return fmt.Sprintf("%s…[cut, %d bytes]", s[:limit], len(s))
}

// webCountsText shows counts for a failure message, long names abbreviated.
func webCountsText(cs []webCount) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		name := c.name
		if len(name) > 100 {
			name = fmt.Sprintf("%s…(%d bytes)", name[:80], len(name))
		}
		parts[i] = fmt.Sprintf("%q×%d", name, c.count)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// webCountRows are the rows a two-column table of names and counts must have.
func webCountRows(cs []webCount) [][]string {
	out := make([][]string, len(cs))
	for i, c := range cs {
		out[i] = []string{shown(c.name, 0), commas(c.count)}
	}
	return out
}

// webTable returns the data table with the given caption in section id.
func webTable(t *testing.T, doc *html.Node, id, caption string) *html.Node {
	t.Helper()
	sec := findElement(doc, func(n *html.Node) bool {
		v, _ := attr(n, "id")
		return n.Data == "section" && v == id
	})
	if sec == nil {
		t.Fatalf("no section %q", id)
	}
	var found *html.Node
	for n := range sec.Descendants() {
		if n.Type != html.ElementNode || n.Data != "table" || !hasClass(n, "data") {
			continue
		}
		c := findElement(n, func(c *html.Node) bool { return c.Data == "caption" })
		if c != nil && strings.TrimSpace(textOf(c)) == caption {
			if found != nil {
				t.Fatalf("section %q has two tables captioned %q", id, caption)
			}
			found = n
		}
	}
	if found == nil {
		t.Fatalf("section %q has no table captioned %q", id, caption)
	}
	return found
}

// webCells returns the cells under the column headers cols of each row of
// table (the "None in this capture." row left out).
func webCells(t *testing.T, table *html.Node, cols ...string) [][]*html.Node {
	t.Helper()
	var headers []string
	for n := range table.Descendants() {
		if n.Type == html.ElementNode && n.Data == "th" && n.Parent != nil && n.Parent.Parent != nil && n.Parent.Parent.Data == "thead" {
			headers = append(headers, strings.TrimSpace(textOf(n)))
		}
	}
	index := make([]int, len(cols))
	for i, c := range cols {
		if index[i] = slices.Index(headers, c); index[i] < 0 {
			t.Fatalf("the table has no column %q (columns %q)", c, headers)
		}
	}
	tbody := findElement(table, func(n *html.Node) bool { return n.Data == "tbody" })
	if tbody == nil {
		t.Fatalf("the table has no body")
	}
	var rows [][]*html.Node
	for tr := range tbody.ChildNodes() {
		if tr.Type != html.ElementNode || tr.Data != "tr" {
			continue
		}
		var cells []*html.Node
		empty := false
		for td := range tr.ChildNodes() {
			if td.Type == html.ElementNode && td.Data == "td" {
				empty = empty || hasClass(td, "empty")
				cells = append(cells, td)
			}
		}
		if empty {
			continue
		}
		row := make([]*html.Node, len(cols))
		for i, k := range index {
			if k >= len(cells) {
				t.Fatalf("a row has %d cells, want more than %d", len(cells), k)
			}
			row[i] = cells[k]
		}
		rows = append(rows, row)
	}
	return rows
}

// webRows is webCells' text.
func webRows(t *testing.T, doc *html.Node, id, caption string, cols ...string) [][]string {
	t.Helper()
	var out [][]string
	for _, r := range webCells(t, webTable(t, doc, id, caption), cols...) {
		row := make([]string, len(r))
		for i, c := range r {
			row[i] = textOf(c)
		}
		out = append(out, row)
	}
	return out
}

// webCompareRows reports every row of got that differs from want. Long cells
// are abbreviated in the messages.
func webCompareRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	abbrev := func(r []string) []string {
		out := make([]string, len(r))
		for i, c := range r {
			if utf8.RuneCountInString(c) > 120 {
				c = fmt.Sprintf("%s…(%d runes)", string([]rune(c)[:100]), utf8.RuneCountInString(c))
			}
			out[i] = c
		}
		return out
	}
	if len(got) != len(want) {
		t.Errorf("%s has %d rows, want %d", what, len(got), len(want))
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("%s lacks row %d %q", what, i+1, abbrev(want[i]))
		case i >= len(want):
			t.Errorf("%s has an extra row %d %q", what, i+1, abbrev(got[i]))
		case !slices.Equal(got[i], want[i]):
			t.Errorf("%s row %d is\n %q\nwant\n %q", what, i+1, abbrev(got[i]), abbrev(want[i]))
		}
	}
}

// webHostileStrings are the raw strings of the capture, for the checks
// that none reaches a script element unescaped.
func webHostileStrings() []string {
	var out []string
	for _, r := range webRequests {
		out = append(out, r.host, lowerASCII(r.host), r.target, r.agent, "http://"+lowerASCII(r.host)+r.target)
	}
	for _, h := range webHellos {
		out = append(out, h.sni, lowerASCII(h.sni))
	}
	return append(out, webALPNImg, webALPNCtrl, webReason)
}

func TestHostileWebReport(t *testing.T) {
	wc := buildWebCapture(t, t.TempDir())
	want := webExpectations()
	s, page := renderFile(t, wc.path)
	if t.Failed() {
		return
	}

	t.Run("capture", func(t *testing.T) {
		if len(webLongTarget) != 5000 || len(webLongSNI) != 5000 {
			t.Fatalf("long strings of %d and %d bytes, want 5000", len(webLongTarget), len(webLongSNI))
		}
		if s.Capture.Packets != int64(wc.packets) || s.Capture.IPPackets != int64(wc.packets) || s.Capture.DecodeErrors != 0 {
			t.Errorf("%d packets (%d IP, %d decode errors), wrote %d", s.Capture.Packets, s.Capture.IPPackets, s.Capture.DecodeErrors, wc.packets)
		}
	})

	t.Run("HTTP summary", func(t *testing.T) {
		h := s.HTTP
		if h.TotalRequests != int64(want.totalRequests) || h.TotalResponses != int64(want.responses) {
			t.Errorf("%d requests and %d responses, want %d and %d (the split 5,000-character target and the target with a control byte are not requests)",
				h.TotalRequests, h.TotalResponses, want.totalRequests, want.responses)
		}
		type key struct{ method, host, path string }
		got := map[key]int64{}
		for _, r := range h.Requests {
			got[key{r.Method, r.Host, r.Path}] = r.Count
			if r.URL != "http://"+r.Host+r.Path {
				t.Errorf("request URL %.80q is not http:// + Host %.80q + path %.80q", r.URL, r.Host, r.Path)
			}
		}
		wantReq := map[key]int64{}
		for _, r := range webRequests {
			if r.counted {
				wantReq[key{"GET", webCut(lowerASCII(r.host), analyze.MaxNameLen), webCut(r.target, analyze.MaxTargetLen)}] = int64(r.requests)
			}
		}
		for k, n := range wantReq {
			if got[k] != n {
				t.Errorf("summary counts %d requests for Host %.80q target %.80q, wrote %d", got[k], k.host, k.path, n)
			}
		}
		for k, n := range got {
			if _, ok := wantReq[k]; !ok {
				t.Errorf("summary lists %d requests for Host %.80q target %.80q, which were not written", n, k.host, k.path)
			}
		}
		same := func(what string, got []analyze.Count, want []webCount) {
			g := make([]webCount, len(got))
			for i, c := range got {
				g[i] = webCount{c.Name, int(c.Count)}
			}
			if !slices.Equal(g, want) {
				t.Errorf("summary %s\n got %s\nwant %s", what, webCountsText(g), webCountsText(want))
			}
		}
		same("hosts", h.Hosts, want.hosts)
		same("user agents", h.UserAgents, want.agents)
		same("status codes", h.StatusCodes, want.status)
		same("methods", h.Methods, []webCount{{"GET", want.totalRequests}})
	})

	t.Run("TLS summary", func(t *testing.T) {
		tl := s.TLS
		if tl.ClientHellos != int64(want.hellos) || tl.WithoutSNI != int64(want.withoutSNI) || tl.ECH != 0 {
			t.Errorf("%d ClientHellos, %d without SNI, %d ECH; want %d, %d, 0", tl.ClientHellos, tl.WithoutSNI, tl.ECH, want.hellos, want.withoutSNI)
		}
		var got []webCount
		for _, n := range tl.ServerNames {
			got = append(got, webCount{n.Name, int(n.Count)})
		}
		if !slices.Equal(got, want.sni) {
			t.Errorf("summary server names\n got %s\nwant %s", webCountsText(got), webCountsText(want.sni))
		}
		got = got[:0]
		for _, c := range tl.ALPN {
			got = append(got, webCount{c.Name, int(c.Count)})
		}
		if !slices.Equal(got, want.alpn) {
			t.Errorf("summary ALPN %s, want %s", webCountsText(got), webCountsText(want.alpn))
		}
		if len(tl.Versions) != 1 || tl.Versions[0] != (analyze.Count{Name: "TLS 1.3", Count: int64(want.hellos)}) {
			t.Errorf("summary versions %v, want TLS 1.3 %d times", tl.Versions, want.hellos)
		}
	})

	// The summary's failures do not stop the page checks: the page must
	// show what the summary holds, right or wrong.
	var pv *pageView
	if !t.Run("page structure", func(t *testing.T) { pv = checkPage(t, page, emptyCharts(s)) }) || pv == nil {
		return
	}
	doc := pv.doc

	t.Run("no markup from the capture", func(t *testing.T) {
		for n := range doc.Descendants() {
			if n.Type == html.ElementNode && fetchingElements[n.Data] {
				t.Errorf("the parsed page has a <%s> element", n.Data)
			}
		}
		title := findElement(doc, func(n *html.Node) bool { return n.Data == "title" })
		if want := webFileName + " – pcapreport"; title == nil || textOf(title) != want {
			t.Errorf("title is %q, want %q", textOf(title), want)
		}
		if strings.Contains(string(page), "window.__pwned=12") {
			t.Errorf("the page holds a response's reason phrase, which the analysis does not read")
		}
	})

	t.Run("scripts hold no capture string raw", func(t *testing.T) {
		for _, raw := range webHostileStrings() {
			for _, form := range []string{raw, shown(raw, 0), shown(raw, 40)} {
				if !needsEscaping(form) {
					continue
				}
				for i, sc := range pv.scripts {
					if strings.Contains(sc, form) {
						t.Errorf("script %d holds %.80q raw", i, form)
					}
				}
			}
		}
	})

	t.Run("HTTP requests table", func(t *testing.T) {
		got := webRows(t, doc, "http", "Requests by URL", "Method", "URL", "Requests", "Clients")
		webCompareRows(t, "the HTTP requests table", got, want.requests)
		// The 5,000-character target is in the table as the analysis keeps
		// it: its first MaxTargetLen bytes and the mark that it was cut.
		full := shown("http://long.example"+webCut(webLongTarget, analyze.MaxTargetLen), 0)
		found := false
		for _, r := range got {
			found = found || r[1] == full
			if strings.Contains(r[1], "split.example") || strings.Contains(r[1], "rejected.example") {
				t.Errorf("the requests table lists %.80q, which the analysis must not find", r[1])
			}
		}
		if !found {
			t.Errorf("no cell of the requests table holds the %d-character URL in full", utf8.RuneCountInString(full))
		}
	})
	t.Run("hosts table", func(t *testing.T) {
		webCompareRows(t, "the hosts table", webRows(t, doc, "http", "Hosts", "Host", "Requests"), webCountRows(want.hosts))
	})
	t.Run("user agents table", func(t *testing.T) {
		webCompareRows(t, "the user agents table", webRows(t, doc, "http", "User agents", "User-Agent", "Requests"), webCountRows(want.agents))
	})
	t.Run("status codes table", func(t *testing.T) {
		webCompareRows(t, "the status codes table", webRows(t, doc, "http", "Response status codes", "Status", "Responses"), webCountRows(want.status))
	})
	t.Run("TLS server names table", func(t *testing.T) {
		var rows [][]string
		for _, c := range want.sni {
			rows = append(rows, []string{shown(c.name, 0), commas(c.count), webClient.String() + " (" + commas(c.count) + ")"})
		}
		webCompareRows(t, "the TLS server names table", webRows(t, doc, "tls", "Server names (SNI)", "Server name", "ClientHellos", "Clients"), rows)
	})
	t.Run("ALPN table", func(t *testing.T) {
		webCompareRows(t, "the ALPN table", webRows(t, doc, "tls", "Application protocols offered (ALPN)", "Protocol", "ClientHellos"), webCountRows(want.alpn))
	})
	t.Run("TLS versions table", func(t *testing.T) {
		webCompareRows(t, "the TLS versions table", webRows(t, doc, "tls", "Highest TLS version offered", "Version", "ClientHellos"),
			[][]string{{"TLS 1.3", commas(want.hellos)}})
	})
	t.Run("TLS fingerprint tables", func(t *testing.T) { checkFingerprintTables(t, doc) })
	t.Run("cards", func(t *testing.T) {
		c := cards(doc)
		if c["HTTP requests"] != commas(want.totalRequests) || c["TLS server names"] != commas(len(want.sni)) {
			t.Errorf("cards show %q HTTP requests and %q TLS server names, want %s and %d",
				c["HTTP requests"], c["TLS server names"], commas(want.totalRequests), len(want.sni))
		}
	})

	t.Run("charts", func(t *testing.T) {
		for _, c := range []struct {
			section, id string
			want        []webCount
		}{
			{"http", "chart-http-hosts", want.hosts},
			{"tls", "chart-tls-sni", want.sni},
		} {
			sec := findElement(doc, func(n *html.Node) bool { v, _ := attr(n, "id"); return n.Data == "section" && v == c.section })
			if sec == nil || findElement(sec, func(n *html.Node) bool { v, _ := attr(n, "data-chart"); return v == c.id }) == nil {
				t.Errorf("section %q has no chart %q", c.section, c.id)
				continue
			}
			opt := pv.chartData[c.id]
			labels := axisData(t, opt, "yAxis")
			values := seriesValues(t, opt, 0)
			var wantLabels []string
			var wantValues []float64
			for _, w := range c.want {
				wantLabels = append(wantLabels, webShort(w.name, 40))
				wantValues = append(wantValues, float64(w.count))
			}
			if !slices.Equal(labels, wantLabels) {
				t.Errorf("%s labels\n got %q\nwant %q", c.id, labels, wantLabels)
			}
			if !slices.Equal(values, wantValues) {
				t.Errorf("%s values %v, want %v", c.id, values, wantValues)
			}
			for _, l := range labels {
				if n := utf8.RuneCountInString(l); n > 41 || (n == 41 && !strings.HasSuffix(l, "…")) {
					t.Errorf("%s label of %d runes: %.80q", c.id, n, l)
				}
			}
		}
	})

	t.Run("names of the servers", func(t *testing.T) {
		// Host headers and server names name the servers in the endpoint
		// tables (shortened to 60 runes, the full list in the title) and
		// on the endpoint charts' axes.
		cells := webCells(t, webTable(t, doc, "destinations", "Top destination IPs by packets"), "IP address", "Names seen in the capture")
		labels := axisData(t, pv.chartData["chart-destinations-packets"], "yAxis")
		for _, srv := range []struct {
			ip    net.IP
			names []string
		}{{webHTTPServer, want.httpNames}, {webTLSServer, want.tlsNames}} {
			var short, all []string
			for _, n := range srv.names[:min(3, len(srv.names))] {
				short = append(short, webShort(n, 60))
			}
			for _, n := range srv.names {
				all = append(all, shown(n, 0))
			}
			wantText := strings.Join(short, ", ")
			if len(srv.names) > 3 {
				wantText += fmt.Sprintf(" +%d more", len(srv.names)-3)
			}
			found := false
			for _, r := range cells {
				if textOf(r[0]) != srv.ip.String() {
					continue
				}
				found = true
				if got := textOf(r[1]); got != wantText {
					t.Errorf("names of %s shown as\n %q\nwant\n %q", srv.ip, got, wantText)
				}
				if got, _ := attr(r[1], "title"); got != strings.Join(all, ", ") {
					t.Errorf("the title of the names of %s is %.300q, want %.300q", srv.ip, got, strings.Join(all, ", "))
				}
			}
			if !found {
				t.Errorf("the destinations table has no row for %s", srv.ip)
			}
			if wantLabel := webShort(srv.ip.String()+" ("+srv.names[0]+")", 60); !slices.Contains(labels, wantLabel) {
				t.Errorf("the destinations chart has no label %q (labels %q)", wantLabel, labels)
			}
		}
	})
}

// webColumn is a column of a table the browser test reads, with the texts
// it must show.
type webColumn struct {
	Section string   `json:"section"`
	Caption string   `json:"caption"`
	Column  string   `json:"column"`
	Want    []string `json:"-"`
}

// webColumns are the columns whose every cell comes from the capture.
func webColumns() []webColumn {
	e := webExpectations()
	names := func(cs []webCount) []string {
		var out []string
		for _, c := range cs {
			out = append(out, shown(c.name, 0))
		}
		return out
	}
	var urls []string
	for _, r := range e.requests {
		urls = append(urls, r[1])
	}
	return []webColumn{
		{"http", "Requests by URL", "URL", urls},
		{"http", "Hosts", "Host", names(e.hosts)},
		{"http", "User agents", "User-Agent", names(e.agents)},
		{"tls", "Server names (SNI)", "Server name", names(e.sni)},
		{"tls", "Application protocols offered (ALPN)", "Protocol", names(e.alpn)},
	}
}

// webReadJS reads, for each column given, the textContent of its cells,
// the table's innerText, and whether the table is wider than its box.
const webReadJS = `(function (cols) {
  return cols.map(function (c) {
    var r = {cells: [], text: "", found: false};
    var tables = document.querySelectorAll("#" + c.section + " table.data");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      if (!t.caption || t.caption.textContent.trim() !== c.caption) { continue; }
      r.found = true;
      var col = Array.prototype.map.call(t.tHead.rows[0].cells, function (th) { return th.textContent.trim(); }).indexOf(c.column);
      Array.prototype.forEach.call(t.tBodies[0].rows, function (tr) {
        if (col >= 0 && tr.cells[col] && !tr.cells[col].classList.contains("empty")) { r.cells.push(tr.cells[col].textContent); }
      });
      r.text = t.innerText;
    }
    return r;
  });
})`

// webLayoutJS measures the page at the current viewport: its scroll
// width, the wrappers of the tables that hold strings from the capture
// that are wider than their box (a 5,000-character cell must wrap, not
// make its table scroll), and the elements that end past the viewport.
const webLayoutJS = `(function () {
  var out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: []};
  document.querySelectorAll("#http .table-wrap, #tls .table-wrap, #sources .table-wrap, #destinations .table-wrap").forEach(function (w) {
    if (w.scrollWidth > w.clientWidth + 1) {
      var cap = w.querySelector("caption");
      out.wide.push("table " + JSON.stringify(cap ? cap.textContent : "?") + " is " + w.scrollWidth + " px wide in a " + w.clientWidth + " px box");
    }
  });
  document.querySelectorAll("#http td, #tls td, #sources td, #destinations td, h1, p, .card, .chart").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1) {
      out.wide.push(el.tagName.toLowerCase() + " " + JSON.stringify(el.textContent.slice(0, 60)) + " ends at x=" + Math.round(r.right));
    }
  });
  return out;
})()`

func TestBrowserHostileWeb(t *testing.T) {
	bctx := startBrowser(t)
	wc := buildWebCapture(t, t.TempDir())
	file, _, page := writeReport(t, t.TempDir(), wc.path)
	wantCharts := strings.Count(string(page), " data-chart=")
	ctx, run := openPage(t, bctx, file, "light")
	if err := waitCharts(ctx, renderWait); err != nil {
		t.Errorf("charts did not render: %v", err)
	}
	checkChartsDrew(t, ctx, wantCharts)
	checkQuietPage(t, ctx, run)

	t.Run("nothing ran", func(t *testing.T) {
		type state struct {
			Pwned  string `json:"pwned"`
			Images int    `json:"images"`
			Title  string `json:"title"`
			Frames int    `json:"frames"`
		}
		st, err := chromedp.Run(ctx, chromedp.Evaluate[state](`({pwned: typeof window.__pwned,
  images: document.querySelectorAll("img").length, title: document.title,
  frames: document.querySelectorAll("iframe, object, embed, math, svg svg, svg foreignObject, svg script").length +
    Array.prototype.filter.call(document.querySelectorAll("svg"), function (s) {
      // Each chart is drawn as one SVG element, the root of what ECharts
      // made in the chart's element; any other is markup from the capture.
      var holder = s.parentElement && s.parentElement.parentElement;
      return !(holder && holder.hasAttribute("data-chart") && holder.querySelectorAll("svg").length === 1);
    }).length})`))
		if err != nil {
			t.Fatalf("reading the page: %v", err)
		}
		if st.Pwned != "undefined" {
			t.Errorf("window.__pwned is a %s: a string from the capture ran as script", st.Pwned)
		}
		if st.Images != 0 || st.Frames != 0 {
			t.Errorf("the page has %d <img> and %d other embedding elements", st.Images, st.Frames)
		}
		if want := webFileName + " – pcapreport"; st.Title != want {
			t.Errorf("document.title is %q, want %q", st.Title, want)
		}
	})

	t.Run("tables show the strings as text", func(t *testing.T) {
		cols := webColumns()
		arg, err := json.Marshal(cols)
		if err != nil {
			t.Fatal(err)
		}
		type read struct {
			Cells []string `json:"cells"`
			Text  string   `json:"text"`
			Found bool     `json:"found"`
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]read](webReadJS+"("+string(arg)+")"))
		if err != nil {
			t.Fatalf("reading the tables: %v", err)
		}
		if len(got) != len(cols) {
			t.Fatalf("read %d tables, want %d", len(got), len(cols))
		}
		for i, c := range cols {
			r := got[i]
			if !r.Found {
				t.Errorf("no table %q in #%s", c.Caption, c.Section)
				continue
			}
			column := func(xs []string) [][]string {
				out := make([][]string, len(xs))
				for i, x := range xs {
					out[i] = []string{x}
				}
				return out
			}
			webCompareRows(t, fmt.Sprintf("the %s column of %q in the browser", c.Column, c.Caption), column(r.Cells), column(c.Want))
			for _, w := range c.Want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("the innerText of %q does not show %.100q (%d runes)", c.Caption, w, utf8.RuneCountInString(w))
				}
			}
		}
	})

	t.Run("chart labels in the browser", func(t *testing.T) {
		e := webExpectations()
		for id, cs := range map[string][]webCount{"chart-http-hosts": e.hosts, "chart-tls-sni": e.sni} {
			var want []string
			for _, c := range cs {
				want = append(want, webShort(c.name, 40))
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
				`(function () { var el = document.getElementById(%q); var i = el && echarts.getInstanceByDom(el);
  return i ? i.getOption().yAxis[0].data.map(String) : []; })()`, id)))
			if err != nil {
				t.Fatalf("reading %s: %v", id, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s draws the labels\n %q\nwant\n %q", id, got, want)
			}
		}
	})

	t.Run("long strings do not widen the page", func(t *testing.T) {
		type layout struct {
			ScrollWidth int      `json:"scrollWidth"`
			InnerWidth  int      `json:"innerWidth"`
			Wide        []string `json:"wide"`
		}
		for _, width := range []int64{1200, 800} {
			var l layout
			err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900))
			if err == nil {
				err = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
					`new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(function () { r(true); }); }); })`,
					chromedp.EvalAwaitPromise))
			}
			if err == nil {
				l, err = chromedp.Run(ctx, chromedp.Evaluate[layout](webLayoutJS))
			}
			if err != nil {
				t.Fatalf("measuring the page at %d px: %v", width, err)
			}
			t.Logf("at %d px: scrollWidth %d, innerWidth %d", width, l.ScrollWidth, l.InnerWidth)
			if l.InnerWidth != int(width) {
				t.Errorf("the viewport is %d px wide, want %d", l.InnerWidth, width)
			}
			if l.ScrollWidth > l.InnerWidth {
				t.Errorf("at %d px the page is %d px wide: it scrolls sideways", width, l.ScrollWidth)
			}
			for _, w := range l.Wide {
				t.Errorf("at %d px: %s", width, w)
			}
		}
	})
}
