package analyze_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// tsharkFlow is a TCP conversation as tshark's fields show it.
type tsharkFlow struct {
	client      string // "addr:port" of the first SYN without ACK, "" if none
	synFrom     map[string]bool
	synAckFrom  map[string]bool
	rstFrom     map[string]bool
	ackFrom     map[string]bool // an ACK without SYN
	dataFrom    map[string]bool
	packetsFrom map[string]int64
}

// tsharkTCPFlows reads every TCP packet of path with tshark, keyed as
// "lower end|higher end" of "addr:port" strings. Packets in tunnels or
// quoted in ICMP errors (two IP headers) are left out, as analyze reads
// only the outermost headers.
func tsharkTCPFlows(t *testing.T, path string) map[string]*tsharkFlow {
	t.Helper()
	cmd := exec.Command("tshark", "-n", "-r", path, "-Y", "tcp && !icmp && !icmpv6",
		"-T", "fields", "-E", "separator=|", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst",
		"-e", "tcp.dstport", "-e", "tcp.flags", "-e", "tcp.len", "-e", "icmp.type", "-e", "icmpv6.type")
	out, err := cmd.Output()
	if err != nil {
		t.Logf("tshark on %s: %v (a cut-short capture): skipped", path, err)
		return nil
	}
	flows := map[string]*tsharkFlow{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 10 || f[8] != "" || f[9] != "" {
			continue
		}
		src, dst := f[0]+f[1], f[3]+f[4]
		if strings.Contains(src, ",") || strings.Contains(dst, ",") || f[2] == "" || strings.Contains(f[2], ",") {
			continue // tunnels: two IP headers
		}
		a, b := src+":"+f[2], dst+":"+f[5]
		key := a + "|" + b
		if b < a {
			key = b + "|" + a
		}
		fl := flows[key]
		if fl == nil {
			fl = &tsharkFlow{synFrom: map[string]bool{}, synAckFrom: map[string]bool{}, rstFrom: map[string]bool{},
				ackFrom: map[string]bool{}, dataFrom: map[string]bool{}, packetsFrom: map[string]int64{}}
			flows[key] = fl
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(f[6], "0x"), 16, 16)
		if err != nil {
			t.Fatalf("tshark flags %q", f[6])
		}
		syn, ack, rst := flags&2 != 0, flags&0x10 != 0, flags&4 != 0
		if syn && !ack {
			fl.synFrom[a] = true
			if fl.client == "" {
				fl.client = a
			}
		}
		fl.synAckFrom[a] = fl.synAckFrom[a] || syn && ack
		fl.ackFrom[a] = fl.ackFrom[a] || ack && !syn
		fl.rstFrom[a] = fl.rstFrom[a] || rst
		fl.dataFrom[a] = fl.dataFrom[a] || f[7] != "0" && f[7] != ""
		fl.packetsFrom[a]++
	}
	return flows
}

// outcome is the README's definition, applied to tshark's packets.
func (fl *tsharkFlow) outcome(server string) string {
	c := fl.client
	switch {
	case c == "":
		return "mid-stream"
	case fl.synAckFrom[server] && (fl.ackFrom[c] || fl.dataFrom[c]), fl.dataFrom[c] && fl.dataFrom[server]:
		return "established"
	case !fl.synAckFrom[server] && fl.rstFrom[server]:
		return "rejected"
	case fl.packetsFrom[server] == 0:
		return "no-answer"
	}
	return "incomplete"
}

func endpoint(addr string, port uint16) string {
	return fmt.Sprintf("%s:%d", addr, port)
}

// TestOrientationAgainstTshark checks, on every real capture in testdata
// and ../shared/captures, each listed TCP conversation's client (the
// sender of tshark's first SYN without ACK, when there is one) and
// outcome, and that analyze lists every TCP conversation tshark sees.
func TestOrientationAgainstTshark(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	paths, _ := filepath.Glob("../testdata/*.pcap*")
	if sharedPresent() {
		shared, _ := filepath.Glob(filepath.Join(sharedDir, "*.pcap*"))
		paths = append(paths, shared...)
	}
	if testing.Short() {
		paths = paths[:min(len(paths), 8)]
	}
	var checked, synFlows int
	for _, p := range paths {
		if strings.HasSuffix(p, ".gz") {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue
		}
		s, err := analyze.File(p, analyze.Options{})
		if err != nil {
			continue // an unreadable capture is other tests' business
		}
		if int64(len(s.Conversations.Transport)) != s.Conversations.TransportTotal {
			continue // not every conversation listed
		}
		flows := tsharkTCPFlows(t, p)
		if flows == nil {
			continue
		}
		listed := 0
		var outcomes analyze.TCPOutcomes
		for _, cv := range s.Conversations.Transport {
			if cv.Proto != "tcp" {
				continue
			}
			listed++
			c, sv := endpoint(cv.Client, cv.ClientPort), endpoint(cv.Server, cv.ServerPort)
			key := c + "|" + sv
			if sv < c {
				key = sv + "|" + c
			}
			fl := flows[key]
			if fl == nil {
				t.Errorf("%s: %s -> %s: tshark shows no such TCP conversation", p, c, sv)
				continue
			}
			checked++
			if fl.client != "" {
				synFlows++
				if fl.client != c {
					t.Errorf("%s: %s -> %s: tshark's first SYN is from %s", p, c, sv, fl.client)
				}
			}
			if w := fl.outcome(sv); w != cv.Outcome {
				t.Errorf("%s: %s -> %s: outcome %s, tshark's packets say %s", p, c, sv, cv.Outcome, w)
			}
			switch cv.Outcome {
			case "established":
				outcomes.Established++
			case "rejected":
				outcomes.Rejected++
			case "no-answer":
				outcomes.NoAnswer++
			case "incomplete":
				outcomes.Incomplete++
			case "mid-stream":
				outcomes.MidStream++
			}
		}
		if listed != len(flows) {
			t.Errorf("%s: %d TCP conversations, tshark %d", p, listed, len(flows))
		}
		if outcomes != s.Conversations.TCPOutcomes {
			t.Errorf("%s: outcome counts %+v, the listed rows' %+v", p, s.Conversations.TCPOutcomes, outcomes)
		}
	}
	t.Logf("%d TCP conversations checked against tshark, %d of them with a SYN", checked, synFlows)
	if checked == 0 {
		t.Error("no TCP conversation checked")
	}
}
