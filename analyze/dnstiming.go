package analyze

import (
	"cmp"
	"math"
	"net/netip"
	"slices"
	"time"
)

// Bounds on the DNS timing, so that a flood of queries that are never
// answered, from spoofed clients, cannot exhaust memory.
const (
	// maxPendingDNS bounds the queries waiting for their response: 65,536
	// entries are about 6 MiB. When it is full, entries older than
	// dnsPendingExpiry are given up as unanswered; queries past that are
	// counted in Untracked.
	maxPendingDNS    = 65_536
	dnsPendingExpiry = 30 * time.Second
	// dnsRetransmitWindow: a query repeated within 5 s of its first copy
	// is a retransmission (Wireshark's default DNS retransmission timer);
	// later, it starts a new transaction and the old one is unanswered.
	dnsRetransmitWindow = 5 * time.Second
	// maxTimedServers bounds the servers with their own timing row (each
	// holds a histogram of up to rttBuckets counters, allocated at its
	// first response).
	maxTimedServers = 4_096
	// rttBuckets log-spaced buckets of 5% from 1 µs cover up to 10^9 µs
	// (about 17 minutes); slower responses go in the last bucket.
	rttBuckets = 425
	rttBase    = 1.05
)

// dnsTxnKey identifies a DNS transaction as a resolver and a capture tool
// do: the client's and the server's address and port, and the query ID.
type dnsTxnKey struct {
	client, server netip.Addr
	cport, sport   uint16
	id             uint16
}

// dnsTxn is a query waiting for its response.
type dnsTxn struct {
	first, last time.Time // the first query, and its latest retransmission
}

// dnsTiming follows each DNS query (port 53, over UDP or TCP) to its
// response: the response time, the queries never answered, the queries
// sent again (retransmissions) and the responses to no query seen.
type dnsTiming struct {
	pending   map[dnsTxnKey]dnsTxn
	servers   map[netip.Addr]*serverTiming
	total     serverTiming // every server, listed or not
	untracked int64
	lastSweep time.Time
}

// serverTiming is the timing of one server's transactions.
type serverTiming struct {
	queries, answered, retransmissions, unsolicited, unanswered int64
	worst                                                       time.Duration
	worstName                                                   string
	hist                                                        []uint32 // rttBuckets counters, nil until a response
}

func newDNSTiming() dnsTiming {
	return dnsTiming{pending: map[dnsTxnKey]dnsTxn{}, servers: map[netip.Addr]*serverTiming{}}
}

// server returns the timing row of ip, or nil when the list is full.
func (t *dnsTiming) server(ip netip.Addr) *serverTiming {
	s := t.servers[ip]
	if s == nil && len(t.servers) < maxTimedServers {
		s = &serverTiming{}
		t.servers[ip] = s
	}
	return s
}

// query records a query sent at ts. A query whose transaction is still
// waiting is a retransmission.
func (t *dnsTiming) query(k dnsTxnKey, ts time.Time) {
	s := t.server(k.server)
	if p, ok := t.pending[k]; ok {
		if ts.Sub(p.first) < dnsRetransmitWindow {
			p.last = ts
			t.pending[k] = p
			t.total.retransmissions++
			if s != nil {
				s.retransmissions++
			}
			return
		}
		// The same ID long after: the old query was never answered.
		t.giveUp(k)
	}
	t.total.queries++
	if s != nil {
		s.queries++
	}
	if len(t.pending) >= maxPendingDNS {
		t.sweep(ts)
		if len(t.pending) >= maxPendingDNS {
			t.untracked++
			return
		}
	}
	t.pending[k] = dnsTxn{first: ts, last: ts}
}

// response records a response received at ts, for the question name.
func (t *dnsTiming) response(k dnsTxnKey, ts time.Time, name []byte) {
	s := t.server(k.server)
	p, ok := t.pending[k]
	if !ok {
		t.total.unsolicited++
		if s != nil {
			s.unsolicited++
		}
		return
	}
	delete(t.pending, k)
	rtt := ts.Sub(p.first)
	t.total.answer(rtt, name)
	if s != nil {
		s.answer(rtt, name)
	}
}

// giveUp counts the waiting query k as unanswered.
func (t *dnsTiming) giveUp(k dnsTxnKey) {
	delete(t.pending, k)
	t.total.unanswered++
	if s := t.servers[k.server]; s != nil {
		s.unanswered++
	}
}

// sweep gives up the queries that have waited longer than
// dnsPendingExpiry, at most once a second of capture time.
func (t *dnsTiming) sweep(now time.Time) {
	if !t.lastSweep.IsZero() && now.Sub(t.lastSweep) < time.Second && now.Sub(t.lastSweep) > -time.Second {
		return
	}
	t.lastSweep = now
	for k, p := range t.pending {
		if now.Sub(p.last) >= dnsPendingExpiry {
			t.giveUp(k)
		}
	}
}

// answer counts a response after rtt. A negative rtt (timestamps out of
// order) counts as 0.
func (s *serverTiming) answer(rtt time.Duration, name []byte) {
	s.answered++
	rtt = max(rtt, 0)
	if s.hist == nil {
		s.hist = make([]uint32, rttBuckets)
	}
	if b := rttBucket(rtt); s.hist[b] < math.MaxUint32 {
		s.hist[b]++
	}
	if rtt > s.worst || s.answered == 1 {
		s.worst = rtt
		s.worstName = cutName(name)
	}
}

// cutName is a question name as the query list keeps it: lower-cased,
// without the trailing dot, cut to MaxNameLen.
func cutName(name []byte) string {
	b := appendName(nil, name)
	if len(b) == 0 {
		return "."
	}
	if len(b) > MaxNameLen {
		b, _ = appendCut(nil, b, MaxNameLen)
	}
	return string(b)
}

// rttBucket is the histogram bucket of d: bucket i holds durations from
// 1.05^(i-1) µs up to 1.05^i µs, bucket 0 those under 1 µs.
func rttBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	b := int(math.Log(us)/math.Log(rttBase)) + 1
	return min(b, rttBuckets-1)
}

// rttBucketMid is the middle of bucket b in milliseconds (its geometric
// mean), within 2.5% of every duration in it.
func rttBucketMid(b int) float64 {
	if b == 0 {
		return 0.0005
	}
	return math.Pow(rttBase, float64(b)-0.5) / 1000
}

// histMedian is the median of a histogram, as the middle of its bucket,
// and 0 for an empty one.
func histMedian(h []DNSRTTBucket) float64 {
	var n int64
	for _, b := range h {
		n += b.Count
	}
	if n == 0 {
		return 0
	}
	// The lower median: the ((n+1)/2)-th smallest.
	want, seen := (n+1)/2, int64(0)
	for _, b := range h {
		seen += b.Count
		if seen >= want {
			return rttBucketMid(b.Bucket)
		}
	}
	return 0
}

// finish gives up every query still waiting at the end of the capture.
func (t *dnsTiming) finish() {
	for k := range t.pending {
		t.giveUp(k)
	}
}

func (s *serverTiming) summary(ip string) DNSServerTiming {
	out := DNSServerTiming{Server: ip, Queries: s.queries, Answered: s.answered, Unanswered: s.unanswered,
		Retransmissions: s.retransmissions, Unsolicited: s.unsolicited, Histogram: []DNSRTTBucket{}}
	for b, c := range s.hist {
		if c > 0 {
			out.Histogram = append(out.Histogram, DNSRTTBucket{Bucket: b, Count: int64(c)})
		}
	}
	if s.answered > 0 {
		out.MedianMS = histMedian(out.Histogram)
		out.WorstMS = float64(s.worst) / float64(time.Millisecond)
		out.WorstName = s.worstName
	}
	return out
}

func (t *dnsTiming) summary() DNSTiming {
	t.finish()
	all := t.total.summary("")
	out := DNSTiming{Queries: all.Queries, Answered: all.Answered, Unanswered: all.Unanswered,
		Retransmissions: all.Retransmissions, Unsolicited: all.Unsolicited, Untracked: t.untracked,
		MedianMS: all.MedianMS, WorstMS: all.WorstMS, WorstName: all.WorstName, Histogram: all.Histogram,
		ServersTruncated: len(t.servers) >= maxTimedServers}
	out.Servers = make([]DNSServerTiming, 0, len(t.servers))
	for ip, s := range t.servers {
		out.Servers = append(out.Servers, s.summary(ip.String()))
	}
	sortServerTimings(out.Servers)
	return out
}

// sortServerTimings orders servers by queries desc, then by address.
func sortServerTimings(xs []DNSServerTiming) {
	slices.SortFunc(xs, func(x, y DNSServerTiming) int {
		if c := cmp.Compare(y.Queries+y.Unsolicited, x.Queries+x.Unsolicited); c != 0 {
			return c
		}
		a, _ := netip.ParseAddr(x.Server)
		b, _ := netip.ParseAddr(y.Server)
		return a.Compare(b)
	})
}
