package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/gcpolicy"
	"github.com/pcapreport/pcapreport/internal/show"
	"github.com/pcapreport/pcapreport/report"
)

// stdinArg is the capture argument that means standard input.
const stdinArg = "-"

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
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Commands:  []*cli.Command{reportCommand(), summaryCommand(), mergeCommand()},
		// Errors are printed once, by main, with the program name.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsageError,
	}
}

// run is the whole program, with its standard streams passed in so that
// tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	app := newApp(stdin, stdout, stderr)
	cleaned.Clear() // each run looks for stale temporary files anew
	// An unknown command ("pcapreport bogus", "pcapreport help bogus")
	// reaches the help command's lookup, which calls CommandNotFound and
	// then ends without an error: the error is kept here and returned.
	var notFound error
	app.CommandNotFound = func(c *cli.Context, name string) {
		notFound = usageError{fmt.Sprintf("%q is not a command: the commands are report, summary and merge (see pcapreport --help)", name)}
	}
	err := app.Run(flagsFirst(app, args))
	if err == nil {
		err = notFound
	}
	return err
}

// usageError is a mistake on the command line; the program exits with 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef is a usageError that ends with a pointer to the command's help.
func usagef(c *cli.Context, format string, args ...any) error {
	help := "pcapreport --help"
	if c != nil && c.Command != nil && c.Command.Name != "" && (c.App == nil || c.Command.Name != c.App.Name) {
		help = "pcapreport " + c.Command.Name + " --help"
	}
	return usageError{fmt.Sprintf(format, args...) + " (see " + help + ")"}
}

// onUsageError turns a flag the command line got wrong into a usageError
// that says what was wrong in the command's own terms. Go's flag package,
// which parses the flags under urfave/cli, returns its errors as plain
// text, so its three messages are recognised by their wording:
// an unknown flag, a flag without its value, and a value that does not
// parse (whose reason comes from the flag's Value, e.g. durationValue).
func onUsageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	dashes := func(name string) string {
		if len(name) == 1 {
			return "-" + name
		}
		return "--" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return usagef(c, "unknown flag %s", dashes(name))
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return usagef(c, "%s needs a value", dashes(name))
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if quoted, err := strconv.QuotedPrefix(rest); err == nil {
			if flagAndReason, ok := strings.CutPrefix(rest[len(quoted):], " for flag -"); ok {
				name, reason, _ := strings.Cut(flagAndReason, ": ")
				if reason == "parse error" {
					reason = "not a whole number"
				}
				return usagef(c, "%s %s: %s", dashes(name), quoted, reason)
			}
		}
	}
	return usagef(c, "%s", msg)
}

// durationValue is the value of --interval: a time.Duration whose parse
// error says what is wrong (Go's flag package says only "parse error").
type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return fmt.Errorf("a duration needs a unit, e.g. %ss or %sms", s, s)
		}
		return errors.New("not a duration (e.g. 2s, 500ms, 1m)")
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

// intervalFlag is --interval, for every command that analyses captures.
func intervalFlag(usage string) cli.Flag {
	v := durationValue(analyze.DefaultInterval)
	return &cli.GenericFlag{Name: "interval", Value: &v, Usage: usage}
}

// interval is the value of --interval.
func interval(c *cli.Context) time.Duration {
	if v, ok := c.Generic("interval").(*durationValue); ok {
		return time.Duration(*v)
	}
	return analyze.DefaultInterval
}

// printLine writes one line to standard error, every control character,
// escape sequence and invisible character in it escaped (as the summary
// command shows capture strings), so that a file name cannot move the
// cursor, ring the bell, change the terminal or forge a second line.
func printLine(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, show.Printable(fmt.Sprintf(format, args...), 0))
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
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE`, a file, a character device or a FIFO such as /dev/stdout (default: the capture's name without its extensions, plus .html, in the current directory); in batch mode, the folder for all reports"},
			&cli.StringFlag{Name: "json", Usage: "also write the analysis as JSON to `FILE` (- for standard output); in batch mode, the overview's JSON (each capture's is always written next to its report)"},
			topFlag(),
			intervalFlag("width of the time-line bins, e.g. 1s, 500ms, 1m"),
			keysFlag(),
			tzFlag(),
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.NumCPU(), Usage: "batch mode: analyse `N` captures at a time"},
			&cli.BoolFlag{Name: "quiet", Usage: "batch mode: draw no progress bar on a terminal"},
			&cli.StringFlag{Name: "extract", Usage: "write every HTTP object (response and request bodies, decoded), FTP transfer and SMTP attachment to `DIR` as <sha256>.<ext>, with an objects.json manifest; names never come from the capture, nothing is overwritten (in batch mode, each capture's to DIR/<its report's name>/)"},
			&cli.BoolFlag{Name: "skip-existing", Usage: "batch mode: keep each report (and JSON) that is newer than its capture, and read its numbers back from the JSON"},
			showSecretsFlag(),
		},
		OnUsageError: onUsageError,
		Action:       reportAction,
	}
}

// topFlag is --top, for every command that writes a report.
func topFlag() cli.Flag {
	return &cli.IntFlag{Name: "top", Value: 20, Usage: "show at most `N` rows in every ranked table and chart of the report (0: all); the JSON always has all"}
}

// tzFlag is --tz, for every command that writes a report.
func tzFlag() cli.Flag {
	return &cli.StringFlag{Name: "tz", Value: "UTC", Usage: "time zone for the times shown in the report: UTC, local or an IANA name such as Europe/Berlin (the JSON stays in UTC)"}
}

// keysFlag is --keys, for every command that analyses captures.
func keysFlag() cli.Flag {
	return &cli.IntFlag{Name: "keys", Value: analyze.DefaultKeys, Usage: "keep at most `N` sources, destinations, IP pairs, TCP/UDP conversations and DNS names each; past N a list keeps its heaviest keys, with stated error bounds (memory grows by up to 1 KB per key)"}
}

// showSecretsFlag is --show-secrets, for every command that analyses
// captures: without it the secrets of cleartext credentials are masked.
func showSecretsFlag() cli.Flag {
	return &cli.BoolFlag{Name: "show-secrets", Usage: "show the passwords of cleartext credentials (FTP, POP3, IMAP, SMTP, HTTP Basic, Telnet) in the report, JSON and summary; by default they are masked as •••• (N characters), so that reports can go into tickets"}
}

// memoryHooks apply the program's memory policy during an analysis: the
// analysis library sets no process-wide state itself.
var memoryHooks = analyze.Hooks{Tick: gcpolicy.Check, BuildSummary: gcpolicy.LowerGC}

// analysisOptions checks the flags that every analysing command has
// (--top, --interval, --keys) and returns the analysis options.
func analysisOptions(c *cli.Context) (analyze.Options, error) {
	switch {
	case c.Int("top") < 0:
		return analyze.Options{}, usagef(c, "--top must be 0 or more")
	case interval(c) <= 0:
		return analyze.Options{}, usagef(c, "--interval must be positive")
	case c.Int("keys") <= 0:
		return analyze.Options{}, usagef(c, "--keys must be positive")
	}
	return analyze.Options{Interval: interval(c), Keys: c.Int("keys"), Hooks: memoryHooks, ShowSecrets: c.Bool("show-secrets")}, nil
}

// analyzeCapture analyses the capture named in ("-" for standard input).
func analyzeCapture(c *cli.Context, in string, opts analyze.Options) (*analyze.Summary, error) {
	if in == stdinArg {
		return analyze.Read("stdin", c.App.Reader, opts)
	}
	return analyze.File(in, opts)
}

func reportAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef(c, "report needs a CAPTURE to read (or, in batch mode, several captures and folders with -o OUTDIR)")
	}
	in := c.Args().First()
	opts, err := analysisOptions(c)
	if err != nil {
		return err
	}
	// The memory budget is held over the analysis and the rendering:
	// rendering a 10 GB capture's 20 MB Summary allocates 17 MB more, and
	// without the budget the process peaked there.
	defer gcpolicy.Hold()()
	loc, err := loadZone(c.String("tz"))
	if err != nil {
		return usagef(c, "%v", err)
	}
	if isBatch(c.Args().Slice()) {
		return batchAction(c, opts, report.Options{Top: c.Int("top"), Version: version, Generated: generatedAt(), Location: loc})
	}
	if c.Bool("skip-existing") {
		return usagef(c, "--skip-existing applies to batch mode only (several inputs, or a folder, with -o OUTDIR)")
	}
	var extract *extractDir
	if dir := c.String("extract"); dir != "" {
		if extract, err = newExtractDir(dir); err != nil {
			return err
		}
		opts.Objects = extract
	}
	out := c.String("output")
	if out == "" {
		out = defaultOutput(in)
	}
	jsonOut := c.String("json")
	// Every output is checked, and its temporary file created, before
	// the analysis: a mistake is reported at once, not after minutes.
	htmlFile, jsonFile, err := openOutputs(c, in, out, jsonOut)
	if err != nil {
		return err
	}
	defer htmlFile.discard()
	defer jsonFile.discard()

	// The Summary is built and rendered under the same lowered GC (see
	// gcpolicy.LowerGC): both hold the most memory.
	endLowGC := func() {}
	opts.Hooks.BuildSummary = func() func() {
		endLowGC = gcpolicy.LowerGC()
		return func() {}
	}
	defer func() { endLowGC() }()
	sum, err := analyzeCapture(c, in, opts)
	if err != nil {
		return err
	}
	for _, w := range sum.Capture.Warnings {
		printLine(c.App.ErrWriter, "pcapreport: %s: warning: %s", sum.Capture.Path, show.Printable(w, 500))
	}
	if n := sum.Capture.DecodeErrors; n > 0 {
		printLine(c.App.ErrWriter, "pcapreport: %s: %s had decode errors (see the report's last section)", sum.Capture.Path, show.Plural(n, "packet"))
	}

	if extract != nil {
		if err := extract.writeManifest(sum); err != nil {
			return err
		}
	}
	rep := report.Options{Top: c.Int("top"), Version: version, Generated: generatedAt(), Location: loc}
	return writeOutputs(c, sum, rep, jsonOut, htmlFile, jsonFile)
}

// writeOutputs writes sum's JSON (to jsonFile, or standard output for
// jsonOut "-") first and its report second, then renames both into place
// in that order (see output.write and commit).
func writeOutputs(c *cli.Context, sum *analyze.Summary, rep report.Options, jsonOut string, htmlFile, jsonFile *output) error {
	// The two are written side by side: both only read the Summary, and
	// the JSON of a big capture (27 MB for the generated 1 GB one) took
	// as long as the page, one after the other on one core.
	writeJSON := func(w io.Writer) error { return analyze.WriteJSON(w, sum) }
	jsonDone := make(chan error, 1)
	switch {
	case jsonOut == "-":
		go func() { jsonDone <- writeJSON(c.App.Writer) }()
	case jsonFile != nil:
		go func() { jsonDone <- jsonFile.write(writeJSON) }()
	default:
		jsonDone <- nil
	}
	htmlErr := htmlFile.write(func(w io.Writer) error { return report.Write(w, sum, rep) })
	if err := <-jsonDone; err != nil {
		return err
	}
	if htmlErr != nil {
		return htmlErr
	}
	return commit(jsonFile, htmlFile)
}

// openOutputs opens the report's output and the JSON's (nil for none or
// standard output), refusing any that would overwrite the capture being
// read (named, or standard input) or each other.
func openOutputs(c *cli.Context, in, out, jsonOut string) (htmlFile, jsonFile *output, err error) {
	var stdinInfo fs.FileInfo
	if f, ok := c.App.Reader.(*os.File); ok && in == stdinArg {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			stdinInfo = st
		}
	}
	check := func(o *output) error {
		if err := checkNotInput(in, o.name); err != nil {
			return err
		}
		if o.is(stdinInfo) {
			return fmt.Errorf("%s: is standard input, the capture being read; refusing to overwrite it", o.name)
		}
		return nil
	}
	if htmlFile, err = openOutput(out, c.App.Writer); err != nil {
		return nil, nil, err
	}
	if err := check(htmlFile); err != nil {
		htmlFile.discard()
		return nil, nil, err
	}
	switch jsonOut {
	case "":
		return htmlFile, nil, nil
	case "-":
		if f, ok := c.App.Writer.(*os.File); ok {
			if st, err := f.Stat(); err == nil && htmlFile.is(st) {
				htmlFile.discard()
				return nil, nil, usagef(c, "-o %s and --json - both name standard output; give them different files", out)
			}
		}
		return htmlFile, nil, nil
	}
	if jsonFile, err = openOutput(jsonOut, c.App.Writer); err != nil {
		htmlFile.discard()
		return nil, nil, err
	}
	if err := check(jsonFile); err != nil {
		htmlFile.discard()
		jsonFile.discard()
		return nil, nil, err
	}
	if htmlFile.sameFile(jsonFile) {
		htmlFile.discard()
		jsonFile.discard()
		return nil, nil, usagef(c, "-o %s and --json %s name the same file; give them different files", out, jsonOut)
	}
	return htmlFile, jsonFile, nil
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
	if in == stdinArg {
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
	if in == stdinArg {
		return nil
	}
	a, err1 := os.Stat(in)
	b, err2 := os.Stat(out)
	if err1 == nil && err2 == nil && os.SameFile(a, b) {
		return fmt.Errorf("%s: refusing to overwrite the input capture", out)
	}
	return nil
}
