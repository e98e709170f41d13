package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// memoryBound is the peak resident set size that no input may push the
// program past with the default flags (the hostile-capture issue's target).
const memoryBound = 256 << 20

// childArgsEnv carries the arguments of a measured run to the child.
const childArgsEnv = "PCAPREPORT_TEST_CHILD_ARGS"

// measured is what a measured run of the program did.
type measured struct {
	peakRSS  int64 // bytes, as the kernel counted it (rusage ru_maxrss)
	exitCode int
	stderr   string
}

// peakFileEnv names the file where the child writes its own peak RSS.
const peakFileEnv = "PCAPREPORT_TEST_PEAK_FILE"

// runMeasured runs the whole program (run, as main calls it) in a child
// process, this test binary started again, with args after the program
// name and stdin as its standard input, and returns its peak RSS. A child
// is the only honest measure: the kernel counts every page the process
// touched, heap, stacks, decompressors' windows and buffers alike, and no
// earlier test's garbage is counted with it.
//
// The child reports its own high-water mark (VmHWM in /proc/self/status)
// just before it exits. The rusage of a child is no good alone: Go starts
// it with vfork, so until exec it shares the parent's memory, and Linux
// carries that peak into the child's ru_maxrss. The rusage figure is the
// fallback when the child died before it could report.
func runMeasured(t *testing.T, stdin io.Reader, args ...string) measured {
	t.Helper()
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	peakFile := filepath.Join(t.TempDir(), "peak")
	cmd := exec.Command(os.Args[0], "-test.run=^TestMeasuredChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(enc), peakFileEnv+"="+peakFile)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", args, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no rusage on this system")
	}
	m := measured{
		peakRSS:  ru.Maxrss << 10, // Linux reports kilobytes
		exitCode: cmd.ProcessState.ExitCode(),
		stderr:   stderr.String(),
	}
	if b, err := os.ReadFile(peakFile); err == nil {
		if kb, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && kb > 0 {
			m.peakRSS = kb << 10
		}
	}
	return m
}

// reportWithin runs `report capture -o DIR/r.html --json DIR/r.json` with
// runMeasured, fails the test unless it exits 0 within bound bytes of
// peak RSS, and returns the JSON and the Summary it holds.
func reportWithin(t *testing.T, capture string, bound int64) ([]byte, analyze.Summary) {
	t.Helper()
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "r.json")
	m := runMeasured(t, nil, "report", capture, "-o", filepath.Join(dir, "r.html"), "--json", jsonPath)
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > bound {
		t.Errorf("peak RSS %d MiB, over %d MiB", m.peakRSS>>20, bound>>20)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var s analyze.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return b, s
}

// reportPeak writes this process's peak RSS in kilobytes (VmHWM) to the
// file peakFileEnv names, if any.
func reportPeak() {
	file := os.Getenv(peakFileEnv)
	if file == "" {
		return
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			os.WriteFile(file, []byte(strings.TrimSuffix(strings.TrimSpace(v), " kB")), 0o644)
		}
	}
}

// TestMeasuredChild is the child side of runMeasured; run directly, it
// does nothing.
func TestMeasuredChild(t *testing.T) {
	enc := os.Getenv(childArgsEnv)
	if enc == "" {
		t.Skip("only runs as the child of runMeasured")
	}
	var args []string
	if err := json.Unmarshal([]byte(enc), &args); err != nil {
		os.Stderr.WriteString("bad " + childArgsEnv + ": " + err.Error() + "\n")
		os.Exit(3)
	}
	err := run(append([]string{"pcapreport"}, args...), os.Stdin, os.Stdout, os.Stderr)
	reportPeak()
	if err != nil {
		os.Stderr.WriteString("pcapreport: " + err.Error() + "\n")
		os.Exit(exitCode(err))
	}
	os.Exit(0)
}

// TestMeasuredRunOfOrdinaryCapture checks the harness on a real capture:
// the child writes the report, exits 0, and its peak RSS is a plausible
// figure (over the few MiB any Go process takes, under the bound).
func TestMeasuredRunOfOrdinaryCapture(t *testing.T) {
	dir := t.TempDir()
	out := dir + "/r.html"
	m := runMeasured(t, nil, "report", abs(t, "testdata/http_espn_browsing.pcapng"), "-o", out)
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("no report written: %v", err)
	}
	if m.peakRSS < 4<<20 || m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, want between 4 and %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
}
