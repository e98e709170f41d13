package analyze

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBeaconBoundedAgainstFlood: a flood of one connection from each of
// 200,000 spoofed clients keeps at most maxBeaconPairs pairs, and a real
// beacon that calls every 10 s amid the flood is still scored, with its
// exact connection count and period.
func TestBeaconBoundedAgainstFlood(t *testing.T) {
	b := newBeacons()
	client, server := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("192.0.2.80")
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const calls = 360 // an hour, every 10 s
	for i := range calls {
		ts := t0.Add(time.Duration(i) * 10 * time.Second)
		b.conn(protoTCP, client, server, 443, ts)
		for j := range 200_000 / calls {
			k := uint32(i*1000 + j)
			spoofed := netip.AddrFrom4([4]byte{100, byte(k >> 16), byte(k >> 8), byte(k)})
			b.conn(protoTCP, spoofed, server, 80, ts.Add(time.Millisecond))
		}
		if len(b.pairs) > maxBeaconPairs {
			t.Fatalf("%d pairs kept, more than %d", len(b.pairs), maxBeaconPairs)
		}
	}
	if b.dropped == 0 {
		t.Error("the flood dropped nothing")
	}
	bs := b.summary(3600, 6)
	if len(bs) != 1 || bs[0].Client != "10.0.0.5" || bs[0].Connections != calls || bs[0].PeriodSeconds != 10 || bs[0].JitterSeconds != 0 {
		t.Fatalf("beacons %+v, want 10.0.0.5 with %d connections every 10 s", bs, calls)
	}
	if !bs[0].Sampled {
		t.Error("360 connections kept in 256 times, but not marked sampled")
	}
	p := b.pairs[beaconKey{client, server, 443, protoTCP}]
	if len(p.times.vals) > maxBeaconTimes {
		t.Errorf("%d times kept, more than %d", len(p.times.vals), maxBeaconTimes)
	}
}

// TestBeaconScore checks the score's parts on intervals with a known
// answer: a perfect beacon scores 1; a burst within seconds and a pair
// with too few connections are not listed.
func TestBeaconScore(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	client, server := netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("192.0.2.80")
	b := newBeacons()
	for i := range 61 {
		b.conn(protoUDP, client, server, 53, t0.Add(time.Duration(i)*time.Minute))
	}
	got := b.summary(3600, 0)
	if len(got) != 1 || got[0].Score != 1 || got[0].TimeScore != 1 || got[0].PeriodSeconds != 60 || got[0].Connections != 61 {
		t.Fatalf("perfect beacon: %+v, want score 1, period 60 s, 61 connections", got)
	}
	if fs := beaconFindings(got); len(fs) != 1 || fs[0].Severity != SeverityHigh {
		t.Errorf("perfect beacon findings %+v, want one high", fs)
	}
	burst := newBeacons()
	for i := range 50 {
		burst.conn(protoTCP, client, server, 443, t0.Add(time.Duration(i)*100*time.Millisecond))
	}
	if got := burst.summary(3600, 0); len(got) != 0 {
		t.Errorf("a burst of 50 connections in 5 s was listed: %+v", got)
	}
	few := newBeacons()
	for i := range beaconMinConns - 1 {
		few.conn(protoTCP, client, server, 443, t0.Add(time.Duration(i)*time.Minute))
	}
	if got := few.summary(3600, 0); len(got) != 0 {
		t.Errorf("%d connections were listed: %+v", beaconMinConns-1, got)
	}
	// Multicast and broadcast destinations announce themselves regularly.
	mc := newBeacons()
	for i := range 61 {
		mc.conn(protoUDP, client, netip.MustParseAddr("239.255.255.250"), 1900, t0.Add(time.Duration(i)*time.Minute))
		mc.conn(protoUDP, client, netip.MustParseAddr("10.0.0.255"), 138, t0.Add(time.Duration(i)*time.Minute))
	}
	if len(mc.pairs) != 0 {
		t.Errorf("multicast or broadcast destinations tracked: %d pairs", len(mc.pairs))
	}
}

// TestBeaconCorpusQuiet: no capture of ../shared/captures or testdata
// gives a medium or high beacon finding (the rule's false-positive rate
// on benign traffic).
func TestBeaconCorpusQuiet(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every capture")
	}
	var files []string
	for _, dir := range []string{"../../shared/captures", "../testdata"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d captures found", len(files))
	}
	fired := 0
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		s, err := File(f, Options{})
		if err != nil {
			continue // the corrupt ones are other tests' business
		}
		for _, fd := range s.Findings {
			if fd.Rule == "beacon" && SeverityRank(fd.Severity) <= SeverityRank(SeverityMedium) {
				fired++
				t.Errorf("%s: %s %s", f, fd.Severity, fd.Title)
			}
		}
	}
	t.Logf("%d captures, %d medium or high beacon findings", len(files), fired)
}
