package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// hostileRowNames are DNS names that a page's row data must carry as
// text: the end of a script element, a comment that would start the
// script's double-escaped state, JavaScript's line separators, invalid
// UTF-8, go-echarts' function marker, quotes and backslashes.
var hostileRowNames = []string{
	`</script><script>window.__pwned=1</script>`,
	`<!--<script>window.__pwned=2</script>`,
	"line\u2028separator\u2029paragraph",
	"bad\xff\xfeutf8",
	`__f__function(){window.__pwned=3}`,
	`quote" back\slash '`,
	`</SCRIPT >`,
}

// rowSummary has n DNS names, counts falling from n, the hostile names
// last (so past any --top), and each asked by one client.
func rowSummary(n int) *analyze.Summary {
	s := &analyze.Summary{}
	s.Capture = analyze.Capture{Path: "rows.pcap", SHA256: strings.Repeat("ab", 32), Format: "pcap", Packets: int64(n), IPPackets: int64(n)}
	for i := range n {
		name := fmt.Sprintf("name-%03d.example", i)
		if k := i - (n - len(hostileRowNames)); k >= 0 {
			name = hostileRowNames[k]
		}
		s.DNS.Queries = append(s.DNS.Queries, analyze.DNSQuery{Name: name, Count: int64(n - i),
			Clients: []analyze.IPCount{{IP: "192.0.2.7", Count: int64(n - i)}}, ClientsTotal: 1})
		s.DNS.TotalQueries += int64(n - i)
	}
	return s
}

// rowDataOf reads the page's row data: the rows of each data-rows-for
// script element, by id, and its raw text.
func rowDataOf(t *testing.T, page []byte) (map[string][][]any, map[string]int, map[string]string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	rows, totals, raw := map[string][][]any{}, map[string]int{}, map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "script" {
			for _, a := range n.Attr {
				if a.Key == "data-rows-for" && n.FirstChild != nil {
					var d struct {
						Total int     `json:"total"`
						Rows  [][]any `json:"rows"`
					}
					text := n.FirstChild.Data
					if err := json.Unmarshal([]byte(text), &d); err != nil {
						t.Fatalf("row data %s is not JSON: %v", a.Val, err)
					}
					rows[a.Val], totals[a.Val], raw[a.Val] = d.Rows, d.Total, text
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return rows, totals, raw
}

// TestRowDataHoldsEveryRow renders 36 DNS names with --top 20: the table
// has 20 rows as HTML and the other 16 as row data, in order, with the
// text the HTML would have had, and hostile names kept as data.
func TestRowDataHoldsEveryRow(t *testing.T) {
	const n, top = 36, 20
	s := rowSummary(n)
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{Top: top}); err != nil {
		t.Fatal(err)
	}
	page := buf.Bytes()
	rows, totals, raw := rowDataOf(t, page)
	// Only the DNS query table and its clients table have more than 20
	// rows... the clients table has one. So one table has row data.
	if len(rows) != 1 {
		t.Fatalf("%d tables have row data, want 1 (the DNS names)", len(rows))
	}
	id := "rows-0"
	if !bytes.Contains(page, []byte(`data-rows="`+id+`" data-kept="36">`)) {
		t.Errorf("no table names its row data %s", id)
	}
	if totals[id] != n-top || len(rows[id]) != n-top {
		t.Fatalf("row data holds %d rows (total %d), want %d", len(rows[id]), totals[id], n-top)
	}
	for k, r := range rows[id] {
		i := top + k
		q := s.DNS.Queries[i]
		want := []string{fmt.Sprint(i + 1), show.Printable(q.Name, 0), fmt.Sprint(q.Count), clientsText(q.Clients, q.ClientsTotal)}
		got := make([]string, len(r))
		for j, c := range r {
			str, ok := c.(string)
			if !ok {
				t.Fatalf("row %d cell %d is %v, want text", i+1, j, c)
			}
			got[j] = str
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d is %q, want %q", i+1, got, want)
		}
	}
	// The raw text: no '<' at all (so no end tag, no comment), no raw
	// line separator, valid UTF-8.
	text := raw[id]
	if strings.ContainsAny(text, "<>\u2028\u2029") || !utf8.ValidString(text) {
		t.Errorf("row data is not escaped for a script element: %q", text)
	}
	// The script element ends where the data ends: the page's markup after
	// it is the template's.
	if c := bytes.Count(page, []byte("</script>")); c != 4 {
		t.Errorf("the page has %d </script> end tags, want 4 (row data, chart data, ECharts, report.js)", c)
	}
	// The table says it shows the top and covers all.
	if !bytes.Contains(page, []byte("Showing the top 20 of 36 names first (--top)")) {
		t.Error("the DNS table does not say it shows the top 20 of 36 first")
	}
}

// TestRowDataTitles checks the short forms of hover text in row data:
// a byte count's is left for report.js to write (0), the same text as
// the row above's is 1, and any other is given.
func TestRowDataTitles(t *testing.T) {
	s := &analyze.Summary{}
	s.Capture = analyze.Capture{Path: "t.pcap", IPPackets: 100}
	for i := range 5 {
		s.Sources = append(s.Sources, analyze.Endpoint{IP: fmt.Sprintf("192.0.2.%d", i+1), Packets: int64(50 - i), Bytes: int64(1_500_000 - i)})
	}
	s.Names = []analyze.Name{{IP: "192.0.2.4", Names: []string{"four.example"}}, {IP: "192.0.2.5", Names: []string{"four.example"}}}
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{Top: 2}); err != nil {
		t.Fatal(err)
	}
	rows, _, _ := rowDataOf(t, buf.Bytes())
	got, _ := json.Marshal(rows["rows-0"])
	want := `[["3","192.0.2.3","","48","48.0",["1,499,998",0]],` +
		`["4","192.0.2.4",["four.example","four.example"],"47","47.0",["1,499,997",0]],` +
		`["5","192.0.2.5",["four.example",1],"46","46.0",["1,499,996",0]]]`
	if string(got) != want {
		t.Errorf("sources row data\n got %s\nwant %s", got, want)
	}
}

// TestRowDataBound lowers the page's row data bound: the tables stop
// there, each says how many rows it had, and the page stays whole.
func TestRowDataBound(t *testing.T) {
	old := maxRowDataBytes
	maxRowDataBytes = 2000
	defer func() { maxRowDataBytes = old }()
	s := rowSummary(500)
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{Top: 20}); err != nil {
		t.Fatal(err)
	}
	rows, totals, raw := rowDataOf(t, buf.Bytes())
	if totals["rows-0"] != 480 || len(rows["rows-0"]) == 0 || len(rows["rows-0"]) >= 480 || len(raw["rows-0"]) > 2000 {
		t.Errorf("bounded row data holds %d of %d rows in %d bytes", len(rows["rows-0"]), totals["rows-0"], len(raw["rows-0"]))
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("</html>\n")) {
		t.Error("the page does not end with </html>")
	}
}

// FuzzEncodeString: the row data's strings are byte for byte what
// json.Encoder (HTML escaping on) writes, for any text, the fast path for
// plain ASCII included.
func FuzzEncodeString(f *testing.F) {
	for _, s := range []string{"", "1,234", "10.0.0.1 (host)", "2024-01-01 00:00:00 UTC", "</script>", "a\"b\\c",
		"x&y", "\x00\x1f\x7f", "é", "\xff\xfe", "\u2028\u2029", "__f__function(){}", "a'b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want bytes.Buffer
		enc := json.NewEncoder(&got)
		enc.SetEscapeHTML(true)
		encodeString(enc, &got, s)
		wantEnc := json.NewEncoder(&want)
		wantEnc.SetEscapeHTML(true)
		if err := wantEnc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if w := strings.TrimSuffix(want.String(), "\n"); got.String() != w {
			t.Fatalf("encodeString(%q) = %s, json.Encoder %s", s, got.String(), w)
		}
	})
}
