package analyze

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tcpFlags builds an Ethernet/IPv4/TCP frame with the flags given as
// letters (S SYN, A ACK, R RST, F FIN) and payload.
func tcpFlags(t testing.TB, src, dst string, sport, dport uint16, flags string, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Window: 1000}
	for _, f := range flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'R':
			tcp.RST = true
		case 'F':
			tcp.FIN = true
		}
	}
	tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, eth, ip, tcp, gopacket.Payload(payload))
}

// TestOrientationAndOutcomes builds one conversation of each kind, with a
// known client, server and outcome, and checks the Summary's rows, the
// outcome counts and the server ports.
func TestOrientationAndOutcomes(t *testing.T) {
	const cl, sv = "10.0.0.9", "10.0.0.1" // the client has the higher address: A is the server
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	var pkts []testPacket
	add := func(src, dst string, sport, dport uint16, flags string, payload []byte) {
		pkts = append(pkts, testPacket{base.Add(time.Duration(len(pkts)) * time.Millisecond), tcpFlags(t, src, dst, sport, dport, flags, payload)})
	}
	// established: handshake and data (port 8000 is no service: only the SYN tells)
	add(cl, sv, 40001, 8000, "S", nil)
	add(sv, cl, 8000, 40001, "SA", nil)
	add(cl, sv, 40001, 8000, "A", nil)
	add(cl, sv, 40001, 8000, "A", []byte("hello"))
	add(sv, cl, 8000, 40001, "A", []byte("hi back, longer"))
	// rejected: a SYN answered by RST, ACK
	add(cl, sv, 40002, 8001, "S", nil)
	add(sv, cl, 8001, 40002, "RA", nil)
	// no answer: two SYNs, nothing back
	add(cl, sv, 40003, 8002, "S", nil)
	add(cl, sv, 40003, 8002, "S", nil)
	// incomplete: SYN, SYN-ACK, RST from the client (a half-open probe)
	add(cl, sv, 40004, 8003, "S", nil)
	add(sv, cl, 8003, 40004, "SA", nil)
	add(cl, sv, 40004, 8003, "R", nil)
	// mid-stream, the server's packet first: the well-known port 443 tells
	add(sv, cl, 443, 40005, "A", []byte("tls data"))
	add(cl, sv, 40005, 443, "A", nil)
	// mid-stream, a SYN-ACK first seen: its receiver is the client
	add(sv, cl, 9000, 40006, "SA", nil)
	add(cl, sv, 40006, 9000, "A", nil)
	// UDP, no port known: the first packet's sender is the client
	pkts = append(pkts, testPacket{base.Add(time.Second), udpFrame(t, cl, sv, 40007, 9999, []byte("q"))})
	pkts = append(pkts, testPacket{base.Add(time.Second + 1), udpFrame(t, sv, cl, 9999, 40007, []byte("answer"))})

	want := map[uint16]struct {
		by, outcome        string
		toServer, toClient int64 // packets
	}{
		8000: {"syn", "established", 3, 2},
		8001: {"syn", "rejected", 1, 1},
		8002: {"syn", "no-answer", 2, 0},
		8003: {"syn", "incomplete", 2, 1},
		443:  {"port", "mid-stream", 1, 1},
		9000: {"syn-ack", "mid-stream", 1, 1},
		9999: {"first-packet", "", 1, 1},
	}
	for _, keys := range []int{0, 2} { // 2: flows evicted as they go
		s := analyzeBytes(t, pcapBytes(t, layers.LinkTypeEthernet, pkts), Options{Keys: keys})
		if keys == 0 {
			if len(s.Conversations.Transport) != len(want) {
				t.Fatalf("%d transport conversations, want %d", len(s.Conversations.Transport), len(want))
			}
			for _, cv := range s.Conversations.Transport {
				w, ok := want[cv.ServerPort]
				if !ok || cv.Client != cl || cv.Server != sv || cv.OrientedBy != w.by || cv.Outcome != w.outcome ||
					cv.PacketsToServer != w.toServer || cv.PacketsToClient != w.toClient ||
					cv.Packets != cv.PacketsAB+cv.PacketsBA || cv.Bytes != cv.BytesAB+cv.BytesBA {
					t.Errorf("conversation %s:%d -> %s:%d by %s, %s, %d/%d packets (total %d); want client %s, server port in %v: %+v",
						cv.Client, cv.ClientPort, cv.Server, cv.ServerPort, cv.OrientedBy, cv.Outcome, cv.PacketsToServer, cv.PacketsToClient, cv.Packets, cl, w, cv)
				}
				// The Community ID does not depend on the orientation.
				if cv.A != sv || cv.B != cl {
					t.Errorf("A %s, B %s: A must stay the lower address", cv.A, cv.B)
				}
			}
			for _, p := range s.Ports.TCP {
				if w, ok := want[p.Port]; ok && (p.ServerConversations != 1 || p.ServerPackets != w.toServer+w.toClient) {
					t.Errorf("tcp port %d: %d conversations, %d packets as server; want 1, %d", p.Port, p.ServerConversations, p.ServerPackets, w.toServer+w.toClient)
				}
				if p.Port > 40000 && p.ServerPackets != 0 {
					t.Errorf("client port %d counted as a server's", p.Port)
				}
			}
			if len(s.Ports.TCP) == 0 || s.Ports.TCP[0].Port != 8000 {
				t.Errorf("top TCP port %+v, want 8000 (5 packets as a server's port)", s.Ports.TCP[0])
			}
		}
		// Each flow's outcome counts once, evicted or not (with 2 keys the
		// flows are evicted in turn; the 443 and 9000 ones each once).
		got := s.Conversations.TCPOutcomes
		if want := (TCPOutcomes{Established: 1, Rejected: 1, NoAnswer: 1, Incomplete: 1, MidStream: 2}); got != want {
			t.Errorf("keys %d: outcomes %+v, want %+v", keys, got, want)
		}
	}
}
