package analyze

import (
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestFlowsFlushToAddresses: packets counted in their flow reach the
// sources, destinations and IP pairs in batches (at a flow's first packet
// each way, at the end); the lists must equal a count of every packet. The
// flows run to about a hundred packets, share a pair in both directions,
// and one pair is an address with itself (one flow, both ways).
func TestFlowsFlushToAddresses(t *testing.T) {
	type pkt struct {
		src, dst     string
		sport, dport uint16
		early        bool // out of time order: a second before the first
	}
	var stream []pkt
	for i := range 101 {
		stream = append(stream, pkt{"10.0.0.1", "10.0.0.2", 5000, 53, false})
		if i%3 == 0 {
			stream = append(stream, pkt{"10.0.0.2", "10.0.0.1", 53, 5000, false})
		}
		if i%20 == 0 {
			stream = append(stream, pkt{"10.0.0.2", "10.0.0.1", 6000, 7000, false})
		}
		if i < 41 {
			stream = append(stream, pkt{"10.0.0.3", "10.0.0.3", 1, 2, false})
		}
		if i%9 == 0 {
			stream = append(stream, pkt{"10.0.0.3", "10.0.0.3", 2, 1, false})
		}
	}
	// A new flow of a known pair, whose one packet is the pair's first.
	stream = append(stream, pkt{"10.0.0.2", "10.0.0.1", 6001, 7001, true})
	var pkts []testPacket
	type count struct{ packets, bytes int64 }
	src, dst := map[string]count{}, map[string]count{}
	type pairCount struct {
		ab, ba      count
		first, last time.Time
	}
	pairs := map[[2]string]*pairCount{}
	for i, p := range stream {
		payload := make([]byte, i%37)
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		if p.early {
			ts = t0.Add(-time.Second)
		}
		pkts = append(pkts, testPacket{ts, udpFrame(t, p.src, p.dst, p.sport, p.dport, payload)})
		n := int64(28 + len(payload))
		src[p.src] = count{src[p.src].packets + 1, src[p.src].bytes + n}
		dst[p.dst] = count{dst[p.dst].packets + 1, dst[p.dst].bytes + n}
		a, b, ab := p.src, p.dst, true
		if netip.MustParseAddr(b).Less(netip.MustParseAddr(a)) {
			a, b, ab = b, a, false
		}
		pc := pairs[[2]string{a, b}]
		if pc == nil {
			pc = &pairCount{first: ts, last: ts}
			pairs[[2]string{a, b}] = pc
		}
		if ts.Before(pc.first) {
			pc.first = ts
		}
		if ts.After(pc.last) {
			pc.last = ts
		}
		c := &pc.ab
		if !ab {
			c = &pc.ba
		}
		c.packets++
		c.bytes += n
	}
	s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{})
	check := func(list string, got []Endpoint, want map[string]count) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d listed, want %d: %+v", list, len(got), len(want), got)
		}
		for _, e := range got {
			if w := want[e.IP]; e.Packets != w.packets || e.Bytes != w.bytes || e.PacketsError != 0 {
				t.Errorf("%s %s: %d packets %d bytes (error %d), want %d, %d", list, e.IP, e.Packets, e.Bytes, e.PacketsError, w.packets, w.bytes)
			}
		}
	}
	check("sources", s.Sources, src)
	check("destinations", s.Destinations, dst)
	if len(s.Conversations.IP) != len(pairs) {
		t.Errorf("%d IP conversations, want %d", len(s.Conversations.IP), len(pairs))
	}
	for _, c := range s.Conversations.IP {
		w := pairs[[2]string{c.A, c.B}]
		if w == nil {
			t.Errorf("unexpected pair %s %s", c.A, c.B)
			continue
		}
		first, err1 := time.Parse(time.RFC3339Nano, c.First)
		last, err2 := time.Parse(time.RFC3339Nano, c.Last)
		if c.PacketsAB != w.ab.packets || c.BytesAB != w.ab.bytes || c.PacketsBA != w.ba.packets || c.BytesBA != w.ba.bytes ||
			err1 != nil || err2 != nil || !first.Equal(w.first) || !last.Equal(w.last) {
			t.Errorf("pair %s %s: %+v, want %+v", c.A, c.B, c, *w)
		}
	}
	if want := 4; int(s.Conversations.TransportTotal) != want {
		t.Errorf("%d transport conversations, want %d", s.Conversations.TransportTotal, want)
	}
}

// TestBatchesChangeNothing: counting in batches (flowPacket) gives the same
// Summary, byte for byte in JSON, as passing every packet on at once, for
// exact lists and for heavy-hitter estimates alike (lists of 4 and 64
// keys on the testdata captures; 5,000 keys on a generated flood of
// 103,059 spoofed sources, unless -short).
func TestBatchesChangeNothing(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	sameSummaries(t, func(o *Options) { o.unbatched = true })
}

// TestFlowHintChangesNothing: finding flows through the hint table
// (flowSlot) gives the same Summary as looking each up in the map, with the
// default table and with one of 2 entries, which the flows keep taking
// from one another, and whose slots evictions give to other keys.
func TestFlowHintChangesNothing(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	sameSummaries(t, func(o *Options) { o.flowHintBits = -1 }, func(o *Options) { o.flowHintBits = 1 })
}

// sameSummaries checks that each variant of the options gives the Summary,
// byte for byte in JSON, that the default options give, on every testdata
// capture (and the shared corpus's, when there) with lists of 4, 64 and the
// default number of keys, and on a generated flood with 5,000 keys unless
// -short.
func sameSummaries(t *testing.T, variants ...func(*Options)) {
	t.Helper()
	type run struct {
		path string
		keys int
	}
	var runs []run
	for _, pattern := range fastpathCaptures {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			runs = append(runs, run{p, 4}, run{p, 64}, run{p, 0})
		}
	}
	if len(runs) < 30 {
		t.Fatalf("only %d runs: no captures?", len(runs))
	}
	if !testing.Short() {
		runs = append(runs, run{generatedCapture(t, "20MB", "high", "1"), 5000})
	}
	// summary returns the JSON of the capture's Summary, and whether it
	// has estimates.
	summary := func(path string, opts Options) ([]byte, bool) {
		var out bytes.Buffer
		s, err := File(path, opts)
		if err != nil { // not a capture at all: nothing to compare
			fmt.Fprint(&out, err)
			return out.Bytes(), false
		}
		if err := WriteJSON(&out, s); err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), len(s.Estimates) > 0
	}
	estimated := 0
	for _, r := range runs {
		want, est := summary(r.path, Options{Keys: r.keys})
		if est {
			estimated++
		}
		for i, v := range variants {
			opts := Options{Keys: r.keys}
			v(&opts)
			if got, _ := summary(r.path, opts); !bytes.Equal(got, want) {
				t.Errorf("%s, %d keys: variant %d of the options changes the Summary", r.path, r.keys, i)
			}
		}
	}
	// Most captures have few hosts; 36 of the 430 runs with the shared
	// corpus make estimates, 4 of testdata's alone.
	if estimated < 4 {
		t.Errorf("only %d of %d runs made estimates", estimated, len(runs))
	}
	t.Logf("%d runs, %d with estimates", len(runs), estimated)
}
