package analyze

import (
	"maps"
	"os"
	"strings"
	"testing"
)

// tsharkList reads the lines of a testdata/tshark/*.txt list (frame, tab,
// fields...) as a multiset of their fields after the frame number.
func tsharkList(t *testing.T, name string) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile("../testdata/tshark/" + name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		_, rest, _ := strings.Cut(line, "\t")
		out[rest]++
	}
	return out
}

// TestAnalyzeHTTPMatchesTshark compares every HTTP request found in a real
// capture (Host and request-target, with counts) with tshark's http.request list.
func TestAnalyzeHTTPMatchesTshark(t *testing.T) {
	want := tsharkList(t, "http_espn_requests.txt")
	s, err := File("../testdata/http_espn_browsing.pcapng", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	var total int64
	for _, r := range s.HTTP.Requests {
		got[r.Host+"\t"+r.Path] += r.Count
		total += r.Count
	}
	if !maps.Equal(got, want) {
		for k, n := range want {
			if got[k] != n {
				t.Errorf("request %q: analyze counts %d, tshark %d", k, got[k], n)
			}
		}
		for k, n := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("request %q (%d) not in tshark's list", k, n)
			}
		}
	}
	if total != s.HTTP.TotalRequests || total != 61 {
		t.Errorf("total requests %d, listed %d; tshark lists 61", s.HTTP.TotalRequests, total)
	}
	// The HTTP Host headers name the servers in the passive name map.
	found := false
	for _, n := range s.Names {
		for _, name := range n.Names {
			found = found || name == "www.espn.com"
		}
	}
	if !found {
		t.Error("www.espn.com is not in the passive names")
	}
}

// TestAnalyzeTLSMatchesTshark compares the SNI of every ClientHello of a
// real browsing capture with tshark's list.
func TestAnalyzeTLSMatchesTshark(t *testing.T) {
	const path = "../../shared/captures/tls_browsing_sni_ipv4_ipv6.pcap"
	if _, err := os.Stat(path); err != nil {
		t.Skip("../shared/captures is not here")
	}
	want := tsharkList(t, "sni_tls_browsing.txt")
	s, err := File(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, n := range s.TLS.ServerNames {
		got[n.Name] = n.Count
	}
	if s.TLS.WithoutSNI > 0 {
		got[""] = s.TLS.WithoutSNI
	}
	if !maps.Equal(got, want) {
		t.Errorf("server names differ from tshark's: %d names here, %d there", len(got), len(want))
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%q: analyze %d, tshark %d", k, got[k], n)
			}
		}
	}
	if s.TLS.ClientHellos != 323 || len(s.TLS.ServerNames) != 164 {
		t.Errorf("%d ClientHellos with %d names, want 323 and 164", s.TLS.ClientHellos, len(s.TLS.ServerNames))
	}
}

func TestTLSServerNameOverSLL2(t *testing.T) {
	s, err := File("../testdata/linux_sll2_tls_sni.pcap", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.TLS.ServerNames) != 1 || s.TLS.ServerNames[0].Name != "zeek.org" || s.TLS.ServerNames[0].Count != 1 {
		t.Errorf("server names %+v, want zeek.org once", s.TLS.ServerNames)
	}
}

// TestHTTPKeyFieldsKeepNUL checks that a NUL in a Host header cannot shift
// what the Summary attributes to the host and the path.
func TestHTTPKeyFieldsKeepNUL(t *testing.T) {
	req := []byte("GET /a%01b HTTP/1.1\r\nHost: nul\x00bel\x00/evil\r\n\r\n")
	frame := tcpFrame(t, "10.0.0.1", "10.0.0.80", 40000, 80, req)
	s := analyzeBytes(t, pcapBytes(t, 1, []testPacket{{t0, frame}}), Options{})
	if len(s.HTTP.Requests) != 1 {
		t.Fatalf("requests = %+v", s.HTTP.Requests)
	}
	r := s.HTTP.Requests[0]
	if r.Method != "GET" || r.Host != "nul\x00bel\x00/evil" || r.Path != "/a%01b" || r.URL != "http://nul\x00bel\x00/evil/a%01b" {
		t.Errorf("request = %q %q %q %q", r.Method, r.Host, r.Path, r.URL)
	}
}
