package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// mergeCommand is `pcapreport merge`: the overview of Summaries made
// elsewhere (report --json on each sensor, a batch's folder), written as a
// batch run over the same captures writes it.
func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "merge the JSON Summaries of captures (report --json, or batch folders) into one overview report",
		ArgsUsage: "SUMMARY.json[.gz]|DIR... -o OVERVIEW.html",
		Description: "Each argument is a JSON Summary written by pcapreport report --json (gzip-compressed or not),\n" +
			"or a folder, searched recursively for *.json and *.json.gz (a batch's own overview.json is left\n" +
			"out, since its captures' files are there too). Summaries may themselves be overviews. The same\n" +
			"capture (by SHA-256) is merged once. A file that cannot be merged is named on standard error and\n" +
			"the rest are still merged (exit status 1).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the overview report to `FILE` (required)"},
			&cli.StringFlag{Name: "json", Usage: "also write the overview as JSON to `FILE` (- for standard output)"},
			topFlag(),
			tzFlag(),
			keysFlag(),
		},
		OnUsageError: onUsageError,
		Action:       mergeAction,
	}
}

// summaryFile is one Summary file found by merge.
type summaryFile struct {
	path string
	err  error
}

func mergeAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef(c, "merge needs at least one Summary file or folder")
	}
	out := c.String("output")
	if out == "" {
		return usagef(c, "merge needs -o OVERVIEW.html")
	}
	if c.Int("top") < 0 {
		return usagef(c, "--top must be 0 or more")
	}
	if c.Int("keys") <= 0 {
		return usagef(c, "--keys must be positive")
	}
	loc, err := loadZone(c.String("tz"))
	if err != nil {
		return usagef(c, "%v", err)
	}
	jsonOut := c.String("json")
	files := findSummaries(c.Args().Slice())
	for _, f := range files {
		for _, o := range []string{out, jsonOut} {
			if o != "" && o != "-" {
				if err := checkNotInput(f.path, o); err != nil {
					return err
				}
			}
		}
	}
	// The outputs are checked, and their temporary files made, before
	// anything is read, as report does.
	htmlFile, jsonFile, err := openOutputs(c, "", out, jsonOut)
	if err != nil {
		return err
	}
	defer htmlFile.discard()
	defer jsonFile.discard()

	sum, merged, failed, err := mergeSummaries(files, c.Int("keys"), c.App.ErrWriter)
	if err != nil {
		return err
	}
	outDir := filepath.Dir(out)
	srcs := make([]provenanceSource, len(merged))
	for i, f := range merged {
		srcs[i] = provenanceSource{json: f, report: reportBeside(f, outDir)}
	}
	addProvenance(sum, srcs, outDir, c.App.ErrWriter)
	rep := report.Options{Top: c.Int("top"), Version: version, Generated: generatedAt(), Location: loc}
	if err := writeOutputs(c, sum, rep, jsonOut, htmlFile, jsonFile); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d Summary files could not be merged (listed above)", failed, len(files))
	}
	return nil
}

// findSummaries lists the Summary files that args name, in the order
// given, each folder's files sorted by path.
func findSummaries(args []string) []summaryFile {
	var files []summaryFile
	seen := map[string]bool{}
	add := func(f summaryFile) {
		if !seen[f.path] {
			seen[f.path] = true
			files = append(files, f)
		}
	}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			add(summaryFile{path: arg, err: err})
			continue
		}
		var found []summaryFile
		walkErr := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				found = append(found, summaryFile{path: p, err: err})
			case d.IsDir():
			case p == filepath.Join(arg, overviewJSONName):
				// The batch's own overview: its captures' files are here too.
			case strings.HasSuffix(p, ".json"), strings.HasSuffix(p, ".json.gz"):
				found = append(found, summaryFile{path: p})
			}
			return nil
		})
		if walkErr != nil {
			found = append(found, summaryFile{path: arg, err: walkErr})
		}
		slices.SortFunc(found, func(a, b summaryFile) int { return strings.Compare(a.path, b.path) })
		for _, f := range found {
			add(f)
		}
	}
	return files
}

// mergeSummaries reads and merges files, naming each one that fails on
// stderr, and returns the overview, the files merged and how many failed. The overview is
// the one a batch run over the same captures writes: the same Overview,
// fed the same Summaries, in any order. Its heavy-hitter lists keep keys
// keys each (at least analyze.DefaultKeys), as a batch's with --keys.
func mergeSummaries(files []summaryFile, keys int, stderr io.Writer) (*analyze.Summary, []string, int, error) {
	var overview *analyze.Overview
	var done []string
	failed := 0
	merged := map[string]string{} // capture SHA-256 -> the file it came from
	fail := func(path string, err error) {
		failed++
		printLine(stderr, "pcapreport: %s: %s", path, err)
	}
	for _, f := range files {
		if f.err != nil {
			fail(f.path, unwrapPath(f.err))
			continue
		}
		s, err := readSummaryFile(f.path)
		if err != nil {
			fail(f.path, err)
			continue
		}
		if sha := s.Capture.SHA256; sha != "" {
			if first, ok := merged[sha]; ok {
				printLine(stderr, "pcapreport: %s: warning: the same capture (SHA-256 %s) as %s, merged once", f.path, sha, first)
				continue
			}
		}
		// A damaged Summary must not leave the overview half updated: it
		// is checked on an overview of its own first. A zero Overview
		// takes its time-line interval from the first Summary added.
		if err := new(analyze.Overview).Add(s); err != nil {
			fail(f.path, err)
			continue
		}
		if overview == nil {
			overview = new(analyze.Overview)
			overview.SetKeys(keys)
		}
		if err := overview.Add(s); err != nil {
			fail(f.path, err)
			continue
		}
		if sha := s.Capture.SHA256; sha != "" {
			merged[sha] = f.path
		}
		done = append(done, f.path)
	}
	if overview == nil {
		return nil, nil, failed, fmt.Errorf("no Summary could be merged (%d files)", len(files))
	}
	return overview.Summary(), done, failed, nil
}

// readSummaryFile reads one Summary file.
func readSummaryFile(path string) (*analyze.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	return analyze.ReadJSON(f)
}
