package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/report"
)

// version is the tool's version, shown by --version and in every report.
const version = "0.1.0"

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:    "pcapreport",
		Usage:   "turn a packet capture into one self-contained HTML report",
		Version: version,
		Description: "pcapreport reads a pcap or pcapng capture in one pass and writes an HTML report that opens\n" +
			"offline in any browser: capture facts and SHA-256, top source and destination IPs, DNS\n" +
			"queries and traffic over time. It never makes network traffic of its own.",
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		Commands:        []*cli.Command{reportCommand(), summaryCommand(), mergeCommand()},
		// Errors are printed once, by main, with the program name.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err.Error()}
		},
	}
}

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "write the HTML report (and optionally JSON) of one capture, or of every capture in folders",
		ArgsUsage: "CAPTURE | DIR_OR_FILE... -o OUTDIR",
		Description: "CAPTURE is a pcap or pcapng file, optionally gzip-, zstd-, xz- or bzip2-compressed\n" +
			"(recognised by content), or - for standard input.\n\n" +
			"Batch mode: with several inputs, or a folder, -o names an output folder. Every capture\n" +
			"found (recursively; recognised by content) gets OUTDIR/<its path below the folder>.html\n" +
			"and .json, and OUTDIR/index.html lists them all, with OUTDIR/overview.html merging them.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` (default: the capture's name without its extensions, plus .html, in the current directory); in batch mode, the folder for all reports"},
			&cli.StringFlag{Name: "json", Usage: "also write the analysis as JSON to `FILE` (- for standard output); in batch mode, the overview's JSON (each capture's is always written next to its report)"},
			&cli.IntFlag{Name: "top", Value: 20, Usage: "show at most `N` rows in every ranked table and chart of the report (0: all); the JSON always has all"},
			&cli.DurationFlag{Name: "interval", Value: analyze.DefaultInterval, Usage: "width of the time-line bins, e.g. 1s, 500ms, 1m"},
			keysFlag(),
			&cli.StringFlag{Name: "tz", Value: "UTC", Usage: "time zone for the times shown in the report: UTC, local or an IANA name such as Europe/Berlin (the JSON stays in UTC)"},
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "batch mode: analyse `N` captures at a time"},
			&cli.BoolFlag{Name: "quiet", Usage: "batch mode: draw no progress bar on a terminal"},
			&cli.BoolFlag{Name: "skip-existing", Usage: "batch mode: keep each report (and JSON) that is newer than its capture, and read its numbers back from the JSON"},
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err.Error()}
		},
		Action: reportAction,
	}
}

// keysFlag is --keys, for every command that analyses captures.
func keysFlag() cli.Flag {
	return &cli.IntFlag{Name: "keys", Value: analyze.DefaultKeys, Usage: "keep at most `N` sources, destinations, IP pairs, TCP/UDP conversations and DNS names each; past N a list keeps its heaviest keys, with stated error bounds (memory grows by up to 1 KB per key)"}
}

// analysisOptions checks the flags that every analysing command has
// (--top, --interval, --keys) and returns the analysis options.
func analysisOptions(c *cli.Context) (analyze.Options, error) {
	switch {
	case c.Int("top") < 0:
		return analyze.Options{}, usageError{"--top must be 0 or more"}
	case c.Duration("interval") <= 0:
		return analyze.Options{}, usageError{"--interval must be positive"}
	case c.Int("keys") <= 0:
		return analyze.Options{}, usageError{"--keys must be positive"}
	}
	return analyze.Options{Interval: c.Duration("interval"), Keys: c.Int("keys")}, nil
}

// analyzeCapture analyses the capture named in ("-" for standard input).
func analyzeCapture(c *cli.Context, in string, opts analyze.Options) (*analyze.Summary, error) {
	if in == analyze.Stdin {
		return analyze.Read("stdin", c.App.Reader, opts)
	}
	return analyze.File(in, opts)
}

func reportAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageError{"report takes exactly one CAPTURE argument (see pcapreport report --help)"}
	}
	in := c.Args().First()
	opts, err := analysisOptions(c)
	if err != nil {
		return err
	}
	defer analyze.HoldMemoryBudget()()
	loc, err := loadZone(c.String("tz"))
	if err != nil {
		return usageError{err.Error()}
	}
	if isBatch(c.Args().Slice()) {
		return batchAction(c, opts, report.Options{Top: c.Int("top"), Version: version, Generated: generatedAt(), Location: loc})
	}
	if c.Bool("skip-existing") {
		return usageError{"--skip-existing applies to batch mode only (several inputs, or a folder, with -o OUTDIR)"}
	}
	out := c.String("output")
	if out == "" {
		out = defaultOutput(in)
	}
	jsonOut := c.String("json")
	if err := checkNotInput(in, out); err != nil {
		return err
	}
	if jsonOut != "" && jsonOut != "-" {
		if err := checkNotInput(in, jsonOut); err != nil {
			return err
		}
	}

	sum, err := analyzeCapture(c, in, opts)
	if err != nil {
		return err
	}
	for _, w := range sum.Capture.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "pcapreport: %s: warning: %s\n", sum.Capture.Path, analyze.Printable(w, 500))
	}
	if n := sum.Capture.DecodeErrors; n > 0 {
		fmt.Fprintf(c.App.ErrWriter, "pcapreport: %s: %d packets had decode errors (see the report's last section)\n", sum.Capture.Path, n)
	}

	rep := report.Options{Top: c.Int("top"), Version: version, Generated: generatedAt(), Location: loc}
	if err := writeFileAtomic(out, func(w io.Writer) error { return report.Write(w, sum, rep) }); err != nil {
		return err
	}
	if jsonOut == "" {
		return nil
	}
	writeJSON := func(w io.Writer) error { return analyze.WriteJSON(w, sum) }
	if jsonOut == "-" {
		return writeJSON(c.App.Writer)
	}
	return writeFileAtomic(jsonOut, writeJSON)
}

// loadZone resolves --tz.
func loadZone(name string) (*time.Location, error) {
	switch strings.ToLower(name) {
	case "", "utc", "z":
		return time.UTC, nil
	case "local":
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("--tz %q: not a time zone (use UTC, local or an IANA name such as Europe/Berlin)", name)
	}
	return loc, nil
}

// generatedAt is the time shown as "generated at": now, or the
// SOURCE_DATE_EPOCH of reproducible builds when it is set, so that the same
// capture can give byte-identical reports.
func generatedAt() string {
	t := time.Now().UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
			t = time.Unix(sec, 0).UTC()
		}
	}
	return t.Format("2006-01-02 15:04:05 UTC")
}

// captureExts are the extensions dropped from a capture's name to name its report.
var captureExts = []string{".gz", ".gzip", ".zst", ".zstd", ".xz", ".bz2", ".pcapng", ".pcap", ".cap", ".dmp", ".ntar"}

// defaultOutput names the report of capture in: its base name without its
// capture and compression extensions, plus .html, in the current directory.
func defaultOutput(in string) string {
	if in == analyze.Stdin {
		return "stdin.html"
	}
	base := filepath.Base(in)
	for changed := true; changed; {
		changed = false
		for _, ext := range captureExts {
			if len(base) > len(ext) && strings.EqualFold(base[len(base)-len(ext):], ext) {
				base = base[:len(base)-len(ext)]
				changed = true
			}
		}
	}
	return base + ".html"
}

// checkNotInput refuses to write over the capture being read.
func checkNotInput(in, out string) error {
	if in == analyze.Stdin {
		return nil
	}
	a, err1 := os.Stat(in)
	b, err2 := os.Stat(out)
	if err1 == nil && err2 == nil && os.SameFile(a, b) {
		return fmt.Errorf("%s: refusing to overwrite the input capture", out)
	}
	return nil
}

// writeFileAtomic writes a file through a temporary file in the same
// directory, renamed into place only when complete, so that an
// interrupted run never leaves a partial report. The temporary file is
// flushed to disk (fsync) before the rename: without it, a crash or power
// cut soon after the run can leave the new name on an empty or partial
// file on file systems that write the rename first (ext4's delayed
// allocation, XFS), and on NFS or a full quota a write error may only
// show at the flush, which must fail the run rather than be lost.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	syncDir(dir)
	return nil
}

// syncDir flushes dir, making a rename in it durable where the system
// allows: Linux and the BSDs flush a directory with fsync, Windows cannot
// open one for it, and some file systems refuse. The file is complete and
// in place either way, so a failure here is not the run's.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
