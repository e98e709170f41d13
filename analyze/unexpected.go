package analyze

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// Unexpected is a service found by its content on the well-known port of
// another: an HTTP request to port 22, TLS on port 80.
type Unexpected struct {
	// Proto is "tcp" or "udp".
	Proto string `json:"proto"`
	// Server is the address that has the port; Port its well-known port,
	// and Service the service the port is known for.
	Server  string `json:"server"`
	Port    uint16 `json:"port"`
	Service string `json:"service"`
	// Seen is the application the flows' content showed (HTTP, TLS, SSH,
	// QUIC).
	Seen string `json:"seen"`
	// Flows is the number of flows seen so.
	Flows int64 `json:"flows"`
	// Clients are the other ends of those flows, sorted, at most
	// maxUnexpectedClients of them.
	Clients []string `json:"clients"`
}

const (
	// maxUnexpected bounds the distinct (server, port, application)
	// entries kept: a scan that speaks HTTP to every port stays small.
	maxUnexpected = 1000
	// maxUnexpectedClients bounds Unexpected.Clients.
	maxUnexpectedClients = 5
)

type unexpectedKey struct {
	server netip.Addr
	port   uint16
	proto  uint8
	seen   app
}

type unexpectedCount struct {
	flows   int64
	clients []netip.Addr
}

// unexpectedCounter collects the flows whose content names another
// application than their well-known port. It is fed once per flow, when
// the flow's content is first recognised, never per packet.
type unexpectedCounter map[unexpectedKey]*unexpectedCount

// flow checks the flow k, whose content was just recognised as seen. It
// reports false when the flow is out of place but not counted: its entry
// would have been past maxUnexpected.
func (u unexpectedCounter) flow(k *flowKey, seen app) bool {
	table := udpServices
	if k.proto == protoTCP {
		table = tcpServices
	}
	// The port the flow's application is known by, as appByPort picks it:
	// the lower one when it is well known.
	port, server, client := k.aPort, k.a, k.b
	if k.bPort < k.aPort {
		port, server, client = k.bPort, k.b, k.a
	}
	w, ok := table[port]
	if !ok {
		if port == k.aPort {
			port, server, client = k.bPort, k.b, k.a
		} else {
			port, server, client = k.aPort, k.a, k.b
		}
		if w, ok = table[port]; !ok {
			return true
		}
	}
	if !unexpectedOn(seen, w.app) {
		return true
	}
	key := unexpectedKey{server, port, k.proto, seen}
	c := u[key]
	if c == nil {
		if len(u) >= maxUnexpected {
			return false
		}
		c = &unexpectedCount{}
		u[key] = c
	}
	c.flows++
	if len(c.clients) < maxUnexpectedClients && !slices.Contains(c.clients, client) {
		c.clients = append(c.clients, client)
	}
	return true
}

// unexpectedWarning says that n flows were past maxUnexpected entries;
// where is appended to the bound (an overview's " in the captures merged").
func unexpectedWarning(where string, n int64) string {
	return fmt.Sprintf("more than %d services on unexpected ports%s: %d of their flows are not listed", maxUnexpected, where, n)
}

// unexpectedOn reports whether content recognised as seen is out of place
// on a port known for the application port.
func unexpectedOn(seen, port app) bool {
	if seen == port || port == appOtherTCP || port == appOtherUDP {
		return false
	}
	switch seen {
	case appTLS:
		// Many protocols turn to TLS after a clear-text start that the
		// content check does not recognise (STARTTLS in SMTP, IMAP, POP3,
		// FTP, LDAP; RDP, MySQL): TLS is out of place only on ports whose
		// protocol never does.
		switch port {
		case appHTTP, appSSH, appDNS, appTelnet, appSMB, appNetBIOS, appKerberos:
			return true
		}
		return false
	case appHTTP:
		return port != appSIP // a SIP OPTIONS request reads like HTTP
	}
	return true
}

func (u unexpectedCounter) summary() []Unexpected {
	out := make([]Unexpected, 0, len(u))
	for k, c := range u {
		proto := "udp"
		if k.proto == protoTCP {
			proto = "tcp"
		}
		cs := make([]string, 0, len(c.clients))
		slices.SortFunc(c.clients, netip.Addr.Compare)
		for _, a := range c.clients {
			cs = append(cs, a.String())
		}
		out = append(out, Unexpected{Proto: proto, Server: k.server.String(), Port: k.port, Service: serviceName(proto, k.port),
			Seen: k.seen.String(), Flows: c.flows, Clients: cs})
	}
	sortUnexpected(out)
	return out
}

// sortUnexpected orders by flows desc, then protocol, port, server and
// application.
func sortUnexpected(xs []Unexpected) {
	slices.SortFunc(xs, func(x, y Unexpected) int {
		if c := cmp.Compare(y.Flows, x.Flows); c != 0 {
			return c
		}
		if c := strings.Compare(x.Proto, y.Proto); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Port, y.Port); c != 0 {
			return c
		}
		a, _ := netip.ParseAddr(x.Server)
		b, _ := netip.ParseAddr(y.Server)
		if c := a.Compare(b); c != 0 {
			return c
		}
		return strings.Compare(x.Seen, y.Seen)
	})
}

// unexpectedMerger merges the Unexpected lists of Summaries, keyed by
// protocol, server, port and application: flows add up, clients are the
// sorted union, cut to maxUnexpectedClients. It keeps maxUnexpected
// entries, as one capture's, the first by protocol, port, server and
// application, whatever the order of adding (an entry cut has as many
// before it, which stay), each with the flows of all the Summaries.
type unexpectedMerger map[unexpectedMergeKey]*Unexpected

// unexpectedMergeKey identifies an Unexpected entry in an overview.
type unexpectedMergeKey struct {
	proto, server string
	port          uint16
	seen          string
}

// add merges xs and returns the flows of the entries it cut.
func (m unexpectedMerger) add(xs []Unexpected) (cut int64) {
	for _, x := range xs {
		k := unexpectedMergeKey{x.Proto, x.Server, x.Port, x.Seen}
		e := m[k]
		if e == nil {
			e = &Unexpected{Proto: x.Proto, Server: x.Server, Port: x.Port, Service: x.Service, Seen: x.Seen, Clients: []string{}}
			m[k] = e
		}
		e.Flows += x.Flows
		for _, c := range x.Clients {
			if !slices.Contains(e.Clients, c) {
				e.Clients = append(e.Clients, c)
			}
		}
		slices.SortFunc(e.Clients, func(a, b string) int {
			x, _ := netip.ParseAddr(a)
			y, _ := netip.ParseAddr(b)
			return x.Compare(y)
		})
		e.Clients = slices.Clip(e.Clients[:min(len(e.Clients), maxUnexpectedClients)])
	}
	if len(m) > maxUnexpected {
		for _, k := range slices.SortedFunc(maps.Keys(m), compareUnexpectedKeys)[maxUnexpected:] {
			cut += m[k].Flows
			delete(m, k)
		}
	}
	return cut
}

func compareUnexpectedKeys(x, y unexpectedMergeKey) int {
	a, _ := netip.ParseAddr(x.server)
	b, _ := netip.ParseAddr(y.server)
	return cmp.Or(strings.Compare(x.proto, y.proto), cmp.Compare(x.port, y.port), a.Compare(b),
		strings.Compare(x.server, y.server), strings.Compare(x.seen, y.seen))
}

// result is the sorted list of the merged entries.
func (m unexpectedMerger) result() []Unexpected {
	out := make([]Unexpected, 0, len(m))
	for _, e := range m {
		out = append(out, *e)
	}
	sortUnexpected(out)
	return out
}
