package analyze_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
)

// tsharkTimes runs tshark on path and returns each frame's number and
// time (nil for a frame tshark shows no time for).
func tsharkTimes(t *testing.T, path string) (nums []int64, times []*time.Time) {
	t.Helper()
	out, err := exec.Command("tshark", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch").Output()
	if _, cut := err.(*exec.ExitError); err != nil && !(cut && len(out) > 0) { // a capture cut short: exit 2, frames read
		t.Fatalf("tshark %s: %v", path, err)
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			t.Fatalf("tshark line %q", line)
		}
		nums = append(nums, n)
		if len(f) < 2 || f[1] == "" {
			times = append(times, nil)
			continue
		}
		sec, frac, _ := strings.Cut(f[1], ".")
		s, err1 := strconv.ParseInt(sec, 10, 64)
		ns, err2 := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("tshark time %q", f[1])
		}
		ts := time.Unix(s, ns)
		times = append(times, &ts)
	}
	return nums, times
}

// TestBulkAgreesWithTshark checks Capture.Bulk of every testdata capture
// against tshark's frame times: the outlying packets are exactly the frames
// stamped outside the bulk's span, named by tshark's frame numbers, and the
// span is that of the frames inside it. Two captures have known outliers:
// pcapng_two_linktypes_eth_sll.pcapng (frame 2 stamped 2061, and the 100
// frames of an interface stamped in the year 586524) and
// dns_edns_tcp_ipv6.pcap (eight frames of 2016, 27 months before the rest).
func TestBulkAgreesWithTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	if testing.Short() {
		t.Skip("runs tshark on every capture")
	}
	known := map[string]int64{"pcapng_two_linktypes_eth_sll.pcapng": 101, "dns_edns_tcp_ipv6.pcap": 8}
	paths, _ := filepath.Glob("../testdata/*.pcap*")
	for _, p := range paths {
		s, err := analyze.File(p, analyze.Options{})
		if err != nil {
			continue
		}
		name := filepath.Base(p)
		b := s.Capture.Bulk
		if b.OutlyingPackets != known[name] {
			t.Errorf("%s: %d outlying packets, want %d", name, b.OutlyingPackets, known[name])
		}
		if b.First == "" {
			continue
		}
		first, err1 := analyze.ParseTime(b.First)
		last, err2 := analyze.ParseTime(b.Last)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bulk %q to %q", name, b.First, b.Last)
		}
		nums, times := tsharkTimes(t, p)
		var outside []int64
		var lo, hi time.Time
		for i, ts := range times {
			switch {
			case ts == nil:
			case ts.Before(first) || ts.After(last):
				outside = append(outside, nums[i])
			default:
				if lo.IsZero() || ts.Before(lo) {
					lo = *ts
				}
				if hi.IsZero() || ts.After(hi) {
					hi = *ts
				}
			}
		}
		if int64(len(outside)) != b.OutlyingPackets || !slices.Equal(outside[:min(len(outside), 10)], b.OutlyingExamples) {
			t.Errorf("%s: tshark has %d frames outside %s to %s, first %v; analyze %d, %v",
				name, len(outside), b.First, b.Last, outside[:min(len(outside), 10)], b.OutlyingPackets, b.OutlyingExamples)
		}
		if !lo.Equal(first) || !hi.Equal(last) {
			t.Errorf("%s: bulk %s to %s, tshark's frames inside it run %s to %s", name, b.First, b.Last, lo, hi)
		}
	}
}
