package report

import (
	"fmt"
	"strings"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// certTable lists the certificates servers sent in TLS 1.0-1.2
// handshakes, the most sent first. Every string in it comes from the
// capture (a certificate is the server's own words) and is shown as text.
func certTable(c *analyze.TLSCertificates, top int) *table {
	n := limit(len(c.List), top)
	t := &table{
		Caption: fmt.Sprintf("Certificates servers sent (TLS 1.0-1.2; TLS 1.3 encrypts them): %s in %s Certificate messages, %s distinct",
			thousands(c.Seen), thousands(c.Messages), thousands(int64(len(c.List)))),
		Columns: []column{{"Subject", false}, {"Issuer", false}, {"Names (SAN)", false}, {"Valid", false},
			{"Key", false}, {"Marks", false}, {"Servers", false}, {"Server names (SNI)", false}, {"Sent", true}, {"SHA-256", false}},
		More: moreNote(n, len(c.List), "certificates"),
	}
	var notes []string
	for _, x := range []struct {
		n    int64
		what string
	}{
		{c.Unlisted, "not listed (past 5,000 certificates or 4 MiB of their text)"},
		{c.ParseErrors, "refused by crypto/x509 (listed with the reason)"},
		{c.Malformed, "server flights malformed"},
		{c.Incomplete, "server flights incomplete (data missing, or a message over 64 KiB)"},
		{c.Skipped, "certificates past the 16th of a chain not read"},
	} {
		if x.n > 0 {
			notes = append(notes, thousands(x.n)+" "+x.what)
		}
	}
	if len(notes) > 0 {
		t.More = strings.TrimSpace(t.More + " " + strings.Join(notes, "; ") + ".")
	}
	for i := range c.List[:n] {
		x := &c.List[i]
		sans := append(append([]string{}, x.DNSNames...), x.IPAddresses...)
		sansText := joinShown(sans, 4)
		if x.SANsCut {
			sansText += " (more not kept)"
		}
		key := ""
		if x.KeyType != "" {
			key = show.Printable(fmt.Sprintf("%s %d", x.KeyType, x.KeyBits), 60)
		}
		valid := ""
		if x.NotBefore != "" {
			valid = show.Printable(x.NotBefore+" to "+x.NotAfter, 80)
		}
		subject := cell{Text: show.Printable(x.Subject, 120), Title: show.Printable(x.Subject, 0)}
		if x.Error != "" {
			subject = cell{Text: "not parsed: " + show.Printable(x.Error, 120), Title: show.Printable(x.Error, 0)}
		}
		t.Rows = append(t.Rows, []cell{
			subject,
			{Text: show.Printable(x.Issuer, 120), Title: show.Printable(x.Issuer, 0)},
			{Text: sansText, Title: joinShown(sans, 0)},
			{Text: valid},
			{Text: key, Title: show.Printable(x.SignatureAlgorithm, 60)},
			{Text: certMarks(x)},
			{Text: joinShown(x.Servers, 3) + cutNote(x.ServersCut)},
			{Text: joinShown(x.ServerNames, 3) + cutNote(x.ServerNamesCut)},
			num(x.Count),
			{Text: x.SHA256[:min(len(x.SHA256), 16)] + "…", Title: show.Printable(x.SHA256, 0)},
		})
	}
	return t
}

// certMarks words what is remarkable about a certificate.
func certMarks(x *analyze.Certificate) string {
	var m []string
	if x.SelfSigned {
		m = append(m, "SELF-SIGNED")
	}
	if x.Expired {
		m = append(m, "EXPIRED")
	}
	if x.NotYetValid {
		m = append(m, "NOT YET VALID")
	}
	if x.Leaf {
		m = append(m, "server's own")
	}
	if x.CA {
		m = append(m, "CA")
	}
	return strings.Join(m, ", ")
}

// joinShown joins the first n strings (all when n is 0), each shortened.
func joinShown(xs []string, n int) string {
	k := len(xs)
	if n > 0 {
		k = min(k, n)
	}
	out := make([]string, 0, k)
	for _, x := range xs[:k] {
		out = append(out, show.Printable(x, 80))
	}
	s := strings.Join(out, ", ")
	if k < len(xs) {
		s += fmt.Sprintf(" +%d more", len(xs)-k)
	}
	return s
}

func cutNote(cut bool) string {
	if cut {
		return " (more not kept)"
	}
	return ""
}
