package analyze

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pcapreport/pcapreport/internal/show"
)

// certFindings reports the certificates that servers sent as their own
// (first in the chain) that a client cannot trust: self-signed ones
// (medium: a device's default certificate, a test server, or a man in the
// middle) and, of the rest, those sent after they expired or before they
// became valid (low). Certificates crypto/x509 refused are not judged.
func certFindings(t *TLSCertificates) []Finding {
	var self, stale []*Certificate
	for i := range t.List {
		c := &t.List[i]
		switch {
		case !c.Leaf || c.Error != "":
		case c.SelfSigned:
			self = append(self, c)
		case c.Expired || c.NotYetValid:
			stale = append(stale, c)
		}
	}
	var out []Finding
	if len(self) > 0 {
		out = append(out, certFinding("tls-self-signed-certificate", SeverityMedium, self, "self-signed",
			"a client cannot tell the server from an impostor (a device's default certificate, a test server, or a man in the middle)"))
	}
	if len(stale) > 0 {
		out = append(out, certFinding("tls-expired-certificate", SeverityLow, stale, "expired or not yet valid when sent",
			"a neglected server, a wrong clock, or an impostor"))
	}
	return out
}

// certFinding is one finding over the certificates cs (the most sent first).
func certFinding(rule, severity string, cs []*Certificate, what, why string) Finding {
	f := Finding{Rule: rule, Severity: severity, Anchor: "tls-certificates"}
	var sent int64
	hosts, names := []string{}, []string{}
	seenHost, seenName := map[string]bool{}, map[string]bool{}
	shown := []string{}
	for _, c := range cs {
		sent += c.Count
		if len(shown) < 3 {
			shown = append(shown, show.Printable(c.Subject, 80))
		}
		for _, s := range c.Servers {
			ip := s
			if ap, err := netip.ParseAddrPort(s); err == nil {
				ip = ap.Addr().String()
			}
			if !seenHost[ip] && len(hosts) < maxEvidence {
				seenHost[ip] = true
				hosts = append(hosts, ip)
			}
		}
		for _, n := range append([]string{c.Subject}, c.ServerNames...) {
			if n != "" && !seenName[n] && len(names) < maxEvidence {
				seenName[n] = true
				names = append(names, n)
			}
		}
	}
	f.Title = fmt.Sprintf("%d server certificate%s %s %s (%s), sent %d time%s: %s.",
		len(cs), suffixFor(len(cs), "s"), verb(len(cs), "is", "are"), what,
		strings.Join(shown, "; ")+more(len(cs), len(shown)), sent, suffixFor(int(min(sent, 2)), "s"), why)
	f.Evidence.Hosts, f.Evidence.Names = hosts, names
	f.Evidence.Counts = []Count{{"certificates", int64(len(cs))}, {"sent", sent}}
	return f
}
