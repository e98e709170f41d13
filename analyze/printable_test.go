package analyze

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gopacket/gopacket/layers"
)

func TestAppendCut(t *testing.T) {
	mark := func(n int) string { return CutMark + strconv.Itoa(n) + " bytes]" }
	cases := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 5, "short"},
		{"", 5, ""},
		{"abcdef", 5, "abcde" + mark(6)},
		{"abcdé", 5, "abcd" + mark(6)},                  // é (2 bytes) would straddle: cut before it
		{"abé", 4, "abé" + mark(4)[:0] + ""},            // fits exactly
		{"ab😀cd", 4, "ab" + mark(8)},                    // a 4-byte character straddles
		{"ab😀cd", 6, "ab😀" + mark(8)},                   // ends exactly at the limit
		{"ab\xff\xfe\xfdcd", 4, "ab\xff\xfe" + mark(7)}, // invalid bytes are single bytes
		{"abc\uFFFDd", 4, "abc" + mark(7)},              // U+FFFD itself is a character
		{"abcd\xe2\x82", 4, "abcd" + mark(6)},           // cut before a truncated character
	}
	for _, c := range cases {
		got, cut := appendCut([]byte("x"), []byte(c.in), c.limit)
		if string(got) != "x"+c.want || cut != (len(c.in) > c.limit) {
			t.Errorf("appendCut(%q, %d) = %q, %v; want %q", c.in, c.limit, got[1:], cut, c.want)
		}
		if utf8.ValidString(c.in) && !utf8.Valid(got) {
			t.Errorf("appendCut(%q, %d) = %q is not valid UTF-8", c.in, c.limit, got)
		}
	}
	// Every cut of a long mixed string is valid UTF-8 and at most limit
	// bytes before the mark.
	s := strings.Repeat("aé😀\u2028", 40)
	for limit := 0; limit < len(s); limit++ {
		got, _ := appendCut(nil, []byte(s), limit)
		kept, _, _ := strings.Cut(string(got), CutMark)
		if !utf8.Valid(got) || len(kept) > limit || len(kept) < limit-3 || !strings.HasPrefix(s, kept) {
			t.Fatalf("limit %d: kept %q", limit, kept)
		}
	}
	if n := testing.AllocsPerRun(100, func() { appendCut(make([]byte, 0, 64), []byte(s), 20) }); n > 1 {
		t.Errorf("appendCut allocates %v times", n)
	}
}

// helloWithSNI builds a TLS record holding a ClientHello whose
// server_name is sni.
func helloWithSNI(sni []byte) []byte {
	ext := binary.BigEndian.AppendUint16(nil, uint16(len(sni)+3)) // server_name list
	ext = append(ext, 0)
	ext = binary.BigEndian.AppendUint16(ext, uint16(len(sni)))
	ext = append(ext, sni...)
	exts := binary.BigEndian.AppendUint16(nil, 0) // server_name
	exts = binary.BigEndian.AppendUint16(exts, uint16(len(ext)))
	exts = append(exts, ext...)
	body := append([]byte{3, 3}, make([]byte, 32)...) // version, random
	body = append(body, 0, 0, 2, 0x13, 0x01, 1, 0)    // session ID, cipher suites, compression
	body = binary.BigEndian.AppendUint16(body, uint16(len(exts)))
	body = append(body, exts...)
	hs := append([]byte{1, 0}, byte(len(body)>>8), byte(len(body)))
	hs = append(hs, body...)
	rec := append([]byte{22, 3, 1}, byte(len(hs)>>8), byte(len(hs)))
	return append(rec, hs...)
}

// dnsTXTResponse encodes a response for name with one TXT answer.
func dnsTXTResponse(t *testing.T, name string, txt []byte) []byte {
	d := &layers.DNS{ID: 1, QR: true, Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeTXT, Class: layers.DNSClassIN}},
		Answers: []layers.DNSResourceRecord{{Name: []byte(name), Type: layers.DNSTypeTXT, Class: layers.DNSClassIN, TTL: 60, TXTs: [][]byte{txt}}}}
	return serialize(t, d)
}

// TestLongStringsCut sends hostile strings longer than their limits in an
// HTTP request, a TLS ClientHello and a DNS response, and checks that the
// Summary keeps them cut, with the mark, counted in StringsCut, and that
// the JSON still escapes what it escaped.
func TestLongStringsCut(t *testing.T) {
	hostile := "</script><script>__f__\x01\x7f\xff\xfe\u202eé"
	long := func(n int) string { return hostile + strings.Repeat("é", n) }
	// A request target holds no control bytes or spaces.
	host, target, agent := long(200), "/</script>__f__\xff\xfe"+strings.Repeat("é", 2000), long(400)
	req := "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + agent + "\r\n\r\n"
	sni := strings.Repeat("Sub.", 100) + "example"        // 407 bytes
	txt := bytes.Repeat([]byte("v=DKIM1; </script>"), 14) // 252 bytes per string
	// A TXT answer of 5 strings: 1,264 bytes as text (spaces between).
	resp := dnsTXTResponse(t, "txt.example", txt)
	d := &layers.DNS{}
	if err := d.DecodeFromBytes(resp, nil); err != nil {
		t.Fatal(err)
	}
	d.Answers[0].TXTs = [][]byte{txt, txt, txt, txt, txt}
	resp = serialize(t, d)
	pkts := []testPacket{
		{t0, tcpFrame(t, "10.0.0.1", "10.0.0.80", 40000, 80, []byte(req))},
		{t0, tcpFrame(t, "10.0.0.1", "10.0.0.43", 40001, 443, helloWithSNI([]byte(sni)))},
		{t0, udpFrame(t, "10.0.0.53", "10.0.0.1", 53, 40002, resp)},
	}
	s := analyzeBytes(t, pcapBytes(t, 1, pkts), Options{})

	mark := func(n int) string { return CutMark + strconv.Itoa(n) + " bytes]" }
	check := func(what, got, orig string, limit int, lower bool) {
		t.Helper()
		kept, ok := strings.CutSuffix(got, mark(len(orig)))
		want := orig
		if lower {
			want = string(lowerASCII(nil, []byte(orig)))
		}
		if !ok || len(kept) > limit || len(kept) < limit-3 || !strings.HasPrefix(want, kept) || !utf8.ValidString(kept[strings.LastIndexByte(kept, 0xfe)+1:]) {
			t.Errorf("%s: %q, want %d bytes at most of the original and %q", what, got, limit, mark(len(orig)))
		}
	}
	if len(s.HTTP.Requests) != 1 || len(s.HTTP.Hosts) != 1 || len(s.HTTP.UserAgents) != 1 {
		t.Fatalf("HTTP %+v", s.HTTP)
	}
	r := s.HTTP.Requests[0]
	check("host", r.Host, host, MaxNameLen, true)
	check("hosts", s.HTTP.Hosts[0].Name, host, MaxNameLen, true)
	check("target", r.Path, target, MaxTargetLen, false)
	check("user agent", s.HTTP.UserAgents[0].Name, agent, MaxUserAgentLen, false)
	wantHTTP := []Count{{"host", 1}, {"target", 1}, {"user_agent", 1}}
	if !equalCounts(s.HTTP.StringsCut, wantHTTP) {
		t.Errorf("HTTP strings cut %v, want %v", s.HTTP.StringsCut, wantHTTP)
	}
	if len(s.TLS.ServerNames) != 1 {
		t.Fatalf("TLS %+v", s.TLS)
	}
	check("server name", s.TLS.ServerNames[0].Name, sni, MaxNameLen, true)
	if want := []Count{{"server_name", 1}}; !equalCounts(s.TLS.StringsCut, want) {
		t.Errorf("TLS strings cut %v, want %v", s.TLS.StringsCut, want)
	}
	if len(s.DNS.Answers) != 1 {
		t.Fatalf("answers %+v", s.DNS.Answers)
	}
	data := strings.Repeat(string(txt)+" ", 5)
	check("TXT data", s.DNS.Answers[0].Data, data[:len(data)-1], MaxAnswerDataLen, false)
	if want := []Count{{"answer_data", 1}}; !equalCounts(s.DNS.StringsCut, want) {
		t.Errorf("DNS strings cut %v, want %v", s.DNS.StringsCut, want)
	}
	// Passive names: the Host's name and the server name, cut likewise.
	for _, n := range s.Names {
		for _, name := range n.Names {
			if len(name) > MaxNameLen+len(mark(1000)) {
				t.Errorf("passive name of %s is %d bytes", n.IP, len(name))
			}
		}
	}

	var buf bytes.Buffer
	if err := WriteJSON(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// The kept start of the Host is escaped as encoding/json escapes it.
	esc, _ := json.Marshal(string(lowerASCII(nil, []byte(hostile))))
	if strings.Contains(out, "</script>") || !strings.Contains(out, string(esc[:len(esc)-1])) || !strings.Contains(out, `"strings_cut"`) {
		t.Errorf("JSON lost the escaping of %s or strings_cut", esc)
	}
	var back Summary
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(back.HTTP.Requests[0].URL, mark(len(target))) {
		t.Errorf("URL in JSON %q does not end in the mark", back.HTTP.Requests[0].URL)
	}
}
