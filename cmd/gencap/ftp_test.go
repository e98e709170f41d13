package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestFTPModeDeterministic: -mode ftp gives the same bytes for the same
// seed, other bytes for another, and a capture read without an error.
func TestFTPModeDeterministic(t *testing.T) {
	a, err := os.ReadFile(generate(t, "-mode", "ftp"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(generate(t, "-mode", "ftp"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(generate(t, "-mode", "ftp", "-seed", "2"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Errorf("same seed equal: %v, other seed equal: %v", bytes.Equal(a, b), bytes.Equal(a, c))
	}
	s, err := analyze.Read("ftp.pcap", bytes.NewReader(a), analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Capture.DecodeErrors != 0 || s.Capture.Packets != 240 {
		t.Errorf("%d packets, %d decode errors", s.Capture.Packets, s.Capture.DecodeErrors)
	}
}
