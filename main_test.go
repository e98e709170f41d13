package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// runCLI runs the program in dir with args and returns its output.
func runCLI(t *testing.T, dir string, stdin []byte, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	err = run(append([]string{"pcapreport"}, args...), bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func abs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReportWritesHTMLAndJSON(t *testing.T) {
	dir := t.TempDir()
	capture := abs(t, "testdata/dns_many_queries_mdns_llmnr.pcap")
	// Flags after the capture, as the README shows them.
	stdout, stderr, err := runCLI(t, dir, nil, "report", capture, "-o", "out.html", "--json", "-", "--top", "5")
	if err != nil {
		t.Fatalf("run: %v (stderr %q)", err, stderr)
	}
	var s analyze.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("--json - did not write JSON to stdout: %v", err)
	}
	if s.Capture.Packets != 464 {
		t.Errorf("JSON packets = %d, want 464", s.Capture.Packets)
	}
	html, err := os.ReadFile(filepath.Join(dir, "out.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("dns_many_queries_mdns_llmnr.pcap")) || !bytes.Contains(html, []byte(s.Capture.SHA256)) {
		t.Error("report does not name the capture and its SHA-256")
	}
	if !bytes.Contains(html, []byte("Showing the top 5 of")) {
		t.Error("--top 5 did not limit the tables")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("output directory holds %d entries, want just out.html (no temporary files)", len(entries))
	}
}

func TestDefaultOutputName(t *testing.T) {
	cases := map[string]string{
		"x.pcap": "x.html", "dir/x.pcapng": "x.html", "x.pcap.gz": "x.html", "capture.2024-01-01.pcap.zst": "capture.2024-01-01.html",
		"noext": "noext.html", "-": "stdin.html", "X.PCAP": "X.html",
	}
	for in, want := range cases {
		if got := defaultOutput(in); got != want {
			t.Errorf("defaultOutput(%q) = %q, want %q", in, got, want)
		}
	}
	dir := t.TempDir()
	if _, stderr, err := runCLI(t, dir, nil, "report", abs(t, "testdata/nanosec_bigendian_http.pcap")); err != nil {
		t.Fatalf("run: %v %s", err, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "nanosec_bigendian_http.html")); err != nil {
		t.Error("report without -o was not written as <name>.html in the current directory")
	}
}

func TestStdinCapture(t *testing.T) {
	b, err := os.ReadFile("testdata/dns_lab_ptr_nxdomain.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stdout, stderr, err := runCLI(t, dir, b, "report", "-", "-o", "live.html", "--json", "-")
	if err != nil {
		t.Fatalf("run: %v %s", err, stderr)
	}
	var s analyze.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Capture.Path != "stdin" || s.Capture.Packets != 22 || s.Capture.Size != int64(len(b)) {
		t.Errorf("stdin capture: path %q packets %d size %d", s.Capture.Path, s.Capture.Packets, s.Capture.Size)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	notCapture := filepath.Join(dir, "notes.pcap")
	os.WriteFile(notCapture, []byte("<html>hello</html>"), 0o644)
	cases := []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"report", notCapture}, "notes.pcap: not a pcap or pcapng file (starts with 3c 68 74 6d)", false},
		{[]string{"report", filepath.Join(dir, "missing.pcap")}, "missing.pcap: no such file or directory", false},
		{[]string{"report", dir}, "is a directory", false},
		{[]string{"report"}, "report needs a CAPTURE to read (or, in batch mode, several captures and folders with -o OUTDIR) (see pcapreport report --help)", true},
		{[]string{"report", "a.pcap", "b.pcap"}, "several inputs need -o OUTDIR", true},
		{[]string{"report", "a.pcap", "--top", "-1"}, "--top", true},
		{[]string{"report", "a.pcap", "--tz", "Mars/Olympus"}, "not a time zone", true},
		{[]string{"report", "a.pcap", "--nonsense"}, "unknown flag --nonsense (see pcapreport report --help)", true},
	}
	for _, c := range cases {
		_, _, err := runCLI(t, dir, nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
			continue
		}
		if _, isUsage := err.(usageError); isUsage != c.usage {
			t.Errorf("%v: usage error %v, want %v", c.args, isUsage, c.usage)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error is not one line: %q", c.args, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("failed runs left files behind: %d entries", len(entries))
	}
}

func TestRefusesToOverwriteInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "x.pcap")
	orig, _ := os.ReadFile("testdata/rawip_dlt228_ipv4_dns.pcap")
	os.WriteFile(in, orig, 0o644)
	_, _, err := runCLI(t, dir, nil, "report", in, "-o", in)
	if err == nil || !strings.Contains(err.Error(), "refusing to overwrite the input") {
		t.Errorf("error %v", err)
	}
	if now, _ := os.ReadFile(in); !bytes.Equal(now, orig) {
		t.Error("the input capture was modified")
	}
}

func TestWarningOnStderrAndExitZero(t *testing.T) {
	dir := t.TempDir()
	_, stderr, err := runCLI(t, dir, nil, "report", abs(t, "testdata/cut_short_vlan_qinqinq_http.pcap"), "-o", "r.html")
	if err != nil {
		t.Fatalf("a capture cut short must still give a report: %v", err)
	}
	if !strings.Contains(stderr, "cut_short_vlan_qinqinq_http.pcap: warning: capture cut short at byte offset 6409") {
		t.Errorf("stderr %q", stderr)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "r.html"))
	if !bytes.Contains(html, []byte("capture cut short at byte offset 6409")) {
		t.Error("the report does not show the warning")
	}
}

func TestReproducibleWithSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	in := abs(t, "testdata/http_espn_browsing.pcapng")
	for _, out := range []string{"a.html", "b.html"} {
		if _, stderr, err := runCLI(t, dir, nil, "report", in, "-o", out); err != nil {
			t.Fatal(err, stderr)
		}
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a.html"))
	b, _ := os.ReadFile(filepath.Join(dir, "b.html"))
	if !bytes.Equal(a, b) {
		t.Error("two runs on the same capture gave different reports")
	}
	if !bytes.Contains(a, []byte("2023-11-14 22:13:20 UTC")) {
		t.Error("the generated-at time does not follow SOURCE_DATE_EPOCH")
	}
}

// TestMainExitStatus runs the real binary: errors print one line prefixed
// with the program name, and the exit status is 1 (2 for usage errors).
func TestMainExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCommand(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pcap")
	os.WriteFile(junk, []byte("GIF89a....."), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report", junk, "-o", filepath.Join(dir, "j.html")}, 1, "pcapreport: " + junk + ": not a pcap or pcapng file (starts with 47 49 46 38)\n"},
		{[]string{"report"}, 2, "pcapreport: report needs a CAPTURE to read (or, in batch mode, several captures and folders with -o OUTDIR) (see pcapreport report --help)\n"},
	} {
		cmd := exec.Command(bin, c.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != c.code {
			t.Errorf("%v: %v, want exit status %d", c.args, err, c.code)
		}
		if stderr.String() != c.want {
			t.Errorf("%v: stderr %q, want %q", c.args, stderr.String(), c.want)
		}
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.Contains(string(out), version) {
		t.Errorf("--version: %q %v", out, err)
	}
}

// buildCommand builds the program into a temporary directory and returns
// the binary's path.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pcapreport")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestReportIsFlushedBeforeRename traces the real binary's system calls:
// the report's temporary file is flushed to disk (fsync) before it is
// renamed to the report's name, and the directory after, so that a crash
// just after the run cannot leave the name on an empty file.
func TestReportIsFlushedBeforeRename(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("strace is Linux's")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("no strace (Debian package strace)")
	}
	bin := buildCommand(t)
	// strace names a file descriptor by its resolved path (-y), and a
	// call's arguments as given: give them without links, so they match.
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.html")
	log := filepath.Join(t.TempDir(), "strace.log")
	cmd := exec.Command(strace, "-f", "-y", "-o", log, "-e", "signal=none", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
		bin, "report", abs(t, "testdata/http_espn_browsing.pcapng"), "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("strace %v: %v\n%s", cmd.Args, err, b)
	}
	trace, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	// Calls read "PID fsync(5</dir/.out.html.pcapreport-9-123.tmp>) = 0" and
	// "PID renameat(AT_FDCWD</...>, "/dir/.out.html.pcapreport-9-123.tmp", AT_FDCWD</...>, "/dir/out.html") = 0",
	// the result sometimes padded with spaces before the "=".
	var tmp string
	syncedTmp, renamed, syncedDir := -1, -1, -1
	lines := joinResumed(strings.Split(string(trace), "\n"))
	succeeded := func(l, arg string) bool {
		return strings.Contains(l, arg) && strings.HasSuffix(strings.TrimSpace(l), "= 0")
	}
	for i, l := range lines {
		if strings.Contains(l, "rename") && succeeded(l, fmt.Sprintf("%q)", out)) {
			renamed = i
			if f := strings.Split(l, `"`); len(f) > 1 {
				tmp = f[1]
			}
		}
	}
	if renamed < 0 || !strings.HasPrefix(filepath.Base(tmp), ".out.html.") {
		t.Fatalf("no rename of a temporary file to %s in the trace:\n%s", out, trace)
	}
	for i, l := range lines {
		switch {
		case strings.Contains(l, "sync(") && succeeded(l, "<"+tmp+">)") && i < renamed:
			syncedTmp = i
		case strings.Contains(l, "sync(") && succeeded(l, "<"+dir+">)") && i > renamed:
			syncedDir = i
		}
	}
	if syncedTmp < 0 {
		t.Errorf("%s was not flushed before the rename:\n%s", tmp, trace)
	}
	if syncedDir < 0 {
		t.Errorf("%s was not flushed after the rename:\n%s", dir, trace)
	}
}

// joinResumed joins the calls that strace -f splits when another thread's
// output comes in between ("PID fsync(5</d> <unfinished ...>", later
// "PID <... fsync resumed>) = 0"), each at the place where the call began.
func joinResumed(lines []string) []string {
	var out []string
	pending := map[string]int{} // PID -> its unfinished call in out
	for _, l := range lines {
		pid, _, _ := strings.Cut(l, " ")
		if call, ok := strings.CutSuffix(l, " <unfinished ...>"); ok {
			pending[pid] = len(out)
			out = append(out, call)
			continue
		}
		if i, ok := pending[pid]; ok {
			if _, rest, ok := strings.Cut(l, " resumed>"); ok {
				out[i] += rest
				delete(pending, pid)
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

func TestSummaryCommand(t *testing.T) {
	stdout, _, err := runCLI(t, ".", nil, "summary", "testdata/dns_lab_ptr_nxdomain.pcapng", "--top", "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Packets   22 (22 IP, 0 other, 0 undecodable)",
		"4.2.2.1        11       1282", // the top source, with its packets and bytes
		"DNS queries (11 queries, 11 responses)",
		"NXDOMAIN names",
		"… 8 more", // 11 names, 3 shown
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary output lacks %q:\n%s", want, stdout)
		}
	}
	if _, _, err := runCLI(t, ".", nil, "summary"); err == nil {
		t.Error("summary without a capture did not fail")
	}
}

// TestKeysFlag: --keys bounds the lists; past it the JSON states the
// estimate and the report shows the bound, and the totals stay exact.
func TestKeysFlag(t *testing.T) {
	dir := t.TempDir()
	capture := abs(t, "testdata/http_espn_browsing.pcapng")
	stdout, stderr, err := runCLI(t, dir, nil, "report", capture, "-o", "out.html", "--json", "-", "--keys", "5")
	if err != nil {
		t.Fatalf("run: %v (stderr %q)", err, stderr)
	}
	var s, exact analyze.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	stdout, _, err = runCLI(t, dir, nil, "report", capture, "-o", "exact.html", "--json", "-")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(stdout), &exact); err != nil {
		t.Fatal(err)
	}
	if len(exact.Estimates) != 0 || len(exact.Sources) <= 5 {
		t.Fatalf("default run: %d estimates, %d sources", len(exact.Estimates), len(exact.Sources))
	}
	if len(s.Sources) != 5 || len(s.Estimates) == 0 || s.Estimates[0].List != "sources" || s.Estimates[0].Tracked != 5 {
		t.Fatalf("--keys 5: %d sources, estimates %+v", len(s.Sources), s.Estimates)
	}
	if s.Capture.IPPackets != exact.Capture.IPPackets || s.Capture.IPBytes != exact.Capture.IPBytes {
		t.Errorf("totals changed with --keys: %+v vs %+v", s.Capture, exact.Capture)
	}
	// The heaviest source is the same, its count within its error.
	top, truth := s.Sources[0], exact.Sources[0]
	if top.IP != truth.IP || top.Packets > truth.Packets || top.Packets+top.PacketsError < truth.Packets {
		t.Errorf("top source %+v, exactly %+v", top, truth)
	}
	html, err := os.ReadFile(filepath.Join(dir, "out.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("heavy-hitter (Space-Saving) estimate")) || !bytes.Contains(html, []byte("May miss (packets)")) {
		t.Error("the report does not show the estimate")
	}
	// The terminal summary marks an estimated count with what it may miss.
	sum, _, err := runCLI(t, dir, nil, "summary", capture, "--keys", "5", "--top", "5")
	if err != nil {
		t.Fatal(err)
	}
	marked := false
	for _, e := range s.Sources {
		if e.PacketsError > 0 {
			marked = marked || strings.Contains(sum, fmt.Sprintf("%d (+%d)", e.Packets, e.PacketsError))
		}
	}
	if !marked {
		t.Errorf("summary --keys 5 shows no estimated count as \"N (+E)\":\n%s", sum)
	}
	if _, stderr, err := runCLI(t, dir, nil, "report", capture, "--keys", "0"); err == nil || !strings.Contains(stderr+err.Error(), "--keys must be positive") {
		t.Errorf("--keys 0: err %v, stderr %q", err, stderr)
	}
}
