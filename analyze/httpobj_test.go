package analyze

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tcpConn builds the packets of one TCP connection from 10.0.0.1:40000 to
// 10.0.0.2:80: a handshake, then the client's and the server's bytes in
// segments of at most mss bytes (all of the client's first), then FINs.
// edit may drop, reorder or duplicate the server's segments.
type tcpConn struct {
	client, server []byte
	mss            int
	edit           func(segs [][]byte, seqs []uint32) ([][]byte, []uint32)
}

func (c tcpConn) packets(t testing.TB) []testPacket {
	t.Helper()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []testPacket
	const cISN, sISN = 1000, 5000
	frame := func(fromClient bool, seq, ack uint32, syn, fin bool, payload []byte) {
		src, dst, sport, dport := "10.0.0.1", "10.0.0.2", uint16(40000), uint16(80)
		if !fromClient {
			src, dst, sport, dport = dst, src, dport, sport
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, ACK: ack != 0, SYN: syn, FIN: fin, Window: 1000}
		tcp.SetNetworkLayerForChecksum(ip)
		at = at.Add(time.Millisecond)
		out = append(out, testPacket{at, serialize(t, eth, ip, tcp, gopacket.Payload(payload))})
	}
	frame(true, cISN, 0, true, false, nil)
	frame(false, sISN, cISN+1, true, false, nil)
	cseq, sseq := uint32(cISN+1), uint32(sISN+1)
	for b := c.client; len(b) > 0; {
		n := min(len(b), c.mss)
		frame(true, cseq, sseq, false, false, b[:n])
		cseq += uint32(n)
		b = b[n:]
	}
	var segs [][]byte
	var seqs []uint32
	for b := c.server; len(b) > 0; {
		n := min(len(b), c.mss)
		segs, seqs = append(segs, b[:n]), append(seqs, sseq)
		sseq += uint32(n)
		b = b[n:]
	}
	if c.edit != nil {
		segs, seqs = c.edit(segs, seqs)
	}
	for i := range segs {
		frame(false, seqs[i], cseq, false, false, segs[i])
	}
	frame(false, sseq, cseq, false, true, nil)
	frame(true, cseq, sseq+1, false, true, nil)
	return out
}

func readPackets(t testing.TB, pkts []testPacket, opts Options) *Summary {
	t.Helper()
	s, err := Read("generated.pcap", bytes.NewReader(pcapBytes(t, layers.LinkTypeEthernet, pkts)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func chunked(b []byte, size int) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), size)
		out = fmt.Appendf(out, "%x;ext=1\r\n", n)
		out = append(out, b[:n]...)
		out = append(out, "\r\n"...)
		b = b[n:]
	}
	return append(out, "0\r\nX-Trailer: 1\r\n\r\n"...)
}

func hexSum(b []byte) (string, string, string) {
	s2, m, s1 := sha256.Sum256(b), md5.Sum(b), sha1.Sum(b)
	return hex.EncodeToString(s2[:]), hex.EncodeToString(m[:]), hex.EncodeToString(s1[:])
}

// exe is a made-up Windows executable: "MZ" and random bytes.
func exe(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	copy(b, "MZ\x90\x00")
	return b
}

// TestHTTPObjectsGenerated checks the objects of pipelined requests on one
// connection against the bodies the test made: a gzip-coded chunked
// executable, sent out of order and with a retransmission, a POST body,
// and a 304 without one.
func TestHTTPObjectsGenerated(t *testing.T) {
	body := exe(100_000)
	page := []byte(strings.Repeat("<html><body>hello</body></html>\n", 50))
	post := []byte("user=a&pass=b")
	client := "GET /dl/setup.exe HTTP/1.1\r\nHost: evil.example\r\nUser-Agent: test/1.0\r\nReferer: http://evil.example/\r\n\r\n" +
		"POST /form HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\n" + string(post) +
		"GET /cached HTTP/1.1\r\nHost: evil.example\r\n\r\n"
	server := "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
		string(chunked(gzipped(t, body), 3000)) +
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + fmt.Sprint(len(page)) + "\r\n\r\n" + string(page) +
		"HTTP/1.1 304 Not Modified\r\n\r\n"
	reorder := func(segs [][]byte, seqs []uint32) ([][]byte, []uint32) {
		segs[3], segs[4] = segs[4], segs[3]
		seqs[3], seqs[4] = seqs[4], seqs[3]
		// a retransmission of segment 6
		segs = append(segs[:7], append([][]byte{segs[6]}, segs[7:]...)...)
		seqs = append(seqs[:7], append([]uint32{seqs[6]}, seqs[7:]...)...)
		return segs, seqs
	}
	s := readPackets(t, tcpConn{[]byte(client), []byte(server), 1400, reorder}.packets(t), Options{})
	h := &s.HTTP
	if len(h.Transactions) != 3 || h.TransactionsTotal != 3 {
		t.Fatalf("transactions: %+v", h.Transactions)
	}
	for i, want := range []struct {
		method, target string
		status         int
		size           int64
	}{{"GET", "/dl/setup.exe", 200, int64(len(body))}, {"POST", "/form", 200, int64(len(page))}, {"GET", "/cached", 304, 0}} {
		tx := h.Transactions[i]
		if tx.Method != want.method || tx.Target != want.target || tx.Status != want.status || tx.Size != want.size || tx.Host != "evil.example" {
			t.Errorf("transaction %d: %+v, want %+v", i, tx, want)
		}
	}
	if tx := h.Transactions[0]; tx.UserAgent != "test/1.0" || tx.Referer != "http://evil.example/" || tx.ContentType != "application/octet-stream" ||
		tx.Client != "10.0.0.1" || tx.ClientPort != 40000 || tx.Server != "10.0.0.2" || tx.ServerPort != 80 {
		t.Errorf("transaction 0: %+v", tx)
	}
	if len(h.Objects) != 3 {
		t.Fatalf("objects: %+v", h.Objects)
	}
	for _, c := range []struct {
		tx      int
		request bool
		body    []byte
		sniffed string
		kind    string
	}{{0, false, body, "application/x-msdownload", KindExecutable}, {1, true, post, "text/plain", ""}, {1, false, page, "text/html", ""}} {
		i := h.Transactions[c.tx].ResponseObject
		if c.request {
			i = h.Transactions[c.tx].RequestObject
		}
		if i < 0 {
			t.Errorf("transaction %d: no object (request %v)", c.tx, c.request)
			continue
		}
		o := h.Objects[i]
		s256, m5, s1 := hexSum(c.body)
		if c.kind == "" {
			m5, s1 = "", "" // pages and form data: SHA-256 only (decideWeak)
		}
		if o.SHA256 != s256 || o.MD5 != m5 || o.SHA1 != s1 || o.Size != int64(len(c.body)) || o.Request != c.request ||
			o.Transaction != c.tx || o.SniffedType != c.sniffed || o.Kind != c.kind || o.Incomplete || o.Truncated || o.Undecoded {
			t.Errorf("object of transaction %d: %+v, want sha256 %s size %d sniffed %s", c.tx, o, s256, len(c.body), c.sniffed)
		}
	}
	fs := findingsOf(s, "http-executable-download")
	s256, _, _ := hexSum(body)
	if len(fs) != 1 || fs[0].Severity != SeverityMedium || !strings.Contains(fs[0].Title, s256) || countOf(fs[0], "bytes") != int64(len(body)) {
		t.Errorf("findings: %+v", fs)
	}
}

// TestHTTPObjectsNoDownloadFinding: a capture whose bodies are pages and
// images (tshark exports only such objects from it) gives no finding.
func TestHTTPObjectsNoDownloadFinding(t *testing.T) {
	s := fileSummary(t, "../testdata/http_espn_browsing.pcapng")
	if len(s.HTTP.Objects) < 50 {
		t.Fatalf("%d objects", len(s.HTTP.Objects))
	}
	if fs := findingsOf(s, "http-executable-download"); len(fs) != 0 {
		t.Errorf("findings: %+v", fs)
	}
}

// TestHTTPObjectMissingSegment: a body with a segment never captured is
// listed incomplete, with the bytes that were.
func TestHTTPObjectMissingSegment(t *testing.T) {
	page := bytes.Repeat([]byte("0123456789"), 1000)
	server := "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + string(page)
	drop := func(segs [][]byte, seqs []uint32) ([][]byte, []uint32) {
		return append(segs[:2:2], segs[3:]...), append(seqs[:2:2], seqs[3:]...)
	}
	s := readPackets(t, tcpConn{[]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), []byte(server), 1000, drop}.packets(t), Options{})
	if len(s.HTTP.Objects) != 1 || !s.HTTP.Objects[0].Incomplete || s.HTTP.Objects[0].Size >= 10000 {
		t.Errorf("objects: %+v", s.HTTP.Objects)
	}
}

// TestHTTPObjectBomb: a gzip body that inflates 1000-fold stops at 100
// times its coded size (plus 1 MiB) and is marked truncated.
func TestHTTPObjectBomb(t *testing.T) {
	coded := gzipped(t, make([]byte, 64<<20))
	server := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", len(coded)) + string(coded)
	s := readPackets(t, tcpConn{[]byte("GET /bomb HTTP/1.1\r\nHost: a\r\n\r\n"), []byte(server), 1400, nil}.packets(t), Options{})
	if len(s.HTTP.Objects) != 1 {
		t.Fatalf("objects: %+v", s.HTTP.Objects)
	}
	o := s.HTTP.Objects[0]
	limit := int64(objectRatio*len(coded) + objectRatioSlack)
	if !o.Truncated || o.Size > limit || o.Size < limit-(64<<10) || o.WireSize != int64(len(coded)) {
		t.Errorf("%d coded bytes: object %+v, want truncated near %d bytes", len(coded), o, limit)
	}
}

// TestObjectWeakHashes checks which bodies get MD5 and SHA-1 beside their
// SHA-256, and that they are right however the body is cut into writes:
// the decision waits for the first 512 bytes, or the end of a shorter body.
func TestObjectWeakHashes(t *testing.T) {
	page := []byte(strings.Repeat("<html><body>hello</body></html>\n", 50))
	blob := make([]byte, 3000)
	for i := range blob {
		blob[i] = byte(i*7 + i/256)
	}
	for _, c := range []struct {
		name  string
		body  []byte
		ctype string
		weak  bool
	}{
		{"executable", exe(5000), "", true},
		{"small executable", exe(100), "text/html", true},
		{"zip declared, bytes unknown", blob, "application/zip", true},
		{"unknown binary", blob, "", true},
		{"page", page, "text/html", false},
		{"short page", page[:40], "", false},
		{"empty", nil, "", false},
	} {
		for _, step := range []int{1, 7, 511, 512, 513, 4096} {
			o := newHTTPObjs(nil)
			w := o.newObject(0, false, &msgHead{length: int64(len(c.body)), ctype: []byte(c.ctype)}, t0)
			for b := c.body; len(b) > 0; b = b[min(step, len(b)):] {
				w.write(b[:min(step, len(b))])
			}
			o.finish(w, false)
			o.applyHashes()
			if len(o.objs) == 0 {
				if len(c.body) > 0 {
					t.Errorf("%s: not listed", c.name)
				}
				continue // an empty body is no object
			}
			r := o.objs[len(o.objs)-1]
			s256, m5, s1 := hexSum(c.body)
			if !c.weak {
				m5, s1 = "", ""
			}
			if got := hex.EncodeToString(r.sha256[:]); got != s256 || weakHex(r.weakHashes, r.md5[:]) != m5 || weakHex(r.weakHashes, r.sha1[:]) != s1 {
				t.Errorf("%s in writes of %d: sha256 %s md5 %s sha1 %s; want %s %q %q", c.name, step, got,
					weakHex(r.weakHashes, r.md5[:]), weakHex(r.weakHashes, r.sha1[:]), s256, m5, s1)
			}
		}
	}
}
