package analyze

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Bounds of the NXDOMAIN burst counter (see the README's Memory section).
const (
	// maxNXClients is how many clients the counter follows: the first
	// clients to get an NXDOMAIN answer; later ones are not followed and
	// their answers are counted in DNSNXBursts.Unfollowed.
	maxNXClients = 4096
	// maxNXNames is how many distinct names are kept from a window.
	maxNXNames = 4
	// nxWindow is the length of a window, in seconds: windows start at
	// multiples of it in Unix time.
	nxWindow = 60
)

// DNSNXBursts counts the NXDOMAIN answers (port-53 responses with
// response code 3) each client got, by the address the answer went to,
// and the most it got within one minute: windows of 60 s that start at
// multiples of 60 s of Unix time (08:05:00 to 08:05:59.999). A window is
// counted while the answers' times stay in it; an answer dated in
// another window starts that window's count again.
type DNSNXBursts struct {
	// Clients has a row per client followed (the first 4,096 to get an
	// NXDOMAIN answer), by Peak60s, then NXDomain desc, then address.
	Clients []DNSNXClient `json:"clients"`
	// Unfollowed counts the NXDOMAIN answers to clients past the 4,096.
	Unfollowed int64 `json:"unfollowed"`
}

// DNSNXClient is one client's NXDOMAIN answers.
type DNSNXClient struct {
	Client string `json:"client"`
	// NXDomain counts the NXDOMAIN answers the client got.
	NXDomain int64 `json:"nxdomain"`
	// Peak60s is the most in one window, in the first window (in the
	// order of the capture) that reached it; PeakStart is its start,
	// "" when the packets have no time.
	Peak60s   int64  `json:"peak_60s"`
	PeakStart string `json:"peak_start"`
	// PeakReverse counts the answers of that window for names under
	// .arpa (reverse lookups).
	PeakReverse int64 `json:"peak_reverse"`
	// PeakNames are the first 4 distinct names asked in that window
	// (lower-cased, cut to MaxNameLen), and PeakNamesMore says whether
	// it held more.
	PeakNames     []string `json:"peak_names"`
	PeakNamesMore bool     `json:"peak_names_more"`
}

// nxWindowCount is one client's count in one window.
type nxWindowCount struct {
	window  int64 // start / nxWindow
	n, arpa int64
	names   [maxNXNames]string
	nnames  int
	more    bool
}

type nxClient struct {
	n        int64
	timed    bool // cur is a window (an answer had a time)
	cur      nxWindowCount
	peak     nxWindowCount
	peakSeen bool
}

// nxBursts follows NXDOMAIN answers per client. Only a response with
// response code 3 does any work: a map lookup, and a string copy for one
// of the first four distinct names of a window.
type nxBursts struct {
	clients    map[netip.Addr]*nxClient
	unfollowed int64
}

var arpaSuffix = []byte(".arpa")

func newNXBursts() nxBursts { return nxBursts{clients: map[netip.Addr]*nxClient{}} }

// add counts one NXDOMAIN answer to client at ts (zero: no time) for name
// (normalized; nil when the answer has no question).
func (b *nxBursts) add(client netip.Addr, ts time.Time, name []byte) {
	c := b.clients[client]
	if c == nil {
		if len(b.clients) >= maxNXClients {
			b.unfollowed++
			return
		}
		c = &nxClient{}
		b.clients[client] = c
	}
	c.n++
	if ts.IsZero() {
		return
	}
	w := ts.Unix() / nxWindow
	if ts.Unix() < 0 && ts.Unix()%nxWindow != 0 {
		w-- // floor, before 1970
	}
	if !c.timed || w != c.cur.window {
		c.cur = nxWindowCount{window: w}
		c.timed = true
	}
	cur := &c.cur
	cur.n++
	if bytes.HasSuffix(name, arpaSuffix) {
		cur.arpa++
	}
	if name != nil && !cur.more {
		known := false
		for _, s := range cur.names[:cur.nnames] {
			if s == string(name) {
				known = true
				break
			}
		}
		switch {
		case known:
		case cur.nnames < maxNXNames:
			cur.names[cur.nnames] = string(name)
			cur.nnames++
		default:
			cur.more = true
		}
	}
	if !c.peakSeen || cur.n > c.peak.n {
		c.peak, c.peakSeen = *cur, true
	}
}

func (b *nxBursts) summary() DNSNXBursts {
	out := DNSNXBursts{Unfollowed: b.unfollowed, Clients: make([]DNSNXClient, 0, len(b.clients))}
	for ip, c := range b.clients {
		r := DNSNXClient{Client: ip.String(), NXDomain: c.n, PeakNames: []string{}}
		if c.peakSeen {
			p := &c.peak
			r.Peak60s, r.PeakReverse, r.PeakNamesMore = p.n, p.arpa, p.more
			r.PeakStart = formatTime(time.Unix(p.window*nxWindow, 0), 3)
			r.PeakNames = append(r.PeakNames, p.names[:p.nnames]...)
		}
		out.Clients = append(out.Clients, r)
	}
	sortNXClients(out.Clients)
	return out
}

// sortNXClients orders clients by peak, then count desc, then address.
func sortNXClients(cs []DNSNXClient) {
	slices.SortFunc(cs, func(x, y DNSNXClient) int {
		if c := cmp.Or(cmp.Compare(y.Peak60s, x.Peak60s), cmp.Compare(y.NXDomain, x.NXDomain)); c != 0 {
			return c
		}
		a, _ := netip.ParseAddr(x.Client)
		b, _ := netip.ParseAddr(y.Client)
		return a.Compare(b)
	})
}

// nxClientOf is the row of client in b, or nil.
func nxClientOf(b *DNSNXBursts, client string) *DNSNXClient {
	for i := range b.Clients {
		if b.Clients[i].Client == client {
			return &b.Clients[i]
		}
	}
	return nil
}
