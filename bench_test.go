package main

import (
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReport measures the whole report command on the capture named
// by PCAPREPORT_BENCH_CAPTURE (a cmd/gencap file, see BENCHMARKS.md), in
// this process: the file read once and hashed, every analysis, the
// Summary, the HTML written atomically. stage=sha256 hashes the same file
// alone, the floor the command is measured against. Both report MB/s of
// capture, e.g.
//
//	PCAPREPORT_BENCH_CAPTURE=/tmp/x.pcap go test -run '^$' -bench Report -benchtime 3x -count 5
func BenchmarkReport(b *testing.B) {
	path := os.Getenv("PCAPREPORT_BENCH_CAPTURE")
	if path == "" {
		b.Skip("PCAPREPORT_BENCH_CAPTURE is not set")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "r.html")
	b.Run("stage=report", func(b *testing.B) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := run([]string{"pcapreport", "report", path, "-o", out}, nil, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	// stage=report+json is the command BENCHMARKS.md times: the page and
	// the JSON both.
	js := filepath.Join(b.TempDir(), "r.json")
	b.Run("stage=report+json", func(b *testing.B) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := run([]string{"pcapreport", "report", path, "-o", out, "--json", js}, nil, io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stage=sha256", func(b *testing.B) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			_, err = io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, 1<<20))
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
