package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ftpLoginCapture writes a capture of one FTP login (USER alice, PASS
// s3cr3t-pw) built with gopacket's serializer.
func ftpLoginCapture(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	seq := uint32(1)
	for i, l := range []string{"USER alice\r\n", "PASS s3cr3t-pw\r\n"} {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 0, 0, 9}, DstIP: net.IP{192, 0, 2, 1}}
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, Seq: seq, ACK: true, PSH: true, Window: 1024}
		tcp.SetNetworkLayerForChecksum(ip)
		sb := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(l)); err != nil {
			t.Fatal(err)
		}
		seq += uint32(len(l))
		ci := gopacket.CaptureInfo{Timestamp: time.Date(2024, 5, 1, 12, 0, i, 0, time.UTC), CaptureLength: len(sb.Bytes()), Length: len(sb.Bytes())}
		if err := w.WritePacket(ci, sb.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestShowSecrets: without --show-secrets the password is in none of the
// HTML, the JSON and the summary, which show the user and the mask; with
// it, all three hold it.
func TestShowSecrets(t *testing.T) {
	dir := t.TempDir()
	capPath := filepath.Join(dir, "ftp.pcap")
	ftpLoginCapture(t, capPath)
	for _, show := range []bool{false, true} {
		args := []string{"report", capPath, "-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "r.json")}
		sargs := []string{"summary", capPath}
		if show {
			args = append(args, "--show-secrets")
			sargs = append(sargs, "--show-secrets")
		}
		if _, stderr, err := runCLI(t, dir, nil, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		sum, stderr, err := runCLI(t, dir, nil, sargs...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", sargs, err, stderr)
		}
		html, _ := os.ReadFile(filepath.Join(dir, "r.html"))
		js, _ := os.ReadFile(filepath.Join(dir, "r.json"))
		for name, out := range map[string]string{"HTML": string(html), "JSON": string(js), "summary": sum} {
			if got := strings.Contains(out, "s3cr3t-pw"); got != show {
				t.Errorf("show-secrets=%v: %s holds the password: %v", show, name, got)
			}
			if !strings.Contains(out, "alice") {
				t.Errorf("%s does not name the user", name)
			}
			if !show && !strings.Contains(out, "•••• (9 characters)") {
				t.Errorf("%s does not show the mask", name)
			}
		}
		if !strings.Contains(sum, `cleartext credentials for "alice" sent over FTP`) {
			t.Errorf("summary has no finding:\n%s", sum)
		}
	}
}
