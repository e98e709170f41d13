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
	Capture      Capture    `json:"capture"`
	Sources      []Endpoint `json:"sources"`      // IP source addresses, packets desc then IP asc
	Destinations []Endpoint `json:"destinations"` // IP destination addresses, same order
	DNS          DNS        `json:"dns"`
	Timeline     Timeline   `json:"timeline"`
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
}

// Endpoint is one IP address with the IP packets and bytes it sent (Sources)
// or received (Destinations).
type Endpoint struct {
	IP      string `json:"ip"`
	Packets int64  `json:"packets"`
	Bytes   int64  `json:"bytes"` // sum of IP total lengths
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
	// Offset is the byte offset of the packet's record in the (uncompressed)
	// classic pcap file, or -1 for pcapng, whose reader does not expose it.
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// DNS holds the DNS queries seen: messages with QR=0 on UDP or TCP port 53.
// mDNS (5353) and LLMNR (5355) are not counted here.
type DNS struct {
	// Queries counts query messages by the first question's name, lower-cased,
	// without the trailing dot ("." for the root). Count desc, then name asc.
	Queries []Count `json:"queries"`
	// TotalQueries is the number of query messages, including those without a question.
	TotalQueries int64 `json:"total_queries"`
	// Responses is the number of response messages (QR=1).
	Responses int64 `json:"responses"`
}

// Timeline is IP traffic over time in fixed bins.
type Timeline struct {
	IntervalSeconds float64 `json:"interval_seconds"`
	// Sparse is true when the span from the first to the last IP packet needs
	// more than MaxDenseBins bins; Bins then lists only the non-empty ones.
	// Otherwise every bin of the span is listed, empty ones as zero.
	Sparse bool  `json:"sparse"`
	Bins   []Bin `json:"bins"`
}

// Bin is one interval of the timeline. Start is a whole multiple of the
// interval since the Unix epoch, RFC 3339 in UTC.
type Bin struct {
	Start   string `json:"start"`
	Packets int64  `json:"packets"` // IP packets
	Bytes   int64  `json:"bytes"`   // sum of IP total lengths
}

// MaxDenseBins is the largest number of bins a timeline lists when it
// includes empty bins.
const MaxDenseBins = 1_000_000
