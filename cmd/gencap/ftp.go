package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// -mode ftp writes one FTP session with a known answer instead of the
// mix: a client (10.0.0.5) logs in to a server (192.0.2.21) on port 21
// and moves files over data connections opened every way FTP has:
//
//   - PASV, RETR readme.txt (text), with a segment retransmitted;
//   - EPSV, RETR tool.exe (a fake Windows executable: "MZ" and random
//     bytes, 100,000 bytes), two segments sent out of order;
//   - PORT, RETR data.zip (a fake archive: "PK\x03\x04" and random bytes);
//   - EPRT, STOR upload.bin (random bytes, sent by the client);
//   - PASV, LIST (a directory listing);
//   - PASV, RETR gap.bin (random bytes), one segment of which is not in
//     the capture: the near miss, a transfer that must be incomplete.
//
// gencap prints one line per transfer with the SHA-256 of the whole file
// sent ("gencap: ftp RETR tool.exe 100000 bytes sha256 ..."); for
// gap.bin that is the file as sent, not as captured. Every checksum is
// correct; the same -seed gives the same file.

// ftpFile is one transfer of -mode ftp.
type ftpFile struct {
	cmd, name string
	data      []byte
	mode      string // PASV, EPSV, PORT, EPRT
	port      uint16 // the data connection's listening port
	// Segment games: retransmit this segment again (index, -1 none), swap
	// this one with the next, drop this one (a gap in the capture).
	again, swap, drop int
}

// ftpWriter writes Ethernet/IPv4/TCP packets 1 ms apart.
type ftpWriter struct {
	w       *pcapgo.Writer
	clock   time.Time
	packets int
}

type ftpEnd struct {
	ip   net.IP
	port uint16
	seq  uint32
	mac  net.HardwareAddr
}

type ftpConn struct {
	fw   *ftpWriter
	a, b ftpEnd // a opened the connection
}

func (fw *ftpWriter) packet(from, to *ftpEnd, syn, ack, fin bool, seq uint32, payload []byte) error {
	eth := &layers.Ethernet{SrcMAC: from.mac, DstMAC: to.mac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: from.ip, DstIP: to.ip, Flags: layers.IPv4DontFragment}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(from.port), DstPort: layers.TCPPort(to.port), Seq: seq, Ack: to.seq,
		SYN: syn, ACK: ack, FIN: fin, PSH: len(payload) > 0, Window: 65535}
	if !ack {
		tcp.Ack = 0
	}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		return err
	}
	fw.clock = fw.clock.Add(time.Millisecond)
	fw.packets++
	b := buf.Bytes()
	return fw.w.WritePacket(gopacket.CaptureInfo{Timestamp: fw.clock, CaptureLength: len(b), Length: len(b)}, b)
}

// open writes the handshake: a's SYN, b's SYN-ACK, a's ACK.
func (fw *ftpWriter) open(a, b ftpEnd) (*ftpConn, error) {
	c := &ftpConn{fw: fw, a: a, b: b}
	if err := fw.packet(&c.a, &c.b, true, false, false, c.a.seq, nil); err != nil {
		return nil, err
	}
	c.a.seq++
	if err := fw.packet(&c.b, &c.a, true, true, false, c.b.seq, nil); err != nil {
		return nil, err
	}
	c.b.seq++
	return c, fw.packet(&c.a, &c.b, false, true, false, c.a.seq, nil)
}

// send writes data from one end in segments of 1,448 bytes, each
// acknowledged, with f's games played.
func (c *ftpConn) send(fromA bool, data []byte, f *ftpFile) error {
	from, to := &c.a, &c.b
	if !fromA {
		from, to = to, from
	}
	type seg struct {
		seq  uint32
		data []byte
	}
	var segs []seg
	for off := 0; off < len(data); off += 1448 {
		segs = append(segs, seg{from.seq + uint32(off), data[off:min(off+1448, len(data))]})
	}
	if f != nil && f.swap >= 0 && f.swap+1 < len(segs) {
		segs[f.swap], segs[f.swap+1] = segs[f.swap+1], segs[f.swap]
	}
	for i, s := range segs {
		if f == nil || i != f.drop {
			if err := c.fw.packet(from, to, false, true, false, s.seq, s.data); err != nil {
				return err
			}
		}
		if f != nil && i == f.again {
			if err := c.fw.packet(from, to, false, true, false, s.seq, s.data); err != nil {
				return err
			}
		}
	}
	from.seq += uint32(len(data))
	return c.fw.packet(to, from, false, true, false, to.seq, nil)
}

// close writes the teardown started by the end that sent the data.
func (c *ftpConn) close(fromA bool) error {
	from, to := &c.a, &c.b
	if !fromA {
		from, to = to, from
	}
	if err := c.fw.packet(from, to, false, true, true, from.seq, nil); err != nil {
		return err
	}
	from.seq++
	if err := c.fw.packet(to, from, false, true, true, to.seq, nil); err != nil {
		return err
	}
	to.seq++
	return c.fw.packet(from, to, false, true, false, from.seq, nil)
}

// writeFTP writes -mode ftp's capture to w and prints the transfers to info.
func writeFTP(w io.Writer, info io.Writer, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 0x46545021))
	random := func(prefix string, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		copy(b, prefix)
		return b
	}
	readme := []byte("Welcome to the test FTP server.\r\nThis file is plain text, sent in one segment.\r\n")
	listing := []byte("-rw-r--r--    1 0        0             82 Mar 11 08:00 readme.txt\r\n" +
		"-rwxr-xr-x    1 0        0         100000 Mar 11 08:00 tool.exe\r\n" +
		"-rw-r--r--    1 0        0          30000 Mar 11 08:00 data.zip\r\n")
	files := []ftpFile{
		{cmd: "RETR", name: "readme.txt", data: readme, mode: "PASV", port: 50000, again: 0, swap: -1, drop: -1},
		{cmd: "RETR", name: "tool.exe", data: random("MZ\x90\x00\x03\x00\x00\x00", 100_000), mode: "EPSV", port: 50001, again: -1, swap: 5, drop: -1},
		{cmd: "RETR", name: "data.zip", data: random("PK\x03\x04\x14\x00", 30_000), mode: "PORT", port: 40100, again: -1, swap: -1, drop: -1},
		{cmd: "STOR", name: "upload.bin", data: random("", 20_000), mode: "EPRT", port: 40101, again: -1, swap: -1, drop: -1},
		{cmd: "LIST", data: listing, mode: "PASV", port: 50002, again: -1, swap: -1, drop: -1},
		{cmd: "RETR", name: "gap.bin", data: random("", 10_000), mode: "PASV", port: 50003, again: -1, swap: -1, drop: 3},
	}
	bw := bufio.NewWriter(w)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return err
	}
	fw := &ftpWriter{w: pw, clock: time.Unix(0, startTime).UTC()}
	cmac := net.HardwareAddr{0x02, 0, 0, 0, 0, 5}
	smac := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x21}
	cip, sip := net.IPv4(10, 0, 0, 5).To4(), net.IPv4(192, 0, 2, 21).To4()
	ctl, err := fw.open(ftpEnd{ip: cip, port: 40000, seq: 1000, mac: cmac}, ftpEnd{ip: sip, port: 21, seq: 5000, mac: smac})
	if err != nil {
		return err
	}
	say := func(fromClient bool, line string) error { return ctl.send(fromClient, []byte(line+"\r\n"), nil) }
	for _, l := range []struct {
		client bool
		line   string
	}{{false, "220 Test FTP server ready."}, {true, "USER anonymous"}, {false, "331 Please specify the password."},
		{true, "PASS guest@"}, {false, "230 Login successful."}, {true, "TYPE I"}, {false, "200 Switching to Binary mode."}} {
		if err := say(l.client, l.line); err != nil {
			return err
		}
	}
	dataSeq := uint32(100_000)
	for i := range files {
		f := &files[i]
		var listener, opener ftpEnd
		switch f.mode {
		case "PASV":
			err = say(true, "PASV")
			if err == nil {
				err = say(false, fmt.Sprintf("227 Entering Passive Mode (192,0,2,21,%d,%d).", f.port>>8, f.port&0xff))
			}
			listener, opener = ftpEnd{ip: sip, port: f.port, mac: smac}, ftpEnd{ip: cip, port: 41000 + uint16(i), mac: cmac}
		case "EPSV":
			err = say(true, "EPSV")
			if err == nil {
				err = say(false, fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", f.port))
			}
			listener, opener = ftpEnd{ip: sip, port: f.port, mac: smac}, ftpEnd{ip: cip, port: 41000 + uint16(i), mac: cmac}
		case "PORT":
			err = say(true, fmt.Sprintf("PORT 10,0,0,5,%d,%d", f.port>>8, f.port&0xff))
			if err == nil {
				err = say(false, "200 PORT command successful.")
			}
			listener, opener = ftpEnd{ip: cip, port: f.port, mac: cmac}, ftpEnd{ip: sip, port: 20, mac: smac}
		case "EPRT":
			err = say(true, fmt.Sprintf("EPRT |1|10.0.0.5|%d|", f.port))
			if err == nil {
				err = say(false, "200 EPRT command successful.")
			}
			listener, opener = ftpEnd{ip: cip, port: f.port, mac: cmac}, ftpEnd{ip: sip, port: 20, mac: smac}
		}
		if err != nil {
			return err
		}
		line := f.cmd
		if f.name != "" {
			line += " " + f.name
		}
		if err := say(true, line); err != nil {
			return err
		}
		listener.seq, opener.seq = dataSeq, dataSeq+50_000
		dataSeq += 1_000_000
		dc, err := fw.open(opener, listener)
		if err != nil {
			return err
		}
		what := "file"
		if f.cmd == "LIST" {
			what = "directory listing"
		}
		if err := say(false, "150 Opening BINARY mode data connection for "+what+"."); err != nil {
			return err
		}
		// The server's end sends a download, the client's an upload.
		fromOpener := (f.cmd == "STOR") == (f.mode == "PASV" || f.mode == "EPSV")
		if err := dc.send(fromOpener, f.data, f); err != nil {
			return err
		}
		if err := dc.close(fromOpener); err != nil {
			return err
		}
		if err := say(false, "226 Transfer complete."); err != nil {
			return err
		}
		sum := sha256.Sum256(f.data)
		name := f.name
		if name == "" {
			name = "-"
		}
		note := ""
		if f.drop >= 0 {
			note = fmt.Sprintf(" (segment %d not captured)", f.drop)
		}
		fmt.Fprintf(info, "gencap: ftp %s %s %d bytes sha256 %s%s\n", f.cmd, name, len(f.data), hex.EncodeToString(sum[:]), note)
	}
	if err := say(true, "QUIT"); err != nil {
		return err
	}
	if err := say(false, "221 Goodbye."); err != nil {
		return err
	}
	if err := ctl.close(true); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(info, "gencap: wrote %d packets of -mode ftp\n", fw.packets)
	return nil
}

// runFTP is -mode ftp's part of run: out is the file ("-" for standard
// output), and the transfers are printed to standard output (standard
// error when the capture goes there).
func runFTP(out string, seed uint64, stdout, stderr io.Writer) error {
	if out == "" {
		return fmt.Errorf("-o is required")
	}
	if out == "-" {
		return writeFTP(stdout, stderr, seed)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := writeFTP(f, stdout, seed); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	return f.Close()
}
