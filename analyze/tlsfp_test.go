package analyze

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// helloSpec describes a ClientHello to build: its cipher suites and its
// extensions in order, each a type and its data.
type helloSpec struct {
	version uint16
	ciphers []uint16
	exts    []helloExt
}

type helloExt struct {
	typ  uint16
	data []byte
}

func u16s(vs ...uint16) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// withLen16 prefixes b with its 2-byte length.
func withLen16(b []byte) []byte { return append(u16s(uint16(len(b))), b...) }

func sniExt(name string) helloExt {
	return helloExt{tlsExtServerName, withLen16(append([]byte{0, byte(len(name) >> 8), byte(len(name))}, name...))}
}

func alpnExt(names ...string) helloExt {
	var l []byte
	for _, n := range names {
		l = append(append(l, byte(len(n))), n...)
	}
	return helloExt{tlsExtALPN, withLen16(l)}
}

// record returns the ClientHello as one TLS record.
func (s helloSpec) record() []byte {
	body := binary.BigEndian.AppendUint16(nil, s.version)
	body = append(body, make([]byte, 32)...) // random
	body = append(body, 0)                   // session ID
	body = append(body, withLen16(u16s(s.ciphers...))...)
	body = append(body, 1, 0) // null compression
	var exts []byte
	for _, e := range s.exts {
		exts = append(exts, u16s(e.typ, uint16(len(e.data)))...)
		exts = append(exts, e.data...)
	}
	body = append(body, withLen16(exts)...)
	msg := append([]byte{tlsClientHello, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return append([]byte{tlsContentHandshake, 3, 1, byte(len(msg) >> 8), byte(len(msg))}, msg...)
}

func (s helloSpec) parse(t *testing.T) *clientHello {
	t.Helper()
	h, ok, _ := parseClientHello(s.record())
	if !ok {
		t.Fatalf("ClientHello not parsed: %q", h.malformed)
	}
	return &h
}

// specHello is the example of the JA4 specification (JA4.md, "Cipher
// hash" and "Extension hash"), with GREASE values added that must be left
// out: its JA4 is t13d1516h2_8daaf6152771_e5627efa2ab1.
func specHello(sigAlgs []byte) helloSpec {
	ciphers := []uint16{0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	var exts []helloExt
	exts = append(exts, helloExt{0x2a2a, nil})
	for _, typ := range []uint16{0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015} {
		switch typ {
		case tlsExtServerName:
			exts = append(exts, sniExt("example.com"))
		case tlsExtALPN:
			exts = append(exts, alpnExt("h2", "http/1.1"))
		case tlsExtSignatureAlgs:
			exts = append(exts, helloExt{typ, withLen16(sigAlgs)})
		case tlsExtSupportedVersions:
			exts = append(exts, helloExt{typ, append([]byte{6}, u16s(0xdada, 0x0304, 0x0303)...)})
		case tlsExtSupportedGroups:
			exts = append(exts, helloExt{typ, withLen16(u16s(0x0a0a, 0x001d, 0x0017, 0x0018))})
		case tlsExtECPointFormats:
			exts = append(exts, helloExt{typ, []byte{1, 0}})
		default:
			exts = append(exts, helloExt{typ, nil})
		}
	}
	exts = append(exts, helloExt{0xfafa, []byte{0}})
	return helloSpec{version: 0x0303, ciphers: ciphers, exts: exts}
}

// TestJA4SpecExample checks ja4 with the examples of the JA4
// specification: the fingerprint it gives, the hash without signature
// algorithms, and the ALPN characters.
func TestJA4SpecExample(t *testing.T) {
	sigs := u16s(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)
	h := specHello(sigs).parse(t)
	for transport, want := range map[byte]string{
		ja4TCP:  "t13d1516h2_8daaf6152771_e5627efa2ab1",
		ja4QUIC: "q13d1516h2_8daaf6152771_e5627efa2ab1",
		ja4DTLS: "d13d1516h2_8daaf6152771_e5627efa2ab1",
	} {
		if got := ja4(h, transport); got != want {
			t.Errorf("ja4(%c) = %s, want %s", transport, got, want)
		}
	}
	// JA4_r, the spec's raw output.
	var sc fpScratch
	fp := sc.appendJA4(nil, h, ja4TCP)
	wantRaw := "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_" +
		"0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
	if got := string(sc.appendJA4Raw(nil, fp)); got != wantRaw {
		t.Errorf("ja4_r = %s\nwant    %s", got, wantRaw)
	}
	// A GREASE signature algorithm is left out too.
	h = specHello(append(u16s(0x3a3a), sigs...)).parse(t)
	if got, want := ja4(h, ja4TCP), "t13d1516h2_8daaf6152771_e5627efa2ab1"; got != want {
		t.Errorf("with a GREASE signature algorithm: ja4 = %s, want %s", got, want)
	}
	// "If there are no signature algorithms in the hello packet, then the
	// string ends without an underscore and is hashed": 6d807ffa2a79.
	h = specHello(nil).parse(t)
	if got, want := ja4(h, ja4TCP), "t13d1516h2_8daaf6152771_6d807ffa2a79"; got != want {
		t.Errorf("without signature algorithms: ja4 = %s, want %s", got, want)
	}

	// JA3 of the same hello, built by hand from its definition.
	raw, sum := ja3(h)
	wantRaw = "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53," +
		"27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0"
	if raw != wantRaw {
		t.Errorf("ja3 = %s\nwant   %s", raw, wantRaw)
	}
	if m := md5.Sum([]byte(wantRaw)); sum != hex.EncodeToString(m[:]) {
		t.Errorf("ja3 MD5 = %s, want %x", sum, m)
	}

	for _, c := range []struct {
		alpn []string
		want string
	}{
		{nil, "00"}, {[]string{"h2"}, "h2"}, {[]string{"http/1.1", "h2"}, "h1"}, {[]string{"h"}, "hh"},
		{[]string{"\xab"}, "ab"}, {[]string{"\xab\xcd"}, "ad"}, {[]string{"0\xab"}, "3b"},
		{[]string{"01\xab\xcd"}, "3d"}, {[]string{"0\xab\xcd1"}, "01"},
	} {
		s := helloSpec{version: 0x0303, ciphers: []uint16{0x002f}}
		if c.alpn != nil {
			s.exts = []helloExt{alpnExt(c.alpn...)}
		}
		got := ja4(s.parse(t), ja4TCP)
		// No SNI, TLS 1.2 from legacy_version, one cipher, extensions.
		want := fmt.Sprintf("t12i01%02d%s_", len(s.exts), c.want)
		if !strings.HasPrefix(got, want) {
			t.Errorf("ALPN %q: ja4 = %s, want it to start %s", c.alpn, got, want)
		}
		if c.alpn == nil && !strings.HasSuffix(got, "_000000000000") {
			t.Errorf("no extensions: ja4 = %s, want the c part 000000000000", got)
		}
	}
}

// TestFingerprintNoAllocs checks that fingerprinting a ClientHello seen
// before allocates nothing.
func TestFingerprintNoAllocs(t *testing.T) {
	h := specHello(u16s(0x0403, 0x0804)).parse(t)
	f := newFingerprints()
	client := netip.MustParseAddr("10.0.0.1")
	sni := []byte("example.com")
	f.add(h, ja4TCP, sni, client)
	if n := testing.AllocsPerRun(100, func() { f.add(h, ja4TCP, sni, client) }); n != 0 {
		t.Errorf("add allocates %v times per ClientHello", n)
	}
	ja4s, ja3s := f.summary()
	if len(ja4s) != 1 || ja4s[0].Count != 102 || len(ja3s) != 1 || ja3s[0].Count != 102 {
		t.Errorf("fingerprints %+v %+v, want one of each with 102 ClientHellos (AllocsPerRun runs once more)", ja4s, ja3s)
	}
}

// ja4Dirs are where the JA4 project's captures and expected.json are
// looked for: the shared vectors, else the copies in testdata.
var ja4Dirs = []string{"../../shared/vectors/ja4", "../testdata/ja4"}

type ja4Expected struct {
	Capture    string `json:"capture"`
	Stream     int    `json:"stream"`
	Transport  string `json:"transport"`
	ServerName string `json:"server_name"`
	JA4        string `json:"ja4"`
}

// TestJA4Vectors checks the JA4 of every ClientHello over TCP in the JA4
// project's captures against what its implementation gives (expected.json):
// per capture, the ClientHellos of each JA4 and of each server name.
// The QUIC ones (transport "udp") come through QUIC Initial decryption
// (quic.go), with the 'q' prefix.
func TestJA4Vectors(t *testing.T) {
	var dir string
	for _, d := range ja4Dirs {
		if _, err := os.Stat(filepath.Join(d, "expected.json")); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Skip("no JA4 vectors")
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []ja4Expected
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	byCapture := map[string][]ja4Expected{}
	for _, e := range all {
		if e.Transport == "tcp" || e.Transport == "udp" {
			byCapture[e.Capture] = append(byCapture[e.Capture], e)
		}
	}
	checked := 0
	for _, name := range slices.Sorted(maps.Keys(byCapture)) {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s: not present, skipped", name)
			continue
		}
		want := byCapture[name]
		s, err := File(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantCount := map[string]int64{}
		wantNames := map[string]map[string]int64{}
		for _, e := range want {
			wantCount[e.JA4]++
			if wantNames[e.JA4] == nil {
				wantNames[e.JA4] = map[string]int64{}
			}
			if e.ServerName != "" {
				wantNames[e.JA4][strings.ToLower(e.ServerName)]++
			}
		}
		gotCount := map[string]int64{}
		for _, fp := range s.TLS.JA4 {
			gotCount[fp.Fingerprint] = fp.Count
			names := wantNames[fp.Fingerprint]
			if len(names) <= fpNames && len(fp.ServerNames) != len(names) {
				t.Errorf("%s: %s: server names %v, want %v", name, fp.Fingerprint, fp.ServerNames, names)
			}
			for _, n := range fp.ServerNames {
				if names[n.Name] != n.Count {
					t.Errorf("%s: %s: server name %s in %d ClientHellos, want %d", name, fp.Fingerprint, n.Name, n.Count, names[n.Name])
				}
			}
		}
		if !maps.Equal(gotCount, wantCount) {
			t.Errorf("%s: ClientHellos by JA4\n got %v\nwant %v", name, gotCount, wantCount)
		}
		checked += len(want)
	}
	t.Logf("%d ClientHellos over TCP and QUIC checked", checked)
	if checked == 0 {
		t.Error("no capture checked")
	}
}

// TestJA3Tshark checks the JA3 of the ClientHellos of the shared captures
// and the JA4 project's against tshark's tls.handshake.ja3_full and
// tls.handshake.ja3: per capture, the ClientHellos of each JA3, taking the
// first ClientHello of each TCP stream (as analyze does).
func TestJA3Tshark(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	// The copies in testdata are checked when the shared ones are absent.
	var paths []string
	for _, dirs := range [][]string{{"../../shared/captures", "../testdata"}, ja4Dirs} {
		dir := dirs[0]
		if _, err := os.Stat(dir); err != nil {
			dir = dirs[1]
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".pcap") || strings.HasSuffix(n, ".pcapng") || strings.HasSuffix(n, ".pcap.gz")) {
				paths = append(paths, filepath.Join(dir, n))
			}
		}
	}
	if testing.Short() {
		t.Skip("runs tshark on every capture")
	}
	hellos := 0
	for _, path := range paths {
		out, err := exec.Command("tshark", "-r", path, "-Y", "tls.handshake.type == 1 && tcp", "-T", "fields",
			"-e", "tcp.stream", "-e", "tls.handshake.ja3_full", "-e", "tls.handshake.ja3", "-E", "occurrence=f").Output()
		if err != nil && len(out) == 0 {
			t.Logf("%s: tshark: %v", path, err)
			continue
		}
		want := map[string]int64{}
		raws := map[string]string{}
		seen := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(line, "\t")
			if len(f) != 3 || f[2] == "" || seen[f[0]] {
				continue
			}
			seen[f[0]] = true
			want[f[2]]++
			raws[f[2]] = f[1]
		}
		s, err := File(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got := map[string]int64{}
		for _, fp := range s.TLS.JA3 {
			got[fp.Fingerprint] = fp.Count
			if w, ok := raws[fp.Fingerprint]; ok && w != fp.Raw {
				t.Errorf("%s: JA3 %s: string %s, tshark %s", path, fp.Fingerprint, fp.Raw, w)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: ClientHellos by JA3\n got %v\nwant %v", path, got, want)
		}
		hellos += len(seen)
	}
	t.Logf("%d captures, %d ClientHellos checked", len(paths), hellos)
	if hellos == 0 {
		t.Error("no ClientHello checked")
	}
}

// TestFingerprintsWorstCaseMemory fills both fingerprint lists as a
// hostile capture could: 12,000 distinct ClientHellos, each seen from 9
// clients with 5 server names of 45 bytes: the text per fingerprint (raw
// string and 4 names) is such that the text budget is reached near the
// 10,000 entries. The heap the lists hold must stay within the
// 16 MiB the round allows a new structure.
func TestFingerprintsWorstCaseMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 20,000 fingerprints")
	}
	var names [][]byte
	for k := range 5 {
		names = append(names, bytes.Repeat([]byte{byte('a' + k)}, 45))
	}
	var clients []netip.Addr
	for k := range 9 {
		clients = append(clients, netip.AddrFrom4([4]byte{10, 0, 0, byte(k + 1)}))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f := newFingerprints()
	const distinct = 12_000
	for i := range distinct {
		c := uint16(0x8000 + i)
		if isGREASE(c) {
			c = uint16(0x8000 + distinct + i) // keep the ClientHellos distinct
		}
		h := helloSpec{version: 0x0303, ciphers: []uint16{c, 0x1301, 0x1302}, exts: []helloExt{sniExt("x"), alpnExt("h2")}}.parse(t)
		for k := range 9 {
			f.add(h, ja4TCP, names[k%5], clients[k])
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d ClientHellos: %d JA4s (%d bytes of text), %d JA3s (%d bytes); heap held %.1f MiB",
		9*distinct, len(f.ja4), f.bytes4, len(f.ja3), f.bytes3, float64(held)/(1<<20))
	if held > 16<<20 {
		t.Errorf("the fingerprints hold %.1f MiB, over 16 MiB", float64(held)/(1<<20))
	}
	if !f.full || len(f.ja4) > maxFingerprints || len(f.ja3) > maxFingerprints {
		t.Errorf("%d JA4s and %d JA3s kept, full %v; want at most %d each, full", len(f.ja4), len(f.ja3), f.full, maxFingerprints)
	}
	for _, m := range []map[string]*fpCount{f.ja4, f.ja3} {
		for _, c := range m {
			if len(c.few) > fewClients || len(c.names) > fpNames || len(c.raw) > maxRawLen || c.count != 9 {
				t.Fatalf("an entry keeps %d clients, %d names, %d bytes of raw string, %d ClientHellos (9 sent)",
					len(c.few), len(c.names), len(c.raw), c.count)
			}
		}
	}
	runtime.KeepAlive(&f)
}

// BenchmarkFingerprint measures fingerprinting one ClientHello already
// listed (the spec's example: 15 cipher suites, 16 extensions).
func BenchmarkFingerprint(b *testing.B) {
	t := &testing.T{}
	h := specHello(u16s(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)).parse(t)
	f := newFingerprints()
	client := netip.MustParseAddr("10.0.0.1")
	sni := []byte("example.com")
	b.ReportAllocs()
	for b.Loop() {
		f.add(h, ja4TCP, sni, client)
	}
}

// TestJA4QUICVectors checks ja4 with transport 'q' on the QUIC
// ClientHellos of the JA4 project's captures: tshark decrypts their
// Initial packets (with the keys RFC 9001 derives from the connection ID)
// and prints the ClientHello's bytes (-x: a reassembled CRYPTO or TLS
// handshake section, or the CRYPTO frame at offset 0 of the decrypted
// packet); parseBody reads them and ja4 must give, per capture, the JA4s
// of expected.json's ClientHellos over UDP. pcapreport itself does not
// decrypt QUIC here: this checks the function the QUIC path will call.
func TestJA4QUICVectors(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	if testing.Short() {
		t.Skip("runs tshark on the QUIC captures")
	}
	dir := ja4Dirs[0]
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Skip("no shared JA4 vectors")
	}
	var all []ja4Expected
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{}
	for _, e := range all {
		if e.Transport == "udp" {
			if want[e.Capture] == nil {
				want[e.Capture] = map[string]int64{}
			}
			want[e.Capture][e.JA4]++
		}
	}
	checked := 0
	for _, name := range slices.Sorted(maps.Keys(want)) {
		path := filepath.Join(dir, name)
		filter := "tls.handshake.type == 1 && udp"
		streams, err := exec.Command("tshark", "-r", path, "-Y", filter, "-T", "fields", "-e", "udp.stream").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v", name, err)
		}
		dump, err := exec.Command("tshark", "-r", path, "-Y", filter, "-x").Output()
		if err != nil {
			t.Fatalf("%s: tshark -x: %v", name, err)
		}
		ids := strings.Fields(string(streams))
		frames := tsharkFrames(string(dump))
		if len(frames) != len(ids) {
			t.Fatalf("%s: %d frames dumped, %d listed", name, len(frames), len(ids))
		}
		got := map[string]int64{}
		seen := map[string]bool{}
		for i, sections := range frames {
			if seen[ids[i]] {
				continue // one ClientHello per stream, as expected.json has
			}
			msg := quicHello(sections)
			if msg == nil {
				t.Errorf("%s: stream %s: no ClientHello in tshark's dump", name, ids[i])
				continue
			}
			seen[ids[i]] = true
			var h clientHello
			if !h.parseBody(msg[4:]) {
				t.Errorf("%s: stream %s: ClientHello not parsed: %s", name, ids[i], h.malformed)
				continue
			}
			got[ja4(&h, ja4QUIC)]++
			checked++
		}
		if !maps.Equal(got, want[name]) {
			t.Errorf("%s: QUIC ClientHellos by JA4\n got %v\nwant %v", name, got, want[name])
		}
	}
	t.Logf("%d QUIC ClientHellos checked", checked)
}

// tsharkFrames splits tshark -x output into frames, each a map from a
// section's title ("Frame", "Decrypted QUIC", "Reassembled QUIC CRYPTO"...)
// to its bytes, in order.
func tsharkFrames(dump string) [][]tsharkSection {
	var frames [][]tsharkSection
	for _, line := range strings.Split(dump, "\n") {
		switch {
		case strings.HasSuffix(line, " bytes):"):
			title := line[:strings.LastIndex(line, " (")]
			if title == "Frame" {
				frames = append(frames, nil)
			}
			if len(frames) > 0 {
				f := &frames[len(frames)-1]
				*f = append(*f, tsharkSection{title: title})
			}
		case len(line) > 6 && len(frames) > 0 && len(frames[len(frames)-1]) > 0:
			f := frames[len(frames)-1]
			s := &f[len(f)-1]
			for _, tok := range strings.Fields(line[6:min(len(line), 6+16*3)]) {
				if v, err := hex.DecodeString(tok); err == nil && len(v) == 1 {
					s.data = append(s.data, v[0])
				}
			}
		}
	}
	return frames
}

type tsharkSection struct {
	title string
	data  []byte
}

// quicHello returns the ClientHello message (header included) of a frame:
// a reassembled section that holds one, else the CRYPTO frame at offset 0
// of the decrypted packet.
func quicHello(sections []tsharkSection) []byte {
	whole := func(b []byte) []byte {
		if len(b) < 4 || b[0] != tlsClientHello {
			return nil
		}
		n := 4 + (int(b[1])<<16 | int(b[2])<<8 | int(b[3]))
		if n > len(b) {
			return nil
		}
		return b[:n]
	}
	for _, s := range sections {
		if strings.HasPrefix(s.title, "Reassembled") {
			if m := whole(s.data); m != nil {
				return m
			}
		}
	}
	for _, s := range sections {
		if s.title != "Decrypted QUIC" {
			continue
		}
		for p := s.data; len(p) > 0; {
			switch p[0] {
			case 0x00, 0x01: // PADDING, PING
				p = p[1:]
				continue
			case 0x06: // CRYPTO: offset, length, data
				off, n1, _ := quicVarint(p[1:])
				l, n2, _ := quicVarint(p[1+n1:])
				data := p[1+n1+n2:]
				if n1 == 0 || n2 == 0 || int(l) > len(data) {
					return nil
				}
				if off == 0 {
					return whole(data[:l])
				}
				p = data[l:]
				continue
			}
			break
		}
	}
	return nil
}
