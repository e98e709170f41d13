package analyze

import (
	"fmt"
	"strings"

	"github.com/pcapreport/pcapreport/internal/show"
)

// Thresholds of dns-nxdomain-burst (see the README's "Findings" section).
const (
	// dnsNXBurstPeak: a client that got this many NXDOMAIN answers within
	// one 60-second window makes a low finding. A host resolving
	// normally gets a few (wpad, a search suffix tried first: 4 in one
	// second is the most in ../shared/captures).
	dnsNXBurstPeak = 30
	// dnsNXBurstFlood: this many in one window, not counting reverse
	// lookups (.arpa), for at least maxNXNames+1 distinct names, make a
	// medium one. A DGA tries hundreds of generated names until one
	// resolves; 300 within a minute leave at least 150 in one window,
	// however the minute falls across two.
	dnsNXBurstFlood = 100
)

// nxBurstFindings finds clients that got many NXDOMAIN answers within one
// minute, which a share over a long capture dilutes. A client for which
// dns-nxdomain fired (in share) gets no finding of its own: its peak is
// in that finding instead (foldNXBurst).
func nxBurstFindings(d *DNS, share []Finding) []Finding {
	fired := map[string]bool{}
	for _, f := range share {
		if len(f.Evidence.Hosts) > 0 {
			fired[f.Evidence.Hosts[0]] = true
		}
	}
	var out []Finding
	for i := range d.NXBursts.Clients { // by peak desc: the most telling first
		c := &d.NXBursts.Clients[i]
		if c.Peak60s < dnsNXBurstPeak || fired[c.Client] {
			continue
		}
		f := Finding{Rule: "dns-nxdomain-burst", Severity: SeverityLow, Anchor: "dns-nxdomain-burst"}
		if c.Peak60s-c.PeakReverse >= dnsNXBurstFlood && c.PeakNamesMore {
			f.Severity = SeverityMedium
		}
		reverse := ""
		if c.PeakReverse > 0 {
			reverse = fmt.Sprintf(" (%s of them reverse lookups)", show.Thousands(c.PeakReverse))
		}
		f.Title = fmt.Sprintf("%s got %s NXDOMAIN answers (no such name) within one minute, %s%s%s: generated domains (DGA malware), a misconfigured search suffix, or a sweep of reverse lookups; %s NXDOMAIN answers in all.",
			c.Client, show.Thousands(c.Peak60s), minuteText(c.PeakStart), reverse, peakNamesText(c), show.Thousands(c.NXDomain))
		f.Evidence.Hosts = []string{c.Client}
		f.Evidence.Names = clip(c.PeakNames)
		f.Evidence.Counts = []Count{{"NXDOMAIN answers in the peak minute", c.Peak60s},
			{"reverse lookups in the peak minute", c.PeakReverse}, {"NXDOMAIN answers", c.NXDomain}}
		out = append(out, f)
	}
	return capRule(out)
}

// nxBurstIndex maps each client of d.NXBursts to its row.
func nxBurstIndex(d *DNS) map[string]*DNSNXClient {
	m := make(map[string]*DNSNXClient, len(d.NXBursts.Clients))
	for i := range d.NXBursts.Clients {
		m[d.NXBursts.Clients[i].Client] = &d.NXBursts.Clients[i]
	}
	return m
}

// foldNXBurst adds a client's peak minute (c, its row, or nil) to its
// dns-nxdomain finding f when the peak alone would make a
// dns-nxdomain-burst finding.
func foldNXBurst(f *Finding, c *DNSNXClient) {
	if c == nil || c.Peak60s < dnsNXBurstPeak {
		return
	}
	f.Title = strings.TrimSuffix(f.Title, ".") + fmt.Sprintf("; most within one minute: %s NXDOMAIN answers, %s.",
		show.Thousands(c.Peak60s), minuteText(c.PeakStart))
	f.Evidence.Counts = append(f.Evidence.Counts, Count{"NXDOMAIN answers in the peak minute", c.Peak60s})
}

// minuteText words a window's start: "from 2024-03-11 08:05:00 UTC".
func minuteText(start string) string {
	t, err := ParseTime(start)
	if err != nil {
		return "at an unknown time"
	}
	return "from " + t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// peakNamesText (", for names such as a, b, c and others") lists the first three names of a client's peak window,
// each shortened for the sentence.
func peakNamesText(c *DNSNXClient) string {
	if len(c.PeakNames) == 0 {
		return "" // answers without a question
	}
	parts := make([]string, 0, 4)
	for _, n := range c.PeakNames[:min(len(c.PeakNames), 3)] {
		parts = append(parts, show.Printable(n, 60))
	}
	others := ""
	if len(c.PeakNames) > 3 || c.PeakNamesMore {
		others = " and others"
	}
	return ", for names such as " + strings.Join(parts, ", ") + others
}
