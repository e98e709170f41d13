package analyze

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// seedCaptures adds every capture in testdata as a seed.
func seedCaptures(f *testing.F) [][]byte {
	var all [][]byte
	for _, pat := range []string{"../testdata/*.pcap*", "../testdata/malformed/*.pcap*"} {
		names, _ := filepath.Glob(pat)
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				f.Fatal(err)
			}
			all = append(all, b)
		}
	}
	return all
}

// FuzzRead feeds arbitrary bytes to the capture reader. Whatever the input,
// Read must return an error or a Summary whose packets add up, never panic.
func FuzzRead(f *testing.F) {
	for _, b := range seedCaptures(f) {
		if len(b) > 64<<10 {
			b = b[:64<<10] // long seeds slow the fuzzer; their start is what matters
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Read("fuzz", bytes.NewReader(data), Options{})
		if err != nil {
			if s != nil {
				t.Fatal("both a summary and an error")
			}
			return
		}
		checkAccounting(t, s)
	})
}

// fuzzLinkTypes are the link types FuzzPacket decodes frames as.
var fuzzLinkTypes = []layers.LinkType{
	layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull,
	layers.LinkTypeLoop, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6,
	layers.LinkTypeIEEE80211Radio, layers.LinkTypeIEEE802_11, layers.LinkTypePPP, layers.LinkTypePPP_HDLC, linkTypeNFLog,
}

// FuzzPacket feeds one arbitrary frame to the per-packet analysis under
// every supported link type, without the recover that protects a real run,
// so that a panic anywhere in the decoding path is found here.
func FuzzPacket(f *testing.F) {
	for _, b := range seedCaptures(f) {
		src, err := openSource(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			continue
		}
		for i := 0; i < 50; i++ {
			data, _, lt, err := src.next()
			if err != nil {
				break
			}
			for j, flt := range fuzzLinkTypes {
				if flt == lt {
					f.Add(uint8(j), append([]byte(nil), data...))
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, lti uint8, frame []byte) {
		lt := fuzzLinkTypes[int(lti)%len(fuzzLinkTypes)]
		a := newAnalyzer(Options{})
		ci := gopacket.CaptureInfo{CaptureLength: len(frame), Length: len(frame)}
		a.packets = 1
		a.packet(frame, &ci, lt, 24)
		if a.ipPackets+a.otherPackets+a.undecodable != 1 {
			t.Fatalf("packet counted %d times", a.ipPackets+a.otherPackets+a.undecodable)
		}
		s := a.summary()
		checkAccounting(t, s)
	})
}
