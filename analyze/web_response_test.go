package analyze

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHTTPResponseRetransmissionCountedOnce builds a capture with a
// response, its TCP retransmission and a second response on the same
// connection: two responses, not three.
func TestHTTPResponseRetransmissionCountedOnce(t *testing.T) {
	first := tcpFrame(t, "10.0.0.80", "10.0.0.1", 80, 40000, []byte("HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\n\r\n"))
	second := tcpFrame(t, "10.0.0.80", "10.0.0.1", 80, 40000, []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	second[14+20+4+3] = 53 // sequence number 53, after the first response's 53 bytes
	s := analyzeBytes(t, pcapBytes(t, 1, []testPacket{{t0, first}, {t0, first}, {t0, second}}), Options{})
	want := []Count{{"200", 1}, {"301", 1}}
	if s.HTTP.TotalResponses != 2 || !equalCounts(s.HTTP.StatusCodes, want) {
		t.Errorf("responses %d %v, want 2 %v", s.HTTP.TotalResponses, s.HTTP.StatusCodes, want)
	}
}

// TestHTTPResponsesMatchTshark compares the responses counted in real
// captures with tshark. pcapreport counts a status line at the start of a
// TCP segment that is not a retransmission; tshark lists an http.response
// once it has reassembled the response's whole body, so it leaves out the
// responses whose body the capture does not hold whole (cut at the end, or
// a segment missing). The test compares with tshark's own list of
// segments that start with a status line and that its TCP analysis does
// not flag as retransmissions, and checks that tshark's http.response
// list is no longer, status code by status code.
func TestHTTPResponsesMatchTshark(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	if testing.Short() {
		t.Skip("runs tshark 14 times")
	}
	// The captures with HTTP responses; those of ../shared when present.
	paths := []string{
		"../testdata/http_espn_browsing.pcapng", "../testdata/rawip_dlt101_http_dns.pcap",
		"../testdata/wifi_radiotap_http.pcap", "../testdata/arp_poison_http_dns.pcapng",
	}
	for _, name := range []string{"http_browsing_dns_2013.pcap", "mixed_lan_vlan_tls_http_2010_2015.pcap", "http_cut_short_trailing_byte.pcap"} {
		if p := filepath.Join(sharedCaptures, name); fileExists(p) {
			paths = append(paths, p)
		} else {
			t.Logf("%s is not here", p)
		}
	}
	checked := 0
	for _, p := range paths {
		starts := tsharkStatusCodes(t, p, `tcp.payload[0:7] == "HTTP/1." && !tcp.analysis.retransmission`, "tcp.payload")
		if len(starts) == 0 {
			continue
		}
		s, err := File(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		var total int64
		for _, c := range s.HTTP.StatusCodes {
			got[c.Name] = c.Count
			total += c.Count
		}
		if !maps.Equal(got, starts) || total != s.HTTP.TotalResponses {
			t.Errorf("%s: responses %d by code %v; tshark's status lines (no retransmission) %v", p, s.HTTP.TotalResponses, got, starts)
		}
		for code, n := range tsharkStatusCodes(t, p, "http.response", "http.response.code") {
			if got[code] < n {
				t.Errorf("%s: %d responses %s, tshark's http.response has %d", p, got[code], code, n)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no capture with HTTP responses")
	}
	// tshark lists 336 http.response here, 334 of them 200; 2 more 200s
	// (frames 1228 and 1258) have part of their body missing. (The mixed
	// capture has 7 retransmitted responses, which were counted twice.)
	if p := filepath.Join(sharedCaptures, "http_browsing_dns_2013.pcap"); fileExists(p) {
		s, err := File(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []Count{{"200", 336}, {"301", 1}, {"302", 1}}
		if !equalCounts(s.HTTP.StatusCodes, want) {
			t.Errorf("%s: status codes %v, want %v", p, s.HTTP.StatusCodes, want)
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// sharedCaptures holds the shared real captures, when present.
const sharedCaptures = "../../shared/captures"

// tsharkStatusCodes runs tshark on path with a display filter and counts the
// status codes of the frames it keeps, from field (http.response.code, or
// tcp.payload, hex, whose bytes 9 to 11 are the code).
func tsharkStatusCodes(t *testing.T, path, filter, field string) map[string]int64 {
	t.Helper()
	out, err := exec.Command("tshark", "-n", "-r", path, "-Y", filter, "-T", "fields", "-e", field).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
		err = nil // a capture cut short: tshark lists what it read
	}
	if err != nil {
		t.Fatalf("tshark on %s: %v", path, err)
	}
	codes := map[string]int64{}
	for _, line := range strings.Fields(string(out)) {
		code := line
		if field == "tcp.payload" {
			line = strings.ReplaceAll(line, ":", "")
			if len(line) < 24 {
				continue
			}
			b := make([]byte, 3)
			for i := range b {
				v, err := strconv.ParseUint(line[18+2*i:20+2*i], 16, 8)
				if err != nil {
					t.Fatal(err)
				}
				b[i] = byte(v)
			}
			code = string(b)
		}
		codes[code]++
	}
	return codes
}
