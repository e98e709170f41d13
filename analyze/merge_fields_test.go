package analyze_test

import (
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// notMerged are the Summary fields that an overview never carries, each
// for a reason; every other field must come through Merge.
var notMerged = map[string]string{
	"Format":                           "set by WriteJSON and ReadJSON, not by the analysis",
	"Capture.SHA256":                   "a fact of one file",
	"Capture.Compression":              "a fact of one file",
	"Capture.Bulk.OutlyingExamples":    "packet numbers are per capture",
	"Capture.Quality.FirstSnapped":     "packet numbers are per capture",
	"Capture.Quality.FirstOutOfOrder":  "packet numbers are per capture",
	"Conversations.IP.Proto":           "an address pair has no protocol",
	"Conversations.IP.APort":           "an address pair has no ports",
	"Conversations.IP.BPort":           "an address pair has no ports",
	"Conversations.IP.CommunityID":     "a Community ID names a TCP or UDP flow, not an address pair",
	"Conversations.IP.Client":          "an address pair has no client or server",
	"Conversations.IP.ClientPort":      "an address pair has no client or server",
	"Conversations.IP.Server":          "an address pair has no client or server",
	"Conversations.IP.ServerPort":      "an address pair has no client or server",
	"Conversations.IP.OrientedBy":      "an address pair has no client or server",
	"Conversations.IP.PacketsToServer": "an address pair has no client or server",
	"Conversations.IP.BytesToServer":   "an address pair has no client or server",
	"Conversations.IP.PacketsToClient": "an address pair has no client or server",
	"Conversations.IP.BytesToClient":   "an address pair has no client or server",
	"Conversations.IP.Outcome":         "an address pair has no TCP outcome",
	"Findings":                         "computed from the merged Summary (Findings)",
	"Provenance":                       "made after the merge, from the captures' Summaries (ProvenanceBuilder)",
}

// everyField is an overview of one capture in which every field of the
// Summary but those of notMerged is set somewhere, consistent as analyze
// writes one (sorted lists, names that follow from numbers, durations
// that follow from times), so that merging it into nothing must give it
// back. A new Summary field fails TestMergeFixtureSetsEveryField until it
// is set here, and then TestMergeKeepsEveryField until Merge merges it;
// TestMergeAddsEveryCount checks that its counts add up.
func everyField(t *testing.T) *analyze.Summary {
	scanPorts := make([]uint16, 60)
	for i := range scanPorts {
		scanPorts[i] = uint16(1000 + i)
	}
	dur := func(a, b string) float64 {
		ta, err := analyze.ParseTime(a)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := analyze.ParseTime(b)
		if err != nil {
			t.Fatal(err)
		}
		return tb.Sub(ta).Seconds()
	}
	const (
		first     = "1970-01-01T00:00:00.000Z" // a clock never set: outlying
		bulkFirst = "2024-03-01T10:00:00.250Z"
		last      = "2024-03-02T10:00:01.500Z"
		c1, c2    = "2024-03-01T10:00:00.250Z", "2024-03-01T10:00:01.250Z"
	)
	ips := func(kv ...any) []analyze.IPCount {
		var out []analyze.IPCount
		for i := 0; i < len(kv); i += 2 {
			out = append(out, analyze.IPCount{IP: kv[i].(string), Count: int64(kv[i+1].(int))})
		}
		return out
	}
	counts := func(kv ...any) []analyze.Count {
		var out []analyze.Count
		for i := 0; i < len(kv); i += 2 {
			out = append(out, analyze.Count{Name: kv[i].(string), Count: int64(kv[i+1].(int))})
		}
		return out
	}
	s := &analyze.Summary{
		Capture: analyze.Capture{
			Path: "1 capture", Size: 4096, Captures: 1, Overview: true, Format: "pcap, pcapng",
			LinkTypes: []string{"Ethernet", "Linux SLL"},
			Packets:   30, IPPackets: 25, OtherPackets: 4, UndecodablePackets: 1, IPBytes: 3000,
			First: first, Last: last, DurationSeconds: dur(first, last),
			Bulk: analyze.Bulk{First: bulkFirst, Last: last, DurationSeconds: dur(bulkFirst, last),
				OutlyingPackets: 1, OutlyingExamples: []int64{}},
			DecodeErrors:        1,
			DecodeErrorReasons:  counts("IPv4: bad header", 1),
			DecodeErrorExamples: []analyze.PacketError{{Packet: 7, Offset: 1234, Reason: "IPv4: bad header", Detail: "in a.pcap"}},
			OtherProtocols:      counts("ARP", 4),
			Warnings:            []string{"a.pcap: cut short"},
			Quality:             analyze.Quality{SnappedPackets: 2, SnapLength: 96, OutOfOrder: 1, CutShort: true},
		},
		Sources: []analyze.Endpoint{
			{IP: "10.0.0.1", Packets: 15, Bytes: 1500, PacketsError: 1, BytesError: 1500},
			{IP: "10.0.0.2", Packets: 10, Bytes: 1500},
		},
		Destinations: []analyze.Endpoint{
			{IP: "10.0.0.2", Packets: 15, Bytes: 1500, PacketsError: 1, BytesError: 1500},
			{IP: "10.0.0.1", Packets: 10, Bytes: 1500},
		},
		DNS: analyze.DNS{
			Queries:      []analyze.DNSQuery{{Name: "example.com", Count: 5, Clients: ips("10.0.0.1", 5), ClientsTotal: 2, CountError: 1}},
			TotalQueries: 6, Responses: 5,
			Types:            counts("A", 5),
			Rcodes:           counts("NOERROR", 4, "NXDOMAIN", 1),
			NXDomain:         counts("nx.example.com", 1),
			Answers:          []analyze.DNSAnswer{{Name: "example.com", Type: "A", Data: "192.0.2.10", Count: 4}},
			AnswersTruncated: true,
			Clients:          ips("10.0.0.1", 6),
			Servers:          ips("192.0.2.53", 6),
			MDNS:             counts("printer.local", 2),
			LLMNR:            counts("wpad", 1),
			StringsCut:       counts("name", 1),
			Timing: analyze.DNSTiming{Queries: 5, Answered: 4, Unanswered: 1, Retransmissions: 1, Unsolicited: 1, Untracked: 1,
				MedianMS: dnsMedian, WorstMS: 30.5, WorstName: "example.com", ServersTruncated: true,
				Histogram: []analyze.DNSRTTBucket{{Bucket: 200, Count: 4}},
				Servers: []analyze.DNSServerTiming{{Server: "192.0.2.53", Queries: 5, Answered: 4, Unanswered: 1, Retransmissions: 1,
					Unsolicited: 1, MedianMS: dnsMedian, WorstMS: 30.5, WorstName: "example.com",
					Histogram: []analyze.DNSRTTBucket{{Bucket: 200, Count: 4}}}}},
			NXBursts: analyze.DNSNXBursts{Unfollowed: 1, Clients: []analyze.DNSNXClient{{Client: "10.0.0.1", NXDomain: 1,
				Peak60s: 1, PeakStart: "2024-03-01T10:00:00.000Z", PeakReverse: 1, PeakNames: []string{"nx.example.com"}, PeakNamesMore: true}}},
		},
		Timeline: analyze.Timeline{IntervalSeconds: 2, BinSeconds: 2, Sparse: true,
			Bins: []analyze.Bin{
				{Start: "2024-03-01T10:00:00Z", Packets: 20, Bytes: 2500},
				{Start: "2024-03-02T10:00:00Z", Packets: 5, Bytes: 500},
			},
			Series: []analyze.Series{{Name: "HTTP", Bytes: []int64{2000, 300}}, {Name: "DNS", Bytes: []int64{100, 50}}},
		},
		Conversations: analyze.Conversations{
			IP: []analyze.Conversation{
				{A: "10.0.0.1", B: "10.0.0.2", PacketsAB: 6, BytesAB: 800, PacketsBA: 4, BytesBA: 300,
					First: c1, Last: c2, DurationSeconds: dur(c1, c2), PacketsError: 1, BytesError: 60, Packets: 10, Bytes: 1100},
				{A: "10.0.0.1", B: "192.0.2.53", PacketsAB: 3, BytesAB: 200, PacketsBA: 3, BytesBA: 400,
					First: c1, Last: c1, Packets: 6, Bytes: 600},
			},
			Transport: []analyze.Conversation{
				// 10.0.0.2 opened the connection from its port 80.
				{Proto: "tcp", A: "10.0.0.1", APort: 51000, B: "10.0.0.2", BPort: 80, PacketsAB: 5, BytesAB: 700,
					PacketsBA: 10, BytesBA: 2000, First: c1, Last: c2, DurationSeconds: dur(c1, c2), PacketsError: 1, BytesError: 60,
					CommunityID: analyze.CommunityID(0, 6, netip.MustParseAddr("10.0.0.1"), 51000, netip.MustParseAddr("10.0.0.2"), 80, false),
					Packets:     15, Bytes: 2700, Client: "10.0.0.2", ClientPort: 80, Server: "10.0.0.1", ServerPort: 51000,
					OrientedBy: "syn", PacketsToServer: 10, BytesToServer: 2000, PacketsToClient: 5, BytesToClient: 700,
					Outcome: "established"},
			},
			TransportTotal: 3,
			TCPOutcomes:    analyze.TCPOutcomes{Established: 1, Rejected: 2, NoAnswer: 3, Incomplete: 4, MidStream: 5},
			Scanners:       []analyze.Scanner{analyze.ScannerForTest("10.0.0.9", "10.0.0.1", scanPorts, 58)},
			UDPScanners:    []analyze.Scanner{analyze.ScannerForTest("10.0.0.8", "10.0.0.2", scanPorts, 50)},
			ICMPAnswers:    analyze.ICMPAnswers{Unreachable: 7, UnreachableFlows: 5, TimeExceeded: 3, TimeExceededFlows: 2},
		},
		Ports: analyze.Ports{
			TCP: []analyze.Port{
				{Port: 51000, SrcPackets: 5, SrcBytes: 700, DstPackets: 10, DstBytes: 2000,
					ServerConversations: 1, ServerPackets: 15, ServerBytes: 2700},
				{Port: 80, Service: "http", SrcPackets: 10, SrcBytes: 2000, DstPackets: 5, DstBytes: 700},
			},
			UDP: []analyze.Port{{Port: 53, Service: "dns", SrcPackets: 5, SrcBytes: 400, DstPackets: 6, DstBytes: 300,
				ServerConversations: 3, ServerPackets: 11, ServerBytes: 700}},
			Unexpected: []analyze.Unexpected{{Proto: "tcp", Server: "10.0.0.2", Port: 22, Service: "ssh", Seen: "HTTP",
				Flows: 2, Clients: []string{"10.0.0.1"}}},
		},
		Protocols: analyze.Protocols{
			Link:        []analyze.ProtocolCount{{Name: "Ethernet", Packets: 30, Bytes: 4000}},
			Network:     []analyze.ProtocolCount{{Name: "IPv4", Packets: 25, Bytes: 3000}, {Name: "ARP", Packets: 4, Bytes: 240}},
			Transport:   []analyze.ProtocolCount{{Name: "TCP", Packets: 15, Bytes: 2700}, {Name: "UDP", Packets: 10, Bytes: 300}},
			Application: []analyze.ProtocolCount{{Name: "HTTP", Packets: 15, Bytes: 2700}, {Name: "DNS", Packets: 10, Bytes: 300}},
		},
		HTTP: analyze.HTTP{
			Requests: []analyze.HTTPRequest{{Method: "GET", URL: "http://example.com/index.html", Host: "example.com",
				Path: "/index.html", Count: 3, Clients: ips("10.0.0.1", 3), ClientsTotal: 1}},
			RequestsTruncated: true, TotalRequests: 4, TotalResponses: 3,
			Hosts: counts("example.com", 3), Methods: counts("GET", 3), StatusCodes: counts("200", 3),
			UserAgents: counts("curl/8.0", 3), StringsCut: counts("target", 1),
			Transactions: []analyze.HTTPTransaction{{Time: "2024-01-01T00:00:00Z", Client: "10.0.0.1", ClientPort: 39999,
				Server: "10.0.0.2", ServerPort: 80, Method: "GET", Host: "example.com", Target: "/", Status: 304, Size: 0,
				ResponseObject: -1, RequestObject: -1}, {Time: "2024-01-01T00:00:01Z", Client: "10.0.0.1", ClientPort: 40000,
				Server: "10.0.0.2", ServerPort: 80, Method: "POST", Host: "example.com", Target: "/up", Status: 200,
				ContentType: "application/x-msdownload", Size: 4, Referer: "http://example.com/", UserAgent: "curl/8.0",
				ResponseObject: 1, RequestObject: 0}},
			TransactionsTotal: 3,
			Objects: []analyze.HTTPObject{
				{Time: "2024-01-01T00:00:01Z", Transaction: 1, Request: true, Size: 3, WireSize: 3, ContentType: "text/plain",
					SniffedType: "text/plain", SHA256: "s1", MD5: "m1", SHA1: "h1"},
				{Time: "2024-01-01T00:00:01Z", Transaction: 1, Size: 4, WireSize: 2, Encoding: "gzip",
					ContentType: "application/x-msdownload", SniffedType: "application/x-msdownload", Kind: "executable",
					SHA256: "s2", MD5: "m2", SHA1: "h2", Incomplete: true, Truncated: true, Undecoded: true, File: "s2.exe"},
			},
			ObjectsTotal: 3, ObjectsSkipped: counts("objects_not_listed", 1),
		},
		TLS: analyze.TLS{
			ClientHellos: 3,
			ServerNames: []analyze.NamedCount{{Name: "example.org", Count: 2, Clients: ips("10.0.0.1", 2),
				ClientsTotal: 2, CountError: 1}},
			WithoutSNI: 1, Versions: counts("TLS 1.3", 3), ALPN: counts("h2", 2), ECH: 1,
			StringsCut: counts("server_name", 1),
			QUIC: analyze.QUIC{Initials: 3, Decrypted: 2, ClientHellos: 1, Versions: counts("1", 2),
				ServerNames: counts("example.org", 1), ALPN: counts("h3", 1),
				Failures: counts("QUIC: ClientHello incomplete at the end of the capture", 1)},
			JA4: []analyze.TLSFingerprint{{Fingerprint: "t13d1516h2_8daaf6152771_e5627efa2ab1", Raw: "t13d1516h2_002f_0005", Count: 2,
				ServerNames: counts("example.org", 2), Clients: ips("10.0.0.1", 2), ClientsTotal: 2}},
			JA3: []analyze.TLSFingerprint{{Fingerprint: "d41d8cd98f00b204e9800998ecf8427e", Raw: "771,4865,0-16,29,0", Count: 2,
				ServerNames: counts("example.org", 2), Clients: ips("10.0.0.1", 2), ClientsTotal: 2}},
			FingerprintsTruncated: true,
			Certificates: analyze.TLSCertificates{Messages: 2, Seen: 3, Unlisted: 1, Malformed: 1, Incomplete: 1,
				ParseErrors: 1, Skipped: 1, List: []analyze.Certificate{{
					SHA256: strings.Repeat("cd", 32), Count: 2, Size: 900, Subject: "CN=example.org", Issuer: "CN=example.org",
					DNSNames: []string{"example.org"}, IPAddresses: []string{"10.0.0.2"}, SANsCut: true,
					NotBefore: "2020-01-01T00:00:00Z", NotAfter: "2021-01-01T00:00:00Z", KeyType: "RSA", KeyBits: 2048,
					SignatureAlgorithm: "SHA256-RSA", Serial: "1f", CA: true, Leaf: true, SelfSigned: true, Expired: true,
					NotYetValid: true, Servers: []string{"10.0.0.2:443"}, ServersCut: true,
					ServerNames: []string{"example.org"}, ServerNamesCut: true, Error: "x509: odd",
				}}},
		},
		ICMP: []analyze.ICMPCount{
			{Version: 4, Type: 8, Code: 0, Name: "echo request", Packets: 2},
			{Version: 4, Type: 3, Code: 3, Name: "destination unreachable: port unreachable", Packets: 1},
		},
		ARP: analyze.ARP{
			Requests: ips("10.0.0.1", 2),
			Replies:  ips("10.0.0.1", 2, "10.0.0.2", 1),
			Pairs: []analyze.ARPPair{
				{IP: "10.0.0.1", MAC: "02:00:00:00:00:01", Packets: 1},
				{IP: "10.0.0.1", MAC: "02:00:00:00:00:02", Packets: 1},
				{IP: "10.0.0.2", MAC: "02:00:00:00:00:02", Packets: 1},
			},
			Conflicts:  []analyze.ARPConflict{{IP: "10.0.0.1", MACs: []string{"02:00:00:00:00:01", "02:00:00:00:00:02"}}},
			SharedMACs: []analyze.MACClaims{{MAC: "02:00:00:00:00:02", IPs: []string{"10.0.0.1", "10.0.0.2"}}},
			Gratuitous: []analyze.ARPGratuitous{{IP: "10.0.0.2", Packets: 3, Peak10s: 2}},
		},
		Names: []analyze.Name{{IP: "10.0.0.2", Names: []string{"server.example"}},
			{IP: "192.0.2.10", Names: []string{"example.com", "www.example.com"}}},
		NamesTruncated: true,
		Estimates: []analyze.Estimate{
			{List: "conversations.ip", Unit: "packets", Tracked: 3, Replaced: 1, MaxError: 1, MaxErrorBytes: 60},
			{List: "conversations.transport", Unit: "packets", Tracked: 3, Replaced: 1, MaxError: 1, MaxErrorBytes: 60},
			{List: "destinations", Unit: "packets", Tracked: 3, Replaced: 2, MaxError: 1, MaxErrorBytes: 1500},
			{List: "dns.queries", Unit: "queries", Tracked: 3, Replaced: 1, MaxError: 2},
			{List: "sources", Unit: "packets", Tracked: 3, Replaced: 2, MaxError: 1, MaxErrorBytes: 1500},
		},
		// Hosts follow from Sources, Destinations, Conversations.IP and
		// Names, but for their MACs, TTLs and services.
		Hosts: analyze.Hosts{Total: 2, Truncated: true, List: []analyze.Host{
			{IP: "10.0.0.1", MACs: []analyze.HostMAC{{MAC: "00:0c:29:03:df:ad", Vendor: "VMware, Inc."}},
				Names: []string{}, TTL: 127, InitialTTL: 128, OSHint: "Windows", Services: []analyze.Service{},
				PacketsSent: 15, BytesSent: 1500, PacketsReceived: 10, BytesReceived: 1500, Peers: 2, First: c1, Last: c2},
			{IP: "10.0.0.2", MACs: []analyze.HostMAC{}, Names: []string{"server.example"}, TTL: 64, InitialTTL: 64,
				OSHint: "Linux, macOS, BSD, iOS or Android", Services: []analyze.Service{{Proto: "tcp", Port: 80, Name: "http"}},
				PacketsSent: 10, BytesSent: 1500, PacketsReceived: 15, BytesReceived: 1500, Peers: 1, First: c1, Last: c2},
		}},
	}
	s.Beacons = []analyze.Beacon{{Client: "10.0.0.1", Server: "192.0.2.10", Proto: "tcp", Port: 443, Connections: 30,
		First: c1, Last: c2, PeriodSeconds: 60, JitterSeconds: 1.5, Score: 0.95, TimeScore: 0.92, SizeScore: 0.98,
		MedianBytes: 500, Sampled: true}}
	s.Credentials = []analyze.Credential{{Protocol: "FTP", Mechanism: "USER/PASS", Client: "10.0.0.1", Server: "192.0.2.10:21",
		User: "alice", Secret: "•••• (6 characters)", Time: c1, Packet: 7}}
	s.FTP = analyze.FTP{Objects: []analyze.FTPObject{{Time: c1, Client: "10.0.0.1", ClientPort: 40000, Server: "192.0.2.10",
		ServerPort: 21, Passive: true, DataPort: 50000, Direction: "download", Command: "RETR", Name: "tool.exe", Reply: 226,
		Size: 100000, SniffedType: "application/x-msdownload", Kind: analyze.KindExecutable,
		SHA256: "cde7709658d3b134aa3cdb7ad2989a7c9e313a1c016e1f82b8c6a6da55844a27", MD5: "1ac4ec2cf51bd49340296e614f2d7c7b",
		SHA1: "4ca205e25cd43ef59533ff534095fa7498cf6dcd", Incomplete: true, File: "cde7709658d3b134aa3cdb7ad2989a7c9e313a1c016e1f82b8c6a6da55844a27.exe"}},
		ObjectsTotal: 2, ObjectsSkipped: counts("objects_not_listed", 1)}
	s.SMTP = analyze.SMTP{Messages: 3, Objects: []analyze.SMTPObject{{Time: c1, Client: "10.0.0.1", ClientPort: 40001,
		Server: "192.0.2.25", ServerPort: 25, From: "Mallory <m@example.net>", To: "v@example.org", Subject: "Invoice",
		Filename: "tool.exe", DeclaredType: "application/octet-stream", Encoding: "base64", Size: 20004,
		SniffedType: "application/x-msdownload", Kind: analyze.KindExecutable,
		SHA256: "cde7709658d3b134aa3cdb7ad2989a7c9e313a1c016e1f82b8c6a6da55844a27", MD5: "1ac4ec2cf51bd49340296e614f2d7c7b",
		SHA1: "4ca205e25cd43ef59533ff534095fa7498cf6dcd", Incomplete: true, File: "cde7709658d3b134aa3cdb7ad2989a7c9e313a1c016e1f82b8c6a6da55844a27.exe",
		MailFrom: "bounce@example.net", RcptTo: []string{"v@example.org", "w@example.org"}, RcptTotal: 102}},
		ObjectsTotal: 2, ObjectsSkipped: counts("objects_not_listed", 1)}
	s.Findings = analyze.Findings(s)
	return s
}

// dnsMedian is the median the DNS timing gives for responses in bucket
// 200: the bucket's geometric middle, 1.05^199.5 µs, in milliseconds.
var dnsMedian = math.Pow(1.05, 199.5) / 1000

// summaryFields lists the fields of Summary, nested ones as
// "Capture.Bulk.First", elements of lists by the list's name.
func summaryFields() []string {
	var out []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		for f := range typ.Fields() {
			name := strings.TrimPrefix(prefix+"."+f.Name, ".")
			out = append(out, name)
			walk(name, f.Type)
		}
	}
	walk("", reflect.TypeFor[analyze.Summary]())
	return out
}

// setFields adds to set the fields of v (named as summaryFields does)
// that are not zero, in v or in any element of its lists.
func setFields(prefix string, v reflect.Value, set map[string]bool) {
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			setFields(prefix, v.Index(i), set)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			name := strings.TrimPrefix(prefix+"."+v.Type().Field(i).Name, ".")
			f := v.Field(i)
			if f.Kind() == reflect.Slice && f.Len() > 0 || f.Kind() != reflect.Slice && !f.IsZero() {
				set[name] = true
			}
			setFields(name, f, set)
		}
	}
}

// notMergedField reports whether f is, or is inside, a field of notMerged.
func notMergedField(f string) bool {
	for n := range notMerged {
		if f == n || strings.HasPrefix(f, n+".") {
			return true
		}
	}
	return false
}

// TestMergeFixtureSetsEveryField checks that everyField sets every field
// that Merge must carry, so that TestMergeKeepsEveryField tests them all.
func TestMergeFixtureSetsEveryField(t *testing.T) {
	set := map[string]bool{}
	setFields("", reflect.ValueOf(*everyField(t)), set)
	fields := summaryFields()
	for _, f := range fields {
		if !set[f] && !notMergedField(f) {
			t.Errorf("Summary.%s is zero in everyField: set it there (and teach the merger of its part, see analyze.Overview)", f)
		}
	}
	for n := range notMerged {
		if !slices.Contains(fields, n) {
			t.Errorf("notMerged names Summary.%s, which is gone", n)
		}
	}
}

// TestMergeKeepsEveryField merges everyField into an empty overview and
// expects it back: a field that a part's merger does not read, or does
// not write back, comes out zero. The fields an overview drops by design
// are set in the input, and must come out zero.
func TestMergeKeepsEveryField(t *testing.T) {
	want := everyField(t)
	in := everyField(t)
	in.Format = analyze.FormatVersion
	c := &in.Capture
	c.SHA256, c.Compression = strings.Repeat("ab", 32), "gzip"
	c.Bulk.OutlyingExamples = []int64{1}
	c.Quality.FirstSnapped, c.Quality.FirstOutOfOrder = 3, 4
	var got analyze.Summary
	if err := analyze.Merge(&got, in); err != nil {
		t.Fatal(err)
	}
	mergeDiff(t, "Merge(zero, everyField)", mergeJSON(t, &got), mergeJSON(t, want))
	if len(want.Findings) == 0 {
		t.Error("everyField has no findings: merged findings are not compared")
	}
}

// notSummed are the int64 fields that merging does not add up, with how
// they merge instead.
var notSummed = map[string]string{
	"Capture.Quality.SnapLength":            "the longest",
	"ARP.Gratuitous.Peak10s":                "the highest",
	"DNS.NXBursts.Clients.Peak60s":          "the highest",
	"DNS.NXBursts.Clients.PeakReverse":      "the highest peak's",
	"Capture.DecodeErrorExamples.Packet":    "examples are listed, not added",
	"Capture.DecodeErrorExamples.Offset":    "examples are listed, not added",
	"DNS.Queries.ClientsTotal":              "the listed clients' union, plus those not listed",
	"HTTP.Requests.ClientsTotal":            "the listed clients' union, plus those not listed",
	"TLS.ServerNames.ClientsTotal":          "the listed clients' union, plus those not listed",
	"TLS.JA4.ClientsTotal":                  "the listed clients' union, plus those not listed",
	"TLS.JA3.ClientsTotal":                  "the listed clients' union, plus those not listed",
	"Conversations.TransportTotal":          "the listed conversations' union, plus those not listed",
	"Conversations.TCPOutcomes.Established": "the listed conversations' union (each once, by its merged outcome), plus those not listed",
	"Conversations.Scanners.Hosts":          "distinct counts: the sketches' union",
	"Conversations.Scanners.Ports":          "distinct counts: the sketches' union",
	"Conversations.Scanners.Targets":        "distinct counts: the sketches' union",
	"Conversations.UDPScanners.Hosts":       "distinct counts: the sketches' union",
	"Conversations.UDPScanners.Ports":       "distinct counts: the sketches' union",
	"Conversations.UDPScanners.Targets":     "distinct counts: the sketches' union",
	"HTTP.Transactions.Size":                "lists of transactions follow each other",
	"HTTP.Objects.Size":                     "lists of objects follow each other",
	"HTTP.Objects.WireSize":                 "lists of objects follow each other",
	"Hosts.Total":                           "the addresses of the merged sources and destinations",
	"Hosts.List.Peers":                      "the addresses of the merged IP conversations",
	"Beacons.Connections":                   "a pair's entry from the capture that scored it best",
	"Beacons.MedianBytes":                   "a pair's entry from the capture that scored it best",
	"Credentials.Packet":                    "credentials are listed, not added",
	"FTP.Objects.Size":                      "lists of objects follow each other",
	"SMTP.Objects.Size":                     "lists of objects follow each other",
	"SMTP.Objects.RcptTotal":                "lists of objects follow each other",
}

// doubleCounts doubles every int64 in v (named as summaryFields does)
// but those of notSummed.
func doubleCounts(prefix string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			doubleCounts(prefix, v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			doubleCounts(strings.TrimPrefix(prefix+"."+v.Type().Field(i).Name, "."), v.Field(i))
		}
	case reflect.Int64:
		if _, ok := notSummed[prefix]; !ok {
			v.SetInt(2 * v.Int())
		}
	}
}

// TestMergeAddsEveryCount merges everyField with itself, as if one capture
// were added twice: every count must double (a merger that keeps one
// value instead of adding fails), but those of notSummed, which merge as
// they say; lists keep their keys.
func TestMergeAddsEveryCount(t *testing.T) {
	one := everyField(t)
	want := everyField(t)
	doubleCounts("", reflect.ValueOf(want).Elem())
	c := &want.Capture
	c.Captures, c.Path = 2, "2 captures"
	c.Warnings = append(c.Warnings, c.Warnings...)
	c.DecodeErrorExamples = append(c.DecodeErrorExamples, c.DecodeErrorExamples...)
	unlisted := func(total int64, listed int) int64 { return int64(listed) + 2*(total-int64(listed)) }
	for i := range want.DNS.Queries {
		q := &want.DNS.Queries[i]
		q.ClientsTotal = unlisted(q.ClientsTotal, len(q.Clients))
	}
	for i := range want.HTTP.Requests {
		r := &want.HTTP.Requests[i]
		r.ClientsTotal = unlisted(r.ClientsTotal, len(r.Clients))
	}
	for i := range want.TLS.ServerNames {
		n := &want.TLS.ServerNames[i]
		n.ClientsTotal = unlisted(n.ClientsTotal, len(n.Clients))
	}
	for _, fps := range [][]analyze.TLSFingerprint{want.TLS.JA4, want.TLS.JA3} {
		for i := range fps {
			fps[i].ClientsTotal = unlisted(fps[i].ClientsTotal, len(fps[i].Clients))
		}
	}
	cs := &want.Conversations
	cs.TransportTotal = unlisted(cs.TransportTotal, len(cs.Transport))
	// Transactions and objects: both copies, in time order (the copies of
	// one next to each other), their indexes moved.
	h := &want.HTTP
	t0, t1 := h.Transactions[0], h.Transactions[1]
	h.Transactions = []analyze.HTTPTransaction{t0, t0, t1, t1}
	h.Transactions[3].RequestObject, h.Transactions[3].ResponseObject = 2, 3
	req, resp := h.Objects[0], h.Objects[1]
	h.Objects = []analyze.HTTPObject{req, resp, req, resp}
	h.Objects[0].Transaction, h.Objects[1].Transaction = 2, 2
	h.Objects[2].Transaction, h.Objects[3].Transaction = 3, 3
	want.FTP.Objects = append(want.FTP.Objects, want.FTP.Objects...) // both copies, in time order
	want.SMTP.Objects = append(want.SMTP.Objects, want.SMTP.Objects...)
	want.Findings = analyze.Findings(want)

	got := *everyField(t)
	if err := analyze.Merge(&got, one); err != nil {
		t.Fatal(err)
	}
	mergeDiff(t, "Merge(everyField, everyField)", mergeJSON(t, &got), mergeJSON(t, want))
	fields := summaryFields()
	for n := range notSummed {
		if !slices.Contains(fields, n) {
			t.Errorf("notSummed names Summary.%s, which is gone", n)
		}
	}
}
