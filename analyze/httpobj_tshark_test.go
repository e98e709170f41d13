package analyze_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// httpObjectCaptures are the captures that carry HTTP bodies, with how
// many of tshark's exported objects (--export-objects http) must have a
// listed object of the same SHA-256, and how many listed objects may have
// no file of theirs among tshark's. The differences are explained in
// README (HTTP objects): tshark exports no body it could not reassemble
// whole, and hashes a body it could not decompress as sent.
var httpObjectCaptures = []struct {
	name           string
	shared         bool
	missing, extra int // tshark's objects we do not have; ours tshark does not have
}{
	{"http_espn_browsing.pcapng", false, 0, 1},
	{"nflog_http.pcap", false, 0, 0},
	{"wifi_radiotap_http.pcap", false, 0, 0},
	{"arp_poison_http_dns.pcapng", false, 0, 0},
	{"rawip_dlt101_http_dns.pcap", false, 0, 0},
	{"vlan_mpls_mixed.pcap", false, 3, 0},
	{"vlan_qinqinq_http.pcap", false, 0, 0},
	{"nanosec_bigendian_http.pcap", false, 0, 0},
	{"http_browsing_dns_2013.pcap", true, 0, 0},
	{"http_ipv4_and_ipv6.pcapng", true, 0, 0},
	{"http_cut_short_trailing_byte.pcap", true, 0, 0},
	{"mixed_lan_vlan_tls_http_2010_2015.pcap", true, 0, 0},
	{"linux_sll_mixed.pcap", true, 0, 0},
}

// TestHTTPObjectsTshark compares the SHA-256 of every HTTP object with the
// files `tshark --export-objects http,DIR` writes for the same capture.
func TestHTTPObjectsTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark twice on 13 captures")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, c := range httpObjectCaptures {
		path := filepath.Join("../testdata", c.name)
		if c.shared {
			path = filepath.Join(sharedDir, c.name)
		}
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s: not here, skipped", path)
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			want := exportedHashes(t, path)
			// tshark 4.0 leaves segments that arrive out of order
			// unreassembled unless told to: a body such a segment
			// completes is not exported by default, and is with the
			// option. Ours found only with the option are explained.
			ooo := exportedHashes(t, path, "-o", "tcp.reassemble_out_of_order:TRUE")
			s, err := analyze.File(path, analyze.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			byHash := map[string]analyze.HTTPObject{}
			for _, o := range s.HTTP.Objects {
				got[o.SHA256]++
				byHash[o.SHA256] = o
			}
			var missing, extra []string
			outOfOrder := 0
			matched := 0
			for h, n := range want {
				m := min(n, got[h])
				matched += m
				for range n - m {
					if ooo[h] < n {
						outOfOrder++ // a piece tshark writes only without out-of-order reassembly
						continue
					}
					missing = append(missing, h)
				}
			}
			for h, n := range got {
				for range n - min(n, want[h]) {
					if ooo[h] > want[h] {
						outOfOrder++
						continue
					}
					o := byHash[h]
					extra = append(extra, h[:12]+" "+describeObject(s, o))
				}
			}
			slices.Sort(missing)
			slices.Sort(extra)
			t.Logf("%s: tshark %d objects, ours %d, %d match, %d differ only where tshark does not reassemble out-of-order segments", c.name, sum(want), len(s.HTTP.Objects), matched, outOfOrder)
			if len(missing) != c.missing || len(extra) != c.extra {
				t.Errorf("%s: %d of tshark's objects not found (want %d), %d of ours not in tshark's (want %d)\nmissing: %s\nextra:\n%s",
					c.name, len(missing), c.missing, len(extra), c.extra, strings.Join(missing, " "), strings.Join(extra, "\n"))
			}
		})
	}
}

// exportedHashes runs tshark --export-objects http on path and counts
// the files it wrote by SHA-256. Empty files (bodies of length 0) are
// left out: they are no object here.
func exportedHashes(t *testing.T, path string, opts ...string) map[string]int {
	dir := t.TempDir()
	args := append(append([]string{}, opts...), "-r", path, "-q", "--export-objects", "http,"+dir)
	out, err := exec.Command("tshark", args...).CombinedOutput()
	if err != nil {
		t.Logf("tshark: %v: %s", err, out) // a capture cut short makes tshark fail after exporting
	}
	hashes := map[string]int{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			continue
		}
		sum := sha256.Sum256(b)
		hashes[hex.EncodeToString(sum[:])]++
	}
	return hashes
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

func describeObject(s *analyze.Summary, o analyze.HTTPObject) string {
	d := ""
	if o.Transaction >= 0 {
		tx := s.HTTP.Transactions[o.Transaction]
		d = tx.Method + " " + tx.Host + tx.Target + " " + tx.ContentType
	}
	flags := ""
	if o.Incomplete {
		flags += " incomplete"
	}
	if o.Truncated {
		flags += " truncated"
	}
	if o.Undecoded {
		flags += " undecoded"
	}
	if o.Request {
		flags += " request"
	}
	return d + " enc=" + o.Encoding + flags + " size=" + itoa(o.Size) + " wire=" + itoa(o.WireSize)
}

func itoa(n int64) string { return strconvI(n) }

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }
