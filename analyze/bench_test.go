package analyze

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"
)

// benchCaptures are real captures the benchmarks read: a mixed HTTP/DNS
// pcapng and a TLS-heavy IPv4/IPv6 pcap from the shared corpus when present.
var benchCaptures = []struct{ name, path string }{
	{"espn-pcapng", "../testdata/http_espn_browsing.pcapng"},
	{"dns-pcap", "../testdata/dns_many_queries_mdns_llmnr.pcap"},
	{"tls-pcap", "../../shared/captures/tls_browsing_sni_ipv4_ipv6.pcap"},
}

// BenchmarkAnalyze measures the decoding pass alone (no hash, no output)
// over a capture held in memory: MB/s of capture, ns and allocations per
// packet.
func BenchmarkAnalyze(b *testing.B) {
	for _, c := range benchCaptures {
		data, err := os.ReadFile(c.path)
		if err != nil {
			continue // the shared corpus is optional
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var packets int64
			for i := 0; i < b.N; i++ {
				src, err := openSource(bufio.NewReaderSize(bytes.NewReader(data), readBufferSize))
				if err != nil {
					b.Fatal(err)
				}
				a := newAnalyzer(Options{})
				a.run(src)
				packets += a.packets
			}
			b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
		})
	}
}

// BenchmarkFile measures what a user waits for: File on a capture on disk,
// with the SHA-256 computed alongside and the Summary built.
func BenchmarkFile(b *testing.B) {
	for _, c := range benchCaptures {
		st, err := os.Stat(c.path)
		if err != nil {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := File(c.path, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteJSON measures WriteJSON alone: MB/s of JSON written, for
// the Summaries of benchCaptures and, when PCAPREPORT_BENCH_CAPTURE names
// one (the generated 1 GB capture in BENCHMARKS.md), of that capture.
func BenchmarkWriteJSON(b *testing.B) {
	caps := benchCaptures
	if p := os.Getenv("PCAPREPORT_BENCH_CAPTURE"); p != "" {
		caps = append(caps[:len(caps):len(caps)], struct{ name, path string }{"bench-capture", p})
	}
	for _, c := range caps {
		s, err := File(c.path, Options{})
		if err != nil {
			continue // the shared corpus is optional
		}
		var n countingWriter
		if err := WriteJSON(&n, s); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := WriteJSON(io.Discard, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
