package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runMainIn runs the program as main does (error printed, exit status
// returned) in dir, with buffers for its streams.
func runMainIn(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code = runMain(append([]string{"pcapreport"}, args...), bytes.NewReader(nil), &out, &errb)
	return code, out.String(), errb.String()
}

// TestCommandLineMistakes: every mistake exits 2 with one line that says
// what is wrong and points to the help; help itself exits 0.
func TestCommandLineMistakes(t *testing.T) {
	dir := t.TempDir()
	capture := abs(t, outputCapture)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `"bogus" is not a command: the commands are report, summary and merge (see pcapreport --help)`},
		{[]string{"help", "bogus"}, `"bogus" is not a command: the commands are report, summary and merge (see pcapreport --help)`},
		{[]string{"--frobnicate"}, "unknown flag --frobnicate (see pcapreport --help)"},
		{[]string{"report", capture, "--frobnicate"}, "unknown flag --frobnicate (see pcapreport report --help)"},
		{[]string{"report", capture, "-x"}, "unknown flag -x (see pcapreport report --help)"},
		{[]string{"report", capture, "--interval", "10"}, `--interval "10": a duration needs a unit, e.g. 10s or 10ms (see pcapreport report --help)`},
		{[]string{"summary", capture, "--interval", "fast"}, `--interval "fast": not a duration (e.g. 2s, 500ms, 1m) (see pcapreport summary --help)`},
		{[]string{"report", capture, "--interval", "0s"}, "--interval must be positive (see pcapreport report --help)"},
		{[]string{"summary", capture, "--top", "ten"}, `--top "ten": not a whole number (see pcapreport summary --help)`},
		{[]string{"report", capture, "-o"}, "-o needs a value (see pcapreport report --help)"},
		{[]string{"report"}, "report needs a CAPTURE to read (or, in batch mode, several captures and folders with -o OUTDIR) (see pcapreport report --help)"},
		{[]string{"report", capture, capture}, "several inputs need -o OUTDIR, the folder for their reports (a single capture needs no -o) (see pcapreport report --help)"},
		{[]string{"summary"}, "summary takes exactly one CAPTURE argument (see pcapreport summary --help)"},
	} {
		code, _, stderr := runMainIn(t, dir, c.args...)
		if want := "pcapreport: " + c.want + "\n"; code != 2 || stderr != want {
			t.Errorf("%q: exit %d, stderr %q; want 2, %q", c.args, code, stderr, want)
		}
	}
	for _, args := range [][]string{{"help"}, {}, {"--help"}, {"help", "report"}, {"report", "--help"}} {
		code, stdout, stderr := runMainIn(t, dir, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "USAGE:") {
			t.Errorf("%q: exit %d, stderr %q, stdout %.60q", args, code, stderr, stdout)
		}
	}
	if names := entriesOf(t, dir); len(names) != 0 {
		t.Errorf("mistakes wrote %v", names)
	}
}

// checkSafeLines fails unless stderr is whole lines, each starting with
// "pcapreport: ", with no control character but the line ends.
func checkSafeLines(t *testing.T, stderr string, lines int) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if !strings.HasSuffix(stderr, "\n") || len(got) != lines {
		t.Errorf("stderr is %d lines, want %d:\n%q", len(got), lines, stderr)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "pcapreport: ") {
			t.Errorf("line %q does not start with the program's name", l)
		}
		for _, r := range l {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Errorf("line %q holds control character %U", l, r)
			}
		}
	}
}

// TestStderrEscapesFileNames: a file name with an escape sequence, a bell
// and a newline reaches standard error escaped, as the summary command
// shows capture strings, and cannot forge a line.
func TestStderrEscapesFileNames(t *testing.T) {
	dir := t.TempDir()
	evil := "evil\x1b]0;owned\x07\npcapreport: forged.pcap"
	escaped := `evil\x1b]0;owned\x07\x0apcapreport: forged.pcap`
	copyFile(t, "testdata/cut_short_vlan_qinqinq_http.pcap", filepath.Join(dir, evil), 0o644)

	code, _, stderr := runMainIn(t, dir, "report", evil, "-o", "r.html")
	if code != 0 {
		t.Fatalf("exit %d: %q", code, stderr)
	}
	checkSafeLines(t, stderr, 1)
	if !strings.HasPrefix(stderr, "pcapreport: "+escaped+": warning: capture cut short at byte offset 6409") {
		t.Errorf("warning %q", stderr)
	}
	code, _, stderr = runMainIn(t, dir, "report", "missing\x1b[2J\r.pcap")
	checkSafeLines(t, stderr, 1)
	if code != 1 || stderr != "pcapreport: missing\\x1b[2J\\x0d.pcap: no such file or directory\n" {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}

	// Batch mode: a warning, a failure, a skipped file and the last line.
	caps := filepath.Join(dir, "caps\a")
	copyFile(t, "testdata/cut_short_vlan_qinqinq_http.pcap", filepath.Join(caps, "cut\x1b[31m.pcap"), 0o644)
	os.WriteFile(filepath.Join(caps, "bad\nname.pcap"), []byte("text"), 0o644)
	os.WriteFile(filepath.Join(caps, "notes\x07.txt"), []byte("text"), 0o644)
	code, _, stderr = runMainIn(t, dir, "report", "caps\a", "-o", "out")
	if code != 1 {
		t.Errorf("batch: exit %d", code)
	}
	checkSafeLines(t, stderr, 4)
	for _, want := range []string{
		`pcapreport: caps\x07/notes\x07.txt: skipped: `,
		`pcapreport: caps\x07/cut\x1b[31m.pcap: warning: capture cut short`,
		`pcapreport: caps\x07/bad\x0aname.pcap: not a pcap or pcapng file`,
		`pcapreport: 1 of 2 captures failed (listed above and in out/index.html)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("batch stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestOnePacketIsSingular: "1 packet had decode errors", not "1 packets".
// tshark shows the capture's one packet as "Bogus IP header length".
func TestOnePacketIsSingular(t *testing.T) {
	dir := t.TempDir()
	capture := abs(t, "testdata/malformed/ipv4_invalid_hdr_length.pcap")
	code, _, stderr := runMainIn(t, dir, "report", capture, "-o", "r.html")
	if want := "pcapreport: " + capture + ": 1 packet had decode errors (see the report's last section)\n"; code != 0 || stderr != want {
		t.Errorf("exit %d, stderr %q; want 0, %q", code, stderr, want)
	}
	copyFile(t, capture, filepath.Join(dir, "caps/m.pcap"), 0o644)
	code, _, stderr = runMainIn(t, dir, "report", "caps", "-o", "out")
	if want := "pcapreport: caps/m.pcap: 1 packet had decode errors (see the report's last section)\n"; code != 0 || stderr != want {
		t.Errorf("batch: exit %d, stderr %q; want 0, %q", code, stderr, want)
	}
}

// TestOutputIsAFolder: -o naming an existing folder says so, in one line,
// rather than showing a failed rename.
func TestOutputIsAFolder(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "existing_dir"), 0o755)
	code, _, stderr := runMainIn(t, dir, "report", abs(t, outputCapture), "-o", "existing_dir")
	want := "pcapreport: existing_dir: is a folder, not a file (to write a report of every capture into a folder, give several captures or a folder as input)\n"
	if code != 1 || stderr != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
	if names := entriesOf(t, filepath.Join(dir, "existing_dir")); len(names) != 0 {
		t.Errorf("existing_dir holds %v", names)
	}
}
