package main

// Batch mode: "pcapreport report DIR_OR_FILE... -o OUTDIR" writes a report
// of every capture found, an index of them all and an overview that merges
// them. See README.md, "A folder of captures in one command", for the manual.

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/gcpolicy"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/report"
)

// Names of the batch's own files in OUTDIR; no report may take them.
const (
	indexName        = "index.html"
	overviewName     = "overview.html"
	overviewJSONName = "overview.json"
)

// batchConfig is a batch run: the inputs, where the output goes and how.
type batchConfig struct {
	inputs       []string
	outDir       string
	jsonOut      string // where else to write the overview's JSON: "", "-" or a file
	jobs         int
	extract      string // --extract DIR: each capture's HTTP objects go to DIR/<its name>/
	quiet        bool
	skipExisting bool
	analysis     analyze.Options
	report       report.Options
	stdout       io.Writer
	stderr       io.Writer
	progress     bool // draw a progress bar on stderr
}

// isBatch tells batch mode from a single capture: several inputs, or a folder.
func isBatch(args []string) bool {
	if len(args) > 1 {
		return true
	}
	st, err := os.Stat(args[0])
	return args[0] != stdinArg && err == nil && st.IsDir()
}

// batchAction checks the command line of batch mode and runs it.
func batchAction(c *cli.Context, opts analyze.Options, rep report.Options) error {
	args := c.Args().Slice()
	out := c.String("output")
	if out == "" {
		if len(args) == 1 {
			return fmt.Errorf("%s: is a directory: give -o OUTDIR to write a report of every capture in it", args[0])
		}
		return usagef(c, "several inputs need -o OUTDIR, the folder for their reports (a single capture needs no -o)")
	}
	if slices.Contains(args, stdinArg) {
		return usagef(c, "standard input (-) cannot be read in batch mode: name files or folders")
	}
	if c.Int("jobs") < 1 {
		return usagef(c, "--jobs must be 1 or more")
	}
	if st, err := os.Stat(out); err == nil && !st.IsDir() {
		return usagef(c, "-o %s: in batch mode -o names a folder, and %s is a file", out, out)
	} else if err == nil {
		for _, in := range args {
			if ist, err := os.Stat(in); err == nil && os.SameFile(ist, st) {
				return usagef(c, "-o %s: the output folder cannot be an input folder (use a folder inside it, or elsewhere)", out)
			}
		}
	} else if err != nil && strings.EqualFold(filepath.Ext(out), ".html") {
		return usagef(c, "-o %s: in batch mode -o names a folder for the reports, not an .html file", out)
	}
	cfg := &batchConfig{
		inputs: args, outDir: out, jsonOut: c.String("json"),
		jobs: c.Int("jobs"), extract: c.String("extract"), quiet: c.Bool("quiet"), skipExisting: c.Bool("skip-existing"),
		analysis: opts, report: rep,
		stdout: c.App.Writer, stderr: c.App.ErrWriter,
	}
	if f, ok := cfg.stderr.(*os.File); ok && !cfg.quiet && term.IsTerminal(int(f.Fd())) {
		cfg.progress = true
	}
	return runBatch(cfg)
}

// batchCapture is one capture of a batch.
type batchCapture struct {
	// path is the capture as shown everywhere: the input argument joined
	// with the path below it.
	path string
	arg  int // the input argument it came from
	// rel is the path below a folder argument, by segment; for a file
	// argument, its base name.
	rel   []string
	inDir bool // found in a folder argument (else named as a file)
	// folder: a folder that could not be read (err is set). It is listed
	// with the failures but is not counted as a capture.
	folder bool
	// link: reached through a symbolic link; when the same file is also
	// reached directly, that path is kept.
	link    bool
	size    int64
	modTime time.Time
	// name is where its report goes: OUTDIR/name.html and OUTDIR/name.json,
	// slash-separated.
	name string
	// err is set when the capture could not be read, analysed or written.
	err error
}

// batchResult is what a worker sends back for one capture.
type batchResult struct {
	i      int
	sum    *analyze.Summary
	reused bool
	err    error
}

// runBatch runs a batch: find the captures, analyse them on cfg.jobs
// workers, merge each Summary into the overview as it arrives, and write
// the index and the overview. Failed captures do not stop the others; the
// error returned says how many failed.
func runBatch(cfg *batchConfig) error {
	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		return fmt.Errorf("%s: %w", cfg.outDir, unwrapPath(err))
	}
	outInfo, err := os.Stat(cfg.outDir)
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.outDir, unwrapPath(err))
	}
	if cfg.extract != "" {
		if err := os.MkdirAll(cfg.extract, 0o755); err != nil {
			return fmt.Errorf("--extract %s: %w", cfg.extract, unwrapPath(err))
		}
		if st, err := os.Stat(cfg.extract); err != nil || !st.IsDir() {
			return fmt.Errorf("%s: --extract needs a folder", cfg.extract)
		}
	}
	found := discover(cfg.inputs, outInfo)
	caps := found.captures
	// The batch's own pages are opened before any analysis: an output
	// folder that cannot be written is reported at once.
	pages, err := openBatchPages(cfg, found)
	if err != nil {
		return err
	}
	defer pages.discard()
	for _, s := range found.skipped {
		printLine(cfg.stderr, "pcapreport: %s: skipped: %s", s.Path, s.Reason)
	}
	assignNames(caps, cfg.inputs)

	var total int64
	todo := 0
	for _, c := range caps {
		if c.err == nil {
			total += c.size
			todo++
		}
	}
	prog := newBatchProgress(cfg, todo, total)

	entries := make([]report.IndexEntry, len(caps))
	overview := analyze.NewOverview(cfg.analysis)
	if h := cfg.analysis.Hooks.BuildSummary; h != nil {
		defer h()()
	}
	reused := 0
	// Each capture's result comes back on a channel of its own, and is
	// taken in path order: the overview's lists, once cut to their bound
	// (--keys), depend on the order the Summaries are added, and the
	// output must not depend on the order the workers finish in. A worker
	// done ahead waits, holding its Summary, until the ones before it are
	// merged, so that no more than one Summary per worker is held.
	results := make([]chan batchResult, len(caps))
	for i, c := range caps {
		if c.err == nil {
			results[i] = make(chan batchResult)
		}
	}
	jobs := make(chan int)
	gate := newAdmission()
	for range min(cfg.jobs, max(todo, 1)) {
		go func() {
			for i := range jobs {
				gate.enter(i)
				sum, wasReused, err := processCapture(cfg, caps[i], found.named, prog, func() { gate.pause(i) })
				gate.leave(i)
				results[i] <- batchResult{i: i, sum: sum, reused: wasReused, err: err}
			}
		}()
	}
	go func() {
		for i, c := range caps {
			if c.err == nil {
				jobs <- i
			}
		}
		close(jobs)
	}()
	// Each Summary is merged as soon as it is its turn and then dropped:
	// only the index's few numbers per capture are kept.
	for i := range caps {
		if results[i] == nil {
			continue
		}
		r := <-results[i]
		c := caps[r.i]
		if r.err == nil {
			if err := overview.Add(r.sum); err != nil {
				r.err = fmt.Errorf("merging into the overview: %w", err)
			}
		}
		if r.err != nil {
			c.err = r.err
		} else {
			e := report.EntryOf(r.sum)
			e.Report, e.JSON = c.name+".html", c.name+".json"
			entries[r.i] = e
			if r.reused {
				reused++
			}
		}
		prog.captureDone(c.size, r.reused)
	}
	prog.finish()

	// Per-capture messages, in path order, then the failures, as gofmt does.
	var failed []*batchCapture
	failedCaptures, failedFolders, captures := 0, 0, 0
	for i, c := range caps {
		if !c.folder {
			captures++
		}
		if c.err != nil {
			failed = append(failed, c)
			if c.folder {
				failedFolders++
			} else {
				failedCaptures++
			}
			entries[i] = report.IndexEntry{Path: c.path, Size: c.size, Error: captureError(c)}
			continue
		}
		e := &entries[i]
		for _, w := range e.Warnings {
			printLine(cfg.stderr, "pcapreport: %s: warning: %s", c.path, show.Printable(w, 500))
		}
		if e.DecodeErrors > 0 {
			printLine(cfg.stderr, "pcapreport: %s: %s had decode errors (see the report's last section)", c.path, show.Plural(e.DecodeErrors, "packet"))
		}
	}

	sum := overview.Summary()
	var srcs []provenanceSource
	for _, c := range caps {
		if c.err == nil {
			srcs = append(srcs, provenanceSource{json: filepath.Join(cfg.outDir, filepath.FromSlash(c.name)) + ".json", report: c.name + ".html"})
		}
	}
	addProvenance(sum, srcs, cfg.outDir, cfg.stderr)
	for _, c := range failed {
		sum.Capture.Warnings = append(sum.Capture.Warnings, c.path+": not included: "+captureError(c))
	}
	for _, c := range failed {
		printLine(cfg.stderr, "pcapreport: %s: %s", c.path, captureError(c))
	}
	indexErr := writeBatchPages(cfg, pages, found, entries, sum)
	index := filepath.Join(cfg.outDir, indexName)
	if cfg.progress && indexErr == nil {
		printLine(cfg.stderr, "pcapreport: %s (%d reused, %d failed), %s skipped: %s",
			show.Plural(int64(captures), "capture"), reused, failedCaptures, show.Plural(int64(len(found.skipped)), "file"), index)
	}
	if len(caps) == 0 {
		printLine(cfg.stderr, "pcapreport: no captures found in %s", strings.Join(cfg.inputs, ", "))
	}
	// The last line says what failed, and whether the index could be
	// written; a full disk, say, fails the reports and the overview, yet
	// the small index usually still fits.
	var problems []string
	if failedCaptures > 0 || failedFolders > 0 || indexErr != nil || pages.failed {
		problems = append(problems, fmt.Sprintf("%d of %s failed", failedCaptures, show.Plural(int64(captures), "capture")))
	}
	if failedFolders > 0 {
		problems = append(problems, fmt.Sprintf("%s could not be read", show.Plural(int64(failedFolders), "folder")))
	}
	switch {
	case problems == nil:
		return nil
	case indexErr != nil:
		return fmt.Errorf("%s (listed above); the index could not be written either: %v", strings.Join(problems, ", "), indexErr)
	case pages.failed:
		return fmt.Errorf("%s; the overview could not be written (above); the index is %s", strings.Join(problems, ", "), index)
	}
	return fmt.Errorf("%s (listed above and in %s)", strings.Join(problems, ", "), index)
}

// captureError is a failed capture's error without the path it starts with.
func captureError(c *batchCapture) string {
	return strings.TrimPrefix(c.err.Error(), c.path+": ")
}

// batchPages are the batch's own outputs: the overview's report and JSON,
// --json FILE, and the index.
type batchPages struct {
	overview, overviewJSON, json, index *output
	failed                              bool // a page other than the index could not be written
}

// openBatchPages opens the batch's own outputs, refusing any that would
// overwrite a file named as an input.
func openBatchPages(cfg *batchConfig, found *discovery) (*batchPages, error) {
	p := &batchPages{}
	open := func(path string) (*output, error) {
		if err := found.checkOutput("", path); err != nil {
			return nil, err
		}
		return openOutput(path, nil)
	}
	var err error
	for _, o := range []struct {
		out  **output
		path string
	}{
		{&p.index, filepath.Join(cfg.outDir, indexName)},
		{&p.overview, filepath.Join(cfg.outDir, overviewName)},
		{&p.overviewJSON, filepath.Join(cfg.outDir, overviewJSONName)},
	} {
		if *o.out, err = open(o.path); err != nil {
			p.discard()
			return nil, err
		}
	}
	if cfg.jsonOut != "" && cfg.jsonOut != "-" {
		if p.json, err = open(cfg.jsonOut); err != nil {
			p.discard()
			return nil, err
		}
		for _, o := range []*output{p.index, p.overview, p.overviewJSON} {
			if o.sameFile(p.json) {
				p.discard()
				return nil, fmt.Errorf("--json %s: is the batch's own %s", cfg.jsonOut, o.name)
			}
		}
	}
	return p, nil
}

func (p *batchPages) discard() {
	for _, o := range []*output{p.overview, p.overviewJSON, p.json, p.index} {
		o.discard()
	}
}

// writeBatchPages writes the overview (JSON and report), --json and, last,
// the index. A page that cannot be written does not stop the others: its
// error is printed, and the index's is returned.
func writeBatchPages(cfg *batchConfig, p *batchPages, found *discovery, entries []report.IndexEntry, sum *analyze.Summary) error {
	page := func(o *output, fill func(io.Writer) error) {
		if err := writeFile(o, fill); err != nil {
			p.failed = true
			printLine(cfg.stderr, "pcapreport: %v", err)
		}
	}
	page(p.overviewJSON, func(w io.Writer) error { return encodeSummary(w, sum) })
	page(p.overview, func(w io.Writer) error { return report.Write(w, sum, cfg.report) })
	switch {
	case cfg.jsonOut == "-":
		if err := encodeSummary(cfg.stdout, sum); err != nil {
			p.failed = true
			printLine(cfg.stderr, "pcapreport: standard output: %v", err)
		}
	case p.json != nil:
		page(p.json, func(w io.Writer) error { return encodeSummary(w, sum) })
	}
	idx := &report.Index{Entries: entries, Skipped: found.skipped, Overview: sum,
		OverviewReport: overviewName, OverviewJSON: overviewJSONName}
	return writeFile(p.index, func(w io.Writer) error { return report.WriteIndex(w, idx, cfg.report) })
}

// processCapture writes the JSON and the report of one capture and returns
// its Summary. With --skip-existing, a report and JSON newer than the
// capture are kept and the Summary is read back from the JSON. The
// analysis calls pause now and then, and before it builds the Summary
// (see admission).
func processCapture(cfg *batchConfig, c *batchCapture, named []os.FileInfo, prog *batchProgress, pause func()) (*analyze.Summary, bool, error) {
	base := filepath.Join(cfg.outDir, filepath.FromSlash(c.name))
	htmlOut, jsonOut := base+".html", base+".json"
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, false, fmt.Errorf("%s: %w", filepath.Dir(base), unwrapPath(err))
	}
	// Also when the report is reused: a killed run's temporary files go.
	removeStaleTemps(filepath.Dir(base))
	// --extract: the capture's objects go to a folder of its own, named
	// as its report is (so never from the capture's content).
	var extract *extractDir
	opts := cfg.analysis
	if cfg.extract != "" {
		var err error
		if extract, err = newExtractDir(filepath.Join(cfg.extract, filepath.FromSlash(c.name))); err != nil {
			return nil, false, fmt.Errorf("--extract: %w", unwrapPath(err))
		}
		opts.Objects = extract
	}
	if tick := opts.Hooks.Tick; tick != nil {
		opts.Hooks.Tick = func() { tick(); pause() }
	} else {
		opts.Hooks.Tick = pause
	}
	build := opts.Hooks.BuildSummary
	opts.Hooks.BuildSummary = func() func() {
		pause()
		if build != nil {
			return build()
		}
		return func() {}
	}
	if cfg.skipExisting {
		if s := reuseSummary(cfg, c, htmlOut, jsonOut); s != nil {
			return s, true, nil
		}
	}
	for _, out := range []string{htmlOut, jsonOut} {
		if err := checkNotInput(c.path, out); err != nil {
			return nil, false, err
		}
		if err := checkNotNamed(named, out); err != nil {
			return nil, false, err
		}
	}
	jsonFile, err := openOutput(jsonOut, nil)
	if err != nil {
		return nil, false, err
	}
	defer jsonFile.discard()
	htmlFile, err := openOutput(htmlOut, nil)
	if err != nil {
		return nil, false, err
	}
	defer htmlFile.discard()
	f, err := os.Open(c.path)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", c.path, unwrapPath(err))
	}
	defer f.Close()
	// analyze.Read rather than analyze.File, so that the progress bar can
	// count the bytes as they are read. Read, like File, reads them once
	// and hashes them on a second goroutine.
	sum, err := analyze.Read(c.path, prog.reader(f), opts)
	if err != nil {
		return nil, false, err
	}
	if extract != nil {
		if err := extract.writeManifest(sum); err != nil {
			return nil, false, err
		}
	}
	// The JSON first: --skip-existing reuses a report only with its JSON.
	if err := jsonFile.write(func(w io.Writer) error { return encodeSummary(w, sum) }); err != nil {
		return nil, false, err
	}
	if err := htmlFile.write(func(w io.Writer) error { return report.Write(w, sum, cfg.report) }); err != nil {
		return nil, false, err
	}
	if err := commit(jsonFile, htmlFile); err != nil {
		return nil, false, err
	}
	return sum, false, nil
}

// reuseSummary returns the Summary of a capture whose report and JSON are
// both newer than it, read back from the JSON, or nil when the capture has
// to be analysed again: an output is missing or older, or the JSON is not
// this capture's (another path, size or interval) or cannot be read.
func reuseSummary(cfg *batchConfig, c *batchCapture, htmlOut, jsonOut string) *analyze.Summary {
	outs := []string{htmlOut, jsonOut}
	if cfg.extract != "" { // and the objects, when they are asked for
		outs = append(outs, filepath.Join(cfg.extract, filepath.FromSlash(c.name), "objects.json"))
	}
	for _, out := range outs {
		st, err := os.Stat(out)
		if err != nil || !st.ModTime().After(c.modTime) {
			return nil
		}
	}
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		return nil
	}
	var s analyze.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil
	}
	if s.Capture.Path != c.path || s.Capture.Size != c.size || s.Capture.SHA256 == "" {
		return nil
	}
	// Adding it to an overview of its own checks every field the batch
	// merges, and the interval.
	if err := analyze.NewOverview(cfg.analysis).Add(&s); err != nil {
		return nil
	}
	return &s
}

// encodeSummary writes s as the indented JSON of --json.
func encodeSummary(w io.Writer, s *analyze.Summary) error { return analyze.WriteJSON(w, s) }

// discovery is what the inputs hold.
type discovery struct {
	captures []*batchCapture // by path; those that could not be read have err set
	skipped  []report.SkippedFile
	// named are the files named as arguments. Files found in folders
	// cannot be in OUTDIR (its folder is not searched), but a named one
	// can, and no output may overwrite it.
	named []os.FileInfo
}

// discover finds the captures in the inputs. A file named as an argument
// is always a capture (if it is not, its analysis fails, as with a single
// capture); files found in folders are captures when their content says so
// and are skipped otherwise. Folders are searched recursively, except the
// output folder out; symbolic links to files are followed, those to
// folders are not.
func discover(inputs []string, out os.FileInfo) *discovery {
	d := &discovery{}
	seen := map[string]bool{}            // by path, for what could not be read
	byFile := map[string]*batchCapture{} // by device and inode
	add := func(c *batchCapture) {
		if seen[c.path] { // the same path named twice, or found under two arguments
			return
		}
		seen[c.path] = true
		d.captures = append(d.captures, c)
	}
	// addFile adds a capture that is a file: the same file reached by two
	// paths (a symbolic link and the file) is one capture, under the path
	// that is not a link (else the first found).
	addFile := func(c *batchCapture, st os.FileInfo) {
		if seen[c.path] {
			return
		}
		key := fileKey(st, c.path)
		if prev := byFile[key]; prev != nil {
			seen[c.path] = true
			if prev.link && !c.link {
				delete(seen, prev.path)
				*prev = *c
			}
			return
		}
		byFile[key] = c
		add(c)
	}
	isLink := func(p string) bool {
		lst, err := os.Lstat(p)
		return err == nil && lst.Mode()&fs.ModeSymlink != 0
	}
	for i, in := range inputs {
		st, err := os.Stat(in)
		switch {
		case err != nil:
			add(&batchCapture{path: filepath.Clean(in), arg: i, err: fmt.Errorf("%s: %w", in, unwrapPath(err))})
			continue
		case !st.IsDir():
			d.named = append(d.named, st)
			addFile(&batchCapture{path: filepath.Clean(in), arg: i, rel: []string{filepath.Base(in)},
				link: isLink(in), size: st.Size(), modTime: st.ModTime()}, st)
			continue
		}
		root := in
		filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				// An unreadable folder or file: a failure, since it may hold captures.
				c := &batchCapture{path: p, arg: i, err: fmt.Errorf("%s: %w", p, unwrapPath(err))}
				if e != nil && e.IsDir() {
					c.folder = true
					c.err = fmt.Errorf("%s: a folder that could not be read: %w", p, unwrapPath(err))
				} else if st, serr := os.Stat(p); serr == nil {
					c.size = st.Size()
				}
				add(c)
				if e != nil && e.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if e.IsDir() {
				if st, err := os.Stat(p); err == nil && os.SameFile(st, out) {
					return fs.SkipDir // our own output, e.g. -o caps/reports
				}
				return nil
			}
			st, err := os.Stat(p) // follows a symbolic link
			switch {
			case err != nil:
				add(&batchCapture{path: p, arg: i, err: fmt.Errorf("%s: %w", p, unwrapPath(err))})
				return nil
			case st.IsDir():
				d.skipped = append(d.skipped, report.SkippedFile{Path: p, Reason: "a symbolic link to a folder, not followed"})
				return nil
			case !st.Mode().IsRegular():
				d.skipped = append(d.skipped, report.SkippedFile{Path: p, Reason: "not a regular file"})
				return nil
			}
			c := &batchCapture{path: p, arg: i, link: e.Type()&fs.ModeSymlink != 0, size: st.Size(), modTime: st.ModTime()}
			why, err := sniff(p)
			switch {
			case err != nil:
				c.err = err
				add(c)
			case why != "" && claimsCapture(p):
				// Its name says capture: for evidence, a failure that a
				// script must see, not a file quietly skipped.
				c.err = fmt.Errorf("%s: %s, though its name says it is a capture", p, why)
				add(c)
			case why != "":
				d.skipped = append(d.skipped, report.SkippedFile{Path: p, Reason: why})
			default:
				rel, _ := filepath.Rel(root, p)
				c.rel, c.inDir = strings.Split(filepath.ToSlash(rel), "/"), true
				addFile(c, st)
			}
			return nil
		})
	}
	// Sorted by path: worker scheduling never changes any output.
	slices.SortStableFunc(d.captures, func(a, b *batchCapture) int { return strings.Compare(a.path, b.path) })
	slices.SortStableFunc(d.skipped, func(a, b report.SkippedFile) int { return strings.Compare(a.Path, b.Path) })
	return d
}

// claimsCapture reports whether a file's name says it is a capture: it
// ends in .pcap, .pcapng or .cap, possibly followed by a compression
// extension.
func claimsCapture(path string) bool {
	name := strings.ToLower(filepath.Base(path))
	for _, z := range []string{".gz", ".gzip", ".zst", ".zstd", ".xz", ".bz2"} {
		if n, ok := strings.CutSuffix(name, z); ok {
			name = n
			break
		}
	}
	for _, ext := range []string{".pcap", ".pcapng", ".cap"} {
		if len(name) > len(ext) && strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// checkOutput refuses to write out over any file named as an argument.
func (d *discovery) checkOutput(in, out string) error {
	if in != "" {
		if err := checkNotInput(in, out); err != nil {
			return err
		}
	}
	return checkNotNamed(d.named, out)
}

func checkNotNamed(named []os.FileInfo, out string) error {
	st, err := os.Stat(out)
	if err != nil {
		return nil
	}
	for _, n := range named {
		if os.SameFile(n, st) {
			return fmt.Errorf("%s: refusing to overwrite an input capture", out)
		}
	}
	return nil
}

// sniff tells a capture by its content, as analyze.Sniff does (the same
// decompressors and limits as the analysis): it returns why the file is
// not a capture, or "" when it is; err when the file cannot be read.
func sniff(path string) (why string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	why, err = analyze.Sniff(f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	return why, nil
}

// outFolder is a folder of OUTDIR while output names are given out.
type outFolder struct {
	used map[string]bool       // names taken in it, lower-cased (files and folders)
	subs map[string]*outFolder // by key: the input folder's name, or an argument
	name map[string]string     // the name given to each key
}

func newOutFolder() *outFolder {
	return &outFolder{used: map[string]bool{}, subs: map[string]*outFolder{}, name: map[string]string{}}
}

// sub returns the folder for key, named want or, if that is taken, want~2, want~3...
func (f *outFolder) sub(key, want string) (*outFolder, string) {
	if s := f.subs[key]; s != nil {
		return s, f.name[key]
	}
	name := unique(want, func(n string) bool { return !f.used[strings.ToLower(n)] })
	f.used[strings.ToLower(name)] = true
	s := newOutFolder()
	f.subs[key], f.name[key] = s, name
	return s, name
}

func unique(want string, free func(string) bool) string {
	if free(want) {
		return want
	}
	for i := 2; ; i++ {
		if n := want + "~" + strconv.Itoa(i); free(n) {
			return n
		}
	}
}

// assignNames names every capture's report after its path below its input
// folder: caps/sensor1/a.pcap from the argument caps gives sensor1/a.pcap
// (.html and .json). With several arguments, each folder's reports go in a
// folder named after it, and named files at the top. Names that would
// collide (equal names, names equal but for case, a report named like a
// folder, index.html, overview.html) get ~2, ~3... in path order, so that
// no two outputs are ever the same file, on any file system.
func assignNames(caps []*batchCapture, inputs []string) {
	root := newOutFolder()
	for _, n := range []string{indexName, overviewName, overviewJSONName} {
		root.used[n] = true
	}
	for _, c := range caps {
		if c.err != nil {
			continue
		}
		f := root
		var segs []string
		if len(inputs) > 1 && c.inDir {
			var name string
			f, name = f.sub("\x00"+strconv.Itoa(c.arg), argFolderName(inputs[c.arg]))
			segs = append(segs, name)
		}
		for _, dir := range c.rel[:len(c.rel)-1] {
			var name string
			f, name = f.sub(dir, dir)
			segs = append(segs, name)
		}
		// The bare name too: it is the capture's --extract folder, which
		// no input folder's output folder may share.
		file := unique(c.rel[len(c.rel)-1], func(n string) bool {
			return !f.used[strings.ToLower(n+".html")] && !f.used[strings.ToLower(n+".json")] && !f.used[strings.ToLower(n)]
		})
		f.used[strings.ToLower(file)] = true
		f.used[strings.ToLower(file+".html")] = true
		f.used[strings.ToLower(file+".json")] = true
		c.name = strings.Join(append(segs, file), "/")
	}
}

// argFolderName names the output folder of a folder argument after it.
func argFolderName(arg string) string {
	base := filepath.Base(arg)
	if base == "." || base == ".." || base == string(filepath.Separator) {
		if abs, err := filepath.Abs(arg); err == nil {
			base = filepath.Base(abs)
		}
	}
	if base == "." || base == ".." || base == string(filepath.Separator) || base == "" {
		return "root"
	}
	return base
}

// batchProgress draws the progress bar: captures done of all, bytes read,
// rate and time left. Without a bar every method does nothing.
type batchProgress struct {
	bar   *progressbar.ProgressBar
	mu    sync.Mutex
	done  int
	total int
	max   int64 // the bar's total bytes
}

func newBatchProgress(cfg *batchConfig, captures int, bytes int64) *batchProgress {
	p := &batchProgress{total: captures, max: max(bytes, 1)}
	if !cfg.progress || captures == 0 {
		return p
	}
	p.bar = progressbar.NewOptions64(p.max,
		progressbar.OptionSetWriter(cfg.stderr),
		progressbar.OptionSetDescription(p.describe()),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	return p
}

func (p *batchProgress) describe() string {
	return fmt.Sprintf("%d/%d captures", p.done, p.total)
}

// reader counts the bytes read through r on the bar.
func (p *batchProgress) reader(r io.Reader) io.Reader {
	if p.bar == nil {
		return r
	}
	return progressReader{r, p.bar}
}

// captureDone counts one capture done; a reused one was never read, so
// its bytes leave the total rather than making the rate look faster.
func (p *batchProgress) captureDone(size int64, reused bool) {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	p.done++
	desc := p.describe()
	shrink := reused && p.max-size >= 1
	if shrink {
		p.max -= size
	}
	p.mu.Unlock()
	switch {
	case shrink:
		p.bar.AddMax64(-size)
	case reused:
		p.bar.Add64(size)
	}
	p.bar.Describe(desc)
}

func (p *batchProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Exit()
	}
}

type progressReader struct {
	r   io.Reader
	bar *progressbar.ProgressBar
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.bar.Add64(int64(n))
	}
	return n, err
}

// batchLiveGate is the live heap past which a batch analyses one capture
// at a time. A 10 MB flood's analysis holds up to 72 MB live while its
// Summary is built, and the overview of a batch of floods 50-70 MB: two
// floods analysed at once next to it made 180 MB live and 280-300 MB of
// RSS, one at a time 120 MB live and about 210 MB. Ordinary captures,
// a few MB live each, are still analysed -j at a time.
const batchLiveGate = 64 << 20

// admission runs the workers' analyses at once while the live heap stays
// under batchLiveGate, and one at a time past it: past it, a capture
// starts only when none is being analysed and none before it in path
// order is waiting to start, and every capture but the first in path
// order of those being analysed waits (at the analysis' ticks and before
// its Summary is built) until it is the first, or the heap is under the
// gate again. The first never waits, and the batch merges in path order,
// so no worker waits for another that waits.
type admission struct {
	mu      sync.Mutex
	cond    sync.Cond
	busy    []int // the captures being analysed, by index in path order
	waiting []int // the captures waiting to start
}

func newAdmission() *admission {
	a := &admission{}
	a.cond.L = &a.mu
	return a
}

// overGate reports whether the live heap, as the last garbage collection
// measured it, is past batchLiveGate.
func overGate() bool { return gcpolicy.Live() > batchLiveGate }

func (a *admission) enter(i int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.waiting = append(a.waiting, i)
	for (len(a.busy) > 0 || slices.Min(a.waiting) != i) && overGate() {
		a.cond.Wait()
	}
	a.waiting = slices.DeleteFunc(a.waiting, func(w int) bool { return w == i })
	a.busy = append(a.busy, i)
	a.cond.Broadcast() // the next waiting may now be the first
}

func (a *admission) pause(i int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for slices.Min(a.busy) != i && overGate() {
		a.cond.Wait()
	}
}

func (a *admission) leave(i int) {
	a.mu.Lock()
	a.busy = slices.DeleteFunc(a.busy, func(b int) bool { return b == i })
	a.mu.Unlock()
	a.cond.Broadcast()
}
