package analyze

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFindingsHTTPErrorBurst: 25 requests answered 404 on one connection
// within a few milliseconds fire http-error-burst; 19 do not.
func TestFindingsHTTPErrorBurst(t *testing.T) {
	build := func(errors int) *Summary {
		var client, server strings.Builder
		for i := range errors {
			fmt.Fprintf(&client, "GET /admin%d.php HTTP/1.1\r\nHost: shop.example\r\n\r\n", i)
			server.WriteString("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
		}
		client.WriteString("GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n")
		server.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		return readPackets(t, tcpConn{[]byte(client.String()), []byte(server.String()), 1400, nil}.packets(t), Options{})
	}
	s := build(25)
	got := findingsOf(s, "http-error-burst")
	if len(got) != 1 {
		t.Fatalf("want one http-error-burst finding, got %+v (%d transactions)", got, len(s.HTTP.Transactions))
	}
	if f := got[0]; countOf(f, "errors within a minute") != 25 || countOf(f, "4xx") != 25 || countOf(f, "5xx") != 0 ||
		f.Severity != SeverityLow || !slices.Equal(f.Evidence.Names, []string{"shop.example"}) || f.Anchor != "http-transactions" {
		t.Errorf("got %+v", f)
	}
	if got := findingsOf(build(19), "http-error-burst"); len(got) != 0 {
		t.Errorf("19 errors: want no finding, got %+v", got)
	}
}

// TestFindingsHTTPPostRareHost: a POST to a host the capture reaches once
// fires http-post-rare-host; a POST to a host also fetched from does not,
// nor does a certificate status check (OCSP).
func TestFindingsHTTPPostRareHost(t *testing.T) {
	client := "GET / HTTP/1.1\r\nHost: news.example\r\n\r\n" +
		"POST /comment HTTP/1.1\r\nHost: news.example\r\nContent-Length: 3\r\n\r\nabc" +
		"POST /gate.php HTTP/1.1\r\nHost: c2.example\r\nContent-Length: 5\r\n\r\nhello" +
		"POST / HTTP/1.1\r\nHost: ocsp.example\r\nContent-Type: application/ocsp-request\r\nContent-Length: 4\r\n\r\nocsp"
	server := strings.Repeat("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 4)
	s := readPackets(t, tcpConn{[]byte(client), []byte(server), 1400, nil}.packets(t), Options{})
	got := findingsOf(s, "http-post-rare-host")
	if len(got) != 1 {
		t.Fatalf("want one http-post-rare-host finding (c2.example), got %+v", got)
	}
	if f := got[0]; !slices.Equal(f.Evidence.Names, []string{"c2.example"}) || !slices.Equal(f.Evidence.Hosts, []string{"10.0.0.1", "10.0.0.2"}) ||
		!strings.Contains(f.Title, "POST of 5 bytes to c2.example") || f.Severity != SeverityLow {
		t.Errorf("got %+v", f)
	}
}

// TestHTTPRulesQuietOnCorpus: neither HTTP transaction rule fires on the
// real captures of testdata and ../shared/captures (none holds a path
// scan or a check-in; their one-off POSTs are OCSP checks).
func TestHTTPRulesQuietOnCorpus(t *testing.T) {
	paths := realCaptures()
	posts := 0
	for _, p := range paths {
		s := fileSummary(t, p)
		for _, tx := range s.HTTP.Transactions {
			if tx.Method == "POST" {
				posts++
			}
		}
		for _, rule := range []string{"http-post-rare-host", "http-error-burst"} {
			if got := findingsOf(s, rule); len(got) != 0 {
				t.Errorf("%s: %s fired: %+v", filepath.Base(p), rule, got)
			}
		}
	}
	if posts == 0 {
		t.Error("no POST in the corpus: the post rule is not exercised")
	}
}
