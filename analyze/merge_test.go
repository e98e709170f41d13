package analyze_test

import (
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/pcapreport/pcapreport/analyze"
)

// mergePacket is one packet read from a testdata capture.
type mergePacket struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// mergeReadPackets reads every packet of a single-link-type Ethernet
// testdata capture (pcap or pcapng).
func mergeReadPackets(t *testing.T, path string) []mergePacket {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	if strings.HasSuffix(path, ".pcapng") {
		r, err = pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	} else {
		r, err = pcapgo.NewReader(f)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []mergePacket
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, mergePacket{ci, data})
	}
}

// mergeWritePcap writes packets as a microsecond Ethernet pcap file and
// analyses it.
func mergeWritePcap(t *testing.T, path string, pkts []mergePacket) *analyze.Summary {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := analyze.File(path, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mergeJSON is s as indented JSON, for comparing and for readable diffs.
func mergeJSON(t *testing.T, s *analyze.Summary) string {
	t.Helper()
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mergeDiff reports the first differing line of two JSON texts.
func mergeDiff(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s: line %d:\n got %s\nwant %s", what, i+1, gl, wl)
			return
		}
	}
}

// TestMergeEqualsConcatenation merges the Summaries of two captures and
// compares the result with the analysis of one capture holding the packets
// of both: everything but the file's own facts must be equal.
func TestMergeEqualsConcatenation(t *testing.T) {
	espn := mergeReadPackets(t, "../testdata/http_espn_browsing.pcapng")
	cases := []struct {
		name string
		a, b []mergePacket
	}{
		// One capture cut in two: the bin at the cut is shared by both halves.
		{"halves", espn[:len(espn)/2], espn[len(espn)/2:]},
		// Captures seven years apart: the merged timeline is sparse.
		{"2017+2010", mergeReadPackets(t, "../testdata/dns_lab_ptr_nxdomain.pcapng"),
			mergeReadPackets(t, "../testdata/arp_poison_http_dns.pcapng")},
		{"2016+2014", mergeReadPackets(t, "../testdata/windows_lan_dns_llmnr_smb.pcap"),
			mergeReadPackets(t, "../testdata/dns_many_queries_mdns_llmnr.pcap")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			a := mergeWritePcap(t, filepath.Join(dir, "a.pcap"), c.a)
			b := mergeWritePcap(t, filepath.Join(dir, "b.pcap"), c.b)
			ab := mergeWritePcap(t, filepath.Join(dir, "ab.pcap"), append(append([]mergePacket{}, c.a...), c.b...))

			got := *a
			if err := analyze.Merge(&got, b); err != nil {
				t.Fatal(err)
			}
			if got.Capture.Path != "2 captures" || got.Capture.Captures != 2 || !got.Capture.Overview || got.Capture.SHA256 != "" || got.Capture.Size != a.Capture.Size+b.Capture.Size {
				t.Errorf("merged capture: path %q, sha256 %q, size %d (want the sum %d)",
					got.Capture.Path, got.Capture.SHA256, got.Capture.Size, a.Capture.Size+b.Capture.Size)
			}
			if got.Capture.Packets != int64(len(c.a)+len(c.b)) {
				t.Errorf("merged packets %d, want %d", got.Capture.Packets, len(c.a)+len(c.b))
			}
			if c.name == "2017+2010" && !got.Timeline.Sparse {
				t.Error("seven years of 2-second bins should make a sparse timeline")
			}
			if c.name == "halves" && (got.Timeline.Sparse || len(got.Timeline.Bins) != len(ab.Timeline.Bins)) {
				t.Errorf("halves: %d bins (sparse %v), want %d dense", len(got.Timeline.Bins), got.Timeline.Sparse, len(ab.Timeline.Bins))
			}
			// The file's own facts differ by design; packet numbers of
			// examples are per capture. An overview's bulk spans its
			// captures' bulks, checked in TestMergeBulk.
			want := *ab
			// A transaction cut in two is unanswered in the first half
			// and unsolicited in the second; everything else adds up.
			gt, wt := got.DNS.Timing, want.DNS.Timing
			split := gt.Unsolicited - wt.Unsolicited
			if gt.Unanswered-wt.Unanswered != split || wt.Answered-gt.Answered != split || gt.Queries != wt.Queries ||
				gt.Retransmissions != wt.Retransmissions || split < 0 {
				t.Errorf("merged DNS timing %+v, whole capture's %+v: want the same but for transactions cut in two", gt, wt)
			}
			got.DNS.Timing, want.DNS.Timing = analyze.DNSTiming{}, analyze.DNSTiming{}
			// Nor does an overview see time go back from one capture to
			// the next, as the concatenation does.
			if c.b[0].ci.Timestamp.Before(c.a[len(c.a)-1].ci.Timestamp) {
				want.Capture.Quality.OutOfOrder--
			}
			for _, s := range []*analyze.Summary{&got, &want} {
				s.Capture.Path, s.Capture.Size, s.Capture.SHA256 = "", 0, ""
				s.Capture.Captures, s.Capture.Overview = 0, false
				s.Capture.DecodeErrorExamples = nil
				s.Capture.Bulk = analyze.Bulk{}
				s.Capture.Quality.FirstSnapped, s.Capture.Quality.FirstOutOfOrder = 0, 0
				// A conversation cut in two counts for its server's port
				// in each capture that has a part of it.
				for _, ps := range [][]analyze.Port{s.Ports.TCP, s.Ports.UDP} {
					for i := range ps {
						ps[i].ServerConversations = 0
					}
				}
				if c.name == "halves" {
					// An HTTP body cut by the split is two pieces in the
					// halves, one in the whole: the objects are compared
					// in the other cases, where no connection is cut.
					s.HTTP.Transactions, s.HTTP.Objects, s.HTTP.ObjectsSkipped = nil, nil, nil
					s.HTTP.TransactionsTotal, s.HTTP.ObjectsTotal = 0, 0
				}
				s.Findings = analyze.Findings(s)
			}
			mergeDiff(t, "Merge(a, b) vs analysis of a+b", mergeJSON(t, &got), mergeJSON(t, &want))
		})
	}
}

// TestMergeOrderDoesNotMatter merges captures of different link types,
// formats, times, warnings and decode errors in several orders and
// groupings: the overview must be the same bytes every time.
func TestMergeOrderDoesNotMatter(t *testing.T) {
	paths := []string{
		"../testdata/cut_short_vlan_qinqinq_http.pcap",         // a warning
		"../testdata/malformed/ipv6-bad-version.pcap",          // decode errors
		"../testdata/pcapng_two_linktypes_eth_sll.pcapng",      // two link types, a packet in the year 586524
		"../testdata/nflog_http.pcap",                          // another link type
		"../testdata/arp_poison_http_dns.pcapng",               // ARP conflicts
		"../testdata/dns_edns_tcp_ipv6.pcap",                   // a sparse timeline
		"../testdata/malformed/unsupported-link-type-160.pcap", // no IP at all, stamped 1970
	}
	var sums []*analyze.Summary
	var packets int64
	for _, p := range paths {
		s, err := analyze.File(p, analyze.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
		packets += s.Capture.Packets
	}
	overview := func(order []int) string {
		o := analyze.NewOverview(analyze.Options{})
		for _, i := range order {
			if err := o.Add(sums[i]); err != nil {
				t.Fatal(err)
			}
		}
		return mergeJSON(t, o.Summary())
	}
	want := overview([]int{0, 1, 2, 3, 4, 5, 6})
	mergeDiff(t, "reversed", overview([]int{6, 5, 4, 3, 2, 1, 0}), want)
	mergeDiff(t, "shuffled", overview([]int{3, 0, 6, 2, 5, 1, 4}), want)

	// Merge pairwise, then merge the merged: the same overview.
	left, right := analyze.Summary{}, analyze.Summary{}
	for _, s := range sums[:3] {
		if err := analyze.Merge(&left, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range sums[3:] {
		if err := analyze.Merge(&right, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := analyze.Merge(&right, &left); err != nil {
		t.Fatal(err)
	}
	mergeDiff(t, "merged in two groups", mergeJSON(t, &right), want)

	var got analyze.Summary
	if err := json.Unmarshal([]byte(want), &got); err != nil {
		t.Fatal(err)
	}
	c := got.Capture
	if c.Path != "7 captures" || c.SHA256 != "" || c.Packets != packets {
		t.Errorf("path %q sha256 %q packets %d, want \"7 captures\", \"\", %d", c.Path, c.SHA256, c.Packets, packets)
	}
	if c.IPPackets+c.OtherPackets+c.UndecodablePackets != c.Packets {
		t.Errorf("packets do not add up: %d IP + %d other + %d undecodable != %d", c.IPPackets, c.OtherPackets, c.UndecodablePackets, c.Packets)
	}
	if c.Format != "pcap, pcapng" {
		t.Errorf("format %q, want \"pcap, pcapng\"", c.Format)
	}
	links := map[string]bool{}
	for _, s := range sums {
		for _, l := range s.Capture.LinkTypes {
			links[l] = true
		}
	}
	wantLinks := slices.Sorted(maps.Keys(links))
	if !slices.Equal(c.LinkTypes, wantLinks) || len(wantLinks) < 4 {
		t.Errorf("link types %q, want the sorted union %q", c.LinkTypes, wantLinks)
	}
	if c.First != "1970-01-01T00:00:00.000000Z" || c.Last != "586524-01-19T07:53:24.277451000Z" {
		t.Errorf("first %q last %q", c.First, c.Last)
	}
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "../testdata/cut_short_vlan_qinqinq_http.pcap: capture cut short at byte offset 6409") {
		t.Errorf("warnings %q, want the cut-short warning tagged with its capture", c.Warnings)
	}
	if len(c.DecodeErrorExamples) == 0 {
		t.Fatal("no decode error examples")
	}
	for _, e := range c.DecodeErrorExamples {
		if !strings.Contains(e.Detail, "(in ../testdata/") && !strings.HasPrefix(e.Detail, "in ../testdata/") {
			t.Errorf("example %+v does not name its capture", e)
		}
	}
	if len(got.ARP.SharedMACs) != 1 || got.ARP.SharedMACs[0].MAC != "00:25:b3:bf:91:ee" {
		t.Errorf("shared MACs %+v, want the gateway's MAC claiming two addresses in arp_poison_http_dns.pcapng", got.ARP.SharedMACs)
	}
}

// TestMergeTimelineDensity checks the MaxBins rule on merged bins:
// bins 18 seconds apart fill in densely, years apart stay sparse.
func TestMergeTimelineDensity(t *testing.T) {
	summary := func(path string, bins ...analyze.Bin) *analyze.Summary {
		s := &analyze.Summary{
			Capture:  analyze.Capture{Path: path, SHA256: strings.Repeat("0", 64), Captures: 1},
			Timeline: analyze.Timeline{IntervalSeconds: 2, Bins: bins, Series: []analyze.Series{}},
		}
		for _, b := range bins {
			s.Capture.Packets += b.Packets
			s.Capture.IPPackets += b.Packets
			s.Capture.IPBytes += b.Bytes
		}
		s.Capture.First, s.Capture.Last = bins[0].Start, bins[len(bins)-1].Start
		return s
	}
	a := summary("a.pcap",
		analyze.Bin{Start: "2020-05-01T10:00:00Z", Packets: 2, Bytes: 100},
		analyze.Bin{Start: "2020-05-01T10:00:02Z", Packets: 0, Bytes: 0},
		analyze.Bin{Start: "2020-05-01T10:00:04Z", Packets: 1, Bytes: 60})
	b := summary("b.pcap",
		analyze.Bin{Start: "2020-05-01T10:00:04Z", Packets: 3, Bytes: 40},
		analyze.Bin{Start: "2020-05-01T10:00:18Z", Packets: 1, Bytes: 1500})
	got := *a
	if err := analyze.Merge(&got, b); err != nil {
		t.Fatal(err)
	}
	tl := got.Timeline
	if tl.Sparse || len(tl.Bins) != 10 {
		t.Fatalf("%d bins, sparse %v; want 10 dense bins from 10:00:00 to 10:00:18", len(tl.Bins), tl.Sparse)
	}
	want := map[int]analyze.Bin{
		0: {Start: "2020-05-01T10:00:00Z", Packets: 2, Bytes: 100},
		2: {Start: "2020-05-01T10:00:04Z", Packets: 4, Bytes: 100},
		9: {Start: "2020-05-01T10:00:18Z", Packets: 1, Bytes: 1500},
	}
	for i, bin := range tl.Bins {
		w, ok := want[i]
		if !ok {
			w = analyze.Bin{Start: bin.Start}
		}
		if bin != w {
			t.Errorf("bin %d = %+v, want %+v", i, bin, w)
		}
	}
	if got.Capture.DurationSeconds != 18 {
		t.Errorf("duration %v, want 18", got.Capture.DurationSeconds)
	}

	far := summary("far.pcap", analyze.Bin{Start: "2031-01-01T00:00:00Z", Packets: 1, Bytes: 80})
	if err := analyze.Merge(&got, far); err != nil {
		t.Fatal(err)
	}
	if !got.Timeline.Sparse || len(got.Timeline.Bins) != 4 {
		t.Errorf("%d bins, sparse %v; want the 4 non-empty bins, sparse", len(got.Timeline.Bins), got.Timeline.Sparse)
	}
	if got.Capture.Path != "3 captures" {
		t.Errorf("path %q", got.Capture.Path)
	}

	// A Summary made with another interval cannot be merged, and the
	// failed merge leaves dst as it was.
	before := mergeJSON(t, &got)
	other := summary("other.pcap", analyze.Bin{Start: "2020-05-01T10:00:00Z", Packets: 1, Bytes: 1})
	other.Timeline.IntervalSeconds = 1
	if err := analyze.Merge(&got, other); err == nil || !strings.Contains(err.Error(), "interval") {
		t.Errorf("merging another interval: error %v", err)
	}
	if mergeJSON(t, &got) != before {
		t.Error("a failed Merge changed dst")
	}
	bad := summary("bad.pcap", analyze.Bin{Start: "yesterday", Packets: 1, Bytes: 1})
	if err := analyze.NewOverview(analyze.Options{}).Add(bad); err == nil {
		t.Error("a bin with a bad start time was accepted")
	}
}

// TestMergeIntoZero merges each testdata capture into an empty overview:
// every number must come through, which also catches a Summary field that
// Merge does not know about yet.
func TestMergeIntoZero(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/*.pcap*")
	more, _ := filepath.Glob("../testdata/malformed/*")
	for _, p := range append(paths, more...) {
		s, err := analyze.File(p, analyze.Options{})
		if err != nil {
			continue // not every malformed capture can be read
		}
		var got analyze.Summary
		if err := analyze.Merge(&got, s); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got.Capture.Path != "1 capture" || got.Capture.SHA256 != "" || got.Capture.Captures != 1 || !got.Capture.Overview || s.Capture.Overview {
			t.Errorf("%s: path %q sha256 %q, %d captures, overview %v (the capture's: %v)", p, got.Capture.Path, got.Capture.SHA256,
				got.Capture.Captures, got.Capture.Overview, s.Capture.Overview)
		}
		want := *s
		for _, x := range []*analyze.Summary{&got, &want} {
			// What an overview changes by design: the file's own facts,
			// the order of link types, and the capture's name added to
			// its warnings and examples.
			x.Capture.Path, x.Capture.SHA256, x.Capture.Compression = "", "", ""
			x.Capture.Overview = false
			x.Capture.LinkTypes = slices.Sorted(slices.Values(x.Capture.LinkTypes))
			x.Capture.Warnings = nil
			examples := append([]analyze.PacketError{}, x.Capture.DecodeErrorExamples...)
			for i := range examples {
				examples[i].Detail = ""
			}
			x.Capture.DecodeErrorExamples = examples
			x.Capture.Bulk.OutlyingExamples = nil // packet numbers are per capture
			// Packet numbers, which mean nothing in an overview.
			x.Capture.Quality.FirstSnapped, x.Capture.Quality.FirstOutOfOrder = 0, 0
			x.Findings = analyze.Findings(x)
		}
		mergeDiff(t, "Merge(zero, "+p+") vs "+p, mergeJSON(t, &got), mergeJSON(t, &want))
	}
}

// TestMergeKnowsEveryField lists the fields of Summary that Merge merges.
// A new field fails it: teach its part's merger (Overview's doc in merge.go)
// to merge it, then add it here.
func TestMergeKnowsEveryField(t *testing.T) {
	known := strings.Fields(`
Format Capture Capture.Path Capture.Size Capture.SHA256 Capture.Captures Capture.Overview Capture.Format Capture.Compression Capture.LinkTypes
Capture.Packets Capture.IPPackets Capture.OtherPackets Capture.UndecodablePackets Capture.IPBytes
Capture.First Capture.Last Capture.DurationSeconds Capture.Bulk Capture.Bulk.First Capture.Bulk.Last Capture.Bulk.DurationSeconds Capture.Bulk.OutlyingPackets Capture.Bulk.OutlyingExamples Capture.DecodeErrors Capture.DecodeErrorReasons
Capture.DecodeErrorReasons.Name Capture.DecodeErrorReasons.Count Capture.DecodeErrorExamples
Capture.DecodeErrorExamples.Packet Capture.DecodeErrorExamples.Offset Capture.DecodeErrorExamples.Reason
Capture.DecodeErrorExamples.Detail Capture.OtherProtocols Capture.OtherProtocols.Name
Capture.OtherProtocols.Count Capture.Warnings
Capture.Quality Capture.Quality.SnappedPackets Capture.Quality.SnapLength Capture.Quality.FirstSnapped
Capture.Quality.OutOfOrder Capture.Quality.FirstOutOfOrder Capture.Quality.CutShort
Ports.Unexpected Ports.Unexpected.Proto Ports.Unexpected.Server Ports.Unexpected.Port Ports.Unexpected.Service
Ports.Unexpected.Seen Ports.Unexpected.Flows Ports.Unexpected.Clients
Findings Findings.Rule Findings.Severity Findings.Title Findings.Anchor Findings.Evidence Findings.Evidence.Hosts
Findings.Evidence.MACs Findings.Evidence.Names Findings.Evidence.Counts Findings.Evidence.Counts.Name
Findings.Evidence.Counts.Count Findings.Evidence.Packets
Provenance
Sources Sources.IP Sources.Packets Sources.Bytes Sources.PacketsError Sources.BytesError
Destinations Destinations.IP Destinations.Packets Destinations.Bytes Destinations.PacketsError Destinations.BytesError
DNS.Queries.CountError TLS.ServerNames.CountError Conversations.IP.PacketsError Conversations.IP.BytesError
Conversations.Transport.PacketsError Conversations.Transport.BytesError
Conversations.IP.CommunityID Conversations.Transport.CommunityID
Estimates Estimates.List Estimates.Unit Estimates.Tracked Estimates.Replaced Estimates.MaxError Estimates.MaxErrorBytes
DNS DNS.Queries DNS.Queries.Name DNS.Queries.Count DNS.Queries.Clients DNS.Queries.Clients.IP DNS.Queries.Clients.Count
DNS.Queries.ClientsTotal DNS.TotalQueries DNS.Responses DNS.Types DNS.Types.Name DNS.Types.Count DNS.Rcodes
DNS.Rcodes.Name DNS.Rcodes.Count DNS.NXDomain DNS.NXDomain.Name DNS.NXDomain.Count DNS.Answers DNS.Answers.Name
DNS.Answers.Type DNS.Answers.Data DNS.Answers.Count DNS.AnswersTruncated DNS.Clients DNS.Clients.IP DNS.Clients.Count
DNS.Servers DNS.Servers.IP DNS.Servers.Count DNS.MDNS DNS.MDNS.Name DNS.MDNS.Count DNS.LLMNR DNS.LLMNR.Name DNS.LLMNR.Count
DNS.StringsCut DNS.StringsCut.Name DNS.StringsCut.Count
DNS.Timing DNS.Timing.Queries DNS.Timing.Answered DNS.Timing.Unanswered DNS.Timing.Retransmissions DNS.Timing.Unsolicited
DNS.Timing.Untracked DNS.Timing.MedianMS DNS.Timing.WorstMS DNS.Timing.WorstName DNS.Timing.Histogram
DNS.Timing.Histogram.Bucket DNS.Timing.Histogram.Count DNS.Timing.Servers DNS.Timing.Servers.Server
DNS.Timing.Servers.Queries DNS.Timing.Servers.Answered DNS.Timing.Servers.Unanswered DNS.Timing.Servers.Retransmissions
DNS.Timing.Servers.Unsolicited DNS.Timing.Servers.MedianMS DNS.Timing.Servers.WorstMS DNS.Timing.Servers.WorstName
DNS.Timing.Servers.Histogram DNS.Timing.Servers.Histogram.Bucket DNS.Timing.Servers.Histogram.Count
DNS.Timing.ServersTruncated
DNS.NXBursts DNS.NXBursts.Clients DNS.NXBursts.Clients.Client DNS.NXBursts.Clients.NXDomain DNS.NXBursts.Clients.Peak60s
DNS.NXBursts.Clients.PeakStart DNS.NXBursts.Clients.PeakReverse DNS.NXBursts.Clients.PeakNames DNS.NXBursts.Clients.PeakNamesMore
DNS.NXBursts.Unfollowed
HTTP HTTP.Requests HTTP.Requests.Method HTTP.Requests.URL HTTP.Requests.Host HTTP.Requests.Path HTTP.Requests.Count
HTTP.Requests.Clients HTTP.Requests.Clients.IP HTTP.Requests.Clients.Count HTTP.Requests.ClientsTotal
HTTP.RequestsTruncated HTTP.TotalRequests HTTP.TotalResponses HTTP.Hosts HTTP.Hosts.Name HTTP.Hosts.Count
HTTP.Methods HTTP.Methods.Name HTTP.Methods.Count HTTP.StatusCodes HTTP.StatusCodes.Name HTTP.StatusCodes.Count
HTTP.UserAgents HTTP.UserAgents.Name HTTP.UserAgents.Count
HTTP.StringsCut HTTP.StringsCut.Name HTTP.StringsCut.Count
HTTP.Transactions HTTP.Transactions.Time HTTP.Transactions.Client HTTP.Transactions.ClientPort
HTTP.Transactions.Server HTTP.Transactions.ServerPort HTTP.Transactions.Method HTTP.Transactions.Host
HTTP.Transactions.Target HTTP.Transactions.Status HTTP.Transactions.ContentType HTTP.Transactions.Size
HTTP.Transactions.Referer HTTP.Transactions.UserAgent HTTP.Transactions.ResponseObject
HTTP.Transactions.RequestObject HTTP.TransactionsTotal HTTP.Objects HTTP.Objects.Time HTTP.Objects.Transaction
HTTP.Objects.Request HTTP.Objects.Size HTTP.Objects.WireSize HTTP.Objects.Encoding HTTP.Objects.ContentType
HTTP.Objects.SniffedType HTTP.Objects.Kind HTTP.Objects.SHA256 HTTP.Objects.MD5 HTTP.Objects.SHA1
HTTP.Objects.Incomplete HTTP.Objects.Truncated HTTP.Objects.Undecoded HTTP.Objects.File HTTP.ObjectsTotal
HTTP.ObjectsSkipped HTTP.ObjectsSkipped.Name HTTP.ObjectsSkipped.Count
TLS TLS.ClientHellos TLS.ServerNames TLS.ServerNames.Name TLS.ServerNames.Count TLS.ServerNames.Clients
TLS.ServerNames.Clients.IP TLS.ServerNames.Clients.Count TLS.ServerNames.ClientsTotal TLS.WithoutSNI
TLS.Versions TLS.Versions.Name TLS.Versions.Count TLS.ALPN TLS.ALPN.Name TLS.ALPN.Count TLS.ECH
TLS.StringsCut TLS.StringsCut.Name TLS.StringsCut.Count
TLS.QUIC TLS.QUIC.Initials TLS.QUIC.Decrypted TLS.QUIC.ClientHellos TLS.QUIC.Versions TLS.QUIC.Versions.Name
TLS.QUIC.Versions.Count TLS.QUIC.ServerNames TLS.QUIC.ServerNames.Name TLS.QUIC.ServerNames.Count TLS.QUIC.ALPN
TLS.QUIC.ALPN.Name TLS.QUIC.ALPN.Count TLS.QUIC.Failures TLS.QUIC.Failures.Name TLS.QUIC.Failures.Count
TLS.JA4 TLS.JA4.Fingerprint TLS.JA4.Raw TLS.JA4.Count TLS.JA4.ServerNames TLS.JA4.ServerNames.Name
TLS.JA4.ServerNames.Count TLS.JA4.Clients TLS.JA4.Clients.IP TLS.JA4.Clients.Count TLS.JA4.ClientsTotal
TLS.JA3 TLS.JA3.Fingerprint TLS.JA3.Raw TLS.JA3.Count TLS.JA3.ServerNames TLS.JA3.ServerNames.Name
TLS.JA3.ServerNames.Count TLS.JA3.Clients TLS.JA3.Clients.IP TLS.JA3.Clients.Count TLS.JA3.ClientsTotal
TLS.FingerprintsTruncated
TLS.Certificates TLS.Certificates.Messages TLS.Certificates.Seen TLS.Certificates.Unlisted TLS.Certificates.Malformed
TLS.Certificates.Incomplete TLS.Certificates.ParseErrors TLS.Certificates.Skipped TLS.Certificates.List
TLS.Certificates.List.SHA256 TLS.Certificates.List.Count TLS.Certificates.List.Size TLS.Certificates.List.Subject
TLS.Certificates.List.Issuer TLS.Certificates.List.DNSNames TLS.Certificates.List.IPAddresses TLS.Certificates.List.SANsCut
TLS.Certificates.List.NotBefore TLS.Certificates.List.NotAfter TLS.Certificates.List.KeyType TLS.Certificates.List.KeyBits
TLS.Certificates.List.SignatureAlgorithm TLS.Certificates.List.Serial TLS.Certificates.List.CA TLS.Certificates.List.Leaf
TLS.Certificates.List.SelfSigned TLS.Certificates.List.Expired TLS.Certificates.List.NotYetValid TLS.Certificates.List.Servers
TLS.Certificates.List.ServersCut TLS.Certificates.List.ServerNames TLS.Certificates.List.ServerNamesCut TLS.Certificates.List.Error
Timeline Timeline.IntervalSeconds Timeline.BinSeconds Timeline.Sparse Timeline.Bins Timeline.Bins.Start Timeline.Bins.Packets
Timeline.Bins.Bytes Timeline.Series Timeline.Series.Name Timeline.Series.Bytes
Conversations Conversations.IP Conversations.IP.Proto Conversations.IP.A Conversations.IP.APort Conversations.IP.B
Conversations.IP.BPort Conversations.IP.PacketsAB Conversations.IP.BytesAB Conversations.IP.PacketsBA
Conversations.IP.BytesBA Conversations.IP.First Conversations.IP.Last Conversations.IP.DurationSeconds
Conversations.Transport Conversations.Transport.Proto Conversations.Transport.A Conversations.Transport.APort
Conversations.Transport.B Conversations.Transport.BPort Conversations.Transport.PacketsAB
Conversations.Transport.BytesAB Conversations.Transport.PacketsBA Conversations.Transport.BytesBA
Conversations.Transport.First Conversations.Transport.Last Conversations.Transport.DurationSeconds
Conversations.TransportTotal
Conversations.IP.Packets Conversations.IP.Bytes Conversations.IP.Client Conversations.IP.ClientPort
Conversations.IP.Server Conversations.IP.ServerPort Conversations.IP.OrientedBy Conversations.IP.PacketsToServer
Conversations.IP.BytesToServer Conversations.IP.PacketsToClient Conversations.IP.BytesToClient Conversations.IP.Outcome
Conversations.Transport.Packets Conversations.Transport.Bytes Conversations.Transport.Client
Conversations.Transport.ClientPort Conversations.Transport.Server Conversations.Transport.ServerPort
Conversations.Transport.OrientedBy Conversations.Transport.PacketsToServer Conversations.Transport.BytesToServer
Conversations.Transport.PacketsToClient Conversations.Transport.BytesToClient Conversations.Transport.Outcome
Conversations.TCPOutcomes Conversations.TCPOutcomes.Established Conversations.TCPOutcomes.Rejected
Conversations.TCPOutcomes.NoAnswer Conversations.TCPOutcomes.Incomplete Conversations.TCPOutcomes.MidStream
Conversations.Scanners Conversations.Scanners.Source Conversations.Scanners.Conversations
Conversations.Scanners.Failed Conversations.Scanners.Hosts Conversations.Scanners.Ports Conversations.Scanners.Targets
Conversations.Scanners.TopHosts Conversations.Scanners.TopHosts.IP Conversations.Scanners.TopHosts.Count
Conversations.Scanners.TopPorts Conversations.Scanners.TopPorts.Port Conversations.Scanners.TopPorts.Count Conversations.Scanners.Sketch
Conversations.Scanners.Unreachable Conversations.Scanners.TimeExceeded
Conversations.UDPScanners Conversations.UDPScanners.Source Conversations.UDPScanners.Conversations
Conversations.UDPScanners.Failed Conversations.UDPScanners.Hosts Conversations.UDPScanners.Ports Conversations.UDPScanners.Targets
Conversations.UDPScanners.TopHosts Conversations.UDPScanners.TopHosts.IP Conversations.UDPScanners.TopHosts.Count
Conversations.UDPScanners.TopPorts Conversations.UDPScanners.TopPorts.Port Conversations.UDPScanners.TopPorts.Count
Conversations.UDPScanners.Sketch Conversations.UDPScanners.Unreachable Conversations.UDPScanners.TimeExceeded
Conversations.ICMPAnswers Conversations.ICMPAnswers.Unreachable Conversations.ICMPAnswers.UnreachableFlows
Conversations.ICMPAnswers.TimeExceeded Conversations.ICMPAnswers.TimeExceededFlows
Ports Ports.TCP Ports.TCP.Port Ports.TCP.Service Ports.TCP.SrcPackets Ports.TCP.SrcBytes Ports.TCP.DstPackets
Ports.TCP.DstBytes Ports.UDP Ports.UDP.Port Ports.UDP.Service Ports.UDP.SrcPackets Ports.UDP.SrcBytes
Ports.UDP.DstPackets Ports.UDP.DstBytes
Ports.TCP.ServerConversations Ports.TCP.ServerPackets Ports.TCP.ServerBytes
Ports.UDP.ServerConversations Ports.UDP.ServerPackets Ports.UDP.ServerBytes
Protocols Protocols.Link Protocols.Link.Name Protocols.Link.Packets Protocols.Link.Bytes Protocols.Network
Protocols.Network.Name Protocols.Network.Packets Protocols.Network.Bytes Protocols.Transport Protocols.Transport.Name
Protocols.Transport.Packets Protocols.Transport.Bytes Protocols.Application Protocols.Application.Name
Protocols.Application.Packets Protocols.Application.Bytes
ICMP ICMP.Version ICMP.Type ICMP.Code ICMP.Name ICMP.Packets
ARP ARP.Requests ARP.Requests.IP ARP.Requests.Count ARP.Replies ARP.Replies.IP ARP.Replies.Count ARP.Pairs ARP.Pairs.IP
ARP.Pairs.MAC ARP.Pairs.Packets ARP.Conflicts ARP.Conflicts.IP ARP.Conflicts.MACs ARP.SharedMACs ARP.SharedMACs.MAC
ARP.SharedMACs.IPs ARP.Gratuitous ARP.Gratuitous.IP ARP.Gratuitous.Packets ARP.Gratuitous.Peak10s
Names Names.IP Names.Names NamesTruncated
Hosts Hosts.List Hosts.List.IP Hosts.List.MACs Hosts.List.MACs.MAC Hosts.List.MACs.Vendor Hosts.List.Names
Hosts.List.TTL Hosts.List.InitialTTL Hosts.List.OSHint Hosts.List.Services Hosts.List.Services.Proto
Hosts.List.Services.Port Hosts.List.Services.Name Hosts.List.PacketsSent Hosts.List.BytesSent
Hosts.List.PacketsReceived Hosts.List.BytesReceived Hosts.List.Peers Hosts.List.First Hosts.List.Last
Hosts.Total Hosts.Truncated

Beacons Beacons.Client Beacons.Server Beacons.Proto Beacons.Port Beacons.Connections Beacons.First Beacons.Last
Beacons.PeriodSeconds Beacons.JitterSeconds Beacons.Score Beacons.TimeScore Beacons.SizeScore Beacons.MedianBytes
Beacons.Sampled Credentials Credentials.Protocol Credentials.Mechanism Credentials.Client Credentials.Server
Credentials.User Credentials.Secret Credentials.Time Credentials.Packet

FTP FTP.Objects FTP.Objects.Time FTP.Objects.Client FTP.Objects.ClientPort FTP.Objects.Server FTP.Objects.ServerPort
FTP.Objects.Passive FTP.Objects.DataPort FTP.Objects.Direction FTP.Objects.Command FTP.Objects.Name FTP.Objects.Reply
FTP.Objects.Size FTP.Objects.SniffedType FTP.Objects.Kind FTP.Objects.SHA256 FTP.Objects.MD5 FTP.Objects.SHA1
FTP.Objects.Incomplete FTP.Objects.File FTP.ObjectsTotal FTP.ObjectsSkipped FTP.ObjectsSkipped.Name
FTP.ObjectsSkipped.Count
SMTP SMTP.Messages SMTP.Objects SMTP.Objects.Time SMTP.Objects.Client SMTP.Objects.ClientPort SMTP.Objects.Server
SMTP.Objects.ServerPort SMTP.Objects.From SMTP.Objects.To SMTP.Objects.Subject SMTP.Objects.Filename
SMTP.Objects.DeclaredType SMTP.Objects.Encoding SMTP.Objects.Size SMTP.Objects.SniffedType SMTP.Objects.Kind
SMTP.Objects.SHA256 SMTP.Objects.MD5 SMTP.Objects.SHA1 SMTP.Objects.Incomplete SMTP.Objects.File SMTP.Objects.MailFrom
SMTP.Objects.RcptTo SMTP.Objects.RcptTotal SMTP.ObjectsTotal
SMTP.ObjectsSkipped SMTP.ObjectsSkipped.Name SMTP.ObjectsSkipped.Count`)
	got := summaryFields()
	for _, f := range got {
		if !slices.Contains(known, f) {
			t.Errorf("Summary.%s is new: teach its part's merger to merge it (Overview's doc in merge.go says which), then add it to this list", f)
		}
	}
	for _, f := range known {
		if !slices.Contains(got, f) {
			t.Errorf("Summary.%s is gone: drop it from its part's merger and this list", f)
		}
	}
}

// TestMergeEstimates: merging Summaries whose lists are estimates sums
// their bounds (a key missing from every list may have up to the sum of
// the max_errors) and each key's errors, and still brackets the truth: the
// overview of two halves of a capture, each analysed with 3 keys per list,
// against the exact analysis of the whole.
func TestMergeEstimates(t *testing.T) {
	path := "../testdata/http_espn_browsing.pcapng"
	exact, err := analyze.File(path, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pkts := mergeReadPackets(t, path)
	dir := t.TempDir()
	mergeWritePcap(t, filepath.Join(dir, "a.pcap"), pkts[:len(pkts)/2])
	mergeWritePcap(t, filepath.Join(dir, "b.pcap"), pkts[len(pkts)/2:])
	sa, err := analyze.File(filepath.Join(dir, "a.pcap"), analyze.Options{Keys: 3})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := analyze.File(filepath.Join(dir, "b.pcap"), analyze.Options{Keys: 3})
	if err != nil {
		t.Fatal(err)
	}
	o := analyze.NewOverview(analyze.Options{})
	for _, s := range []*analyze.Summary{sa, sb} {
		if err := o.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	m := o.Summary()
	want := map[string]analyze.Estimate{}
	for _, s := range []*analyze.Summary{sa, sb} {
		for _, e := range s.Estimates {
			w := want[e.List]
			w.List, w.Unit, w.Tracked = e.List, e.Unit, e.Tracked
			w.Replaced += e.Replaced
			w.MaxError += e.MaxError
			w.MaxErrorBytes += e.MaxErrorBytes
			want[e.List] = w
		}
	}
	if len(m.Estimates) != len(want) || len(want) == 0 {
		t.Fatalf("merged estimates %+v, want %+v", m.Estimates, want)
	}
	for _, e := range m.Estimates {
		if e != want[e.List] {
			t.Errorf("merged %+v, want %+v", e, want[e.List])
		}
	}
	truth := map[string]int64{}
	for _, e := range exact.Sources {
		truth[e.IP] = e.Packets
	}
	listed := map[string]bool{}
	for _, e := range m.Sources {
		listed[e.IP] = true
		if w := truth[e.IP]; w < e.Packets || w > e.Packets+e.PacketsError {
			t.Errorf("source %s: merged %d (+%d), truly %d", e.IP, e.Packets, e.PacketsError, w)
		}
	}
	bound := want["sources"].MaxError
	for ip, w := range truth {
		if !listed[ip] && w > bound {
			t.Errorf("source %s: %d packets, over the merged max_error %d, but not listed", ip, w, bound)
		}
	}
}
