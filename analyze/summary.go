// Package analyze reads a packet capture in one streaming pass and returns
// plain aggregates: what the capture is, who talked, which names were looked
// up and how traffic moved over time.
//
// The package knows nothing about HTML. Its only output is a Summary, a tree
// of exported fields with JSON tags that is also pcapreport's --json format.
// Every slice in a Summary is non-nil and fully sorted with a tie-break, so
// the same capture always gives the same bytes.
package analyze

// Summary is the result of analysing one capture.
type Summary struct {
	// Format is the version of the JSON format that the Summary was read
	// from or is written in: WriteJSON writes FormatVersion, and ReadJSON
	// refuses any other.
	Format       int        `json:"format"`
	Capture      Capture    `json:"capture"`
	Sources      []Endpoint `json:"sources"`      // IP source addresses, packets desc then IP asc
	Destinations []Endpoint `json:"destinations"` // IP destination addresses, same order
	DNS          DNS        `json:"dns"`
	Timeline     Timeline   `json:"timeline"`

	Conversations Conversations `json:"conversations"`
	Ports         Ports         `json:"ports"`
	Protocols     Protocols     `json:"protocols"`
	HTTP          HTTP          `json:"http"`
	TLS           TLS           `json:"tls"`
	ICMP          []ICMPCount   `json:"icmp"`
	ARP           ARP           `json:"arp"`
	// Names maps addresses to names learnt from the capture (DNS, mDNS and
	// LLMNR answers, TLS server names, HTTP Host headers, DHCP host names),
	// sorted by address.
	Names []Name `json:"names"`
	// NamesTruncated is true when a name was not kept because the names
	// kept already came to 16 MiB (or 100,000 addresses).
	NamesTruncated bool `json:"names_truncated"`
	// Estimates lists the lists whose keys outnumbered what the analysis
	// keeps (Options.Keys per list), and how far their counts may be off.
	// Empty when every count in the Summary is exact, as it is for all
	// but floods, scans and captures of very many conversations.
	Estimates []Estimate `json:"estimates"`
	// Findings are what looks wrong or worth a look, most severe first
	// (see findings.go): computed from the rest of the Summary.
	Findings []Finding `json:"findings"`
	// Hosts is the host inventory (hosts.go).
	Hosts Hosts `json:"hosts"`
	// Beacons lists the clients that opened connections to one destination
	// at regular intervals (beacon.go), best scored first, at most
	// MaxBeacons.
	Beacons []Beacon `json:"beacons"`
	// Credentials lists the user names and (masked) secrets sent in the
	// clear (creds.go), in the order seen, at most MaxCredentials.
	Credentials []Credential `json:"credentials"`
	// FTP lists the files and listings sent over FTP data connections
	// (ftpobj.go).
	FTP FTP `json:"ftp"`
	// SMTP lists the attachments of the mail sent over SMTP (smtpobj.go).
	SMTP SMTP `json:"smtp"`
	// Provenance is set in a batch's overview and by pcapreport merge:
	// which captures each row came from (provenance.go). Nil otherwise.
	Provenance *Provenance `json:"provenance,omitempty"`
}

// Estimate describes one list that switched from exact counts to a
// heavy-hitter summary. For each listed key, the true count is between the
// count shown and that count plus the entry's error (PacketsError,
// BytesError or CountError, when not zero); a key whose count is not
// exact always has an error. No key missing from the list has more than
// MaxError (in Unit), so any key heavier than that is listed.
type Estimate struct {
	// List is the Summary field: one of the List* names.
	List string `json:"list"`
	// Unit is what ranks the keys: "packets" or "queries".
	Unit string `json:"unit"`
	// Tracked is how many keys the list kept (Options.Keys).
	Tracked int `json:"tracked"`
	// Replaced counts the times a new key took a kept key's place.
	Replaced int64 `json:"replaced"`
	// MaxError bounds, in Unit, both what a listed count may miss and
	// what a key missing from the list may have.
	MaxError int64 `json:"max_error"`
	// MaxErrorBytes is MaxError in bytes (MaxError times the longest IP
	// packet of the capture), for lists that count bytes.
	MaxErrorBytes int64 `json:"max_error_bytes,omitempty"`
}

// The lists an Estimate may name (Estimate.List), as the JSON writes them.
const (
	ListSources                = "sources"
	ListDestinations           = "destinations"
	ListIPConversations        = "conversations.ip"
	ListTransportConversations = "conversations.transport"
	ListDNSQueries             = "dns.queries"
)

// EstimateOf returns the Estimate of the list named list (a List* name),
// or nil when that list is exact.
func (s *Summary) EstimateOf(list string) *Estimate {
	for i := range s.Estimates {
		if s.Estimates[i].List == list {
			return &s.Estimates[i]
		}
	}
	return nil
}

// Capture describes the capture file itself and accounts for every packet in it:
// IPPackets + OtherPackets + UndecodablePackets == Packets.
type Capture struct {
	// Path is the capture's path as given on the command line, or "stdin".
	Path string `json:"path"`
	// Size is the number of bytes of the file as stored (compressed, if it is).
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the bytes of the file as stored.
	SHA256 string `json:"sha256"`
	// Captures is how many captures the Summary covers: 1 for one
	// capture's, N for an overview of N captures.
	Captures int `json:"captures"`
	// Overview is true for a merge of Summaries (a batch's overview,
	// pcapreport merge): its Path is "N captures" and it has no SHA-256,
	// and its warnings and decode-error examples name their capture.
	Overview bool `json:"overview"`
	// Format is "pcap" or "pcapng".
	Format string `json:"format"`
	// Compression is "gzip", "zstd", "xz" or "bzip2" when the capture was compressed, else empty.
	Compression string `json:"compression,omitempty"`
	// LinkTypes lists the link types of the capture's interfaces by name, in order of first appearance.
	LinkTypes []string `json:"link_types"`
	// Packets is the number of packet records read.
	Packets int64 `json:"packets"`
	// IPPackets is the number of packets with an outermost IPv4 or IPv6 header whose
	// addresses could be read.
	IPPackets int64 `json:"ip_packets"`
	// OtherPackets is the number of packets whose link layer decoded and carried
	// something other than IP (ARP, LLDP, 802.11 management, ...).
	OtherPackets int64 `json:"other_packets"`
	// UndecodablePackets is the number of packets that were neither: an unsupported
	// link type, or a link or IP header too broken to read.
	UndecodablePackets int64 `json:"undecodable_packets"`
	// IPBytes is the sum of the IP total lengths of all IP packets.
	IPBytes int64 `json:"ip_bytes"`
	// First and Last are the earliest and latest packet timestamps, RFC 3339 in UTC
	// with as many fractional digits as the capture's timestamp resolution. Empty
	// when the capture has no packets.
	First string `json:"first"`
	Last  string `json:"last"`
	// DurationSeconds is Last minus First.
	DurationSeconds float64 `json:"duration_seconds"`
	// Bulk is the span of the bulk of the packets' timestamps, without
	// those far outside it (a packet stamped 1970, or the year 586524),
	// which it names. Without such packets it is First to Last.
	Bulk Bulk `json:"bulk"`
	// DecodeErrors is the number of packets in which some layer failed to decode.
	// A packet counts once, however many of its layers failed.
	DecodeErrors int64 `json:"decode_errors"`
	// DecodeErrorReasons breaks DecodeErrors down by reason, most frequent first.
	DecodeErrorReasons []Count `json:"decode_error_reasons"`
	// DecodeErrorExamples holds the first few decode errors with their packet numbers.
	DecodeErrorExamples []PacketError `json:"decode_error_examples"`
	// OtherProtocols breaks OtherPackets down by the protocol the link layer carried.
	OtherProtocols []Count `json:"other_protocols"`
	// Warnings are problems with the capture as a whole, such as a file cut short.
	// The summary then covers what was read before the problem.
	Warnings []string `json:"warnings"`
	// Quality says how faithfully the file recorded the traffic.
	Quality Quality `json:"quality"`
}

// Bulk is the span of most of a capture's timestamps: the largest cluster
// of them between 1971 and 2262 and any other such cluster at least a
// quarter its size, clusters being cut by 30 days without a packet (see
// span.go). Packets outside it are outlying. An overview's bulk spans its
// captures' bulks that lie between 1971 and 2262 (all of them if none
// does), and the packets of the others are outlying too.
type Bulk struct {
	// First and Last are the bulk's earliest and latest timestamps, written
	// as Capture.First; empty when the capture has no timed packets.
	First string `json:"first"`
	Last  string `json:"last"`
	// DurationSeconds is Last minus First.
	DurationSeconds float64 `json:"duration_seconds"`
	// OutlyingPackets counts the timed packets outside First to Last.
	OutlyingPackets int64 `json:"outlying_packets"`
	// OutlyingExamples are the 1-based numbers of the first (at most 10)
	// outlying packets. Empty in an overview: numbers are per capture.
	OutlyingExamples []int64 `json:"outlying_examples"`
}

// Endpoint is one IP address with the IP packets and bytes it sent (Sources)
// or received (Destinations).
type Endpoint struct {
	IP      string `json:"ip"`
	Packets int64  `json:"packets"`
	Bytes   int64  `json:"bytes"` // sum of IP total lengths
	// PacketsError and BytesError are set in an estimated list (see
	// Summary.Estimates) for an address that took another's place: up to
	// that many more packets and bytes may be its own.
	PacketsError int64 `json:"packets_error,omitempty"`
	BytesError   int64 `json:"bytes_error,omitempty"`
}

// Count is a name with how often it was seen.
type Count struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// PacketError is one packet that failed to decode.
type PacketError struct {
	// Packet is the 1-based packet number, as Wireshark numbers frames.
	Packet int64 `json:"packet"`
	// Offset is the byte offset of the packet's record (pcap) or block
	// (pcapng) in the (uncompressed) capture.
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// DNS holds the DNS traffic seen: messages on UDP or TCP port 53. mDNS
// (5353) and LLMNR (5355) are counted apart, in MDNS and LLMNR. DNS is read
// from the transport after the outermost IP header, so DNS inside a tunnel
// (GRE, IP-in-IP) or inside IP fragments is not decoded.
type DNS struct {
	// Queries counts query messages (QR=0) by the first question's name,
	// lower-cased, without the trailing dot ("." for the root). Count desc,
	// then name asc.
	Queries []DNSQuery `json:"queries"`
	// TotalQueries is the number of query messages, including those without a question.
	TotalQueries int64 `json:"total_queries"`
	// Responses is the number of response messages (QR=1).
	Responses int64 `json:"responses"`
	// Types counts queries by the first question's type (A, AAAA, PTR...).
	Types []Count `json:"types"`
	// Rcodes counts responses by response code (NOERROR, NXDOMAIN...).
	Rcodes []Count `json:"rcodes"`
	// NXDomain counts NXDOMAIN responses by the question's name.
	NXDomain []Count `json:"nxdomain"`
	// Answers lists the answer records seen in responses, by name, type and
	// data, with how often each was seen; sorted by name, type, data. At most
	// 20,000 distinct answers are kept (AnswersTruncated then says so).
	Answers          []DNSAnswer `json:"answers"`
	AnswersTruncated bool        `json:"answers_truncated"`
	// Clients counts queries by the address that sent them; Servers by the
	// address they were sent to.
	Clients []IPCount `json:"clients"`
	Servers []IPCount `json:"servers"`
	// MDNS and LLMNR count multicast DNS and LLMNR queries by name.
	// NXDomain, MDNS and LLMNR list at most 100,000 names each and 16 MiB
	// of names together; a warning counts the messages not listed.
	MDNS  []Count `json:"mdns"`
	LLMNR []Count `json:"llmnr"`
	// StringsCut counts the names ("name", MaxNameLen) and answer data
	// ("answer_data", MaxAnswerDataLen) longer than their limit and kept
	// cut, as HTTP.StringsCut says.
	StringsCut []Count `json:"strings_cut"`
	// Timing follows each query over port 53 to its response.
	Timing DNSTiming `json:"timing"`
	// NXBursts counts NXDOMAIN answers per client by minute (nxburst.go).
	NXBursts DNSNXBursts `json:"nx_bursts"`
}

// DNSTiming follows each DNS query sent to port 53 (UDP or TCP) to its
// response. A transaction is the client's and the server's address and
// port and the query ID; a query sent again while its transaction waits,
// within 5 s of its first copy, is a retransmission, not a new query (a
// copy sent later starts a new transaction).
// mDNS and LLMNR are multicast and are not timed.
type DNSTiming struct {
	// Queries counts transactions (retransmissions not included);
	// Answered those that got a response, Unanswered those that did not
	// (by the end of the capture, or within 30 s when the waiting list
	// was full).
	Queries    int64 `json:"queries"`
	Answered   int64 `json:"answered"`
	Unanswered int64 `json:"unanswered"`
	// Retransmissions counts query messages that repeated a waiting one.
	Retransmissions int64 `json:"retransmissions"`
	// Unsolicited counts responses that matched no waiting query (its
	// query came before the capture began, or none was sent).
	Unsolicited int64 `json:"unsolicited"`
	// Untracked counts queries not followed because 65,536 were waiting.
	Untracked int64 `json:"untracked"`
	// MedianMS and WorstMS are the response times of every server, in
	// milliseconds; the median is the middle of its 5% histogram bucket
	// (within 2.5%), the worst is exact, with its question name.
	MedianMS  float64 `json:"median_ms"`
	WorstMS   float64 `json:"worst_ms"`
	WorstName string  `json:"worst_name"`
	// Histogram counts every server's responses by time, as
	// DNSServerTiming.Histogram does.
	Histogram []DNSRTTBucket `json:"histogram"`
	// Servers has a row per server (at most 4,096; ServersTruncated then
	// says so), by queries and unsolicited responses desc.
	Servers          []DNSServerTiming `json:"servers"`
	ServersTruncated bool              `json:"servers_truncated"`
}

// DNSServerTiming is the timing of one DNS server.
type DNSServerTiming struct {
	Server          string  `json:"server"`
	Queries         int64   `json:"queries"`
	Answered        int64   `json:"answered"`
	Unanswered      int64   `json:"unanswered"`
	Retransmissions int64   `json:"retransmissions"`
	Unsolicited     int64   `json:"unsolicited"`
	MedianMS        float64 `json:"median_ms"`
	WorstMS         float64 `json:"worst_ms"`
	WorstName       string  `json:"worst_name"`
	// Histogram counts responses by time, bucket i holding times from
	// 1.05^(i-1) to 1.05^i microseconds (bucket 0: under 1 µs); only
	// buckets with responses are listed. Merging adds them.
	Histogram []DNSRTTBucket `json:"histogram"`
}

// DNSRTTBucket is a response-time histogram bucket and its count.
type DNSRTTBucket struct {
	Bucket int   `json:"bucket"`
	Count  int64 `json:"count"`
}

// DNSQuery is a query name with its count and the clients that asked (at
// most 50 remembered per name; ClientsTotal says how many there were).
type DNSQuery = NamedCount

// DNSAnswer is one answer record, with how many responses carried it.
type DNSAnswer struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Data  string `json:"data"`
	Count int64  `json:"count"`
}

// Timeline is IP traffic over time in fixed bins.
type Timeline struct {
	// IntervalSeconds is the bin width asked for (Options.Interval).
	IntervalSeconds float64 `json:"interval_seconds"`
	// BinSeconds is the bin width used: IntervalSeconds, or a coarser
	// width (a whole multiple of it) when the IP packets would otherwise
	// fill more than MaxBins bins.
	BinSeconds float64 `json:"bin_seconds"`
	// Sparse is true when the span from the first to the last IP packet needs
	// more than MaxBins bins; Bins then lists only the non-empty ones.
	// Otherwise every bin of the span is listed, empty ones as zero.
	Sparse bool  `json:"sparse"`
	Bins   []Bin `json:"bins"`
	// Series gives, for the (at most 5) application protocols with the most
	// bytes, their IP bytes in each bin, aligned with Bins.
	Series []Series `json:"series"`
}

// Series is one application protocol's bytes per timeline bin.
type Series struct {
	Name  string  `json:"name"`
	Bytes []int64 `json:"bytes"`
}

// Bin is one interval of the timeline. Start is a whole multiple of the
// bin width since the Unix epoch, RFC 3339 in UTC (ParseTime reads it).
type Bin struct {
	Start   string `json:"start"`
	Packets int64  `json:"packets"` // IP packets
	Bytes   int64  `json:"bytes"`   // sum of IP total lengths
}

// MaxBins is the most bins a timeline keeps and lists, so that its memory
// and output grow with neither the time a capture spans nor its packets.
// Past it, bins are merged into coarser ones: from the default 2 s to 10 s,
// 30 s, 1 min, 2 min, 10 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 day, then
// doubling; each width a whole multiple of the one before.
const MaxBins = 4000

// Conversations are IP pairs and transport 5-tuples, one row per pair in
// either direction. A is the lower address (and port), B the higher.
type Conversations struct {
	// IP lists every address pair, bytes (both ways) desc, then A, B asc.
	IP []Conversation `json:"ip"`
	// Transport lists TCP and UDP conversations by (protocol, A, port, B, port),
	// bytes desc, at most MaxTransportConversations of them.
	Transport []Conversation `json:"transport"`
	// TransportTotal is how many transport conversations there were. When
	// the list is estimated (see Summary.Estimates), it is an upper bound:
	// the conversations kept plus the times one took another's place.
	TransportTotal int64 `json:"transport_total"`
	// TCPOutcomes counts every TCP conversation (listed or not) by outcome
	// (Conversation.Outcome). A conversation that lost its place in the
	// list and came back counts twice, the second time mid-stream.
	TCPOutcomes TCPOutcomes `json:"tcp_outcomes"`
	// Scanners are the sources that opened TCP connections (SYN) to the
	// most distinct host and port pairs, at least ScanListMin of them:
	// distinct targets desc, then source asc; at most MaxScanners.
	Scanners []Scanner `json:"scanners"`
	// UDPScanners are the sources that sent UDP to the most distinct host
	// and port pairs (multicast and broadcast addresses left out), at
	// least ScanListMin of them, ordered and bounded as Scanners.
	UDPScanners []Scanner `json:"udp_scanners"`
	// ICMPAnswers counts the ICMP errors that quote a TCP or UDP packet.
	ICMPAnswers ICMPAnswers `json:"icmp_answers"`
}

// TCPOutcomes counts TCP conversations by outcome.
type TCPOutcomes struct {
	Established int64 `json:"established"`
	Rejected    int64 `json:"rejected"`
	NoAnswer    int64 `json:"no_answer"`
	Incomplete  int64 `json:"incomplete"`
	MidStream   int64 `json:"mid_stream"`
}

// MaxTransportConversations bounds Conversations.Transport in the Summary.
const MaxTransportConversations = 1000

// Conversation is traffic between A and B. For transport conversations
// Proto is "tcp" or "udp" and the ports are set.
type Conversation struct {
	Proto           string  `json:"proto,omitempty"`
	A               string  `json:"a"`
	APort           uint16  `json:"a_port,omitempty"`
	B               string  `json:"b"`
	BPort           uint16  `json:"b_port,omitempty"`
	PacketsAB       int64   `json:"packets_a_to_b"`
	BytesAB         int64   `json:"bytes_a_to_b"`
	PacketsBA       int64   `json:"packets_b_to_a"`
	BytesBA         int64   `json:"bytes_b_to_a"`
	First           string  `json:"first"`
	Last            string  `json:"last"`
	DurationSeconds float64 `json:"duration_seconds"`
	// PacketsError and BytesError are set in an estimated list (see
	// Summary.Estimates) for a conversation that took another's place: up
	// to that many more packets and bytes (either way) may be its own, and
	// it may have started before First.
	PacketsError int64 `json:"packets_error,omitempty"`
	BytesError   int64 `json:"bytes_error,omitempty"`
	// CommunityID is a TCP or UDP conversation's Community ID v1 (seed 0,
	// base64), the name Zeek, Suricata and Arkime give the same flow.
	CommunityID string `json:"community_id,omitempty"`
	// Packets and Bytes are the totals both ways.
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
	// Client and Server (transport conversations only) are A and B again,
	// oriented: the client is the end that opened the connection, told as
	// OrientedBy says ("syn", "syn-ack", "port", "first-packet" or
	// "lower-port"; see the README).
	Client     string `json:"client,omitempty"`
	ClientPort uint16 `json:"client_port,omitempty"`
	Server     string `json:"server,omitempty"`
	ServerPort uint16 `json:"server_port,omitempty"`
	OrientedBy string `json:"oriented_by,omitempty"`
	// The counts each way, client to server and back (transport rows;
	// left out when zero).
	PacketsToServer int64 `json:"packets_to_server,omitempty"`
	BytesToServer   int64 `json:"bytes_to_server,omitempty"`
	PacketsToClient int64 `json:"packets_to_client,omitempty"`
	BytesToClient   int64 `json:"bytes_to_client,omitempty"`
	// Outcome (TCP only) is "established", "rejected", "no-answer",
	// "incomplete" or "mid-stream" (see the README).
	Outcome string `json:"outcome,omitempty"`
}

// Ports counts TCP and UDP traffic per port, as source and as destination,
// and as the port of a conversation's server.
type Ports struct {
	TCP []Port `json:"tcp"` // server packets desc, packets (source + destination) desc, then port asc
	UDP []Port `json:"udp"`
	// Unexpected lists services found by content on the well-known port
	// of another (an HTTP request to port 22), flows desc; at most 1,000.
	Unexpected []Unexpected `json:"unexpected"`
}

// Port is one TCP or UDP port. Service names the port when it is well known.
type Port struct {
	Port       uint16 `json:"port"`
	Service    string `json:"service,omitempty"`
	SrcPackets int64  `json:"src_packets"`
	SrcBytes   int64  `json:"src_bytes"`
	DstPackets int64  `json:"dst_packets"`
	DstBytes   int64  `json:"dst_bytes"`
	// ServerConversations counts the conversations whose server had the
	// port; ServerPackets and ServerBytes are their traffic both ways.
	ServerConversations int64 `json:"server_conversations"`
	ServerPackets       int64 `json:"server_packets"`
	ServerBytes         int64 `json:"server_bytes"`
}

// Protocols breaks packets down by layer. Link counts every frame with its
// original (wire) length; the other layers count IP packets with IP bytes,
// except Network's non-IP entries (ARP...), which count frame lengths.
type Protocols struct {
	Link        []ProtocolCount `json:"link"`
	Network     []ProtocolCount `json:"network"`
	Transport   []ProtocolCount `json:"transport"`
	Application []ProtocolCount `json:"application"`
}

// ProtocolCount is one protocol's packets and bytes, packets desc then name asc.
type ProtocolCount struct {
	Name    string `json:"name"`
	Packets int64  `json:"packets"`
	Bytes   int64  `json:"bytes"`
}

// ICMPCount counts ICMP (Version 4) or ICMPv6 (Version 6) messages by type and code.
type ICMPCount struct {
	Version int    `json:"version"`
	Type    uint8  `json:"type"`
	Code    uint8  `json:"code"`
	Name    string `json:"name"`
	Packets int64  `json:"packets"`
}

// ARP summarises ARP traffic.
type ARP struct {
	// Requests counts who-has requests per target IP; Replies counts is-at
	// replies per sender IP.
	Requests []IPCount `json:"requests"`
	Replies  []IPCount `json:"replies"`
	// Pairs lists every IP-to-MAC binding claimed by an ARP sender.
	Pairs []ARPPair `json:"pairs"`
	// Conflicts lists IPs claimed by more than one MAC: a classic sign of
	// ARP spoofing (or of a failover).
	Conflicts []ARPConflict `json:"conflicts"`
	// SharedMACs lists MACs that claimed several IPs: normal for a router's
	// proxy ARP, but also what an ARP-poisoning host that impersonates the
	// gateway looks like.
	SharedMACs []MACClaims `json:"shared_macs"`
	// Gratuitous lists the senders of gratuitous ARP (a request or reply
	// whose sender and target address are the same: an announcement, or
	// an address conflict probe's answer), at most 10,000, by peak desc.
	Gratuitous []ARPGratuitous `json:"gratuitous"`
}

// ARPGratuitous is a sender of gratuitous ARP: how many it sent and the
// most within one 10-second window (windows start at multiples of 10 s
// of Unix time; an overview keeps each capture's peak, the highest).
type ARPGratuitous struct {
	IP      string `json:"ip"`
	Packets int64  `json:"packets"`
	Peak10s int64  `json:"peak_10s"`
}

// MACClaims is a MAC with the IPs it claimed.
type MACClaims struct {
	MAC string   `json:"mac"`
	IPs []string `json:"ips"`
}

// IPCount is an address with a count.
type IPCount struct {
	IP    string `json:"ip"`
	Count int64  `json:"count"`
}

// ARPPair is an IP-to-MAC binding and the ARP packets that claimed it.
type ARPPair struct {
	IP      string `json:"ip"`
	MAC     string `json:"mac"`
	Packets int64  `json:"packets"`
}

// ARPConflict is an IP claimed by several MACs.
type ARPConflict struct {
	IP   string   `json:"ip"`
	MACs []string `json:"macs"`
}

// Name is an IP address with the names the capture itself associates with
// it: DNS answers (A/AAAA), TLS server names and HTTP Host headers sent to it.
// No lookup is ever made.
type Name struct {
	IP    string   `json:"ip"`
	Names []string `json:"names"` // sorted, at most MaxNamesPerIP
}

// MaxNamesPerIP bounds Name.Names.
const MaxNamesPerIP = 10

// HTTP summarises HTTP/1.x requests and responses found by content on any
// TCP port. A request split across segments is reassembled from the first
// 4 KiB of its stream.
type HTTP struct {
	// Requests counts requests by method, Host and target, count desc, then
	// URL asc. At most 50,000 distinct requests, and 16 MiB of their text,
	// are kept (RequestsTruncated says when one more was not).
	Requests          []HTTPRequest `json:"requests"`
	RequestsTruncated bool          `json:"requests_truncated"`
	TotalRequests     int64         `json:"total_requests"`
	TotalResponses    int64         `json:"total_responses"`
	Hosts             []Count       `json:"hosts"`        // requests by Host header, lower-cased
	Methods           []Count       `json:"methods"`      // requests by method
	StatusCodes       []Count       `json:"status_codes"` // responses by status code
	UserAgents        []Count       `json:"user_agents"`  // requests by User-Agent
	// StringsCut counts the requests whose "host" (MaxNameLen),
	// "target" (MaxTargetLen) or "user_agent" (MaxUserAgentLen) was longer
	// than its limit and kept cut, ending in CutMark and its length as sent.
	StringsCut []Count `json:"strings_cut"`
	// Transactions lists requests with their responses, in the order the
	// requests were seen; at most 20,000 and 8 MiB of their text.
	Transactions      []HTTPTransaction `json:"transactions"`
	TransactionsTotal int64             `json:"transactions_total"`
	// Objects lists message bodies in the order they ended; at most 10,000.
	Objects      []HTTPObject `json:"objects"`
	ObjectsTotal int64        `json:"objects_total"`
	// ObjectsSkipped counts what the transaction and object lists left
	// out, by reason (see README).
	ObjectsSkipped []Count `json:"objects_skipped"`
}

// HTTPRequest is one method and URL with how often it was requested and by whom.
type HTTPRequest struct {
	Method string `json:"method"`
	// URL is http://Host+path for origin-form targets, else the target as sent.
	URL          string    `json:"url"`
	Host         string    `json:"host"`
	Path         string    `json:"path"`
	Count        int64     `json:"count"`
	Clients      []IPCount `json:"clients"`
	ClientsTotal int64     `json:"clients_total"`
}

// TLS summarises TLS ClientHellos, reassembled when they span TCP segments
// or TLS records.
type TLS struct {
	ClientHellos int64 `json:"client_hellos"`
	// ServerNames counts ClientHellos by server name (SNI), lower-cased.
	ServerNames []NamedCount `json:"server_names"`
	WithoutSNI  int64        `json:"without_sni"`
	// Versions counts ClientHellos by the highest version offered.
	Versions []Count `json:"versions"`
	// ALPN counts the application protocols offered (h2, http/1.1...).
	ALPN []Count `json:"alpn"`
	// ECH counts ClientHellos with an encrypted_client_hello extension.
	ECH int64 `json:"ech"`
	// StringsCut counts the ClientHellos whose "server_name" was longer
	// than MaxNameLen and kept cut, as HTTP.StringsCut says, and the
	// fingerprints whose Raw ("fingerprint_raw") was kept cut to 2,048
	// bytes.
	StringsCut []Count `json:"strings_cut"`
	// QUIC counts the ClientHellos read from QUIC Initials (quic.go).
	QUIC QUIC `json:"quic"`
	// JA4 counts ClientHellos by JA4 fingerprint (Raw: its JA4_r, the
	// sorted lists hashed), JA3 by JA3 fingerprint (its MD5; Raw: the
	// string hashed), most ClientHellos first.
	// Each list keeps at most 10,000 fingerprints; FingerprintsTruncated
	// says one (or a server name of one) was not kept.
	JA4                   []TLSFingerprint `json:"ja4"`
	JA3                   []TLSFingerprint `json:"ja3"`
	FingerprintsTruncated bool             `json:"fingerprints_truncated"`
	// Certificates are those servers sent in TLS 1.0-1.2 handshakes.
	Certificates TLSCertificates `json:"certificates"`
}

// TLSFingerprint is a TLS client fingerprint with the ClientHellos that
// gave it: at most 4 of their server names (lower-cased, the first seen)
// and 8 of their clients (the first seen); ClientsTotal counts the
// clients, as NamedCount's does, and beyond the 8 listed also each
// ClientHello of a client not listed.
type TLSFingerprint struct {
	Fingerprint  string    `json:"fingerprint"`
	Raw          string    `json:"raw,omitempty"`
	Count        int64     `json:"count"`
	ServerNames  []Count   `json:"server_names"`
	Clients      []IPCount `json:"clients"`
	ClientsTotal int64     `json:"clients_total"`
}

// NamedCount is a name with its count and the clients behind it (at most
// 50 remembered; ClientsTotal says how many there were).
type NamedCount struct {
	Name         string    `json:"name"`
	Count        int64     `json:"count"`
	Clients      []IPCount `json:"clients"`
	ClientsTotal int64     `json:"clients_total"`
	// CountError is set in an estimated list (see Summary.Estimates) for a
	// name that took another's place: up to that many more may be its own.
	CountError int64 `json:"count_error,omitempty"`
}

// Hosts is the host inventory: one row per address of Sources and
// Destinations, with what the capture tells of it.
type Hosts struct {
	// List holds the MaxHosts busiest addresses, bytes (sent and
	// received) desc, then IP asc.
	List []Host `json:"list"`
	// Total counts the addresses of Sources and Destinations, listed or not.
	Total int64 `json:"total"`
	// Truncated is true when an address's MACs, TTL or services were not
	// kept for a bound (50,000 addresses, MaxMACsPerHost, MaxServicesPerHost,
	// 100,000 services in all).
	Truncated bool `json:"truncated"`
}

// Host is one IP address of the inventory.
type Host struct {
	IP string `json:"ip"`
	// MACs are the source MACs of the Ethernet frames it sent (of the
	// first packet each way of each flow, and of other IP packets), sorted;
	// behind a router, the router's. Vendor is the IEEE MA-L registry's
	// name for the MAC's first three bytes, "" when none.
	MACs []HostMAC `json:"macs"`
	// Names are those of Summary.Names for the address.
	Names []string `json:"names"`
	// TTL is the highest TTL (hop limit) of its packets to unicast
	// addresses, 0 when none was seen; InitialTTL is the 64, 128 or 255
	// that TTL most likely started from, OSHint the systems that start
	// there: a hint, not an identification.
	TTL        int    `json:"ttl"`
	InitialTTL int    `json:"initial_ttl"`
	OSHint     string `json:"os_hint"`
	// Services are the TCP ports it answered a SYN on with a SYN-ACK and
	// the UDP ports it replied from, by protocol and port.
	Services []Service `json:"services"`
	// Packets and bytes (IP total lengths) sent and received: its rows of
	// Sources and Destinations.
	PacketsSent     int64 `json:"packets_sent"`
	BytesSent       int64 `json:"bytes_sent"`
	PacketsReceived int64 `json:"packets_received"`
	BytesReceived   int64 `json:"bytes_received"`
	// Peers counts the addresses it exchanged IP packets with
	// (Conversations.IP); First and Last are the times of its first and
	// last packet there ("" when untimed).
	Peers int64  `json:"peers"`
	First string `json:"first"`
	Last  string `json:"last"`
}

// HostMAC is a MAC address ("00:0c:29:03:df:ad") and its vendor.
type HostMAC struct {
	MAC    string `json:"mac"`
	Vendor string `json:"vendor"`
}

// Service is a port a host offered.
type Service struct {
	Proto string `json:"proto"` // "tcp" or "udp"
	Port  uint16 `json:"port"`
	Name  string `json:"name"` // the port's usual service, "" when none
}
