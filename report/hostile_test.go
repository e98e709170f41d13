package report_test

// Tests of the rendered page without a browser: a capture built here whose
// DNS query names are hostile (markup, script, quotes, template actions,
// go-echarts' function marker, control bytes, invalid UTF-8, bidi overrides,
// overlong names) is analysed and rendered, and the HTML is parsed to check
// that it stays one self-contained document that shows every name as text.
// The same structural checks run on every capture in testdata.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
	"github.com/pcapreport/pcapreport/templates"
)

// hostileFileName is the base name of the hostile capture file: it reaches
// the page's <title>, heading and facts table.
const hostileFileName = `x"'<img src=x onerror=window.__pwned=4>.pcap`

// hostileLongName is a 5,000-character query name (79 labels of at most 63
// bytes). A DNS name is at most 255 bytes on the wire, so the analyser must
// reject it as a malformed message instead of listing it.
var hostileLongName = dnsNameOfLength(5000, "<long>")

// hostileMaxName is a hostile name of 253 characters, the longest a DNS
// name can be (255 bytes on the wire); it must be listed in full.
var hostileMaxName = strings.Join([]string{
	hostileLabel(63), hostileLabel(63), hostileLabel(63), hostileLabel(61),
}, ".")

// hostileLabel is n bytes of markup; it does not end in a space, which a
// browser would not show at the end of a table cell.
func hostileLabel(n int) string { return strings.Repeat(`<a href=//xy/"'>`, 4)[:n] }

// hostileQueries are the query names of the hostile capture as written on
// the wire (a dot separates labels) and how many queries the capture holds
// for each. The counts differ so that the DNS table's order is known.
var hostileQueries = []struct {
	name    string
	queries int
}{
	{`</script><script>window.__pwned=1</script>`, 12},
	{`<img src=x onerror="window.__pwned=2">`, 11},
	{`"'\`, 10},
	{`__f__function(){window.__pwned=3}__f__`, 9},
	{`{{.Title}}`, 8},
	{"nul\x00bel\x07esc\x1b", 7},
	{"bad\xff\xfeutf8", 6},
	{"evil\u202egnp.exe", 5},
	{"<!--<script>", 4},
	{"line\u2028sep\u2029x", 3},
	{hostileMaxName, 2},
	{hostileLongName, 2}, // rejected: longer than 255 bytes on the wire
}

// hostileResponses is how many DNS responses (QR=1) the capture holds; they
// must not count as queries.
const hostileResponses = 1

var (
	hostileClient = net.IP{192, 0, 2, 10}
	hostileServer = net.IP{192, 0, 2, 53}
)

// hostileCapture is what buildHostileCapture wrote, for the tests to compare
// the report with.
type hostileCapture struct {
	path        string
	packets     int   // all packets, all IPv4/UDP
	queries     int   // DNS query messages, including the rejected long names
	clientBytes int64 // IP bytes sent by hostileClient
	serverBytes int64 // IP bytes sent by hostileServer
}

// dnsNameOfLength builds a name of exactly n characters from labels of at
// most 63 bytes filled with fill.
func dnsNameOfLength(n int, fill string) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		k := min(63, n-b.Len())
		b.WriteString(strings.Repeat(fill, 64/len(fill)+1)[:k])
	}
	return b.String()
}

// dnsMessage encodes a DNS message with one question for name, label by
// label, by hand: gopacket's serializer reads names in presentation form, in
// which a backslash is an escape, and it refuses names over 255 bytes.
func dnsMessage(t testing.TB, id uint16, name string, response bool) []byte {
	t.Helper()
	msg := make([]byte, 12, 12+len(name)+6)
	binary.BigEndian.PutUint16(msg[0:], id)
	flags := uint16(0x0100) // RD
	if response {
		flags |= 0x8080 // QR, RA
	}
	binary.BigEndian.PutUint16(msg[2:], flags)
	binary.BigEndian.PutUint16(msg[4:], 1) // QDCOUNT
	for _, label := range strings.Split(name, ".") {
		if len(label) == 0 || len(label) > 63 {
			t.Fatalf("bad label %q in test name", label)
		}
		msg = append(msg, byte(len(label)))
		msg = append(msg, label...)
	}
	msg = append(msg, 0)          // root
	msg = append(msg, 0, 1, 0, 1) // QTYPE A, QCLASS IN
	return msg
}

// buildHostileCapture writes the hostile capture into dir: Ethernet, IPv4,
// UDP to or from port 53, one packet every 250 ms.
func buildHostileCapture(t testing.TB, dir string) hostileCapture {
	t.Helper()
	hc := hostileCapture{path: filepath.Join(dir, hostileFileName)}
	f, err := os.Create(hc.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	write := func(src, dst net.IP, sport, dport uint16, payload []byte) int64 {
		eth := &layers.Ethernet{
			SrcMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, src[3]},
			DstMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, dst[3]},
			EthernetType: layers.EthernetTypeIPv4,
		}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: uint16(hc.packets), Protocol: layers.IPProtocolUDP, SrcIP: src, DstIP: dst}
		udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		ts = ts.Add(250 * time.Millisecond)
		hc.packets++
		return int64(ip.Length)
	}
	// Interleave the names, as a resolver would.
	left := make([]int, len(hostileQueries))
	for i, q := range hostileQueries {
		left[i] = q.queries
	}
	for id := uint16(1); ; {
		wrote := false
		for i, q := range hostileQueries {
			if left[i] == 0 {
				continue
			}
			left[i]--
			wrote = true
			hc.clientBytes += write(hostileClient, hostileServer, 40000+id, 53, dnsMessage(t, id, q.name, false))
			hc.queries++
			if id <= hostileResponses {
				hc.serverBytes += write(hostileServer, hostileClient, 53, 40000+id, dnsMessage(t, id, q.name, true))
			}
			id++
		}
		if !wrote {
			break
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return hc
}

// lowerASCII is how the analyser folds a query name's case.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// shown is how the page must show a string from a capture, following the
// rules analyze.Printable documents: a control byte (C0, DEL, C1) or a byte
// of invalid UTF-8 becomes \xNN, a bidirectional formatting character, a
// line or paragraph separator or a zero-width character \uNNNN, and the result is cut to at most max runes plus "…", never inside an escape (max <= 0: no limit).
// It is written out here rather than calling Printable, so that a bug in
// Printable fails the tests instead of being copied into their expectations.
func shown(s string, max int) string {
	var out []rune
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			piece = fmt.Sprintf(`\x%02x`, r)
		case r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069),
			r == 0x2028 || r == 0x2029, (r >= 0x200b && r <= 0x200d) || r == 0x2060 || r == 0xfeff || r == 0x180e:
			piece = fmt.Sprintf(`\u%04x`, r)
		default:
			piece = string(r)
		}
		// Never more than max runes, and never half an escape.
		if max > 0 && len(out)+utf8.RuneCountInString(piece) > max {
			return string(out) + "…"
		}
		out = append(out, []rune(piece)...)
		i += size
	}
	return string(out)
}

// commas writes n with commas between groups of three digits, as the page does.
func commas[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// emptyCharts returns the expected charts that have nothing to draw for s.
func emptyCharts(s *analyze.Summary) map[string]bool {
	return map[string]bool{
		"chart-timeline":             len(s.Timeline.Bins) == 0,
		"chart-sources-packets":      len(s.Sources) == 0,
		"chart-sources-bytes":        len(s.Sources) == 0,
		"chart-destinations-packets": len(s.Destinations) == 0,
		"chart-destinations-bytes":   len(s.Destinations) == 0,
		"chart-dns":                  len(s.DNS.Queries) == 0,
		"chart-conversations":        len(s.Conversations.IP) == 0,
		// The port charts show destination ports with traffic to them.
		"chart-ports-packets":       len(s.Ports.TCP)+len(s.Ports.UDP) == 0,
		"chart-ports-bytes":         len(s.Ports.TCP)+len(s.Ports.UDP) == 0,
		"chart-protocols-app":       len(s.Protocols.Application) == 0,
		"chart-protocols-transport": len(s.Protocols.Transport) == 0,
		"chart-http-hosts":          len(s.HTTP.Hosts) == 0,
		"chart-tls-sni":             len(s.TLS.ServerNames) == 0,
		"chart-netmap":              len(s.Hosts.List) == 0,
	}
}

// renderFile analyses the capture at path and renders its report.
func renderFile(t testing.TB, path string) (*analyze.Summary, []byte) {
	t.Helper()
	s, err := analyze.File(path, analyze.Options{})
	if err != nil {
		t.Fatalf("analyze.File(%q): %v", path, err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, s, report.Options{Version: "test"}); err != nil {
		t.Fatalf("report.Write(%q): %v", path, err)
	}
	return s, buf.Bytes()
}

// expectedCharts lists, per section id, the chart ids the section must hold,
// in page order. A section not listed here must have no charts unless the
// list is updated.
var expectedCharts = map[string][]string{
	"timeline":      {"chart-timeline"},
	"sources":       {"chart-sources-packets", "chart-sources-bytes"},
	"destinations":  {"chart-destinations-packets", "chart-destinations-bytes"},
	"conversations": {"chart-conversations"},
	"hosts":         nil,
	"netmap":        {"chart-netmap"},
	"ports":         {"chart-ports-packets", "chart-ports-bytes"},
	"protocols":     {"chart-protocols-app", "chart-protocols-transport"},
	"dns":           {"chart-dns"},
	"http":          {"chart-http-hosts"},
	"tls":           {"chart-tls-sni"},
	"icmp-arp":      nil,
	"problems":      nil,
}

// pageView is a rendered page that passed checkPage.
type pageView struct {
	doc       *html.Node
	chartData map[string]map[string]any
	scripts   []string // the text of every script element, in order
}

// urlAttributes are the attributes that make a browser fetch or navigate.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "srcset": true, "action": true, "formaction": true, "data": true,
	"poster": true, "background": true, "cite": true, "longdesc": true, "manifest": true,
	"ping": true, "xlink:href": true, "codebase": true, "archive": true, "profile": true,
	"usemap": true, "icon": true, "imagesrcset": true, "itemtype": true,
}

// fetchingElements are elements that load or embed something, which a
// self-contained report has no use for.
var fetchingElements = map[string]bool{
	"link": true, "iframe": true, "object": true, "embed": true, "img": true, "base": true,
	"form": true, "frame": true, "frameset": true, "applet": true, "audio": true, "video": true,
	"source": true, "track": true, "picture": true, "image": true, "portal": true, "svg": true,
	"math": true, "fencedframe": true,
}

// reporter is the part of *testing.T that checkPage uses, so that the
// checks can also be run on broken pages to see that they fail.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

func embedded(t reporter, name string) string {
	t.Helper()
	b, err := fs.ReadFile(templates.FS, name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(b)
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// checkPage checks what every report must be: one valid UTF-8 document
// that loads nothing, runs only the two hashed scripts, and has a chart
// option for every chart div and a div for every option. The charts in
// mayBeEmpty have no data, and the page may leave them out.
func checkPage(t reporter, page []byte, mayBeEmpty map[string]bool) *pageView {
	t.Helper()
	lib := embedded(t, templates.ECharts)
	app := embedded(t, "report.js")
	pv := &pageView{}

	if !utf8.Valid(page) {
		t.Errorf("the page is not valid UTF-8")
	}
	// Outside the two vendored/own scripts, no control byte (except white
	// space) and no bidi override may reach the page raw.
	rest := strings.Replace(strings.Replace(string(page), lib, "", 1), app, "", 1)
	for i, r := range rest {
		if (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Errorf("raw %U at byte %d: …%q…", r, i, rest[max(0, i-40):min(len(rest), i+40)])
		}
	}

	// Tokenize: a script or comment that ended early would show up here as
	// extra tags, and the raw text of every script element is kept.
	z := html.NewTokenizer(bytes.NewReader(page))
	starts, ends := map[string]int{}, map[string]int{}
	doctypes := 0
	var cspContent []string
	var scriptAttrs []map[string]string
	sawScriptOrStyle := false
	inScript, inStyle := false, false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				t.Errorf("tokenizing the page: %v", z.Err())
			}
			break
		}
		switch tt {
		case html.DoctypeToken:
			doctypes++
		case html.CommentToken:
			t.Errorf("the page has a comment: %q", z.Token().Data)
		case html.EndTagToken:
			tok := z.Token()
			ends[tok.Data]++
			inScript, inStyle = false, false
		case html.TextToken:
			text := string(z.Raw())
			switch {
			case inScript:
				pv.scripts[len(pv.scripts)-1] += text
			case inStyle:
				for _, bad := range []string{"url(", "@import", "image-set("} {
					if strings.Contains(strings.ToLower(text), bad) {
						t.Errorf("the stylesheet uses %s", bad)
					}
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			starts[tok.Data]++
			if fetchingElements[tok.Data] {
				t.Errorf("the page has a <%s> element: %s", tok.Data, tok.String())
			}
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				name := strings.ToLower(a.Key)
				if a.Namespace != "" {
					name = a.Namespace + ":" + name
				}
				attrs[name] = a.Val
				switch {
				case strings.HasPrefix(name, "on"):
					t.Errorf("<%s> has an event handler attribute %s=%q", tok.Data, name, a.Val)
				case urlAttributes[name] && !strings.HasPrefix(a.Val, "#"):
					t.Errorf("<%s %s=%q> points outside the page", tok.Data, name, a.Val)
				case name == "style":
					for _, bad := range []string{"url(", "expression(", "@import", "image-set("} {
						if strings.Contains(strings.ToLower(a.Val), bad) {
							t.Errorf("<%s style=%q> uses %s", tok.Data, a.Val, bad)
						}
					}
				}
			}
			switch tok.Data {
			case "meta":
				switch strings.ToLower(attrs["http-equiv"]) {
				case "content-security-policy":
					if sawScriptOrStyle {
						t.Errorf("the Content-Security-Policy comes after a script or style")
					}
					if starts["body"] > 0 {
						t.Errorf("the Content-Security-Policy is not in <head>")
					}
					cspContent = append(cspContent, attrs["content"])
				case "":
				default:
					t.Errorf("unexpected <meta http-equiv=%q>", attrs["http-equiv"])
				}
			case "script":
				sawScriptOrStyle = true
				scriptAttrs = append(scriptAttrs, attrs)
				pv.scripts = append(pv.scripts, "")
				inScript = tt == html.StartTagToken
			case "style":
				sawScriptOrStyle = true
				inStyle = tt == html.StartTagToken
			}
		}
	}
	if doctypes != 1 {
		t.Errorf("%d doctypes, want 1", doctypes)
	}
	for _, el := range []string{"html", "head", "body", "title", "main"} {
		if starts[el] != 1 || ends[el] != 1 {
			t.Errorf("<%s>: %d start tags and %d end tags, want 1 of each", el, starts[el], ends[el])
		}
	}

	// Exactly three scripts: the chart data (not run), ECharts and report.js,
	// byte for byte as embedded, since the CSP hashes rely on it.
	if len(pv.scripts) != 3 {
		t.Fatalf("%d script elements, want 3 (chart data, echarts, report.js)", len(pv.scripts))
	}
	if a := scriptAttrs[0]; a["type"] != "application/json" || a["id"] != "chart-data" || len(a) != 2 {
		t.Errorf("first script has attributes %v, want type=application/json id=chart-data", a)
	}
	for i, want := range map[int]string{1: lib, 2: app} {
		if len(scriptAttrs[i]) != 0 {
			t.Errorf("script %d has attributes %v, want none", i, scriptAttrs[i])
		}
		if pv.scripts[i] != want {
			t.Errorf("script %d (%d bytes) is not the embedded %s (%d bytes)", i, len(pv.scripts[i]),
				map[int]string{1: templates.ECharts, 2: "report.js"}[i], len(want))
		}
	}
	data := pv.scripts[0]
	for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029", "\u202e"} {
		if strings.Contains(data, bad) {
			i := strings.Index(data, bad)
			t.Errorf("the chart data holds a raw %q: …%s…", bad, data[max(0, i-60):min(len(data), i+60)])
		}
	}
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&pv.chartData); err != nil {
		t.Fatalf("the chart data is not a JSON object of options: %v", err)
	}
	if dec.More() {
		t.Errorf("the chart data has more than one JSON value")
	}

	// The Content-Security-Policy.
	if len(cspContent) != 1 {
		t.Fatalf("%d Content-Security-Policy meta elements, want 1", len(cspContent))
	}
	csp := map[string][]string{}
	for _, d := range strings.Split(cspContent[0], ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		if _, dup := csp[f[0]]; dup {
			t.Errorf("CSP directive %s twice", f[0])
		}
		csp[f[0]] = f[1:]
	}
	wantCSP := map[string][]string{
		"default-src": {"'none'"},
		"script-src":  {cspHash(lib), cspHash(app)},
		"base-uri":    {"'none'"},
		"form-action": {"'none'"},
	}
	for dir, want := range wantCSP {
		got := slices.Clone(csp[dir])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("CSP %s is %q, want %q (policy %q)", dir, csp[dir], want, cspContent[0])
		}
	}
	// Every source list allows only nothing, inline data, hashed scripts
	// and inline styles: no scheme, host, 'self', 'unsafe-eval' or nonce.
	for dir, vals := range csp {
		if !strings.HasSuffix(dir, "-src") && !strings.HasSuffix(dir, "-src-elem") && !strings.HasSuffix(dir, "-src-attr") {
			continue
		}
		for _, v := range vals {
			ok := v == "'none'" || v == "data:" || v == "blob:" || strings.HasPrefix(v, "'sha256-") ||
				(v == "'unsafe-inline'" && strings.HasPrefix(dir, "style-src"))
			if !ok {
				t.Errorf("CSP %s allows %s", dir, v)
			}
		}
	}

	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parsing the page: %v", err)
	}
	pv.doc = doc

	// Every fragment link resolves to an element of the page.
	ids := map[string]int{}
	for n := range doc.Descendants() {
		if id, ok := attr(n, "id"); ok {
			ids[id]++
		}
	}
	for id, k := range ids {
		if k > 1 {
			t.Errorf("id %q is used %d times", id, k)
		}
	}
	for n := range doc.Descendants() {
		if href, ok := attr(n, "href"); ok && ids[strings.TrimPrefix(href, "#")] == 0 {
			t.Errorf("link %q goes nowhere", href)
		}
	}

	// Charts: a div for every option, an option for every div, in the
	// sections that should have them.
	divs := map[string]bool{}
	for n := range doc.Descendants() {
		id, ok := attr(n, "data-chart")
		if !ok {
			continue
		}
		if divs[id] {
			t.Errorf("two chart elements for %q", id)
		}
		divs[id] = true
		if elID, _ := attr(n, "id"); elID != id {
			t.Errorf("chart element id=%q data-chart=%q", elID, id)
		}
		opt, ok := pv.chartData[id]
		if !ok {
			t.Errorf("chart %q has no option in the chart data", id)
			continue
		}
		series, _ := opt["series"].([]any)
		if len(series) == 0 {
			t.Errorf("chart %q has no series", id)
		}
		for i, s := range series {
			if m, _ := s.(map[string]any); m == nil || m["data"] == nil {
				t.Errorf("chart %q series %d has no data", id, i)
			}
		}
	}
	for id := range pv.chartData {
		if !divs[id] {
			t.Errorf("the chart data has an option for %q, which has no element", id)
		}
	}
	sections := map[string]*html.Node{}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "section" {
			if id, ok := attr(n, "id"); ok {
				sections[id] = n
			}
		}
	}
	for id, want := range expectedCharts {
		sec := sections[id]
		if sec == nil {
			t.Errorf("no section %q", id)
			continue
		}
		var got []string
		for n := range sec.Descendants() {
			if c, ok := attr(n, "data-chart"); ok {
				got = append(got, c)
			}
		}
		// A chart with nothing to draw may be left out (an empty chart
		// frame is worse); every other must be there.
		want = slices.DeleteFunc(slices.Clone(want), func(c string) bool { return mayBeEmpty[c] && !slices.Contains(got, c) })
		if !slices.Equal(got, want) {
			t.Errorf("section %q has charts %q, want %q", id, got, want)
		}
	}
	for id, sec := range sections {
		if _, ok := expectedCharts[id]; ok {
			continue
		}
		for n := range sec.Descendants() {
			if c, ok := attr(n, "data-chart"); ok {
				t.Logf("section %q (not in expectedCharts) has chart %q", id, c)
			}
		}
	}
	return pv
}

func attr(n *html.Node, key string) (string, bool) {
	if n.Type != html.ElementNode {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	c, _ := attr(n, "class")
	return slices.Contains(strings.Fields(c), class)
}

// textOf is the text content of n, as a browser's textContent.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	return b.String()
}

func findElement(root *html.Node, match func(*html.Node) bool) *html.Node {
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			return n
		}
	}
	return nil
}

// tableRows returns, for each row of the data table in section id, the
// text of the cells under the column headers cols, in that order. Columns
// are found by their header, so that a new column does not break a test.
func tableRows(t *testing.T, doc *html.Node, id string, cols ...string) [][]string {
	t.Helper()
	sec := findElement(doc, func(n *html.Node) bool {
		v, _ := attr(n, "id")
		return n.Data == "section" && v == id
	})
	if sec == nil {
		t.Fatalf("no section %q", id)
	}
	table := findElement(sec, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "data") })
	if table == nil {
		t.Fatalf("section %q has no data table", id)
	}
	var headers []string
	if thead := findElement(table, func(n *html.Node) bool { return n.Data == "thead" }); thead != nil {
		for n := range thead.Descendants() {
			if n.Type == html.ElementNode && n.Data == "th" {
				headers = append(headers, strings.TrimSpace(textOf(n)))
			}
		}
	}
	index := make([]int, len(cols))
	for i, c := range cols {
		index[i] = slices.Index(headers, c)
		if index[i] < 0 {
			t.Fatalf("the %s table has no column %q (columns %q)", id, c, headers)
		}
	}
	tbody := findElement(table, func(n *html.Node) bool { return n.Data == "tbody" })
	if tbody == nil {
		t.Fatalf("section %q has no table body", id)
	}
	var rows [][]string
	for tr := range tbody.ChildNodes() {
		if tr.Type != html.ElementNode || tr.Data != "tr" {
			continue
		}
		var cells []string
		empty := false
		for td := range tr.ChildNodes() {
			if td.Type == html.ElementNode && td.Data == "td" {
				empty = empty || hasClass(td, "empty")
				cells = append(cells, textOf(td))
			}
		}
		if empty {
			continue
		}
		row := make([]string, len(cols))
		for i, k := range index {
			if k >= len(cells) {
				t.Fatalf("a row of the %s table has %d cells, want more than %d", id, len(cells), k)
			}
			row[i] = cells[k]
		}
		rows = append(rows, row)
	}
	return rows
}

// cards returns the summary cards of the page's header, label to value.
func cards(doc *html.Node) map[string]string {
	m := map[string]string{}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || !hasClass(n, "card") {
			continue
		}
		var k, v string
		for c := range n.ChildNodes() {
			switch {
			case hasClass(c, "k"):
				k = textOf(c)
			case hasClass(c, "v"):
				v = textOf(c)
			}
		}
		m[k] = v
	}
	return m
}

// hostileForms are the forms in which a hostile name could reach the page.
func hostileForms(name string) []string {
	l := lowerASCII(name)
	return []string{name, l, shown(l, 0), shown(l, 40)}
}

// needsEscaping reports whether s has a character that must never reach a
// script element raw: markup, which could end the element or start a
// comment, and characters that are not text. (Quotes and backslashes are
// escaped the JSON way, with a backslash; the "DNS chart" test checks that
// they decode back to the name.)
func needsEscaping(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
		return strings.ContainsRune("<>&", r) || r < 0x20 || r == 0x2028 || r == 0x2029 || r == 0x202e
	})
}

func TestHostileReport(t *testing.T) {
	hc := buildHostileCapture(t, t.TempDir())
	s, page := renderFile(t, hc.path)
	if t.Failed() {
		return
	}

	t.Run("summary", func(t *testing.T) {
		if len(hostileLongName) != 5000 || len(hostileMaxName) != 253 {
			t.Fatalf("test names are %d and %d characters, want 5000 and 253", len(hostileLongName), len(hostileMaxName))
		}
		// The analyser's view, which the page must show.
		if s.Capture.Packets != int64(hc.packets) || s.Capture.IPPackets != int64(hc.packets) {
			t.Errorf("packets %d (IP %d), wrote %d", s.Capture.Packets, s.Capture.IPPackets, hc.packets)
		}
		if s.DNS.TotalQueries != int64(hc.queries) || s.DNS.Responses != hostileResponses {
			t.Errorf("DNS: %d queries and %d responses, wrote %d and %d",
				s.DNS.TotalQueries, s.DNS.Responses, hc.queries, hostileResponses)
		}
		want := map[string]int64{}
		for _, q := range hostileQueries {
			if q.name != hostileLongName {
				want[lowerASCII(q.name)] = int64(q.queries)
			}
		}
		got := map[string]int64{}
		for _, q := range s.DNS.Queries {
			got[q.Name] = q.Count
		}
		for name, n := range want {
			if got[name] != n {
				t.Errorf("summary counts %d queries for %q, wrote %d", got[name], name, n)
			}
		}
		if len(got) != len(want) {
			t.Errorf("summary has %d names, want %d", len(got), len(want))
		}
	})

	pv := checkPage(t, page, emptyCharts(s))
	if pv == nil || t.Failed() {
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
		if want := hostileFileName + " – pcapreport"; title == nil || textOf(title) != want {
			t.Errorf("title is %q, want %q", textOf(title), want)
		}
		h1 := findElement(doc, func(n *html.Node) bool { return n.Data == "h1" })
		if h1 == nil || !strings.Contains(textOf(h1), hostileFileName) {
			t.Errorf("heading does not show the file name as text")
		}
	})

	t.Run("scripts hold no capture string raw", func(t *testing.T) {
		// Scripts 1 and 2 are compared byte for byte with the embedded files
		// by checkPage; the chart data may hold names only JSON-escaped.
		for _, q := range hostileQueries {
			for _, form := range hostileForms(q.name) {
				if !needsEscaping(form) {
					continue
				}
				for i, sc := range pv.scripts {
					if strings.Contains(sc, form) {
						t.Errorf("script %d holds %q raw", i, form)
					}
				}
			}
		}
		data := strings.ToLower(pv.scripts[0])
		for _, bad := range []string{"</script", "<script", "<!--", "-->"} {
			if strings.Contains(data, bad) {
				t.Errorf("the chart data holds %q raw", bad)
			}
		}
	})

	t.Run("DNS table", func(t *testing.T) {
		rows := tableRows(t, doc, "dns", "#", "Name", "Queries")
		var want [][]string
		for _, q := range hostileQueries {
			if q.name == hostileLongName {
				continue
			}
			want = append(want, []string{commas(len(want) + 1), shown(lowerASCII(q.name), 0), commas(q.queries)})
		}
		if len(rows) != len(want) {
			t.Errorf("DNS table has %d rows, want %d", len(rows), len(want))
		}
		for i := range min(len(rows), len(want)) {
			if !slices.Equal(rows[i], want[i]) {
				t.Errorf("DNS table row %d is %q, want %q", i+1, rows[i], want[i])
			}
		}
		for _, r := range rows {
			for _, c := range r {
				if strings.Contains(c, "<long>") {
					t.Errorf("DNS table lists the over-long name (%d characters)", len(c))
				}
			}
		}
		c := cards(doc)
		if c["DNS queries"] != commas(hc.queries) || c["Packets"] != commas(hc.packets) {
			t.Errorf("cards show %q DNS queries and %q packets, want %s and %s",
				c["DNS queries"], c["Packets"], commas(hc.queries), commas(hc.packets))
		}
	})

	t.Run("over-long name is a decode error", func(t *testing.T) {
		longQueries := 0
		for _, q := range hostileQueries {
			if q.name == hostileLongName {
				longQueries = q.queries
			}
		}
		found := false
		for _, r := range tableRows(t, doc, "problems", "Kind", "What", "Packets") {
			if len(r) == 3 && r[0] == "decode error" && strings.HasPrefix(r[1], "DNS: malformed message") {
				found = true
				if r[2] != commas(longQueries) {
					t.Errorf("problems table counts %s malformed DNS messages, want %d", r[2], longQueries)
				}
			}
		}
		if !found {
			t.Errorf("the problems table has no row for the %d DNS messages with a 5,000-character name", longQueries)
		}
	})

	t.Run("DNS chart", func(t *testing.T) {
		opt := pv.chartData["chart-dns"]
		labels := axisData(t, opt, "yAxis")
		values := seriesValues(t, opt, 0)
		var wantLabels []string
		var wantValues []float64
		for _, q := range hostileQueries {
			if q.name != hostileLongName {
				wantLabels = append(wantLabels, shown(lowerASCII(q.name), 40))
				wantValues = append(wantValues, float64(q.queries))
			}
		}
		if !slices.Equal(labels, wantLabels) {
			t.Errorf("DNS chart labels\n got %q\nwant %q", labels, wantLabels)
		}
		if !slices.Equal(values, wantValues) {
			t.Errorf("DNS chart values %v, want %v", values, wantValues)
		}
	})

	t.Run("endpoints and timeline", func(t *testing.T) {
		queries := int64(hc.queries)
		wantSrc := [][]string{
			{"1", hostileClient.String(), commas(queries), pct(queries, int64(hc.packets)), commas(hc.clientBytes)},
			{"2", hostileServer.String(), commas(hostileResponses), pct(hostileResponses, int64(hc.packets)), commas(hc.serverBytes)},
		}
		if got := tableRows(t, doc, "sources", endpointColumns...); !slices.EqualFunc(got, wantSrc, slices.Equal) {
			t.Errorf("sources table\n got %q\nwant %q", got, wantSrc)
		}
		wantDst := [][]string{
			{"1", hostileServer.String(), commas(queries), pct(queries, int64(hc.packets)), commas(hc.clientBytes)},
			{"2", hostileClient.String(), commas(hostileResponses), pct(hostileResponses, int64(hc.packets)), commas(hc.serverBytes)},
		}
		if got := tableRows(t, doc, "destinations", endpointColumns...); !slices.EqualFunc(got, wantDst, slices.Equal) {
			t.Errorf("destinations table\n got %q\nwant %q", got, wantDst)
		}
		if v := seriesValues(t, pv.chartData["chart-sources-packets"], 0); !slices.Equal(v, []float64{float64(queries), hostileResponses}) {
			t.Errorf("sources chart values %v", v)
		}
		var packets, bytes float64
		for i, name := range seriesNames(pv.chartData["chart-timeline"]) {
			sum := 0.0
			for _, v := range seriesValues(t, pv.chartData["chart-timeline"], i) {
				sum += v
			}
			switch name {
			case "IP packets":
				packets = sum
			case "IP bytes":
				bytes = sum
			}
		}
		if packets != float64(hc.packets) || bytes != float64(hc.clientBytes+hc.serverBytes) {
			t.Errorf("timeline chart sums to %v packets and %v bytes, want %d and %d",
				packets, bytes, hc.packets, hc.clientBytes+hc.serverBytes)
		}
	})
}

// endpointColumns are the columns of the sources and destinations tables
// that the tests compare.
var endpointColumns = []string{"#", "IP address", "Packets", "% of IP packets", "Bytes"}

func pct(n, of int64) string { return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 1, 64) }

// axisData returns the category labels of the option's first axis of kind.
func axisData(t *testing.T, opt map[string]any, kind string) []string {
	t.Helper()
	axes, _ := opt[kind].([]any)
	if len(axes) == 0 {
		t.Fatalf("option has no %s", kind)
	}
	ax, _ := axes[0].(map[string]any)
	data, _ := ax["data"].([]any)
	out := make([]string, len(data))
	for i, d := range data {
		out[i], _ = d.(string)
	}
	return out
}

func seriesNames(opt map[string]any) []string {
	series, _ := opt["series"].([]any)
	var out []string
	for _, s := range series {
		m, _ := s.(map[string]any)
		name, _ := m["name"].(string)
		out = append(out, name)
	}
	return out
}

// seriesValues returns the numeric values of series i: a bar's value, or
// the y of an [x, y] point; gaps ("-") are left out.
func seriesValues(t *testing.T, opt map[string]any, i int) []float64 {
	t.Helper()
	series, _ := opt["series"].([]any)
	if i >= len(series) {
		t.Fatalf("option has %d series, want more than %d", len(series), i)
	}
	m, _ := series[i].(map[string]any)
	data, _ := m["data"].([]any)
	var out []float64
	for _, d := range data {
		v := d
		if o, ok := v.(map[string]any); ok {
			v = o["value"]
		}
		if pair, ok := v.([]any); ok && len(pair) == 2 {
			v = pair[1]
		}
		if n, ok := v.(json.Number); ok {
			f, err := n.Float64()
			if err != nil {
				t.Errorf("series value %v: %v", n, err)
			}
			out = append(out, f)
		}
	}
	return out
}

// TestReportsSelfContained renders every capture in testdata and checks
// the page's structure, and that its headline numbers are the Summary's.
func TestReportsSelfContained(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../testdata/*.pcap", "../testdata/*.pcapng", "../testdata/malformed/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 20 {
		t.Fatalf("found only %d captures in testdata", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s, err := analyze.File(path, analyze.Options{})
			if err != nil {
				t.Skipf("not analysed: %v", err)
			}
			var buf bytes.Buffer
			if err := report.Write(&buf, s, report.Options{}); err != nil {
				t.Fatal(err)
			}
			pv := checkPage(t, buf.Bytes(), emptyCharts(s))
			if pv == nil {
				return
			}
			c := cards(pv.doc)
			for label, want := range map[string]int64{
				"Packets":     s.Capture.Packets,
				"IP packets":  s.Capture.IPPackets,
				"DNS queries": s.DNS.TotalQueries,
			} {
				if c[label] != commas(want) {
					t.Errorf("card %q shows %q, want %s", label, c[label], commas(want))
				}
			}
			if len(s.DNS.Queries) == 0 && s.DNS.TotalQueries == 0 && s.DNS.Responses == 0 {
				// No DNS at all: the section is one line (TestEmptySectionsCollapse).
				if !strings.Contains(buf.String(), "No DNS in this capture.") {
					t.Error("a capture without DNS does not say so in its DNS section")
				}
				return
			}
			rows := tableRows(t, pv.doc, "dns", "#", "Name", "Queries")
			if len(rows) != len(s.DNS.Queries) {
				t.Errorf("DNS table has %d rows, the summary %d names", len(rows), len(s.DNS.Queries))
			}
			for i := range min(len(rows), len(s.DNS.Queries)) {
				q := s.DNS.Queries[i]
				want := []string{commas(i + 1), shown(q.Name, 0), commas(q.Count)}
				if !slices.Equal(rows[i], want) {
					t.Errorf("DNS row %d is %q, want %q", i+1, rows[i], want)
				}
			}
			if opt, ok := pv.chartData["chart-dns"]; ok {
				if got, want := fmt.Sprint(seriesValues(t, opt, 0)), fmt.Sprint(dnsCounts(s)); got != want {
					t.Errorf("DNS chart values %s, want %s", got, want)
				}
			} else if len(s.DNS.Queries) > 0 {
				t.Errorf("no DNS chart for %d names", len(s.DNS.Queries))
			}
		})
	}
}

// dnsCounts is the DNS chart's values: the counts of the first 50 names,
// the most bars a chart draws (the table has them all).
func dnsCounts(s *analyze.Summary) []float64 {
	out := []float64{}
	for _, q := range s.DNS.Queries[:min(len(s.DNS.Queries), 50)] {
		out = append(out, float64(q.Count))
	}
	return out
}

// failures records what checkPage reports instead of failing a test.
type failures struct{ errs []string }

func (f *failures) Helper()             {}
func (f *failures) Logf(string, ...any) {}
func (f *failures) Errorf(format string, a ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, a...))
}
func (f *failures) Fatalf(format string, a ...any) {
	f.Errorf(format, a...)
	goruntime.Goexit()
}

// pageFailures runs checkPage on page and returns what it reported.
func pageFailures(page string, mayBeEmpty map[string]bool) []string {
	f := &failures{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		checkPage(f, []byte(page), mayBeEmpty)
	}()
	<-done
	return f.errs
}

// TestCheckPageCatches shows that checkPage passes a real page and fails
// each way a page could break out of being one inert, self-contained document.
func TestCheckPageCatches(t *testing.T) {
	sum, page := renderFile(t, "../testdata/dns_many_queries_mdns_llmnr.pcap")
	empty := emptyCharts(sum)
	clean := string(page)
	if errs := pageFailures(clean, empty); len(errs) > 0 {
		t.Fatalf("checkPage fails the real page: %q", errs)
	}
	app := embedded(t, "report.js")
	once := func(old, new string) func(string) string {
		return func(p string) string {
			if !strings.Contains(p, old) {
				t.Fatalf("the page has no %q to change", old)
			}
			return strings.Replace(p, old, new, 1)
		}
	}
	// inMain inserts markup right after the opening <main ...> tag, whatever
	// attributes the template gives it.
	inMain := func(markup string) func(string) string {
		return func(p string) string {
			i := strings.Index(p, "<main")
			j := strings.IndexByte(p[max(i, 0):], '>')
			if i < 0 || j < 0 {
				t.Fatalf("the page has no <main> element to change")
			}
			return p[:i+j+1] + markup + p[i+j+1:]
		}
	}
	cases := []struct {
		name   string
		change func(string) string
		want   string // part of one of the reported failures
	}{
		{"markup in a cell", inMain(`<img src=x onerror="window.__pwned=1">`), "<img> element"},
		{"event handler", inMain(`<b onmouseover="x()">`), "event handler"},
		{"script breakout", once(`{"chart-`, `{"x":"</script><script>window.__pwned=1</script>","chart-`), "script elements, want 3"},
		{"comment in data", once(`{"chart-`, `{"x":"<!--","chart-`), "raw"},
		{"weaker CSP", once("default-src &#39;none&#39;", "default-src *"), "CSP default-src"},
		{"unhashed script", once(app, app+"//"), "is not the embedded report.js"},
		{"stylesheet link", once("</head>", `<link rel="stylesheet" href="https://example.com/x.css"></head>`), "<link> element"},
		{"external link", inMain(`<a href="https://example.com/">x</a>`), "points outside the page"},
		{"protocol-relative src", inMain(`<video src="//example.com/v"></video>`), "points outside the page"},
		{"CSS url", inMain(`<div style="background:url(//example.com/x)"></div>`), "uses url("},
		{"chart without option", once(`data-chart="chart-dns"`, `data-chart="chart-dnsx"`), "has no option"},
		{"raw bidi override", once("<tbody>", "<tbody>\u202e"), "raw U+202E"},
		{"second document", func(p string) string { return p + "<!DOCTYPE html><html><body></body></html>" }, "doctypes"},
	}
	for _, c := range cases {
		errs := pageFailures(c.change(clean), empty)
		found := false
		for _, e := range errs {
			found = found || strings.Contains(e, c.want)
		}
		if !found {
			t.Errorf("%s: checkPage reported %q, want a failure mentioning %q", c.name, errs, c.want)
		}
	}
}
