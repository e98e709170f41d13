package analyze

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tcpSegFrame builds an Ethernet/IPv4/TCP frame with a sequence number.
func tcpSegFrame(t testing.TB, src, dst string, sport, dport uint16, seq uint32, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, ACK: true, PSH: true, Window: 1000}
	tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, eth, ip, tcp, gopacket.Payload(payload))
}

// testCert makes a certificate with an ECDSA key on curve, signed by
// parent's key (itself when parent is nil).
func testCert(t testing.TB, curve elliptic.Curve, subject string, dns []string, ips []net.IP, from, until time.Time, ca bool, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) ([]byte, *x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x1234abcd), Subject: pkix.Name{CommonName: subject, Organization: []string{"Test"}},
		NotBefore: from, NotAfter: until, DNSNames: dns, IPAddresses: ips,
		BasicConstraintsValid: true, IsCA: ca,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return der, x, key
}

// tlsRecords wraps handshake bytes in records of at most size bytes each.
func tlsRecords(typ byte, b []byte, size int) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), size)
		out = append(out, typ, 3, 3, byte(n>>8), byte(n))
		out = append(out, b[:n]...)
		b = b[n:]
	}
	return out
}

// handshake frames a handshake message.
func handshake(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// certificateMessage is a TLS 1.2 Certificate message holding ders.
func certificateMessage(ders ...[]byte) []byte {
	var list []byte
	for _, d := range ders {
		n := len(d)
		list = append(list, byte(n>>16), byte(n>>8), byte(n))
		list = append(list, d...)
	}
	n := len(list)
	return handshake(tlsCertificate, append([]byte{byte(n >> 16), byte(n >> 8), byte(n)}, list...))
}

// serverHello is a minimal TLS 1.2 ServerHello message.
func serverHello() []byte {
	body := append([]byte{3, 3}, bytes.Repeat([]byte{7}, 32)...)
	body = append(body, 0, 0xc0, 0x2f, 0) // no session ID, a suite, no compression
	return handshake(tlsServerHello, body)
}

// clientHelloWithSNI is a minimal ClientHello record naming name.
func clientHelloWithSNI(name string) []byte {
	body := append([]byte{3, 3}, bytes.Repeat([]byte{9}, 32)...)
	body = append(body, 0, 0, 2, 0xc0, 0x2f, 1, 0)
	n := len(name)
	sni := append([]byte{byte((n + 3) >> 8), byte(n + 3), 0, byte(n >> 8), byte(n)}, name...)
	ext := append([]byte{0, 0, byte(len(sni) >> 8), byte(len(sni))}, sni...)
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	return tlsRecords(tlsContentHandshake, handshake(tlsClientHello, body), 1<<14)
}

// segments cuts a stream into TCP payloads of size bytes, starting at seq.
func segments(stream []byte, seq uint32, size int) (payloads [][]byte, seqs []uint32) {
	for off := 0; off < len(stream); off += size {
		payloads = append(payloads, stream[off:min(off+size, len(stream))])
		seqs = append(seqs, seq+uint32(off))
	}
	return payloads, seqs
}

func certByHash(t *testing.T, s *Summary, der []byte) *Certificate {
	t.Helper()
	sum := sha256.Sum256(der)
	h := hex.EncodeToString(sum[:])
	for i := range s.TLS.Certificates.List {
		if c := &s.TLS.Certificates.List[i]; c.SHA256 == h {
			return c
		}
	}
	t.Fatalf("certificate %s not listed", h)
	return nil
}

// TestCertificatesGenerated builds a capture with a known answer: a server
// that sends a leaf and its CA in a Certificate message split over three
// records and many segments, some out of order or repeated, after a
// ClientHello naming it; a second server that sends a self-signed,
// expired certificate with hostile strings and no ClientHello seen; and
// a TLS 1.3 server whose flight holds no certificate in clear.
func TestCertificatesGenerated(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	caDER, ca, caKey := testCert(t, elliptic.P384(), "Test Root CA", nil, nil, at.AddDate(-5, 0, 0), at.AddDate(5, 0, 0), true, nil, nil)
	leafDER, _, _ := testCert(t, elliptic.P256(), "secure.example", []string{"secure.example", "www.secure.example"},
		[]net.IP{net.ParseIP("10.0.0.2")}, at.AddDate(0, -1, 0), at.AddDate(0, 11, 0), false, ca, caKey)
	hostile := "</script><script>alert(1)</script>\x00\x1b[31m__f__"
	selfDER, _, _ := testCert(t, elliptic.P256(), hostile, []string{hostile}, nil, at.AddDate(-3, 0, 0), at.AddDate(-2, 0, 0), false, nil, nil)

	var pkts []testPacket
	tick := 0
	add := func(frame []byte) {
		pkts = append(pkts, testPacket{at.Add(time.Duration(tick) * time.Millisecond), frame})
		tick++
	}
	// Flow 1: ClientHello, then the flight in 700-byte records and 300-byte segments.
	add(tcpSegFrame(t, "10.0.0.1", "10.0.0.2", 50000, 443, 1000, clientHelloWithSNI("Secure.Example")))
	flight := tlsRecords(tlsContentHandshake, serverHello(), 1<<14)
	flight = append(flight, tlsRecords(tlsContentHandshake, append(certificateMessage(leafDER, caDER), handshake(tlsServerHelloDone, nil)...), 700)...)
	ps, seqs := segments(flight, 5000, 300)
	if len(ps) < 4 {
		t.Fatalf("flight of %d bytes in %d segments", len(flight), len(ps))
	}
	order := []int{0, 2, 1, 1} // out of order, and a retransmission
	for i := 3; i < len(ps); i++ {
		order = append(order, i)
	}
	for _, i := range order {
		add(tcpSegFrame(t, "10.0.0.2", "10.0.0.1", 443, 50000, seqs[i], ps[i]))
	}
	// Flow 2: a self-signed certificate, no ClientHello.
	flight2 := tlsRecords(tlsContentHandshake, append(serverHello(), certificateMessage(selfDER)...), 1<<14)
	add(tcpSegFrame(t, "10.0.0.3", "10.0.0.1", 8443, 50001, 1, flight2))
	// Flow 3: TLS 1.3: ServerHello, ChangeCipherSpec, encrypted records.
	flight3 := tlsRecords(tlsContentHandshake, serverHello(), 1<<14)
	flight3 = append(flight3, 20, 3, 3, 0, 1, 1)
	flight3 = append(flight3, tlsRecords(23, bytes.Repeat([]byte{0xaa}, 3000), 1<<14)...)
	add(tcpSegFrame(t, "10.0.0.4", "10.0.0.1", 443, 50002, 1, flight3))

	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	tc := s.TLS.Certificates
	if tc.Messages != 2 || tc.Seen != 3 || len(tc.List) != 3 || tc.Malformed+tc.Incomplete+tc.ParseErrors+tc.Unlisted != 0 {
		t.Fatalf("certificates: %+v", tc)
	}
	leaf := certByHash(t, s, leafDER)
	want := Certificate{
		SHA256: leaf.SHA256, Count: 1, Size: len(leafDER), Subject: "CN=secure.example,O=Test", Issuer: "CN=Test Root CA,O=Test",
		DNSNames: []string{"secure.example", "www.secure.example"}, IPAddresses: []string{"10.0.0.2"},
		NotBefore: "2024-02-01T10:00:00Z", NotAfter: "2025-02-01T10:00:00Z", KeyType: "ECDSA", KeyBits: 256,
		SignatureAlgorithm: "ECDSA-SHA384", Serial: "1234abcd", Leaf: true,
		Servers: []string{"10.0.0.2:443"}, ServerNames: []string{"secure.example"},
	}
	if d := diffCert(*leaf, want); d != "" {
		t.Errorf("leaf: %s", d)
	}
	root := certByHash(t, s, caDER)
	if !root.CA || root.Leaf || !root.SelfSigned || root.Expired || root.KeyBits != 384 || !slices.Equal(root.ServerNames, []string{"secure.example"}) {
		t.Errorf("root: %+v", *root)
	}
	self := certByHash(t, s, selfDER)
	if !self.SelfSigned || !self.Expired || self.NotYetValid || !self.Leaf || self.CA ||
		!strings.Contains(self.Subject, `\</script\>`) || !slices.Equal(self.DNSNames, []string{hostile}) || !slices.Equal(self.Servers, []string{"10.0.0.3:8443"}) || len(self.ServerNames) != 0 {
		t.Errorf("self-signed: %+v", *self)
	}
	rules := map[string]bool{}
	for _, f := range s.Findings {
		rules[f.Rule] = true
	}
	if !rules["tls-self-signed-certificate"] || rules["tls-expired-certificate"] {
		t.Errorf("findings: %v", rules)
	}
}

// diffCert says how got differs from want, "" when it does not.
func diffCert(got, want Certificate) string {
	var d []string
	eq := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, name+": "+strings.TrimSpace(strings.ReplaceAll(sprint(g)+" want "+sprint(w), "\n", " ")))
		}
	}
	eq("count", got.Count == want.Count, got.Count, want.Count)
	eq("size", got.Size == want.Size, got.Size, want.Size)
	eq("subject", got.Subject == want.Subject, got.Subject, want.Subject)
	eq("issuer", got.Issuer == want.Issuer, got.Issuer, want.Issuer)
	eq("dns", slices.Equal(got.DNSNames, want.DNSNames), got.DNSNames, want.DNSNames)
	eq("ips", slices.Equal(got.IPAddresses, want.IPAddresses), got.IPAddresses, want.IPAddresses)
	eq("validity", got.NotBefore == want.NotBefore && got.NotAfter == want.NotAfter, got.NotBefore+" "+got.NotAfter, want.NotBefore+" "+want.NotAfter)
	eq("key", got.KeyType == want.KeyType && got.KeyBits == want.KeyBits, got.KeyType, want.KeyType)
	eq("signature", got.SignatureAlgorithm == want.SignatureAlgorithm, got.SignatureAlgorithm, want.SignatureAlgorithm)
	eq("serial", got.Serial == want.Serial, got.Serial, want.Serial)
	eq("flags", got.CA == want.CA && got.Leaf == want.Leaf && got.SelfSigned == want.SelfSigned && got.Expired == want.Expired && got.NotYetValid == want.NotYetValid,
		[]bool{got.CA, got.Leaf, got.SelfSigned, got.Expired, got.NotYetValid}, []bool{want.CA, want.Leaf, want.SelfSigned, want.Expired, want.NotYetValid})
	eq("servers", slices.Equal(got.Servers, want.Servers), got.Servers, want.Servers)
	eq("names", slices.Equal(got.ServerNames, want.ServerNames), got.ServerNames, want.ServerNames)
	return strings.Join(d, "; ")
}

func sprint(v any) string { return fmt.Sprint(v) }

// TestCertificatesHostile feeds server flights built to hurt: a
// Certificate message that claims 16 MiB, one of 2,000 garbage
// certificates, records of a wrong version or over-long, and a flight
// that stalls after a gap. Each must be counted, bounded and never panic.
func TestCertificatesHostile(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	var pkts []testPacket
	port := uint16(40000)
	send := func(stream []byte, size int, skip func(i int) bool) {
		port++
		ps, seqs := segments(stream, 1, size)
		for i := range ps {
			if skip == nil || !skip(i) {
				pkts = append(pkts, testPacket{at, tcpSegFrame(t, "10.0.0.9", "10.0.0.1", 443, port, seqs[i], ps[i])})
			}
		}
	}
	hello := tlsRecords(tlsContentHandshake, serverHello(), 1<<14)
	// A Certificate message claiming 16 MiB, followed by 80 KB of records.
	huge := append(hello, tlsRecords(tlsContentHandshake, append([]byte{tlsCertificate, 0xff, 0xff, 0xff}, make([]byte, 80_000)...), 1<<14)...)
	send(huge, 1400, nil)
	// 2,000 certificates of 10 garbage bytes.
	garbage := make([][]byte, 2000)
	for i := range garbage {
		garbage[i] = []byte(strings.Repeat(string(rune('a'+i%26)), 9) + string(rune(i%250)))
	}
	send(append(hello, tlsRecords(tlsContentHandshake, certificateMessage(garbage...), 1<<14)...), 1400, nil)
	// A record of version 0x0103, and one longer than any TLS record.
	send(append(hello, 22, 1, 3, 0, 4, tlsCertificate, 0, 0, 0), 1400, nil)
	send(append(hello, 22, 3, 3, 0xff, 0xff), 1400, nil)
	// A Certificate message whose list length disagrees with it.
	send(append(hello, tlsRecords(tlsContentHandshake, []byte{tlsCertificate, 0, 0, 4, 0, 0, 9, 1}, 1<<14)...), 1400, nil)
	// A flight of many segments after a lost one: given up after certStalls.
	long := append(hello, tlsRecords(tlsContentHandshake, certificateMessage(make([]byte, 30_000)), 1<<14)...)
	send(long, 100, func(i int) bool { return i == 3 || i == 5 })

	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	tc := s.TLS.Certificates
	if tc.Messages != 1 || tc.Seen != maxCertsPerMessage || tc.ParseErrors != maxCertsPerMessage ||
		tc.Skipped != 2000-maxCertsPerMessage || tc.Malformed != 3 || tc.Incomplete != 2 || len(tc.List) != maxCertsPerMessage {
		t.Errorf("hostile flights: %+v", tc)
	}
	for _, c := range tc.List {
		if c.Error == "" || c.Subject != "" || c.DNSNames == nil || len(c.SHA256) != 64 {
			t.Errorf("garbage certificate listed as %+v", c)
		}
	}
}

// TestCertStreamsBounded opens server flights on many flows at once: no
// more than maxCertStreams are assembled, each holds at most
// certStreamLimit bytes, and every buffer is given back when its flight
// ends or its flow is dropped.
func TestCertStreamsBounded(t *testing.T) {
	cs := newCerts()
	var w web
	flows := make([]flowCount, 1000)
	hello := tlsRecords(tlsContentHandshake, serverHello(), 1<<14)
	// A handshake message of 60,000 bytes: it needs 61 KB of records.
	msg := tlsRecords(tlsContentHandshake, append([]byte{tlsServerHelloDone + 1, 0, 0xea, 0x60}, make([]byte, 60_000)...), 1<<14)
	src := netip.MustParseAddr("10.0.0.9")
	for i := range flows {
		cs.segment(&flows[i], false, false, &w, 1, hello, src, 443, time.Time{})
	}
	open := 0
	for i := range flows {
		if flows[i].tls != nil && flows[i].tls.buf != nil {
			open++
		}
	}
	if open != maxCertStreams || cs.open != maxCertStreams {
		t.Fatalf("%d flights open (counted %d), want %d", open, cs.open, maxCertStreams)
	}
	// The newest flights are read; each older one gave way, counted.
	if last := flows[len(flows)-1].tls; last == nil || last.buf == nil || cs.incomplete != int64(len(flows)-maxCertStreams) {
		t.Errorf("the newest flight is not read, or %d given up, want %d", cs.incomplete, len(flows)-maxCertStreams)
	}
	held := 0
	seq := uint32(1 + len(hello))
	for off := 0; off < len(msg); off += 1000 {
		p := msg[off:min(off+1000, len(msg))]
		for i := range flows {
			cs.segment(&flows[i], false, false, &w, seq+uint32(off), p, src, 443, time.Time{})
		}
	}
	for i := range flows {
		if b := flows[i].tls.buf; b != nil {
			held += cap(b.data)
		}
	}
	if held > maxCertStreams*certStreamLimit {
		t.Errorf("%d bytes held", held)
	}
	for i := range flows {
		cs.drop(&flows[i])
	}
	if cs.open != 0 || len(cs.spare) != maxCertStreams {
		t.Errorf("after dropping every flow: %d open, %d spare buffers", cs.open, len(cs.spare))
	}
	for _, b := range cs.spare {
		if cap(b.data) > certStreamLimit {
			t.Errorf("a buffer of %d bytes", cap(b.data))
		}
	}
}

// TestCertFindings checks when the certificate rules fire: a self-signed
// or expired certificate that a server sent as its own fires; the same
// sent only further down a chain (a root or intermediate), a valid one,
// and one crypto/x509 refused do not.
func TestCertFindings(t *testing.T) {
	cert := func(mod func(c *Certificate)) Certificate {
		c := Certificate{SHA256: strings.Repeat("ab", 32), Count: 2, Subject: "CN=host.example", Leaf: true,
			Servers: []string{"10.0.0.2:443", "[2001:db8::1]:8443"}, ServerNames: []string{"host.example"}}
		mod(&c)
		return c
	}
	cases := []struct {
		name string
		c    Certificate
		want string // the rule that fires, "" for none
		sev  string
	}{
		{"self-signed leaf", cert(func(c *Certificate) { c.SelfSigned = true }), "tls-self-signed-certificate", SeverityMedium},
		{"self-signed and expired leaf", cert(func(c *Certificate) { c.SelfSigned, c.Expired = true, true }), "tls-self-signed-certificate", SeverityMedium},
		{"expired leaf", cert(func(c *Certificate) { c.Expired = true }), "tls-expired-certificate", SeverityLow},
		{"not yet valid leaf", cert(func(c *Certificate) { c.NotYetValid = true }), "tls-expired-certificate", SeverityLow},
		{"self-signed root in a chain", cert(func(c *Certificate) { c.SelfSigned, c.CA, c.Leaf = true, true, false }), "", ""},
		{"expired intermediate", cert(func(c *Certificate) { c.Expired, c.Leaf = true, false }), "", ""},
		{"valid leaf", cert(func(*Certificate) {}), "", ""},
		{"refused by crypto/x509", cert(func(c *Certificate) { c.Error, c.Subject = "x509: malformed", "" }), "", ""},
	}
	for _, tc := range cases {
		fs := certFindings(&TLSCertificates{List: []Certificate{tc.c}})
		switch {
		case tc.want == "" && len(fs) != 0:
			t.Errorf("%s: fired %+v", tc.name, fs)
		case tc.want != "" && (len(fs) != 1 || fs[0].Rule != tc.want || fs[0].Severity != tc.sev):
			t.Errorf("%s: got %+v, want one %s (%s)", tc.name, fs, tc.want, tc.sev)
		case tc.want != "":
			e := fs[0].Evidence
			if !slices.Equal(e.Hosts, []string{"10.0.0.2", "2001:db8::1"}) || !slices.Equal(e.Names, []string{"CN=host.example", "host.example"}) ||
				!slices.Equal(e.Counts, []Count{{"certificates", 1}, {"sent", 2}}) || !strings.Contains(fs[0].Title, "CN=host.example") {
				t.Errorf("%s: %+v", tc.name, fs[0])
			}
		}
	}
}
