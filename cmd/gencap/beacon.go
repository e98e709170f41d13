package main

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// -mode beacon: one client (the last, 10.x) opens a TLS-like connection
// to one server (the last) on port 443 every -period, for -duration,
// amid background sessions of the usual mix that start at random
// (exponential) times, about one every 2 s. -jitter f moves each interval
// uniformly within ±f of the period; -jitter exp draws the intervals from
// an exponential law of mean -period instead (no beacon: a negative
// control). Packets of a session are 1 ms apart; a background session
// is cut after 40 packets, or when the next beacon is due.

// maxBackgroundPackets cuts each background session (bulk transfers
// would otherwise fill the file long before -duration).
const maxBackgroundPackets = 40

// beaconConfig is -mode beacon's part of the command line.
type beaconConfig struct {
	on       bool
	period   time.Duration
	jitter   float64 // fraction of the period, uniform
	exp      bool    // exponential intervals instead
	duration time.Duration
}

// parseJitter reads -jitter: a fraction from 0 to 1, or "exp".
func parseJitter(s string) (frac float64, exp bool, err error) {
	if s == "exp" {
		return 0, true, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f < 1) {
		return 0, false, errors.New("-jitter must be a fraction from 0 to 1 (0.05 is ±5%) or exp")
	}
	return f, false, nil
}

// beaconPeer is the beacon's client and server: the last of each, which
// the background picks least (clients and servers are drawn with a bias
// to the first).
func (g *gen) beaconPeer() (*host, *host) {
	return &g.clients[len(g.clients)-1], &g.servers[len(g.servers)-1]
}

// generateBeacons writes the packets of -mode beacon (after the file
// header) until -duration or the size is reached.
func (g *gen) generateBeacons() {
	bc := g.cfg.beacon
	end := startTime + bc.duration.Nanoseconds()
	next := startTime
	for !g.full && next < end {
		g.clock = max(g.clock, next)
		g.beaconSession()
		iv := float64(bc.period.Nanoseconds())
		if bc.exp {
			iv *= g.r.ExpFloat64()
		} else {
			iv *= 1 + bc.jitter*(2*g.r.Float64()-1)
		}
		next += int64(math.Max(iv, 1e6))
		// Background until the next beacon.
		for !g.full {
			g.clock += int64(g.r.ExpFloat64() * 2e9)
			if g.clock >= next-int64(time.Second) {
				break
			}
			s := g.newSession()
			for i := 0; i < maxBackgroundPackets && !g.full && g.clock < next-int64(time.Second) && s.step(g); i++ {
				g.clock += 1e6
			}
		}
	}
}

// beaconSession writes one beacon: a handshake, a request of 200 and an
// answer of 64 bytes as TLS records (a beacon with no task), and the
// teardown.
func (g *gen) beaconSession() {
	c, s := g.beaconPeer()
	t := g.newTCP(c, s, false, 443)
	t.reset = false
	t.msgs = append(t.msgs,
		message{fromClient: true, body: 200, tls: true, poolOff: int64(g.r.IntN(poolSize))},
		message{body: 64, tls: true, poolOff: int64(g.r.IntN(poolSize))})
	for !g.full && t.step(g) {
		g.clock += 1e6
	}
}
