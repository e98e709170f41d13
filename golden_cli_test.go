package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/summary/*.txt and testdata/golden/stderr/*.txt")

// cliGoldenCaptures are the testdata captures, malformed ones included, as
// paths from the repository root.
func cliGoldenCaptures(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"testdata/*.pcap", "testdata/*.pcapng", "testdata/malformed/*"} {
		m, _ := filepath.Glob(pattern)
		out = append(out, m...)
	}
	if len(out) < 20 {
		t.Fatalf("only %d captures in testdata", len(out))
	}
	return out
}

// checkGolden compares got with the golden file dir/name, or writes it
// with -update; stale files in dir (not in names) fail the test.
func checkGolden(t *testing.T, dir string, got map[string][]byte) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range got {
		file := filepath.Join(dir, name)
		if *updateGolden {
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		exp, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%v (run: go test . -run TestGolden -update)", err)
			continue
		}
		if !bytes.Equal(b, exp) {
			t.Errorf("%s differs (- golden, + now); if intended run: go test . -run TestGolden -update\n- %s\n+ %s",
				file, strings.ReplaceAll(string(exp), "\n", "\n- "), strings.ReplaceAll(string(b), "\n", "\n+ "))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	for _, f := range files {
		if _, ok := got[filepath.Base(f)]; !ok {
			if *updateGolden {
				os.Remove(f)
			} else {
				t.Errorf("%s has no capture in testdata: remove it (-update does)", f)
			}
		}
	}
}

// goldenName is a capture's golden file name: its path below testdata
// with / as _, plus .txt.
func goldenTxt(p string) string {
	return strings.ReplaceAll(strings.TrimPrefix(filepath.ToSlash(p), "testdata/"), "/", "_") + ".txt"
}

// TestGoldenSummary compares pcapreport summary's output for every
// testdata capture (stdout, then stderr and the exit status) with its
// golden file.
func TestGoldenSummary(t *testing.T) {
	got := map[string][]byte{}
	for _, p := range cliGoldenCaptures(t) {
		stdout, stderr, err := runCLI(t, ".", nil, "summary", p)
		var b bytes.Buffer
		b.WriteString(stdout)
		b.WriteString("-- stderr --\n" + stderr)
		if err != nil {
			b.WriteString("pcapreport: " + err.Error() + "\n")
		}
		b.WriteString("-- exit status --\n")
		b.WriteString(string(rune('0' + statusOf(err))))
		b.WriteString("\n")
		got[goldenTxt(p)] = b.Bytes()
	}
	checkGolden(t, "testdata/golden/summary", got)
}

// TestGoldenStderr compares what pcapreport report prints on standard
// error, and its exit status, for every testdata capture with its golden
// file: every warning and error line a user sees.
func TestGoldenStderr(t *testing.T) {
	dir := t.TempDir()
	got := map[string][]byte{}
	for _, p := range cliGoldenCaptures(t) {
		_, stderr, err := runCLI(t, ".", nil, "report", p, "-o", filepath.Join(dir, "r.html"))
		if err != nil {
			stderr += "pcapreport: " + err.Error() + "\n"
		}
		stderr = strings.ReplaceAll(stderr, dir, "OUT")
		got[goldenTxt(p)] = []byte(stderr + "-- exit status --\n" + string(rune('0'+statusOf(err))) + "\n")
	}
	checkGolden(t, "testdata/golden/stderr", got)
}

func statusOf(err error) int {
	if err == nil {
		return 0
	}
	return exitCode(err)
}
