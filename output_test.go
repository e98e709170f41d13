package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
)

// The capture most output tests write: 22 packets (capinfos -c), read
// whole by the program.
const outputCapture = "testdata/dns_lab_ptr_nxdomain.pcapng"

// checkJSONOf checks that b is the JSON of outputCapture: its packets as
// capinfos counts them, and its SHA-256 as computed here.
func checkJSONOf(t *testing.T, what string, b []byte) {
	t.Helper()
	var s analyze.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s is not the JSON: %v (%d bytes)", what, err, len(b))
	}
	raw, err := os.ReadFile(outputCapture)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if s.Capture.Packets != 22 || s.Capture.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("%s: %d packets, SHA-256 %s; want 22 and %x", what, s.Capture.Packets, s.Capture.SHA256, sum)
	}
}

// isReportOf reports whether b is an HTML report of outputCapture.
func isReportOf(b []byte) bool {
	raw, _ := os.ReadFile(outputCapture)
	sum := sha256.Sum256(raw)
	return bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) && bytes.Contains(b, []byte(hex.EncodeToString(sum[:])))
}

// entriesOf lists the names in dir.
func entriesOf(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestOutputToFIFOAndDevices: a FIFO and a character device named as an
// output are written to, never replaced by a regular file.
func TestOutputToFIFOAndDevices(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo) // blocks until the program opens it, reads until it closes it
		got <- b
	}()
	if _, stderr, err := runCLI(t, dir, nil, "report", abs(t, outputCapture), "-o", "r.html", "--json", fifo); err != nil {
		t.Fatalf("--json FIFO: %v %s", err, stderr)
	}
	checkJSONOf(t, "what the FIFO carried", <-got)
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st.Mode(), err)
	}

	// /dev/null, for both outputs: a character device can take two writes.
	if _, stderr, err := runCLI(t, dir, nil, "report", abs(t, outputCapture), "-o", "/dev/null", "--json", "/dev/null"); err != nil {
		t.Fatalf("-o /dev/null --json /dev/null: %v %s", err, stderr)
	}
	if st, err := os.Lstat("/dev/null"); err != nil || st.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a character device: %v %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob("/dev/.null" + tempMarker + "*"); len(left) > 0 {
		t.Errorf("temporary files left in /dev: %v", left)
	}
	if names := entriesOf(t, dir); len(names) != 2 { // pipe and r.html
		t.Errorf("%s holds %v, want pipe and r.html", dir, names)
	}
}

// TestOutputToStandardOutput: -o /dev/stdout writes the report to standard
// output, whether it is a pipe or a regular file (written through the open
// descriptor, so a shell's "> file" gets it).
func TestOutputToStandardOutput(t *testing.T) {
	if _, err := os.Stat("/dev/stdout"); err != nil {
		t.Skip("no /dev/stdout here")
	}
	dir := t.TempDir()
	cmd := program(t, dir, "report", abs(t, outputCapture), "-o", "/dev/stdout", "--json", "j.json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if code := exitStatus(t, cmd); code != 0 || !isReportOf(stdout.Bytes()) {
		t.Fatalf("-o /dev/stdout into a pipe: exit %d, %d bytes on stdout, stderr %q", code, stdout.Len(), stderr.String())
	}
	f, err := os.Create(filepath.Join(dir, "redirected.html"))
	if err != nil {
		t.Fatal(err)
	}
	cmd = program(t, dir, "report", abs(t, outputCapture), "-o", "/dev/stdout")
	cmd.Stdout, cmd.Stderr = f, &stderr
	code := exitStatus(t, cmd)
	f.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "redirected.html"))
	if code != 0 || !isReportOf(b) {
		t.Errorf("-o /dev/stdout > redirected.html: exit %d, %d bytes in the file, stderr %q", code, len(b), stderr.String())
	}
	j, _ := os.ReadFile(filepath.Join(dir, "j.json"))
	checkJSONOf(t, "j.json", j)
	if names := entriesOf(t, dir); len(names) != 2 {
		t.Errorf("%s holds %v, want j.json and redirected.html", dir, names)
	}
}

// TestOutputThroughSymlinks: a symbolic link to a file is written through
// (the file it names is replaced, the link stays); a link to nothing is
// refused and left as it was.
func TestOutputThroughSymlinks(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub/target.html"), []byte("old report"), 0o644)
	if err := os.Symlink("sub/target.html", filepath.Join(dir, "link.html")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.Symlink("sub/missing.json", filepath.Join(dir, "dangling.json"))
	if _, stderr, err := runCLI(t, dir, nil, "report", abs(t, outputCapture), "-o", "link.html"); err != nil {
		t.Fatalf("-o link: %v %s", err, stderr)
	}
	if target, err := os.Readlink(filepath.Join(dir, "link.html")); err != nil || target != "sub/target.html" {
		t.Errorf("the link was replaced: %q %v", target, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub/target.html")); !isReportOf(b) {
		t.Errorf("the link's target does not hold the report: %.40q", b)
	}
	if names := entriesOf(t, filepath.Join(dir, "sub")); len(names) != 1 {
		t.Errorf("sub holds %v, want target.html alone", names)
	}

	_, _, err := runCLI(t, dir, nil, "report", abs(t, outputCapture), "-o", "r.html", "--json", "dangling.json")
	if err == nil || !strings.Contains(err.Error(), "dangling.json: a symbolic link to a file that does not exist; not replaced") {
		t.Errorf("--json dangling link: %v", err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "dangling.json")); err != nil || target != "sub/missing.json" {
		t.Errorf("the dangling link was replaced: %q %v", target, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.html")); err == nil {
		t.Error("the report was written although its JSON was refused")
	}
}

// countingReader fails the test if the program reads the capture: the
// mistakes below are found before the analysis.
type countingReader struct {
	t *testing.T
	r io.Reader
	n int
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += n
	return n, err
}

// TestOutputRefusals: outputs that would overwrite the capture on standard
// input or each other, a folder named as the report, and a missing folder
// are refused, before the capture is read, and nothing is changed.
func TestOutputRefusals(t *testing.T) {
	dir := t.TempDir()
	capture := filepath.Join(dir, "cap.pcap")
	copyFile(t, outputCapture, capture, 0o644)
	orig, _ := os.ReadFile(capture)
	os.Symlink("cap.pcap", filepath.Join(dir, "cap-link.pcap"))
	os.WriteFile(filepath.Join(dir, "r.out"), []byte("keep"), 0o644)
	os.Link(filepath.Join(dir, "r.out"), filepath.Join(dir, "r-hardlink.out"))
	os.Mkdir(filepath.Join(dir, "existing_dir"), 0o755)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)

	// Standard input is the output: compared by device and inode.
	for _, out := range []string{"cap.pcap", "cap-link.pcap"} {
		stdin, _ := os.Open(capture)
		var so, se bytes.Buffer
		wd, _ := os.Getwd()
		os.Chdir(dir)
		err := run([]string{"pcapreport", "report", "-", "-o", out}, stdin, &so, &se)
		os.Chdir(wd)
		stdin.Close()
		if err == nil || !strings.Contains(err.Error(), out+": is standard input, the capture being read; refusing to overwrite it") {
			t.Errorf("report - -o %s < cap.pcap: %v", out, err)
		}
	}
	if now, _ := os.ReadFile(capture); !bytes.Equal(now, orig) {
		t.Fatal("the capture on standard input was overwritten")
	}

	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"-o", "r.out", "--json", "r.out"}, "-o r.out and --json r.out name the same file", true},
		{[]string{"-o", "r.out", "--json", "r-hardlink.out"}, "name the same file", true},
		{[]string{"-o", "new.out", "--json", "sub/../new.out"}, "name the same file", true},
		{[]string{"-o", "new.out", "--json", abs(t, dir) + "/new.out"}, "name the same file", true},
		{[]string{"-o", "existing_dir"}, "existing_dir: is a folder, not a file", false},
		{[]string{"-o", "missing/r.html"}, "missing/r.html: the folder missing does not exist", false},
		{[]string{"-o", "r.html", "--json", "nope/deeper/r.json"}, "nope/deeper/r.json: the folder nope/deeper does not exist", false},
	} {
		stdin := &countingReader{t: t, r: bytes.NewReader(orig)}
		var so, se bytes.Buffer
		wd, _ := os.Getwd()
		os.Chdir(dir)
		err := run(append([]string{"pcapreport", "report", "-"}, c.args...), stdin, &so, &se)
		os.Chdir(wd)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
			continue
		}
		if _, isUsage := err.(usageError); isUsage != c.usage {
			t.Errorf("%v: usage error %v, want %v", c.args, isUsage, c.usage)
		}
		if stdin.n > 0 {
			t.Errorf("%v: the capture was read (%d bytes) before the mistake was found", c.args, stdin.n)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "r.out")); string(b) != "keep" {
		t.Errorf("r.out was overwritten: %.40q", b)
	}
	want := []string{"cap-link.pcap", "cap.pcap", "existing_dir", "r-hardlink.out", "r.out", "sub"}
	if names := entriesOf(t, dir); strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("the folder holds %v, want %v", names, want)
	}
}

// mountTmpfs mounts a tmpfs with options on a new folder and returns it,
// or skips the test where mounting is not allowed (not root, or a
// container without CAP_SYS_ADMIN).
func mountTmpfs(t *testing.T, options string) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// TestOutputFolderNotWritable: a folder the report cannot be written in is
// reported before the capture is read, naming the folder. Root ignores
// permission bits, so as root the folder is a read-only mount; as another
// user, a folder without write permission.
func TestOutputFolderNotWritable(t *testing.T) {
	raw, err := os.ReadFile(outputCapture)
	if err != nil {
		t.Fatal(err)
	}
	var folder, reason string
	if os.Geteuid() == 0 {
		folder, reason = mountTmpfs(t, "ro,size=64k"), "read-only file system"
	} else {
		folder, reason = filepath.Join(t.TempDir(), "locked"), "permission denied"
		os.Mkdir(folder, 0o555)
		t.Cleanup(func() { os.Chmod(folder, 0o755) })
	}
	for _, args := range [][]string{
		{"-o", filepath.Join(folder, "r.html")},
		{"-o", filepath.Join(t.TempDir(), "r.html"), "--json", filepath.Join(folder, "r.json")},
	} {
		stdin := &countingReader{t: t, r: bytes.NewReader(raw)}
		var so, se bytes.Buffer
		err := run(append([]string{"pcapreport", "report", "-"}, args...), stdin, &so, &se)
		want := "cannot write in the folder " + folder + ": " + reason
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", args, err, want)
		}
		if stdin.n > 0 {
			t.Errorf("%v: %d bytes of the capture were read before the folder was found unwritable", args, stdin.n)
		}
	}
	// Batch mode: the output folder itself, and one to be made in it.
	caps := filepath.Join(t.TempDir(), "caps")
	batchCopy(t, outputCapture, filepath.Join(caps, "a.pcapng"), false)
	for _, c := range []struct{ out, want string }{
		{folder, filepath.Join(folder, indexName) + ": cannot write in the folder " + folder + ": " + reason},
		{filepath.Join(folder, "out"), filepath.Join(folder, "out") + ": " + reason},
	} {
		_, stderr, err := runCLI(t, t.TempDir(), nil, "report", caps, "-o", c.out)
		if err == nil || err.Error() != c.want || stderr != "" {
			t.Errorf("batch -o %s: %v, stderr %q; want %q alone", c.out, err, stderr, c.want)
		}
	}
}

// startBlocked starts the program on a capture given on standard input
// whose end never comes, and returns when its two temporary files (report
// and JSON, created before the analysis) exist.
func startBlocked(t *testing.T, dir string) (*exec.Cmd, io.WriteCloser, *bytes.Buffer) {
	t.Helper()
	raw, err := os.ReadFile(outputCapture)
	if err != nil {
		t.Fatal(err)
	}
	cmd := program(t, dir, "report", "-", "-o", "r.html", "--json", "r.json")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write(raw[:len(raw)/2]); err != nil {
		t.Fatal(err)
	}
	// Not a time limit on the program: a guard against a hung test.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		tmps, _ := filepath.Glob(filepath.Join(dir, ".r.*"+tempMarker+"*.tmp"))
		if len(tmps) == 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no temporary files after 2 minutes: %v; stderr %q", tmps, stderr.String())
		}
	}
	return cmd, stdin, &stderr
}

// TestSignalsRemoveTemporaryFiles: SIGINT and SIGTERM end a run with
// status 130 and 143 and leave nothing behind.
func TestSignalsRemoveTemporaryFiles(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		dir := t.TempDir()
		cmd, stdin, stderr := startBlocked(t, dir)
		if err := cmd.Process.Signal(c.sig); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		stdin.Close()
		if code := cmd.ProcessState.ExitCode(); code != c.code {
			t.Errorf("%v: exit status %d, want %d", c.sig, code, c.code)
		}
		name := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[c.sig]
		if stderr.String() != "pcapreport: stopped by "+name+"; its temporary files are removed, no output is half-written\n" {
			t.Errorf("%v: stderr %q", c.sig, stderr.String())
		}
		if names := entriesOf(t, dir); len(names) != 0 {
			t.Errorf("%v left %v", c.sig, names)
		}
	}
}

// TestStaleTemporaryFilesRemoved: a run killed with SIGKILL leaves its
// temporary files; the next run writing in that folder removes them, and
// those of a run still going are kept. --skip-existing removes them too.
func TestStaleTemporaryFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin, _ := startBlocked(t, dir)
	cmd.Process.Kill()
	cmd.Wait()
	stdin.Close()
	killed, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(killed) != 2 {
		t.Fatalf("SIGKILL left %v, want the two temporary files", killed)
	}
	self := os.Getpid() // alive, and started before these files were written
	live := filepath.Join(dir, fmt.Sprintf(".r.html%s%d-1.tmp", tempMarker, self))
	reused := filepath.Join(dir, fmt.Sprintf(".r.html%s%d-2.tmp", tempMarker, self))
	other := filepath.Join(dir, ".notes.tmp")
	for _, p := range []string{live, reused, other} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	// Written long before this process started: its id was reused.
	old := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	os.Chtimes(reused, old, old)
	if code := exitStatus(t, program(t, dir, "report", abs(t, outputCapture), "-o", "r.html")); code != 0 {
		t.Fatalf("the next run: exit %d", code)
	}
	for _, p := range append(killed, reused) {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale %s was not removed", filepath.Base(p))
		}
	}
	for _, p := range []string{live, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s, not stale, was removed", filepath.Base(p))
		}
	}

	// With --skip-existing the reports are reused, and stale files go all the same.
	batchCopy(t, outputCapture, filepath.Join(dir, "caps/a.pcapng"), false)
	if _, stderr, err := runCLI(t, dir, nil, "report", "caps", "-o", "out"); err != nil {
		t.Fatal(err, stderr)
	}
	deadPid := cmd.Process.Pid
	stale := filepath.Join(dir, "out", fmt.Sprintf(".a.pcapng.html%s%d-7.tmp", tempMarker, deadPid))
	os.WriteFile(stale, []byte("x"), 0o644)
	before, _ := os.Stat(filepath.Join(dir, "out/a.pcapng.html"))
	if _, stderr, err := runCLI(t, dir, nil, "report", "caps", "-o", "out", "--skip-existing"); err != nil {
		t.Fatal(err, stderr)
	}
	if after, _ := os.Stat(filepath.Join(dir, "out/a.pcapng.html")); !after.ModTime().Equal(before.ModTime()) {
		t.Error("--skip-existing did not reuse the report")
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Error("--skip-existing left the stale temporary file")
	}
}

// TestReportAndJSONRenamedTogether traces the renames: the JSON is renamed
// into place first, then the report, both of one run (same capture
// SHA-256), as the README says.
func TestReportAndJSONRenamedTogether(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("no strace (Debian package strace)")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "strace.log")
	inner := program(t, dir, "report", abs(t, outputCapture), "-o", "r.html", "--json", "r.json")
	cmd := exec.Command(strace, append([]string{"-f", "-o", log, "-e", "signal=none", "-e", "trace=rename,renameat,renameat2"}, inner.Args...)...)
	cmd.Dir, cmd.Env = dir, inner.Env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	trace, _ := os.ReadFile(log)
	var order []string
	for _, l := range joinResumed(strings.Split(string(trace), "\n")) {
		if !strings.HasSuffix(strings.TrimSpace(l), "= 0") {
			continue
		}
		for _, name := range []string{`"r.json")`, `"r.html")`} {
			if strings.Contains(l, name) {
				order = append(order, name)
			}
		}
	}
	if strings.Join(order, " ") != `"r.json") "r.html")` {
		t.Errorf("renames %v, want r.json then r.html:\n%s", order, trace)
	}
	j, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	checkJSONOf(t, "r.json", j)
	if h, _ := os.ReadFile(filepath.Join(dir, "r.html")); !isReportOf(h) {
		t.Error("r.html is not the report of the same capture")
	}
}

// TestPairWaitsForFolderLock: a run renames its JSON and report only while
// it holds the folder's flock, so two runs writing the same names cannot
// interleave their renames. The test holds the lock, sees the program wait
// for it (the kernel's wait channel of one of its threads) with neither
// file renamed yet, and lets it go.
func TestPairWaitsForFolderLock(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc here")
	}
	dir := t.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		t.Skip("no flock here:", err)
	}
	cmd := program(t, dir, "report", abs(t, outputCapture), "-o", "r.html", "--json", "r.json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// waiting: one of the program's threads waits on a lock. visible: a
	// thread showed a wait channel at all (a running thread shows "0",
	// and so do all where the kernel hides them).
	waiting := func() (waiting, visible bool) {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", cmd.Process.Pid))
		for _, p := range tasks {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), "lock") {
				return true, true
			}
			visible = visible || (len(b) > 0 && string(b) != "0")
		}
		return false, visible
	}
	seen, visible := false, false
	// Not a time limit on the program: a guard against a hung test.
	for polls, deadline := 0, time.Now().Add(2*time.Minute); !seen && time.Now().Before(deadline); polls++ {
		for _, name := range []string{"r.html", "r.json"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Fatalf("%s was renamed into place while the folder was locked", name)
			}
		}
		w, v := waiting()
		seen, visible = w, visible || v
		if !visible && polls > 1000 {
			break // wait channels hidden by this kernel
		}
		time.Sleep(10 * time.Millisecond)
	}
	if seen {
		names := entriesOf(t, dir)
		if len(names) != 2 || !strings.HasPrefix(names[0], ".r.") || !strings.HasPrefix(names[1], ".r.") {
			t.Errorf("while the folder is locked, it holds %v; want only the two temporary files", names)
		}
	}
	syscall.Flock(int(d.Fd()), syscall.LOCK_UN)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if !seen {
		t.Skip("could not see the program wait for the lock (wait channels not shown)")
	}
	if names := entriesOf(t, dir); strings.Join(names, " ") != "r.html r.json" {
		t.Errorf("after the lock: %v", names)
	}
}
