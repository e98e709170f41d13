package analyze

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// The benchmarks in this file read captures written by cmd/gencap. Two
// environment variables size them:
//
//	PCAPREPORT_BENCH_SIZE         capture size, as gencap's -size (default 64MB)
//	PCAPREPORT_BENCH_CARDINALITY  normal, high, or normal,high (default normal)
//	PCAPREPORT_BENCH_TRAIN        gencap's -train, e.g. 1 or 1,3 (default 1)
//
// Each capture is generated once and kept in $TMPDIR/pcapreport-bench,
// named by its flags and a hash of the generator's source, so a changed
// generator writes a new file. Delete the folder to reclaim the space.
//
// Compare stages with benchstat, e.g.
//
//	go test ./analyze -run '^$' -bench Generated -count 6 > new.txt
//	benchstat -col /stage new.txt

// generatedCapture returns the path of a gencap capture of the given size
// and cardinality, generating it when it is not cached.
func generatedCapture(b testing.TB, size, card, train string) string {
	b.Helper()
	src, err := os.ReadFile("../cmd/gencap/main.go")
	if err != nil {
		b.Skipf("generator source: %v", err)
	}
	sum := sha256.Sum256(src)
	dir := filepath.Join(os.TempDir(), "pcapreport-bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("gencap-%s-%s-seed1-%s.pcap", size, card, hex.EncodeToString(sum[:6]))
	if train != "1" {
		name = fmt.Sprintf("gencap-%s-%s-train%s-seed1-%s.pcap", size, card, train, hex.EncodeToString(sum[:6]))
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		b.Skipf("no go command to run cmd/gencap: %v", err)
	}
	tmp := path + ".tmp"
	cmd := exec.Command(goCmd, "run", "../cmd/gencap", "-size", size, "-cardinality", card, "-train", train, "-seed", "1", "-o", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	} else {
		b.Logf("%s", out)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func genBenchEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// BenchmarkGenerated measures three stages on the same generated capture,
// read from the file (the page cache after the first run):
//
//   - stage=pass: the decoding pass alone, as BenchmarkAnalyze, without the
//     hash or the Summary, on one goroutine that reads the file itself in
//     File's read size (chunkSize);
//   - stage=file: File, which hashes on a second goroutine while decoding
//     and then builds the Summary: what a user waits for;
//   - stage=sha256: hashing the file alone, the floor File cannot beat on
//     one core;
//   - stage=read and stage=records: the floor under stage=pass, what any
//     decoder built on pcapgo pays before it looks at a packet. read is
//     the file's read(2) calls alone, in the pass's read size; records
//     adds pcapgo's zero-copy reads of every record (each one copied out
//     of the read buffer) and the Ethernet fast path that finds the IP
//     header;
//   - stage=gopacket: the issue's reference, "a Go loop on gopacket's
//     DecodingLayerParser, zero-copy reads and a 1 MiB buffered reader"
//     (Ethernet, 802.1Q, IPv4, IPv6, TCP, UDP), which decodes every
//     packet's headers and counts nothing: what stage=pass is to beat.
//
// Each reports MB/s of capture; all but read and sha256 also ns/packet and
// packets/s.
func BenchmarkGenerated(b *testing.B) {
	size := genBenchEnv("PCAPREPORT_BENCH_SIZE", "64MB")
	for _, run := range generatedRuns() {
		card, train := run[0], run[1]
		path := generatedCapture(b, size, card, train)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		suffix := fmt.Sprintf("/card=%s/size=%s", card, size)
		if train != "1" {
			suffix = fmt.Sprintf("/card=%s/train=%s/size=%s", card, train, size)
		}
		perPacket := func(b *testing.B, packets int64) {
			b.ReportMetric(float64(packets)/b.Elapsed().Seconds(), "packets/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
		}
		b.Run("stage=pass"+suffix, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var packets int64
			for i := 0; i < b.N; i++ {
				f, src := openPassSource(b, path)
				a := newAnalyzer(Options{})
				a.run(src)
				f.Close()
				if a.stopErr != nil {
					b.Fatal(a.stopErr)
				}
				packets += a.packets
			}
			perPacket(b, packets)
		})
		b.Run("stage=file"+suffix, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var packets int64
			for i := 0; i < b.N; i++ {
				s, err := File(path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				packets += s.Capture.Packets
			}
			perPacket(b, packets)
		})
		b.Run("stage=read"+suffix, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			buf := make([]byte, chunkSize)
			for i := 0; i < b.N; i++ {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				for {
					m, err := f.Read(buf)
					n += int64(m)
					if err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
				f.Close()
				if n != st.Size() {
					b.Fatalf("read %d bytes of %d", n, st.Size())
				}
			}
		})
		b.Run("stage=records"+suffix, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var packets, ipPackets int64
			for i := 0; i < b.N; i++ {
				f, src := openPassSource(b, path)
				for {
					data, _, _, err := src.next()
					if err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					packets++
					if ip, _, ok := fastEthernet(data); ok && ip != nil {
						ipPackets++
					}
				}
				f.Close()
			}
			if ipPackets == 0 {
				b.Fatal("the fast path found no IP packet")
			}
			perPacket(b, packets)
		})
		b.Run("stage=gopacket"+suffix, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var (
				eth     layers.Ethernet
				dot1q   layers.Dot1Q
				ip4     layers.IPv4
				ip6     layers.IPv6
				tcp     layers.TCP
				udp     layers.UDP
				payload gopacket.Payload
				decoded []gopacket.LayerType
			)
			parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcp, &udp, &payload)
			parser.IgnoreUnsupported = true
			var packets, transport int64
			for i := 0; i < b.N; i++ {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
				if err != nil {
					b.Fatal(err)
				}
				for {
					data, _, err := r.ZeroCopyReadPacketData()
					if err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
					packets++
					parser.DecodeLayers(data, &decoded) // errors: layers it does not know, as the loop
					for _, t := range decoded {
						if t == layers.LayerTypeTCP || t == layers.LayerTypeUDP {
							transport++
						}
					}
				}
				f.Close()
			}
			if transport == 0 {
				b.Fatal("the parser decoded no TCP or UDP header")
			}
			perPacket(b, packets)
		})
		b.Run("stage=sha256"+suffix, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := sha256File(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// openPassSource opens the capture at path as stage=pass reads it: from
// the file directly, in File's read size, no hashing. The caller closes f.
func openPassSource(b *testing.B, path string) (*os.File, packetSource) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	src, err := openSource(bufio.NewReaderSize(f, chunkSize))
	if err != nil {
		f.Close()
		b.Fatal(err)
	}
	return f, src
}

// sha256File returns the SHA-256 of the file, hashed as fast as Go's
// crypto/sha256 allows: 1 MiB reads (not os.File.WriteTo's 32 KiB ones).
// It is stage=sha256's floor and the flood test's fixture check.
func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, 1<<20)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// generatedRuns returns the (cardinality, train) pairs the environment asks for.
func generatedRuns() [][2]string {
	var out [][2]string
	for _, card := range strings.Split(genBenchEnv("PCAPREPORT_BENCH_CARDINALITY", "normal"), ",") {
		for _, train := range strings.Split(genBenchEnv("PCAPREPORT_BENCH_TRAIN", "1"), ",") {
			out = append(out, [2]string{card, train})
		}
	}
	return out
}
