package analyze

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Beaconing: a client that opens connections to one destination (server
// address, transport and port) at regular intervals, the way malware
// calls home. The analysis keeps the start times of the connections of a
// bounded set of (client, destination) pairs and scores each pair at the
// end as RITA does (see beaconScore and the README's "beacon" rule).

// Bounds of the beacon analysis: at most maxBeaconPairs pairs, each with at
// most maxBeaconTimes start times (4 bytes each) and maxBeaconSizes
// connection sizes (4 bytes each): 10,000 × (256 + 64) × 4 B = 12.8 MB at
// worst, plus about 1 MB of map.
const (
	maxBeaconPairs = 10_000
	maxBeaconTimes = 256
	maxBeaconSizes = 64
	// beaconIdle: a UDP packet after this long without one on its flow
	// starts a new UDP session, as does a TCP SYN on a flow idle that
	// long (a client port used again); a SYN sooner is a retransmission.
	beaconIdle = 30 * time.Second
	// beaconSweepBelow: when the pairs are full, the pairs with fewer
	// connections than this are dropped to make room (a spoofed-source
	// flood gives one connection per pair).
	beaconSweepBelow = 3
	// beaconMinConns is the fewest connections a pair needs to be scored,
	// beaconMinSpan the shortest time from its first to its last, and
	// beaconMinPeriod the shortest median interval: a burst of lookups or
	// of a browser's connections within seconds is not a beacon.
	beaconMinConns  = 10
	beaconMinSpan   = 120 * time.Second
	beaconMinPeriod = 1.0 // seconds
	// MaxBeacons bounds Summary.Beacons: the best scored pairs.
	MaxBeacons = 100
	// beaconListed is the lowest score, and timing score, a pair needs to
	// be listed.
	beaconListed = 0.7
)

// Beacon is one (client, destination) pair whose connections look
// regular, scored as the README's "beacon" rule says.
type Beacon struct {
	Client string `json:"client"`
	Server string `json:"server"`
	// Proto is "tcp" or "udp"; Port the server's port.
	Proto string `json:"proto"`
	Port  uint16 `json:"port"`
	// Connections counts the TCP connections (SYNs) or UDP sessions the
	// client opened to the destination.
	Connections int64 `json:"connections"`
	// First and Last are the first and last connection's start.
	First string `json:"first"`
	Last  string `json:"last"`
	// PeriodSeconds is the median interval between connections; Jitter
	// the median absolute deviation of the intervals from it.
	PeriodSeconds float64 `json:"period_seconds"`
	JitterSeconds float64 `json:"jitter_seconds"`
	// Score is 0 to 1 (1 is a perfect beacon): the mean of TimeScore and,
	// when sizes were seen, SizeScore.
	Score     float64 `json:"score"`
	TimeScore float64 `json:"time_score"`
	SizeScore float64 `json:"size_score"`
	// MedianBytes is the median of the bytes the client sent per
	// connection (IP lengths), over at most 64 connections.
	MedianBytes int64 `json:"median_bytes"`
	// Sampled is true when the pair had more than 256 connections: the
	// intervals are then those of every 2nd, 4th ... connection, divided
	// back to one interval.
	Sampled bool `json:"sampled"`
}

// beaconKey is a client and a destination.
type beaconKey struct {
	client, server netip.Addr
	port           uint16
	proto          uint8
}

// beaconPair is one pair's connections: their count and a sample of their
// start times, in milliseconds since the pair's first connection, and of
// the bytes their client sent.
type beaconPair struct {
	n     int64
	first int64 // Unix nanoseconds of the first connection
	last  int64 // Unix nanoseconds of the last connection
	times strided
	sizes strided
}

// strided keeps a bounded sample of a sequence: every stride-th value.
// When it is full, every other value kept is dropped and the stride
// doubles, so the sample stays evenly spread over the whole sequence.
type strided struct {
	vals   []uint32
	seen   int64
	stride int64
}

// add offers the next value of the sequence; at most limit are kept.
func (s *strided) add(v uint32, limit int) {
	s.seen++
	s.stride = max(s.stride, 1)
	if (s.seen-1)%s.stride != 0 {
		return
	}
	if len(s.vals) == limit {
		for i := 0; i < len(s.vals)/2; i++ {
			s.vals[i] = s.vals[2*i]
		}
		s.vals = s.vals[:len(s.vals)/2]
		s.stride *= 2
		if (s.seen-1)%s.stride != 0 {
			return
		}
	}
	s.vals = append(s.vals, v)
}

// beacons collects connection starts per pair.
type beacons struct {
	pairs   map[beaconKey]*beaconPair
	dropped int64 // connections of pairs that found no room
}

func newBeacons() beacons { return beacons{pairs: map[beaconKey]*beaconPair{}} }

// conn records that client opened a connection to server:port at ts.
func (b *beacons) conn(proto uint8, client, server netip.Addr, port uint16, ts time.Time) {
	if ts.IsZero() || !beaconTarget(server) {
		return
	}
	k := beaconKey{client, server, port, proto}
	p := b.pairs[k]
	if p == nil {
		if len(b.pairs) >= maxBeaconPairs {
			b.sweep()
			if len(b.pairs) >= maxBeaconPairs {
				b.dropped++
				return
			}
		}
		p = &beaconPair{first: ts.UnixNano()}
		b.pairs[k] = p
	}
	p.add(ts.UnixNano())
}

// beaconTarget is false for destinations that are not one host:
// multicast and broadcast (SSDP, mDNS, NetBIOS announce themselves
// regularly by design) and unspecified addresses.
func beaconTarget(a netip.Addr) bool {
	if a.IsMulticast() || a.IsUnspecified() || a.IsLinkLocalMulticast() {
		return false
	}
	if a.Is4() {
		b := a.As4()
		return b[3] != 255 && b != [4]byte{255, 255, 255, 255}
	}
	return true
}

// sweep drops the pairs with fewer than beaconSweepBelow connections.
func (b *beacons) sweep() {
	for k, p := range b.pairs {
		if p.n < beaconSweepBelow {
			b.dropped += p.n
			delete(b.pairs, k)
		}
	}
}

func (p *beaconPair) add(t int64) {
	p.n++
	p.last = max(p.last, t)
	p.times.add(clampUint32((t-p.first)/1e6), maxBeaconTimes)
}

// clampUint32 is n within 0 and math.MaxUint32.
func clampUint32(n int64) uint32 { return uint32(min(max(n, 0), math.MaxUint32)) }

// flow records the bytes a finished (or evicted) flow's client sent, for
// the pair it belongs to, if any.
func (b *beacons) flow(k *flowKey, c *flowCount) {
	if len(b.pairs) == 0 {
		return
	}
	if p := b.pairs[beaconKey{k.a, k.b, k.bPort, k.proto}]; p != nil {
		p.sizes.add(clampUint32(c.bytesAB), maxBeaconSizes)
	} else if p := b.pairs[beaconKey{k.b, k.a, k.aPort, k.proto}]; p != nil {
		p.sizes.add(clampUint32(c.bytesBA), maxBeaconSizes)
	}
}

// summary scores the pairs and lists those scoring at least beaconListed
// (and as much for their timing),
// best first, at most MaxBeacons. span is the capture's bulk duration in
// seconds.
func (b *beacons) summary(span float64, digits int) []Beacon {
	out := []Beacon{}
	for k, p := range b.pairs {
		if p.n < beaconMinConns || len(p.times.vals) < 4 || p.last-p.first < int64(beaconMinSpan) {
			continue
		}
		bc := beaconScore(p, span)
		if bc.Score < beaconListed || bc.TimeScore < beaconListed || bc.PeriodSeconds < beaconMinPeriod {
			continue
		}
		bc.Client, bc.Server, bc.Port = k.client.String(), k.server.String(), k.port
		bc.Proto = "udp"
		if k.proto == protoTCP {
			bc.Proto = "tcp"
		}
		bc.First = formatTime(time.Unix(0, p.first).UTC(), digits)
		bc.Last = formatTime(time.Unix(0, p.last).UTC(), digits)
		out = append(out, bc)
	}
	return sortBeacons(out)
}

// sortBeacons orders beacons by score desc, then connections desc, then
// client, server, proto, port; and keeps the first MaxBeacons.
func sortBeacons(xs []Beacon) []Beacon {
	slices.SortFunc(xs, func(x, y Beacon) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.Connections, x.Connections),
			cmp.Compare(x.Client, y.Client), cmp.Compare(x.Server, y.Server),
			cmp.Compare(x.Proto, y.Proto), cmp.Compare(x.Port, y.Port))
	})
	if len(xs) > MaxBeacons {
		xs = xs[:MaxBeacons]
	}
	return xs
}

// beaconScore scores a pair's connections in the manner of RITA (v4):
//
//   - timing: the mean of three scores, each 0 to 1:
//     skew: 1 − |Bowley skewness| of the intervals between connections
//     ((Q1 + Q3 − 2·median) / (Q3 − Q1), 0 when Q3 = Q1);
//     dispersion: 1 − MAD/median of the intervals (RITA divides the MAD
//     by a fixed 30 s; relative to the period, slow beacons are not
//     penalised for the same relative jitter);
//     connection count: (connections − 1) × period / span of the capture,
//     at most 1 — a beacon that runs the whole capture scores 1, a burst
//     of connections in a moment scores near 0;
//   - sizes: the mean of 1 − |Bowley skewness| of the bytes the client
//     sent per connection, 1 − MAD/median, and smallness 1 − median/65535
//     (RITA's). RITA allows a fixed MAD of 32 bytes of Zeek's payload
//     bytes; the sizes here are IP bytes, headers included, which vary
//     with the ACKs and FINs of each connection, so the MAD is taken
//     relative to the median as for the intervals;
//   - the score is the mean of the two (timing alone without sizes).
func beaconScore(p *beaconPair, span float64) Beacon {
	times := p.times.vals
	iv := make([]float64, 0, len(times))
	for i := 1; i < len(times); i++ {
		iv = append(iv, float64(int64(times[i])-int64(times[i-1]))/1000/float64(p.times.stride))
	}
	slices.Sort(iv)
	q1, q2, q3 := quartiles(iv)
	mad := medianAbsDev(iv, q2)
	skew := bowley(q1, q2, q3)
	disp := 0.0
	if q2 > 0 {
		disp = clamp01(1 - mad/q2)
	}
	count := 1.0
	if span > 0 {
		count = clamp01(float64(p.n-1) * q2 / span)
	}
	ts := (clamp01(1-math.Abs(skew)) + disp + count) / 3
	bc := Beacon{Connections: p.n, PeriodSeconds: round3(q2), JitterSeconds: round3(mad),
		TimeScore: round3(ts), Score: round3(ts), Sampled: p.times.stride > 1}
	if len(p.sizes.vals) >= 4 {
		sz := make([]float64, len(p.sizes.vals))
		for i, s := range p.sizes.vals {
			sz[i] = float64(s)
		}
		slices.Sort(sz)
		s1, s2, s3 := quartiles(sz)
		smad := medianAbsDev(sz, s2)
		ds := (clamp01(1-math.Abs(bowley(s1, s2, s3))) + clamp01(1-smad/max(s2, 1)) + clamp01(1-s2/65535)) / 3
		bc.SizeScore = round3(ds)
		bc.Score = round3((ts + ds) / 2)
		bc.MedianBytes = int64(s2)
	}
	return bc
}

// quartiles of sorted xs (the medians of the lower and upper halves).
func quartiles(xs []float64) (q1, q2, q3 float64) {
	n := len(xs)
	if n == 0 {
		return 0, 0, 0
	}
	q2 = median(xs)
	return median(xs[:n/2]), q2, median(xs[(n+1)/2:])
}

func median(xs []float64) float64 {
	n := len(xs)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func medianAbsDev(xs []float64, m float64) float64 {
	d := make([]float64, len(xs))
	for i, x := range xs {
		d[i] = math.Abs(x - m)
	}
	slices.Sort(d)
	return median(d)
}

func bowley(q1, q2, q3 float64) float64 {
	if q3 == q1 || q2 == q1 || q2 == q3 {
		return 0
	}
	return (q1 + q3 - 2*q2) / (q3 - q1)
}

func clamp01(x float64) float64 { return min(max(x, 0), 1) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// connStart records a connection start for the beacon analysis when the
// packet of flow slot s opens one: a TCP SYN (without ACK) on a new flow
// or one idle for beaconIdle, or a UDP packet on such a flow. It runs
// before the packet is counted in its flow.
func (a *analyzer) connStart(h *ipHeader, s int32, dport uint16, ts time.Time) {
	c := &a.conv.flows.at(s).val
	if h.proto == protoTCP && h.payload[13]&0x12 != 0x02 {
		return
	}
	if c.packetsAB+c.packetsBA > 0 && ts.Sub(c.last) < beaconIdle {
		return
	}
	a.beacons.conn(h.proto, h.src, h.dst, dport, ts)
}

// Thresholds of the beacon rule: a listed pair (score at least 0.7) is a
// low finding, medium when both its score and its timing score reach
// beaconMedium, high when both reach beaconHigh with at least
// beaconHighConns connections.
const (
	beaconMedium    = 0.8
	beaconHigh      = 0.9
	beaconHighConns = 24
)

// beaconFindings makes a finding of each listed beacon (they come best
// first), at most maxFindingsPerRule.
func beaconFindings(bs []Beacon) []Finding {
	var out []Finding
	for _, b := range bs {
		sev := SeverityLow
		switch {
		case b.Score >= beaconHigh && b.TimeScore >= beaconHigh && b.Connections >= beaconHighConns:
			sev = SeverityHigh
		case b.Score >= beaconMedium && b.TimeScore >= beaconMedium:
			sev = SeverityMedium
		}
		f := Finding{Rule: "beacon", Severity: sev, Anchor: "beacons"}
		f.Title = fmt.Sprintf("%s connected to %s %s/%d %d times, every %s (jitter %s), regular like a beacon (score %s).",
			b.Client, b.Server, b.Proto, b.Port, b.Connections, spellSeconds(b.PeriodSeconds), spellSeconds(b.JitterSeconds),
			strconv.FormatFloat(b.Score, 'f', 2, 64))
		f.Evidence.Hosts = []string{b.Client, b.Server}
		f.Evidence.Counts = []Count{{"connections", b.Connections}, {"period ms", int64(math.Round(b.PeriodSeconds * 1000))},
			{"jitter ms", int64(math.Round(b.JitterSeconds * 1000))}, {"port", int64(b.Port)}}
		out = append(out, f)
	}
	return capRule(out)
}

// spellSeconds words a duration in seconds: "60 s", "1.5 s", "12 min", "2 h".
func spellSeconds(s float64) string {
	switch {
	case s >= 7200:
		return strconv.FormatFloat(math.Round(s/360)/10, 'f', -1, 64) + " h"
	case s >= 600:
		return strconv.FormatFloat(math.Round(s/6)/10, 'f', -1, 64) + " min"
	case s >= 10:
		return strconv.FormatFloat(math.Round(s), 'f', -1, 64) + " s"
	}
	return strconv.FormatFloat(math.Round(s*1000)/1000, 'f', -1, 64) + " s"
}
