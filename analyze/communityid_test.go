package analyze

import (
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestCommunityIDVectors checks CommunityID against the specification's
// baselines (testdata/community-id, vendored with its licence): every
// TCP, UDP and SCTP tuple, in both directions, with seed 0 and seed 1,
// base64 and hex.
func TestCommunityIDVectors(t *testing.T) {
	checked := 0
	for _, v := range []struct {
		file string
		seed uint16
		hex  bool
	}{{"baseline_deflt.json", 0, false}, {"baseline_seed1.json", 1, false}, {"baseline_nob64.json", 0, true}} {
		b, err := os.ReadFile("../testdata/community-id/" + v.file)
		if err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			Proto        uint8
			Saddr, Daddr string
			Sport, Dport uint16
			Communityid  string
		}
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Proto != 6 && r.Proto != 17 && r.Proto != 132 {
				continue // ICMP's type/code mapping and portless protocols are not used here
			}
			got := CommunityID(v.seed, r.Proto, netip.MustParseAddr(r.Saddr), r.Sport, netip.MustParseAddr(r.Daddr), r.Dport, v.hex)
			if got != r.Communityid {
				t.Errorf("%s: %d %s:%d -> %s:%d: %s, the spec's baseline says %s", v.file, r.Proto, r.Saddr, r.Sport, r.Daddr, r.Dport, got, r.Communityid)
			}
			checked++
		}
	}
	if checked != 24 {
		t.Errorf("checked %d tuples, want the baselines' 24 (8 TCP, UDP and SCTP rows in each of 3 files)", checked)
	}
	if got := CommunityID(0, 6, netip.MustParseAddr("10.0.0.1"), 1, netip.MustParseAddr("::1"), 2, false); got != "" {
		t.Errorf("addresses of two families: %q, want none", got)
	}
}

// TestCommunityIDMatchesTshark: every TCP and UDP conversation of each
// capture has the Community ID that tshark's communityid dissector gives
// its packets, over IPv4 and IPv6, and every ID tshark gives a TCP or UDP
// packet belongs to a listed conversation.
func TestCommunityIDMatchesTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, path := range []string{
		"../testdata/community-id/tcp.pcap", "../testdata/community-id/udp.pcap", "../testdata/community-id/ipv6.pcap",
		"../testdata/windows_lan_dns_llmnr_smb.pcap", "../testdata/http_espn_browsing.pcapng",
		// Not dns_edns_tcp_ipv6.pcap: its fragmented UDP flows are named
		// by tshark on the reassembled last fragment only, while
		// pcapreport counts the first fragment, whose ports it has.
	} {
		out, err := exec.Command("tshark", "-n", "-r", path, "--enable-protocol", "communityid",
			// Fragments are left out: tshark reassembles them into one
			// flow, pcapreport counts them as IP packets only (README,
			// "What is counted").
			"-Y", "(tcp || udp) && !icmp && !icmpv6 && !(ip.flags.mf == 1) && !(ip.frag_offset > 0) && !ipv6.fragment",
			"-T", "fields", "-e", "communityid").Output()
		if err != nil && len(out) == 0 {
			t.Fatalf("tshark on %s: %v", path, err)
		}
		want := map[string]bool{}
		for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				want[l] = true
			}
		}
		s, err := File(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, cv := range s.Conversations.Transport {
			if !want[cv.CommunityID] {
				t.Errorf("%s: %s %s:%d - %s:%d: %q, which tshark gives no packet", path, cv.Proto, cv.A, cv.APort, cv.B, cv.BPort, cv.CommunityID)
			}
			got[cv.CommunityID] = true
		}
		for id := range want {
			if !got[id] {
				t.Errorf("%s: tshark's %s is no listed conversation's", path, id)
			}
		}
		if len(got) == 0 || int64(len(got)) != s.Conversations.TransportTotal {
			t.Errorf("%s: %d distinct IDs for %d conversations", path, len(got), s.Conversations.TransportTotal)
		}
		t.Logf("%s: %d conversations, all with tshark's Community ID", path, len(got))
	}
}
