package analyze

import (
	"math"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tsharkDNSTiming is what tshark (two passes, so that queries learn their
// response) says of the port-53 DNS messages of a capture, per server.
type tsharkDNSTiming struct {
	queries, retransmissions, answered, unanswered, unsolicited int64
	times                                                       []float64 // dns.time of the responses, in seconds
}

func tsharkTiming(t *testing.T, path string) (map[string]*tsharkDNSTiming, bool) {
	t.Helper()
	args := []string{"-2", "-n", "-r", path, "-Y", "dns && (udp.port == 53 || tcp.port == 53) && !icmp && !icmpv6", "-T", "fields", "-E", "occurrence=l",
		"-e", "dns.flags.response", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst",
		"-e", "dns.retransmission", "-e", "dns.response_in", "-e", "dns.time", "-e", "dns.unsolicited",
		"-e", "ip.fragments", "-e", "ipv6.fragments"}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil && len(out) == 0 {
		return nil, true // nothing tshark can read
	}
	m := map[string]*tsharkDNSTiming{}
	row := func(ip string) *tsharkDNSTiming {
		if m[ip] == nil {
			m[ip] = &tsharkDNSTiming{}
		}
		return m[ip]
	}
	for line := range strings.SplitSeq(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 11 {
			continue
		}
		if f[9] != "" || f[10] != "" {
			return nil, false // DNS in reassembled fragments, which analyze does not read
		}
		src, dst := f[1]+f[2], f[3]+f[4]
		response := f[0] == "1" || f[0] == "True"
		switch {
		case !response && f[5] != "":
			row(dst).retransmissions++
		case !response:
			r := row(dst)
			r.queries++
			if f[6] == "" {
				r.unanswered++
			}
		case f[8] != "":
			row(src).unsolicited++
		case f[7] != "":
			r := row(src)
			r.answered++
			s, err := strconv.ParseFloat(f[7], 64)
			if err != nil {
				t.Fatalf("dns.time %q: %v", f[7], err)
			}
			r.times = append(r.times, s)
		}
	}
	return m, true
}

// TestDNSTimingMatchesTshark compares the DNS timing of every capture in
// testdata and ../shared/captures with tshark's DNS transaction tracking:
// per server, the queries, retransmissions (tshark's dns.retransmission,
// with its default 5 s timer), unanswered queries (no dns.response_in),
// answered ones (dns.time), unsolicited responses (dns.unsolicited), the
// worst response time exactly and the median to its histogram bucket.
// Captures whose DNS tshark reads from reassembled IP fragments are
// skipped: analyze counts the first fragment of a datagram only.
func TestDNSTimingMatchesTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	paths := realCaptures()
	var compared, answered atomic.Int64
	t.Run("captures", func(t *testing.T) {
		for _, p := range paths {
			t.Run(filepath.Base(p), func(t *testing.T) {
				t.Parallel()
				s, err := File(p, Options{})
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if s.DNS.TotalQueries+s.DNS.Responses == 0 {
					return // checked by TestTshark: tshark finds no DNS either
				}
				want, ok := tsharkTiming(t, p)
				if !ok {
					t.Skip("DNS in IP fragments")
				}
				compared.Add(1)
				compareDNSTiming(t, &s.DNS.Timing, want, &answered)
			})
		}
	})
	if compared.Load() < 5 || answered.Load() == 0 {
		t.Errorf("compared %d captures, %d answered queries: too few to mean anything", compared.Load(), answered.Load())
	}
	t.Logf("compared %d captures, %d answered queries", compared.Load(), answered.Load())
}

func compareDNSTiming(t *testing.T, timing *DNSTiming, want map[string]*tsharkDNSTiming, answered *atomic.Int64) {
	got := map[string]DNSServerTiming{}
	for _, r := range timing.Servers {
		got[r.Server] = r
	}
	for ip, w := range want {
		g := got[ip]
		answered.Add(g.Answered)
		if g.Queries != w.queries || g.Retransmissions != w.retransmissions || g.Unanswered != w.unanswered ||
			g.Answered != w.answered || g.Unsolicited != w.unsolicited {
			t.Errorf("server %s: queries %d, retransmissions %d, unanswered %d, answered %d, unsolicited %d; tshark %d, %d, %d, %d, %d",
				ip, g.Queries, g.Retransmissions, g.Unanswered, g.Answered, g.Unsolicited,
				w.queries, w.retransmissions, w.unanswered, w.answered, w.unsolicited)
			continue
		}
		if len(w.times) == 0 {
			continue
		}
		slices.Sort(w.times)
		worst := w.times[len(w.times)-1] * 1000
		median := w.times[(len(w.times)+1)/2-1]
		if math.Abs(g.WorstMS-worst) > 0.0005 {
			t.Errorf("server %s: worst %.6f ms, tshark %.6f ms", ip, g.WorstMS, worst)
		}
		if wm := rttBucketMid(rttBucket(time.Duration(median * float64(time.Second)))); g.MedianMS != wm {
			t.Errorf("server %s: median %.6f ms, tshark %.6f ms (bucket middle %.6f)", ip, g.MedianMS, median*1000, wm)
		}
	}
	for ip := range got {
		if want[ip] == nil {
			t.Errorf("server %s is not one tshark saw", ip)
		}
	}
}

// TestDNSTimingKnownAnswer follows transactions whose times are known.
func TestDNSTimingKnownAnswer(t *testing.T) {
	tm := newDNSTiming()
	c, srv := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.53")
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	key := func(id uint16) dnsTxnKey { return dnsTxnKey{client: c, server: srv, cport: 40000, sport: 53, id: id} }
	// Five answered after 10, 20, 30, 40 and 250 ms.
	for i, ms := range []int{10, 20, 30, 40, 250} {
		at := t0.Add(time.Duration(i) * time.Second)
		tm.query(key(uint16(i)), at)
		tm.response(key(uint16(i)), at.Add(time.Duration(ms)*time.Millisecond), []byte("Name.Example."))
	}
	// One sent three times within 5 s, answered 100 ms after the last:
	// the time counts from the first copy.
	tm.query(key(100), t0.Add(10*time.Second))
	tm.query(key(100), t0.Add(11*time.Second))
	tm.query(key(100), t0.Add(13*time.Second))
	tm.response(key(100), t0.Add(13100*time.Millisecond), []byte("slow.example"))
	// One sent again 6 s later: two transactions, the first unanswered.
	tm.query(key(200), t0.Add(20*time.Second))
	tm.query(key(200), t0.Add(26*time.Second))
	// A response to nothing.
	tm.response(key(300), t0.Add(30*time.Second), []byte("x"))
	got := tm.summary()
	if got.Queries != 8 || got.Answered != 6 || got.Unanswered != 2 || got.Retransmissions != 2 || got.Unsolicited != 1 || got.Untracked != 0 {
		t.Errorf("got %+v", got)
	}
	if got.WorstMS != 3100 || got.WorstName != "slow.example" {
		t.Errorf("worst %v ms for %q, want 3100 for slow.example", got.WorstMS, got.WorstName)
	}
	// Times 10, 20, 30, 40, 250, 3100 ms: the lower median is 30 ms.
	if want := rttBucketMid(rttBucket(30 * time.Millisecond)); got.MedianMS != want || math.Abs(want-30)/30 > 0.025 {
		t.Errorf("median %v ms, want %v (30 ms within 2.5%%)", got.MedianMS, want)
	}
	if len(got.Servers) != 1 || got.Servers[0].Queries != 8 || got.Servers[0].MedianMS != got.MedianMS {
		t.Errorf("servers %+v", got.Servers)
	}
}

// TestRTTBuckets checks that every duration's bucket middle is within
// 2.5% of it, from 1 µs to 15 minutes.
func TestRTTBuckets(t *testing.T) {
	for d := time.Microsecond; d < 15*time.Minute; d = d*103/100 + 1 {
		mid := rttBucketMid(rttBucket(d))
		ms := float64(d) / float64(time.Millisecond)
		if math.Abs(mid-ms)/ms > 0.0251 {
			t.Fatalf("%v: bucket %d, middle %v ms", d, rttBucket(d), mid)
		}
	}
	if rttBucket(time.Hour) != rttBuckets-1 || rttBucket(0) != 0 || rttBucket(-time.Second) != 0 {
		t.Error("out-of-range durations must land in the end buckets")
	}
}

// TestDNSTimingBounded floods the timing with queries that are never
// answered, from ever new clients: the waiting list stays at its bound,
// queries older than 30 s are given up as unanswered to make room, and
// the queries past the bound are counted, not kept.
func TestDNSTimingBounded(t *testing.T) {
	tm := newDNSTiming()
	srv := netip.MustParseAddr("192.0.2.53")
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 3 * maxPendingDNS
	for i := range n {
		c := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		// All within one second: nothing is old enough to give up.
		tm.query(dnsTxnKey{client: c, server: srv, cport: 1024, sport: 53, id: 1}, t0.Add(time.Duration(i)))
		if len(tm.pending) > maxPendingDNS {
			t.Fatalf("%d waiting queries, bound %d", len(tm.pending), maxPendingDNS)
		}
	}
	if tm.untracked != int64(n-maxPendingDNS) {
		t.Errorf("untracked %d, want %d", tm.untracked, n-maxPendingDNS)
	}
	// A minute later the waiting ones are given up to make room.
	late := dnsTxnKey{client: netip.MustParseAddr("10.255.0.1"), server: srv, cport: 1, sport: 53, id: 2}
	tm.query(late, t0.Add(time.Minute))
	if len(tm.pending) != 1 || tm.total.unanswered != int64(maxPendingDNS) {
		t.Errorf("after a minute: %d waiting, %d unanswered; want 1 and %d", len(tm.pending), tm.total.unanswered, maxPendingDNS)
	}
	// Servers: at most maxTimedServers rows.
	for i := range maxTimedServers + 10 {
		s := netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)})
		tm.response(dnsTxnKey{client: late.client, server: s, cport: 1, sport: 53}, t0, nil)
	}
	if len(tm.servers) != maxTimedServers {
		t.Errorf("%d server rows, bound %d", len(tm.servers), maxTimedServers)
	}
}

// realCaptures lists the captures of testdata and, when it is there,
// ../shared/captures, each once: testdata holds copies of some shared ones.
func realCaptures() []string {
	var paths []string
	seen := map[string]bool{}
	for _, pat := range []string{"../testdata/*.pcap*", "../../shared/captures/*.pcap*"} {
		ps, _ := filepath.Glob(pat)
		for _, p := range ps {
			if !seen[filepath.Base(p)] {
				seen[filepath.Base(p)] = true
				paths = append(paths, p)
			}
		}
	}
	return paths
}
