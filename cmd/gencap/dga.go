package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// -mode dga: one client (the last, 10.x; the background never picks it)
// looks up -dga-names generated names (12 to 19 random letters under
// .com, .net, .org or .info), evenly spread over -dga-spread from 20 s
// past the middle of -duration: every tenth resolves, the others are
// answered NXDOMAIN, the way a DGA bot tries names until one is
// registered. The same client also makes -dga-normal ordinary lookups of
// the background's server names (all resolved), evenly spread over
// -duration, which dilute its NXDOMAIN share. Each lookup is an A query
// to a resolver and its answer 2 ms later; background sessions fill the
// gaps as in -mode beacon. gencap prints the NXDOMAIN answers the client
// got and the most in one minute (windows at multiples of 60 s of Unix
// time), the known answer of pcapreport's dns-nxdomain-burst rule.

// dgaConfig is -mode dga's part of the command line.
type dgaConfig struct {
	on       bool
	names    int
	spread   time.Duration
	normal   int
	duration time.Duration
}

// dgaCounts is what -mode dga sent to its client.
type dgaCounts struct {
	who       string
	nxdomain  int
	byMinute  map[int64]int // NXDOMAIN answers by Unix minute
	asked     int           // generated names asked
	ordinary  int           // ordinary lookups
	peak      int
	peakStart int64 // Unix seconds
}

// generateDGA writes the packets of -mode dga (after the file header).
func (g *gen) generateDGA() {
	dc := g.cfg.dga
	c := g.clients[len(g.clients)-1]
	g.clients = g.clients[:len(g.clients)-1] // the background's clients
	g.dga = dgaCounts{who: fmt.Sprintf("%d.%d.%d.%d", c.v4[0], c.v4[1], c.v4[2], c.v4[3]), byMinute: map[int64]int{}}
	type lookup struct {
		at  int64
		dga bool
	}
	var plan []lookup
	burst := startTime + dc.duration.Nanoseconds()/2 + 20e9
	for i := range dc.names {
		plan = append(plan, lookup{burst + int64(i)*dc.spread.Nanoseconds()/int64(dc.names), true})
	}
	for i := range dc.normal {
		plan = append(plan, lookup{startTime + (2*int64(i)+1)*dc.duration.Nanoseconds()/(2*int64(dc.normal)), false})
	}
	slices.SortStableFunc(plan, func(x, y lookup) int { return int(min(max(x.at-y.at, -1), 1)) })
	end := startTime + dc.duration.Nanoseconds()
	for i, l := range plan {
		if g.full {
			break
		}
		g.clock = max(g.clock, l.at)
		g.dgaLookup(&c, l.dga)
		next := end
		if i+1 < len(plan) {
			next = plan[i+1].at
		}
		// Background until the next lookup.
		for !g.full {
			t := g.clock + int64(g.r.ExpFloat64()*2e9)
			if t >= next-int64(time.Second) {
				break // (the clock stays: the next lookup is on time)
			}
			g.clock = t
			s := g.newSession()
			for j := 0; j < maxBackgroundPackets && !g.full && g.clock < next-int64(time.Second) && s.step(g); j++ {
				g.clock += 1e6
			}
		}
	}
	for m, n := range g.dga.byMinute {
		if n > g.dga.peak || n == g.dga.peak && m*60 < g.dga.peakStart {
			g.dga.peak, g.dga.peakStart = n, m*60
		}
	}
}

// dgaLookup writes one A query of the DGA client and its answer: for a
// generated name (NXDOMAIN but every tenth), or for a server's name.
func (g *gen) dgaLookup(c *host, generated bool) {
	d := &dnsSession{p: g.newPath(c, &g.resolvers[g.r.IntN(2)], false, true), n: 1}
	d.q[0] = dnsQuery{id: uint16(g.r.Uint32()), sport: uint16(49152 + g.r.IntN(16384)), qtype: dnsA}
	if generated {
		b := make([]byte, 12+g.r.IntN(8))
		for i := range b {
			b[i] = 'a' + byte(g.r.IntN(26))
		}
		d.name = string(b) + []string{".com", ".net", ".org", ".info"}[g.r.IntN(4)]
		if g.dga.asked%10 == 0 {
			d.srv = g.server()
		}
		g.dga.asked++
	} else {
		d.srv = g.server()
		d.name = d.srv.name
		g.dga.ordinary++
	}
	d.step(g)
	if g.full {
		return
	}
	g.clock += 2e6
	written := g.packets
	d.step(g)
	if d.srv == nil && g.packets > written {
		g.dga.nxdomain++
		g.dga.byMinute[g.clock/1e9/60]++
	}
}

// report prints what -mode dga sent.
func (d *dgaCounts) report(w io.Writer) {
	fmt.Fprintf(w, "gencap: dga: %s got %d NXDOMAIN answers (%d generated names asked, %d ordinary lookups); most in one minute: %d from %s\n",
		d.who, d.nxdomain, d.asked, d.ordinary, d.peak, time.Unix(d.peakStart, 0).UTC().Format(time.RFC3339))
}

// parseDGA checks -mode dga's flags.
func parseDGA(names int, spread time.Duration, normal int, duration time.Duration) (dgaConfig, error) {
	switch {
	case names < 0 || names > 1_000_000 || normal < 0 || normal > 1_000_000:
		return dgaConfig{}, errors.New("-dga-names and -dga-normal must be from 0 to 1000000")
	case spread <= 0 || duration <= 0:
		return dgaConfig{}, errors.New("-dga-spread and -duration must be positive")
	case duration/2+20*time.Second+spread > duration:
		return dgaConfig{}, errors.New("-dga-spread must end within -duration (it starts 20 s past the middle)")
	}
	return dgaConfig{on: true, names: names, spread: spread, normal: normal, duration: duration}, nil
}
