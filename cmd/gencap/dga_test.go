package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestDGAFlags: -mode dga rejects a burst that would not end within
// -duration and negative counts, and prints its known answer.
func TestDGAFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "d.pcap")
	for _, args := range [][]string{
		{"-mode", "dga", "-duration", "1h", "-dga-spread", "40m"},
		{"-mode", "dga", "-dga-names", "-1"},
		{"-mode", "dga", "-dga-spread", "0s"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(append(args, "-o", out), &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "-dga") {
			t.Errorf("gencap %s: error %v, want one naming the -dga flag", strings.Join(args, " "), err)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-mode", "dga", "-duration", "10m", "-dga-names", "50", "-o", out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	// 50 names, every tenth resolved: 45 NXDOMAIN; the burst starts at
	// 08:05:20 and lasts a minute, 40 s of it (34 names, 30 NXDOMAIN) in
	// the window from 08:05:00.
	want := "dga: 10.0.22.59 got 45 NXDOMAIN answers (50 generated names asked, 0 ordinary lookups); most in one minute: 30 from 2024-03-11T08:05:00Z"
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("gencap printed %q, want %q", stdout.String(), want)
	}
}
