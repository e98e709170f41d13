package analyze

import (
	"bytes"
	"encoding/binary"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// streamFlows are the four TCP connections FuzzTCPStreams writes
// segments on: HTTP, an FTP control connection, the data connection its
// PASV reply (10,0,0,2,78,32) announces, and the one a PORT command
// (10,0,0,1,156,67) announces, opened by the server from port 20.
var streamFlows = [4]struct {
	client, server         string
	clientPort, serverPort uint16
}{
	{"10.0.0.1", "10.0.0.2", 40000, 80},
	{"10.0.0.1", "10.0.0.2", 40001, 21},
	{"10.0.0.1", "10.0.0.2", 40002, 20000},
	{"10.0.0.2", "10.0.0.1", 20, 40003},
}

// streamSegment encodes one record of FuzzTCPStreams' input: the flow and
// direction, TCP flags, a shift of the sequence number from the next one
// expected (gaps, overlaps, retransmissions), and the payload.
func streamSegment(flow int, fromServer, syn, fin, rst bool, shift int16, payload []byte) []byte {
	b := byte(flow & 3)
	if fromServer {
		b |= 4
	}
	if syn {
		b |= 8
	}
	if fin {
		b |= 16
	}
	if rst {
		b |= 32
	}
	out := []byte{b, 0, 0, byte(len(payload))}
	binary.BigEndian.PutUint16(out[1:], uint16(shift))
	return append(out, payload[:min(len(payload), 255)]...)
}

// streamPackets turns FuzzTCPStreams' input into packets, one per
// record, each flow's sequence numbers following what was sent.
func streamPackets(t testing.TB, data []byte) []testPacket {
	var next [4][2]uint32
	for i := range next {
		next[i] = [2]uint32{1000, 5000}
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []testPacket
	for len(data) >= 4 && len(out) < 2000 {
		h := data[0]
		shift := int16(binary.BigEndian.Uint16(data[1:3]))
		n := min(int(data[3]), len(data)-4)
		payload := data[4 : 4+n]
		data = data[4+n:]
		f, dir := int(h&3), 0
		if h&4 != 0 {
			dir = 1
		}
		fl := streamFlows[f]
		src, dst, sport, dport := fl.client, fl.server, fl.clientPort, fl.serverPort
		if dir == 1 {
			src, dst, sport, dport = dst, src, dport, sport
		}
		seq := next[f][dir] + uint32(int32(shift))
		syn, fin := h&8 != 0, h&16 != 0
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: next[f][1-dir],
			ACK: !syn || dir == 1, SYN: syn, FIN: fin, RST: h&32 != 0, Window: 1000}
		tcp.SetNetworkLayerForChecksum(ip)
		at = at.Add(time.Millisecond)
		out = append(out, testPacket{at, serialize(t, eth, ip, tcp, gopacket.Payload(payload))})
		end := seq + uint32(len(payload))
		if syn || fin {
			end++
		}
		if int32(end-next[f][dir]) > 0 {
			next[f][dir] = end
		}
	}
	return out
}

// FuzzTCPStreams feeds segments of four TCP connections, in any order and
// with any gaps, overlaps and flags, to the whole analysis: the stateful
// parts a single packet does not reach (HTTP messages and their bodies,
// chunked and compressed, FTP commands and the data connections they
// announce, TLS flights across segments), and the hashing goroutine
// behind them. Whatever the segments, the analysis must finish with its
// packets accounted for and every object within its capture's bytes.
func FuzzTCPStreams(f *testing.F) {
	seg := streamSegment
	var http, ftp bytes.Buffer
	http.Write(seg(0, false, true, false, false, 0, nil))
	http.Write(seg(0, true, true, false, false, 0, nil))
	http.Write(seg(0, false, false, false, false, 0, []byte("GET /a.exe HTTP/1.1\r\nHost: x\r\n\r\n")))
	http.Write(seg(0, true, false, false, false, 0, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")))
	http.Write(seg(0, true, false, false, false, 0, []byte("4\r\nMZ\x90\x00\r\n0\r\n\r\n")))
	http.Write(seg(0, true, false, true, false, 0, nil))
	f.Add(http.Bytes())
	gz := gzipped(f, bytes.Repeat([]byte("body "), 40))
	var gzResp bytes.Buffer
	gzResp.Write(seg(0, false, false, false, false, 0, []byte("GET / HTTP/1.1\r\nHost: y\r\n\r\n")))
	gzResp.Write(seg(0, true, false, false, false, 0, []byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "+strconv.Itoa(len(gz))+"\r\n\r\n")))
	gzResp.Write(seg(0, true, false, false, false, 10, gz[10:]))
	gzResp.Write(seg(0, true, false, false, false, -int16(len(gz)-10), gz[:10]))
	f.Add(gzResp.Bytes())
	for _, s := range []struct {
		flow       int
		fromServer bool
		line       string
	}{
		{1, true, "220 hi\r\n"}, {1, false, "USER a\r\n"}, {1, true, "331 ok\r\n"}, {1, false, "PASV\r\n"},
		{1, true, "227 Entering Passive Mode (10,0,0,2,78,32)\r\n"}, {1, false, "RETR x.exe\r\n"},
		{1, true, "150 here\r\n"}, {2, true, "MZ\x90\x00 this program"}, {1, true, "226 done\r\n"},
		{1, false, "PORT 10,0,0,1,156,67\r\n"}, {1, true, "200 ok\r\n"}, {1, false, "STOR up.bin\r\n"},
		{1, true, "150 go\r\n"}, {3, false, "PK\x03\x04 upload"}, {1, true, "226 done\r\n"},
	} {
		ftp.Write(seg(s.flow, s.fromServer, false, false, false, 0, []byte(s.line)))
	}
	f.Add(ftp.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts := streamPackets(t, data)
		s, err := Read("fuzz", bytes.NewReader(pcapBytes(t, layers.LinkTypeEthernet, pkts)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkAccounting(t, s)
		if s.Capture.Packets != int64(len(pkts)) {
			t.Fatalf("%d packets read of %d", s.Capture.Packets, len(pkts))
		}
		for _, o := range s.HTTP.Objects {
			if o.Size < 0 || o.Size > int64(len(data))*100+1<<20 {
				t.Fatalf("HTTP object of %d bytes from %d bytes of input", o.Size, len(data))
			}
		}
		for _, o := range s.FTP.Objects {
			if o.Size < 0 || o.Size > int64(len(data)) {
				t.Fatalf("FTP object of %d bytes from %d bytes of input", o.Size, len(data))
			}
		}
	})
}
