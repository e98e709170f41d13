package analyze

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/pcapreport/pcapreport/internal/show"
)

// ftpDownloadFindings reports FTP downloads (RETR) whose first bytes are
// an executable or an archive: rule ftp-executable-download, one finding
// per transfer, the largest first. It is http-executable-download's idea
// for FTP; uploads and listings are left out.
func ftpDownloadFindings(f *FTP) []Finding {
	var objs []int
	for i, o := range f.Objects {
		if o.Direction == "download" && o.Command == "RETR" && (o.Kind == KindExecutable || o.Kind == KindArchive) {
			objs = append(objs, i)
		}
	}
	slices.SortStableFunc(objs, func(a, b int) int { return cmp.Compare(f.Objects[b].Size, f.Objects[a].Size) })
	var out []Finding
	for _, i := range objs[:min(len(objs), maxFindingsPerRule)] {
		o := &f.Objects[i]
		what := map[string]string{KindExecutable: "an executable", KindArchive: "an archive"}[o.Kind]
		state := ""
		if o.Incomplete {
			state = ", not all of it captured"
		}
		out = append(out, Finding{Rule: "ftp-executable-download", Severity: SeverityMedium, Anchor: "ftp-objects",
			Title: fmt.Sprintf("%s downloaded %s over FTP from %s (%s, %d bytes%s, SHA-256 %s): %s.", o.Client, what, o.Server,
				show.Printable(o.SniffedType, 60), o.Size, state, o.SHA256, show.Printable(o.Name, 120)),
			Evidence: Evidence{Hosts: []string{o.Client, o.Server}, Names: []string{o.Name, o.SHA256}, Counts: []Count{{"bytes", o.Size}}}})
	}
	return out
}
