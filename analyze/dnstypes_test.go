package analyze

import (
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// registryNames is a few RR TYPEs copied by hand from the IANA registry
// (https://www.iana.org/assignments/dns-parameters/), independently of
// dnsTypeNames; 255 is "*" there, shown as ANY.
var registryNames = map[int]string{
	1: "A", 28: "AAAA", 43: "DS", 47: "NSEC", 50: "NSEC3", 65: "HTTPS", 99: "SPF",
	251: "IXFR", 252: "AXFR", 255: "ANY", 257: "CAA", 32769: "DLV",
}

// dnsTypeMessage encodes a DNS message with one question of type qtype;
// a response carries one answer of each of the answer types, with 4 bytes
// of data.
func dnsTypeMessage(id uint16, name string, qtype uint16, answers ...uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	flags := uint16(0x0100)
	if len(answers) > 0 {
		flags = 0x8180
	}
	b = binary.BigEndian.AppendUint16(b, flags)
	b = append(b, 0, 1, 0, byte(len(answers)), 0, 0, 0, 0)
	for _, l := range strings.Split(name, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = append(b, 0, 1)
	for _, t := range answers {
		b = append(b, 0xc0, 12) // the question's name
		b = binary.BigEndian.AppendUint16(b, t)
		b = append(b, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4)
	}
	return b
}

// TestDNSTypeNames writes queries and answers of types gopacket does not
// name, and checks the names in the Summary against the numbers tshark
// reads from the same capture, named by registryNames, else TYPE<n>.
func TestDNSTypeNames(t *testing.T) {
	qtypes := []uint16{255, 255, 252, 251, 43, 47, 257, 65, 1, 54, 65534, 65280, 32769}
	atypes := []uint16{257, 43, 65534, 99}
	var pkts []testPacket
	for i, q := range qtypes {
		name := fmt.Sprintf("q%d.example", i)
		pkts = append(pkts, testPacket{t0, udpFrame(t, "10.0.0.1", "10.0.0.53", uint16(40000+i), 53, dnsTypeMessage(uint16(i), name, q))})
	}
	pkts = append(pkts, testPacket{t0, udpFrame(t, "10.0.0.53", "10.0.0.1", 53, 40000, dnsTypeMessage(99, "a.example", 257, atypes...))})
	capture := pcapBytes(t, 1, pkts)
	s := analyzeBytes(t, capture, Options{})

	name := func(n int) string {
		if r, ok := registryNames[n]; ok {
			return r
		}
		return "TYPE" + strconv.Itoa(n)
	}
	got := map[string]int64{}
	for _, c := range s.DNS.Types {
		got[c.Name] = c.Count
	}
	gotAnswers := map[string]int64{}
	for _, a := range s.DNS.Answers {
		gotAnswers[a.Type] += a.Count
	}
	want, wantAnswers := map[string]int64{}, map[string]int64{}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("no tshark: comparing with the types written")
		for _, q := range qtypes {
			want[name(int(q))]++
		}
		for _, a := range atypes {
			wantAnswers[name(int(a))]++
		}
	} else {
		path := filepath.Join(t.TempDir(), "types.pcap")
		if err := os.WriteFile(path, capture, 0o644); err != nil {
			t.Fatal(err)
		}
		want = tsharkTypes(t, path, "dns.flags.response == 0", "dns.qry.type", name)
		wantAnswers = tsharkTypes(t, path, "dns.flags.response == 1", "dns.resp.type", name)
		if len(want) != 12 || len(wantAnswers) != len(atypes) {
			t.Fatalf("tshark read %v and %v, not the types written", want, wantAnswers)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("query types %v, tshark's numbers named by the registry %v", got, want)
	}
	if !maps.Equal(gotAnswers, wantAnswers) {
		t.Errorf("answer types %v, tshark's numbers named by the registry %v", gotAnswers, wantAnswers)
	}
}

// tsharkTypes counts the numbers tshark gives field in the frames filter
// keeps, named by name.
func tsharkTypes(t *testing.T, path, filter, field string, name func(int) string) map[string]int64 {
	t.Helper()
	out, err := exec.Command("tshark", "-n", "-r", path, "-Y", filter, "-T", "fields", "-e", field).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	m := map[string]int64{}
	for _, f := range strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' || r == ',' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("tshark gave %q for %s", f, field)
		}
		m[name(n)]++
	}
	return m
}

func TestDNSTypeNameForms(t *testing.T) {
	for typ, want := range map[uint16]string{1: "A", 255: "ANY", 257: "CAA", 0: "TYPE0", 54: "TYPE54", 65534: "TYPE65534", 65535: "TYPE65535"} {
		if got := dnsTypeName(layers.DNSType(typ)); got != want {
			t.Errorf("dnsTypeName(%d) = %q, want %q", typ, got, want)
		}
		if got := string(appendDNSType([]byte("x"), layers.DNSType(typ))); got != "x"+want {
			t.Errorf("appendDNSType(%d) = %q", typ, got)
		}
	}
}
