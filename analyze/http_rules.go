package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pcapreport/pcapreport/internal/show"
)

// Thresholds of the HTTP transaction rules (see the README's Findings).
const (
	// httpErrorBurst error responses (status 400 and up) from one host
	// within httpErrorWindow seconds make a low finding, httpErrorFlood a
	// medium one.
	httpErrorBurst  = 20
	httpErrorFlood  = 100
	httpErrorWindow = 60
)

// httpHostKey names the web host of a transaction: its Host header, else
// its server address and port.
func httpHostKey(t *HTTPTransaction) string {
	if t.Host != "" {
		return strings.ToLower(t.Host)
	}
	return fmt.Sprintf("%s:%d", t.Server, t.ServerPort)
}

// rarePostFindings finds POSTs to a web host that the capture's
// transactions reach only that once: the check-in of a malware sample or
// an upload to a host met nowhere else. Only when every transaction is
// listed, since a host's other requests may be among those left out.
func rarePostFindings(h *HTTP) []Finding {
	if len(h.Transactions) == 0 || h.TransactionsTotal != int64(len(h.Transactions)) {
		return nil
	}
	seen := map[string]int{}
	for i := range h.Transactions {
		seen[httpHostKey(&h.Transactions[i])]++
	}
	var out []Finding
	for i := range h.Transactions {
		t := &h.Transactions[i]
		if t.Method != "POST" || seen[httpHostKey(t)] != 1 {
			continue
		}
		// A certificate status check (OCSP) is a POST to a host met once
		// in every browsing capture.
		if t.RequestObject >= 0 && t.RequestObject < len(h.Objects) &&
			strings.HasPrefix(strings.ToLower(h.Objects[t.RequestObject].ContentType), "application/ocsp-request") {
			continue
		}
		f := Finding{Rule: "http-post-rare-host", Severity: SeverityLow, Anchor: "http-transactions"}
		body := ""
		if t.RequestObject >= 0 && t.RequestObject < len(h.Objects) {
			body = fmt.Sprintf(" of %s bytes", show.Thousands(h.Objects[t.RequestObject].Size))
		}
		f.Title = fmt.Sprintf("%s sent a POST%s to %s (%s:%d), a web host the capture reaches only this once: a check-in, or an upload to a host met nowhere else.",
			t.Client, body, show.Printable(httpHostKey(t), 80), t.Server, t.ServerPort)
		f.Evidence.Hosts = []string{t.Client, t.Server}
		f.Evidence.Names = []string{httpHostKey(t)}
		f.Evidence.Counts = []Count{{"transaction", int64(i)}}
		out = append(out, f)
	}
	return capRule(out)
}

// errorBurstFindings finds web hosts that answered many requests with an
// error within a minute: a scan of paths or logins (4xx), or a failing
// service (5xx).
func errorBurstFindings(h *HTTP) []Finding {
	type resp struct {
		at     float64 // seconds
		status int
	}
	byHost := map[string][]resp{}
	for i := range h.Transactions {
		t := &h.Transactions[i]
		if t.Status < 400 {
			continue
		}
		at, err := ParseTime(t.Time)
		if err != nil {
			continue
		}
		k := httpHostKey(t)
		byHost[k] = append(byHost[k], resp{float64(at.Unix()) + float64(at.Nanosecond())/1e9, t.Status})
	}
	var out []Finding
	for host, rs := range byHost {
		if len(rs) < httpErrorBurst {
			continue
		}
		slices.SortFunc(rs, func(x, y resp) int { return cmp.Compare(x.at, y.at) })
		best, from := 0, 0
		for i, j := 0, 0; j < len(rs); j++ {
			for rs[j].at-rs[i].at > httpErrorWindow {
				i++
			}
			if j-i+1 > best {
				best, from = j-i+1, i
			}
		}
		if best < httpErrorBurst {
			continue
		}
		client, server := 0, 0
		for _, r := range rs[from : from+best] {
			if r.status >= 500 {
				server++
			} else {
				client++
			}
		}
		f := Finding{Rule: "http-error-burst", Severity: SeverityLow, Anchor: "http-transactions"}
		if best >= httpErrorFlood {
			f.Severity = SeverityMedium
		}
		f.Title = fmt.Sprintf("%s answered %s requests with an error within a minute (%s 4xx, %s 5xx): a scan of paths or logins, or a failing service.",
			show.Printable(host, 80), show.Thousands(int64(best)), show.Thousands(int64(client)), show.Thousands(int64(server)))
		f.Evidence.Names = []string{host}
		f.Evidence.Counts = []Count{{"errors within a minute", int64(best)}, {"4xx", int64(client)}, {"5xx", int64(server)}, {"errors", int64(len(rs))}}
		out = append(out, f)
	}
	slices.SortFunc(out, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(countOf(y, "errors within a minute"), countOf(x, "errors within a minute")), strings.Compare(x.Title, y.Title))
	})
	return capRule(out)
}
