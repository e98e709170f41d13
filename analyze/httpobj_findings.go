package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/pcapreport/pcapreport/internal/show"
)

// downloadFindings reports HTTP responses whose body is an executable, an
// archive or a Flash file, by its magic bytes or else its declared
// Content-Type: rule http-executable-download, one finding per object,
// the largest first.
func downloadFindings(h *HTTP) []Finding {
	var objs []int
	for i, o := range h.Objects {
		if !o.Request && (o.Kind == KindExecutable || o.Kind == KindArchive) {
			objs = append(objs, i)
		}
	}
	slices.SortStableFunc(objs, func(a, b int) int { return cmp.Compare(h.Objects[b].Size, h.Objects[a].Size) })
	var out []Finding
	for _, i := range objs[:min(len(objs), maxFindingsPerRule)] {
		o := &h.Objects[i]
		f := Finding{Rule: "http-executable-download", Severity: SeverityMedium, Anchor: "http-objects"}
		what := map[string]string{KindExecutable: "an executable", KindArchive: "an archive"}[o.Kind]
		from, client := "", ""
		if o.Transaction >= 0 && o.Transaction < len(h.Transactions) {
			tx := &h.Transactions[o.Transaction]
			client = tx.Client + " "
			from = " from " + show.Printable(requestURL(tx.Host, tx.Target), 120)
			f.Evidence.Hosts = []string{tx.Client, tx.Server}
			f.Evidence.Names = []string{requestURL(tx.Host, tx.Target)}
		}
		state := ""
		if o.Incomplete || o.Truncated {
			state = ", not all of it captured"
		}
		f.Title = fmt.Sprintf("%sdownloaded %s (%s, %d bytes%s, SHA-256 %s)%s.", client, what,
			show.Printable(cmp.Or(o.SniffedType, o.ContentType), 60), o.Size, state, o.SHA256, from)
		f.Title = strings.TrimSpace(f.Title)
		if client == "" {
			f.Title = "An HTTP response carried " + f.Title[len("downloaded "):]
		}
		f.Evidence.Names = append(f.Evidence.Names, o.SHA256)
		f.Evidence.Counts = []Count{{"bytes", o.Size}}
		out = append(out, f)
	}
	return out
}
