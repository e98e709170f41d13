package analyze

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/pcapreport/pcapreport/internal/show"
)

// smtpAttachmentFindings reports mail attachments whose first bytes (or,
// failing those, declared type) are an executable or an archive: rule
// smtp-executable-attachment, one finding per attachment, the largest
// first. It is ftp-executable-download's idea for mail: malspam carries
// its payload so.
func smtpAttachmentFindings(m *SMTP) []Finding {
	var objs []int
	for i, o := range m.Objects {
		if o.Kind == KindExecutable || o.Kind == KindArchive {
			objs = append(objs, i)
		}
	}
	slices.SortStableFunc(objs, func(a, b int) int { return cmp.Compare(m.Objects[b].Size, m.Objects[a].Size) })
	var out []Finding
	for _, i := range objs[:min(len(objs), maxFindingsPerRule)] {
		o := &m.Objects[i]
		what := map[string]string{KindExecutable: "an executable", KindArchive: "an archive"}[o.Kind]
		state := ""
		if o.Incomplete {
			state = ", not all of it captured"
		}
		out = append(out, Finding{Rule: "smtp-executable-attachment", Severity: SeverityMedium, Anchor: "smtp-objects",
			Title: fmt.Sprintf("%s sent %s attached to a mail through %s (%s, %d bytes%s, SHA-256 %s): %s, from %s, subject %s.",
				o.Client, what, o.Server, show.Printable(o.SniffedType, 60), o.Size, state, o.SHA256,
				show.Printable(o.Filename, 120), show.Printable(o.From, 80), show.Printable(o.Subject, 80)),
			Evidence: Evidence{Hosts: []string{o.Client, o.Server}, Names: []string{o.Filename, o.SHA256}, Counts: []Count{{"bytes", o.Size}}}})
	}
	return out
}
