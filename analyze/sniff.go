package analyze

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// sniffLimit is how much decompressed data Sniff reads, at most, to find
// a capture's first four bytes.
const sniffLimit = 64 << 10

// Sniff says whether r starts as a capture: the magic number of pcap or
// pcapng, plain or inside gzip, zstd, xz or bzip2 compression, opened by
// the same decompressors, with the same limits, as Read. It returns "" for
// a capture, and otherwise why not, in words: "an empty file", "not a pcap
// or pcapng file (starts with 68 65 6c 6c)", "gzip-compressed, but not a
// pcap or pcapng file inside (starts with …)", "gzip-compressed, but it
// cannot be decompressed (…)". err is an error reading r itself.
//
// A capture is recognised by its magic number alone: one whose header is
// damaged further on is still a capture, and Read says what is wrong with it.
func Sniff(r io.Reader) (why string, err error) {
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(6)
	if err != nil && err != io.EOF {
		return "", err
	}
	if len(head) == 0 {
		return "an empty file", nil
	}
	if isCaptureMagic(head) {
		return "", nil
	}
	dr, kind, release, err := decompress(br)
	if err != nil {
		var de *decompressError
		if errors.As(err, &de) {
			return fmt.Sprintf("%s-compressed, but it cannot be decompressed (%v)", de.format, err), nil
		}
		return err.Error(), nil // a window or dictionary over the limit, in words
	}
	defer release()
	if kind == "" {
		return fmt.Sprintf("not a pcap or pcapng file (starts with % x)", head[:min(4, len(head))]), nil
	}
	var inner [4]byte
	n, err := io.ReadFull(io.LimitReader(dr, sniffLimit), inner[:])
	if isCaptureMagic(inner[:n]) {
		return "", nil
	}
	var de *decompressError
	switch {
	case errors.As(err, &de) && n == 0:
		return fmt.Sprintf("%s-compressed, but it cannot be decompressed (%v)", kind, err), nil
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && de == nil:
		return "", err // reading r failed
	case n == 0:
		return kind + "-compressed, and nothing could be decompressed", nil
	}
	return fmt.Sprintf("%s-compressed, but not a pcap or pcapng file inside (starts with % x)", kind, inner[:n]), nil
}

// isCaptureMagic reports whether b starts with the magic number of a
// classic pcap file (micro- or nanosecond, either byte order) or of a
// pcapng section header block.
func isCaptureMagic(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for _, m := range [][]byte{magicPcapLE, magicPcapBE, magicPcapNsLE, magicPcapNsBE, magicPcapng} {
		if bytes.Equal(b[:4], m) {
			return true
		}
	}
	return false
}
