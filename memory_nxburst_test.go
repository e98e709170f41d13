package main

import (
	"encoding/binary"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeNXBurstCapture writes NXDOMAIN answers (UDP from port 53) to
// clients+extra clients: each of the first clients gets 5 answers in one
// minute and 4 in the next, every answer for its own name of 253
// characters, so that the burst counter keeps 8 long names per client;
// the extra clients get one answer each, after the others.
func writeNXBurstCapture(w io.Writer, clients, extra int) error {
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	var frame []byte
	write := func(client, j int, sec uint32) error {
		tag := strconv.Itoa(client) + "-" + strconv.Itoa(j)
		label := tag + strings.Repeat("x", 63-len(tag))
		msg := []byte{byte(j), byte(client), 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0}
		for range 3 {
			msg = append(msg, 63)
			msg = append(msg, label...)
		}
		msg = append(msg, 61)
		msg = append(msg, strings.Repeat("y", 61)...) // 3×64 + 61 = 253 characters
		msg = append(msg, 0, 0, 1, 0, 1)
		frame = append(frame[:0], 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00)
		ul := 8 + len(msg)
		ipLen := 20 + ul
		frame = append(frame, 0x45, 0, byte(ipLen>>8), byte(ipLen), 0, 0, 0x40, 0, 64, 17, 0, 0,
			10, 0, 0, 53, 10, byte(client>>16), byte(client>>8), byte(client))
		frame = append(frame, 0, 53, 0x9c, 0x40, byte(ul>>8), byte(ul), 0, 0)
		frame = append(frame, msg...)
		var rec [16]byte
		binary.LittleEndian.PutUint32(rec[0:], sec)
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		if _, err := w.Write(rec[:]); err != nil {
			return err
		}
		_, err := w.Write(frame)
		return err
	}
	const minute = 1_700_000_040 // a multiple of 60
	for c := range clients {
		for j := range 9 {
			sec := uint32(minute)
			if j >= 5 {
				sec += 60
			}
			if err := write(c+1, j, sec); err != nil {
				return err
			}
		}
	}
	for c := range extra {
		if err := write(clients+1+c, 0, minute+120); err != nil {
			return err
		}
	}
	return nil
}

// TestNXBurstMemory: 4,096 clients with 8 names of 253 characters each in
// the burst counter, and 10,000 more clients it does not follow, stay
// well under memoryBound; the JSON lists the 4,096 and counts the rest.
func TestNXBurstMemory(t *testing.T) {
	const clients, extra = 4096, 10_000
	dir := t.TempDir()
	capture := filepath.Join(dir, "nx.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error { return writeNXBurstCapture(w, clients, extra) })
	_, s := reportWithin(t, capture, memoryBound/2)
	nb := s.DNS.NXBursts
	if len(nb.Clients) != clients || nb.Unfollowed != extra {
		t.Fatalf("%d clients listed, %d answers unfollowed; want %d and %d", len(nb.Clients), nb.Unfollowed, clients, extra)
	}
	c := nb.Clients[0]
	if c.NXDomain != 9 || c.Peak60s != 5 || len(c.PeakNames) != 4 || !c.PeakNamesMore || len(c.PeakNames[0]) != 253 {
		t.Errorf("first client %+v", c)
	}
}
