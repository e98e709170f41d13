package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// The captures of the hostile-capture issue's memory table that the
// record readers and decompressors bound, built on the fly: compressed
// files of kilobytes to a few megabytes that claim or hold gigabytes.
// Each runs the whole program in a child process (runMeasured) and checks
// its peak RSS, its exit status and what it reported.
//
// Set PCAPREPORT_MEMORY_INPUTS to a folder to keep the inputs there (to
// measure another build on them).

// gzipZeros is one gzip member of 16 MiB of zeros; members repeat to make
// gigabytes from a few kilobytes each (a gzip reader reads concatenated
// members as one stream).
var gzipZeros = sync.OnceValue(func() []byte {
	return gzipMember(make([]byte, 16<<20))
})

func gzipMember(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// gzipWithZeros is head, n bytes of zeros (a multiple of 16 MiB) and
// tail, gzip-compressed.
func gzipWithZeros(head []byte, n int64, tail []byte) []byte {
	out := gzipMember(head)
	for ; n > 0; n -= 16 << 20 {
		out = append(out, gzipZeros()...)
	}
	if len(tail) > 0 {
		out = append(out, gzipMember(tail)...)
	}
	return out
}

// zstdFrames compresses each part as a frame of its own, repeated times.
func zstdFrames(t *testing.T, part []byte, times int) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	frame := enc.EncodeAll(part, nil)
	return bytes.Repeat(frame, times)
}

// zstdRLEFrame is a zstd frame with a window of 2^windowLog bytes holding
// raw, then n zero bytes as RLE blocks of 128 KiB.
func zstdRLEFrame(windowLog uint, raw []byte, n int64) []byte {
	blockHeader := func(last bool, typ, size uint32) []byte {
		v := typ<<1 | size<<3
		if last {
			v |= 1
		}
		return []byte{byte(v), byte(v >> 8), byte(v >> 16)}
	}
	f := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, byte(windowLog-10) << 3}
	f = append(f, blockHeader(n == 0, 0, uint32(len(raw)))...)
	f = append(f, raw...)
	for n > 0 {
		size := min(n, 128<<10)
		n -= size
		f = append(f, blockHeader(n == 0, 1, uint32(size))...)
		f = append(f, 0)
	}
	return f
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// pcapHeader is a little-endian microsecond pcap header.
func pcapHeader(snaplen uint32) []byte {
	h := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	h = append(h, le32(snaplen)...)
	return append(h, le32(1)...) // Ethernet
}

func pcapRecordHeader(caplen uint32) []byte {
	h := append(le32(1527000000), le32(0)...)
	return append(append(h, le32(caplen)...), le32(caplen)...)
}

// ngBlock is a little-endian pcapng block.
func ngBlock(typ uint32, body []byte) []byte {
	body = append(body, make([]byte, (4-len(body)%4)%4)...)
	n := uint32(12 + len(body))
	b := append(le32(typ), le32(n)...)
	return append(append(b, body...), le32(n)...)
}

var (
	ngSHB = ngBlock(0x0a0d0d0a, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	ngIDB = ngBlock(1, []byte{1, 0, 0, 0, 0, 0, 4, 0}) // Ethernet, snaplen 262144
)

// ngEPB is an enhanced packet block on interface 0 holding frame.
func ngEPB(frame []byte) []byte {
	body := append(le32(0), le32(0x00056ccc)...)
	body = append(body, le32(0x25a12800)...)
	body = append(body, le32(uint32(len(frame)))...)
	body = append(body, le32(uint32(len(frame)))...)
	return ngBlock(6, append(body, frame...))
}

// arpFrame is a 42-byte Ethernet ARP request, a packet that decodes.
var arpFrame = []byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06,
	0, 1, 8, 0, 6, 4, 0, 1, 0, 1, 2, 3, 4, 5, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
}

type memoryCase struct {
	name  string
	input func(t *testing.T) []byte
	exit  int
	// packets and decodeErrors are the JSON's counts when exit is 0.
	packets, decodeErrors int64
	// warning (exit 0) or message (exit 1) must appear in standard error.
	message string
}

var memoryCases = []memoryCase{
	{
		name: "pcap snaplen 0xFFFFFFFF, one record of 2^30 bytes, gzip",
		input: func(t *testing.T) []byte {
			head := append(pcapHeader(0xffffffff), pcapRecordHeader(1<<30)...)
			return gzipWithZeros(head, 1<<30, append(pcapRecordHeader(42), arpFrame...))
		},
		packets: 2, decodeErrors: 1,
	},
	{
		name: "pcap snaplen 0xFFFFFFFF, one record of 2^31 bytes, gzip",
		input: func(t *testing.T) []byte {
			head := append(pcapHeader(0xffffffff), pcapRecordHeader(1<<31)...)
			return gzipWithZeros(head, 1<<31, append(pcapRecordHeader(42), arpFrame...))
		},
		packets: 2, decodeErrors: 1,
	},
	{
		name: "pcapng one EPB of 1 GiB, gzip",
		input: func(t *testing.T) []byte {
			head := append(append([]byte(nil), ngSHB...), ngIDB...)
			head = append(head, le32(6)...)
			head = append(head, le32(1<<30+32)...)
			head = append(head, le32(0)...)
			head = append(head, le32(0x00056ccc)...)
			head = append(head, le32(0x25a12800)...)
			head = append(head, le32(1<<30)...)
			head = append(head, le32(1<<30)...)
			return gzipWithZeros(head, 1<<30, append(le32(1<<30+32), ngEPB(arpFrame)...))
		},
		packets: 2, decodeErrors: 1,
	},
	{
		name: "pcapng one EPB of 1 GiB, cut short, gzip",
		input: func(t *testing.T) []byte {
			head := append(append([]byte(nil), ngSHB...), ngIDB...)
			head = append(head, le32(6)...)
			head = append(head, le32(1<<30+32)...)
			head = append(head, make([]byte, 12)...)
			head = append(head, le32(1<<30)...)
			head = append(head, le32(1<<30)...)
			return gzipWithZeros(head, 1<<29, nil)
		},
		packets: 0, message: "warning: capture cut short at byte offset 48 (record 1): the file ends in the middle of a pcapng packet block of 1073741856 bytes; the report covers the 0 packets before it",
	},
	{
		name: "pcapng 5 M name-resolution records and 1 packet, zstd",
		input: func(t *testing.T) []byte {
			var recs []byte
			for i := range 65536 {
				v := append([]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}, []byte("h0000000.example\x00")...)
				recs = binary.LittleEndian.AppendUint16(recs, 1) // nrb_record_ipv4
				recs = binary.LittleEndian.AppendUint16(recs, uint16(len(v)))
				recs = append(recs, v...)
				recs = append(recs, make([]byte, (4-len(v)%4)%4)...)
			}
			recs = append(recs, 0, 0, 0, 0) // nrb_record_end
			out := zstdFrames(t, append(append([]byte(nil), ngSHB...), ngIDB...), 1)
			out = append(out, zstdFrames(t, ngBlock(4, recs), 77)...) // 5,046,272 records
			return append(out, zstdFrames(t, ngEPB(arpFrame), 1)...)
		},
		packets: 1,
	},
	{
		name: "pcapng 2,000 IDBs with 5 options of 65,532 bytes, zstd",
		input: func(t *testing.T) []byte {
			body := []byte{1, 0, 0, 0, 0, 0, 4, 0}
			for _, code := range []uint16{1, 2, 3, 11, 12} { // comment, name, description, filter, OS: all passed over
				body = binary.LittleEndian.AppendUint16(body, code)
				body = binary.LittleEndian.AppendUint16(body, 65532)
				body = append(body, bytes.Repeat([]byte{'x'}, 65532)...)
			}
			out := zstdFrames(t, ngSHB, 1)
			out = append(out, zstdFrames(t, ngBlock(1, body), 2000)...)
			return append(out, zstdFrames(t, ngEPB(arpFrame), 1)...)
		},
		packets: 1,
	},
	{
		name: "zstd frame asking for a 256 MiB window, a pcap header and 100 MB of zeros",
		input: func(t *testing.T) []byte {
			return zstdRLEFrame(28, pcapHeader(65535), 100_000_000) // 6.25 M empty records
		},
		exit: 1, message: "zstd: the first frame asks for a 256 MiB window, more than the 64 MiB this reader allows",
	},
	{
		name: "zstd frame with a 64 MiB window (the limit), a pcap record of 200 MB of zeros",
		input: func(t *testing.T) []byte {
			head := append(pcapHeader(65535), pcapRecordHeader(200_000_000)...)
			f := zstdRLEFrame(26, head, 200_000_000)
			return append(f, zstdFrames(t, append(pcapRecordHeader(42), arpFrame...), 1)...)
		},
		packets: 2, decodeErrors: 1,
	},
}

// TestReaderMemoryBounds runs each case of memoryCases.
func TestReaderMemoryBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses gigabytes; not in -short")
	}
	keep := os.Getenv("PCAPREPORT_MEMORY_INPUTS")
	for i, c := range memoryCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "input")
			b := c.input(t)
			if err := os.WriteFile(in, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if keep != "" {
				os.WriteFile(filepath.Join(keep, string(rune('a'+i))+".bin"), b, 0o644)
			}
			js := filepath.Join(dir, "out.json")
			m := runMeasured(t, nil, "report", in, "-o", filepath.Join(dir, "out.html"), "--json", js)
			t.Logf("input %d bytes; peak RSS %.1f MiB; exit %d; %s", len(b), float64(m.peakRSS)/(1<<20), m.exitCode, strings.TrimSpace(m.stderr))
			if m.peakRSS > memoryBound {
				t.Errorf("peak RSS %d MiB, over the %d MiB bound", m.peakRSS>>20, memoryBound>>20)
			}
			if m.exitCode != c.exit {
				t.Fatalf("exit %d, want %d: %s", m.exitCode, c.exit, m.stderr)
			}
			if c.message != "" && !strings.Contains(m.stderr, c.message) {
				t.Errorf("standard error %q, want %q", m.stderr, c.message)
			}
			if strings.Count(strings.TrimSpace(m.stderr), "\n") > 0 {
				t.Errorf("more than one line on standard error: %q", m.stderr)
			}
			if c.exit != 0 {
				return
			}
			var s struct {
				Capture struct {
					Packets      int64 `json:"packets"`
					DecodeErrors int64 `json:"decode_errors"`
				} `json:"capture"`
			}
			jb, err := os.ReadFile(js)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(jb, &s); err != nil {
				t.Fatal(err)
			}
			if s.Capture.Packets != c.packets || s.Capture.DecodeErrors != c.decodeErrors {
				t.Errorf("%d packets, %d decode errors; want %d and %d", s.Capture.Packets, s.Capture.DecodeErrors, c.packets, c.decodeErrors)
			}
		})
	}
}
