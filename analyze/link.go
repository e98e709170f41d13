package analyze

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// A linkDecoder finds the outermost IP header of frames of one link type.
//
// Link layers with a gopacket DecodingLayer (Ethernet, 802.1Q, LLC/SNAP,
// Linux SLL and SLL2, BSD loopback, radiotap and 802.11) are walked by one
// DecodingLayerParser, built once per link type and reused for every packet.
// The parser holds no IPv4 or IPv6 decoder on purpose: it stops where IP
// begins and hands back the bytes, so the IP header is read by ip.go, which
// keeps counting packets whose IP header is damaged, and a tunnel's inner
// header can never overwrite the outer one. Encapsulations that gopacket can
// only decode packet by packet (MPLS, PPPoE, PPP, NFLOG) are walked by hand
// here.
type linkDecoder struct {
	linkType layers.LinkType
	// unsupported is the decode-error reason for frames of a link type
	// pcapreport cannot decode, made once so that counting them is free.
	unsupported string
	kind        linkKind
	parser      *gopacket.DecodingLayerParser
	decoded     []gopacket.LayerType
	byType      map[gopacket.LayerType]gopacket.DecodingLayer
	// frames counts the frames of this link type and their wire length.
	frames protoCount
}

type linkKind uint8

const (
	linkParsed      linkKind = iota // walked by the DecodingLayerParser
	linkRaw                         // raw IP: version from the first nibble
	linkIPv4                        // LINKTYPE_IPV4
	linkIPv6                        // LINKTYPE_IPV6
	linkPPP                         // PPP, with or without HDLC framing
	linkNFLog                       // Linux NFLOG
	linkUnsupported                 // counted as undecodable
)

// Link types not named in gopacket's enum.
const (
	linkTypeNFLog   layers.LinkType = 239
	linkTypeRawBSD  layers.LinkType = 12 // DLT_RAW on most BSDs
	linkTypeRawOBSD layers.LinkType = 14 // DLT_RAW on OpenBSD
)

// linkTypeName names a link type as users know it from tcpdump and Wireshark.
func linkTypeName(lt layers.LinkType) string {
	switch lt {
	case layers.LinkTypeNull:
		return "BSD loopback"
	case layers.LinkTypeEthernet:
		return "Ethernet"
	case layers.LinkTypePPP:
		return "PPP"
	case layers.LinkTypePPP_HDLC:
		return "PPP in HDLC framing"
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOBSD:
		return "Raw IP"
	case layers.LinkTypeIEEE802_11:
		return "802.11"
	case layers.LinkTypeLoop:
		return "OpenBSD loopback"
	case layers.LinkTypeLinuxSLL:
		return "Linux cooked (SLL)"
	case layers.LinkTypeIEEE80211Radio:
		return "802.11 with radiotap"
	case layers.LinkTypeIPv4:
		return "Raw IPv4"
	case layers.LinkTypeIPv6:
		return "Raw IPv6"
	case layers.LinkTypeLinuxSLL2:
		return "Linux cooked v2 (SLL2)"
	case linkTypeNFLog:
		return "Linux NFLOG"
	}
	if name := lt.String(); !strings.HasPrefix(name, "UnknownLinkType") {
		return name
	}
	return fmt.Sprintf("link type %d", uint32(lt))
}

func newLinkDecoder(lt layers.LinkType) *linkDecoder {
	d := &linkDecoder{linkType: lt, byType: map[gopacket.LayerType]gopacket.DecodingLayer{}}
	var first gopacket.LayerType
	// Layers an Ethernet-like header can lead to.
	ethLike := []gopacket.DecodingLayer{&layers.Dot1Q{}, &layers.LLC{}, &layers.SNAP{}}
	var ls []gopacket.DecodingLayer
	switch lt {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
		ls = append([]gopacket.DecodingLayer{&layers.Ethernet{}}, ethLike...)
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
		ls = append([]gopacket.DecodingLayer{&layers.LinuxSLL{}, &layers.Ethernet{}}, ethLike...)
	case layers.LinkTypeLinuxSLL2:
		first = layers.LayerTypeLinuxSLL2
		ls = append([]gopacket.DecodingLayer{&layers.LinuxSLL2{}, &layers.Ethernet{}}, ethLike...)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
		ls = []gopacket.DecodingLayer{&layers.Loopback{}}
	case layers.LinkTypeIEEE80211Radio, layers.LinkTypeIEEE802_11:
		first = layers.LayerTypeDot11
		if lt == layers.LinkTypeIEEE80211Radio {
			first = layers.LayerTypeRadioTap
		}
		ls = append([]gopacket.DecodingLayer{&layers.RadioTap{}, &layers.Dot11{}}, ethLike...)
		// Data frames of every subtype lead to LLC/SNAP.
		ls = append(ls, &layers.Dot11Data{}, &layers.Dot11DataQOSData{}, &layers.Dot11DataCFAck{},
			&layers.Dot11DataCFPoll{}, &layers.Dot11DataCFAckPoll{}, &layers.Dot11DataQOSDataCFAck{},
			&layers.Dot11DataQOSDataCFPoll{}, &layers.Dot11DataQOSDataCFAckPoll{})
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOBSD:
		d.kind = linkRaw
		return d
	case layers.LinkTypeIPv4:
		d.kind = linkIPv4
		return d
	case layers.LinkTypeIPv6:
		d.kind = linkIPv6
		return d
	case layers.LinkTypePPP, layers.LinkTypePPP_HDLC:
		d.kind = linkPPP
		return d
	case linkTypeNFLog:
		d.kind = linkNFLog
		return d
	default:
		d.kind = linkUnsupported
		d.unsupported = fmt.Sprintf("unsupported link type %d", uint32(lt))
		if name := linkTypeName(lt); name != fmt.Sprintf("link type %d", uint32(lt)) {
			d.unsupported += " (" + name + ")"
		}
		return d
	}
	for _, l := range ls {
		for _, t := range l.CanDecode().LayerTypes() {
			d.byType[t] = l
		}
	}
	d.parser = gopacket.NewDecodingLayerParser(first, ls...)
	// The parser's own recover would turn a decoder panic into an error
	// without telling us which packet; packet() recovers instead.
	d.parser.IgnorePanic = true
	d.decoded = make([]gopacket.LayerType, 0, 8)
	return d
}

// linkResult is what the link layer of one frame carried.
type linkResult struct {
	// ip holds the bytes from the outermost IP header on; nil when the frame
	// carries no IP. version is 4 or 6 when the link layer said which, 0 when
	// the first nibble decides (raw IP, MPLS).
	ip      []byte
	version uint8
	// other names what a non-IP frame carried (ARP, LLDP, a Dot11 management
	// frame...). Empty for IP and for errors.
	other string
	// arp is set, with payload, when the frame is an ARP message.
	arp     bool
	payload []byte
	// errLayer and err describe a link layer that failed to decode.
	errLayer string
	err      error
}

var errNoIPPayload = errors.New("no bytes after the link header")

// fast finds the IP header of the commonest frames, as decode would, or
// returns ok=false for the caller to call decode.
func (d *linkDecoder) fast(data []byte) (ip []byte, version uint8, ok bool) {
	if d.kind == linkParsed && d.linkType == layers.LinkTypeEthernet {
		return fastEthernet(data)
	}
	return nil, 0, false
}

// decode finds the outermost IP header in data.
func (d *linkDecoder) decode(data []byte) linkResult {
	switch d.kind {
	case linkRaw:
		return linkResult{ip: data}
	case linkIPv4:
		return linkResult{ip: data, version: 4}
	case linkIPv6:
		return linkResult{ip: data, version: 6}
	case linkPPP:
		return pppPayload(data)
	case linkNFLog:
		return nflogPayload(data)
	case linkUnsupported:
		return linkResult{errLayer: d.unsupported, err: errUnsupportedLink}
	}

	if d.linkType == layers.LinkTypeEthernet {
		// Most frames are Ethernet, perhaps VLAN-tagged, carrying IP: read
		// those directly (fastpath.go); the parser takes everything else.
		if ip, version, ok := fastEthernet(data); ok {
			return linkResult{ip: ip, version: version}
		}
	}
	err := d.parser.DecodeLayers(data, &d.decoded)
	// The parser ends with UnsupportedLayerType where IP (or anything it has
	// no decoder for) begins; that is the normal case, not an error. A type
	// assertion, unlike errors.As, costs no allocation per packet.
	if _, stopped := err.(gopacket.UnsupportedLayerType); err != nil && !stopped {
		if d.parserFirst() == layers.LayerTypeLoopback && len(d.decoded) == 0 {
			if lr, ok := nullEtherType(data); ok {
				return lr
			}
		}
		failed := d.parserFirst()
		if n := len(d.decoded); n > 0 {
			failed = d.byType[d.decoded[n-1]].NextLayerType()
		}
		return linkResult{errLayer: failed.String(), err: err}
	}
	if len(d.decoded) == 0 {
		return linkResult{errLayer: d.parserFirst().String(), err: errNoIPPayload}
	}
	last := d.byType[d.decoded[len(d.decoded)-1]]
	next, payload := last.NextLayerType(), last.LayerPayload()
	switch next {
	case layers.LayerTypeIPv4:
		return linkResult{ip: payload, version: 4}
	case layers.LayerTypeIPv6:
		return linkResult{ip: payload, version: 6}
	case layers.LayerTypeMPLS:
		return mplsPayload(payload)
	case layers.LayerTypePPPoE:
		return pppoePayload(payload)
	case gopacket.LayerTypeZero, gopacket.LayerTypePayload:
		return linkResult{other: otherName(last)}
	case layers.LayerTypeARP:
		return linkResult{other: "ARP", arp: true, payload: payload}
	}
	return linkResult{other: next.String()}
}

func (d *linkDecoder) parserFirst() gopacket.LayerType {
	switch d.linkType {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback
	case layers.LinkTypeIEEE80211Radio:
		return layers.LayerTypeRadioTap
	}
	return layers.LayerTypeDot11
}

var errUnsupportedLink = errors.New("unsupported link type")

// otherName names the payload of a layer that gopacket has no type for.
// The names are fixed strings (no per-packet formatting) so that counting
// them does not allocate.
func otherName(l gopacket.DecodingLayer) string {
	switch l := l.(type) {
	case *layers.Ethernet:
		return etherTypeName(uint16(l.EthernetType))
	case *layers.Dot1Q:
		return etherTypeName(uint16(l.Type))
	case *layers.LinuxSLL:
		return etherTypeName(uint16(l.EthernetType))
	case *layers.LinuxSLL2:
		return etherTypeName(uint16(l.ProtocolType))
	case *layers.Loopback:
		return "loopback family other than IP"
	case *layers.LLC:
		return "LLC"
	case *layers.SNAP:
		return "SNAP"
	}
	if lt, ok := l.(gopacket.Layer); ok {
		return lt.LayerType().String()
	}
	return "unknown"
}

var etherTypeNames = map[uint16]string{}

func init() {
	for _, t := range []uint16{0x0806, 0x8035, 0x809b, 0x80f3, 0x8100, 0x88a8, 0x88cc, 0x888e, 0x88e1, 0x8899, 0x88f7, 0x8863, 0x8864, 0x22f0, 0x9000, 0x893a} {
		etherTypeNames[t] = fmt.Sprintf("EtherType 0x%04x", t)
	}
}

// etherTypeName gives "EtherType 0x88cc"-style names, allocating only for
// EtherTypes outside the common set.
func etherTypeName(t uint16) string {
	if n, ok := etherTypeNames[t]; ok {
		return n
	}
	if t <= 1500 {
		return "802.3 length field"
	}
	return fmt.Sprintf("EtherType 0x%04x", t)
}

// nullEtherType reads a BSD loopback header whose address family is not
// one gopacket knows but whose upper 16 bits hold an Ethernet type, as some
// systems write it; Wireshark's null dissector reads it the same way.
func nullEtherType(data []byte) (linkResult, bool) {
	if len(data) < 4 {
		return linkResult{}, false
	}
	switch binary.BigEndian.Uint16(data[2:4]) {
	case 0x0800:
		return linkResult{ip: data[4:], version: 4}, true
	case 0x86dd:
		return linkResult{ip: data[4:], version: 6}, true
	}
	return linkResult{}, false
}

// mplsPayload skips MPLS labels up to the bottom of the stack and guesses
// the payload from its first nibble, as Wireshark and tcpdump do.
func mplsPayload(b []byte) linkResult {
	for {
		if len(b) < 4 {
			return linkResult{errLayer: "MPLS", err: errors.New("label stack runs past the end of the frame")}
		}
		bottom := b[2]&0x01 != 0
		b = b[4:]
		if bottom {
			break
		}
	}
	if len(b) == 0 {
		return linkResult{errLayer: "MPLS", err: errNoIPPayload}
	}
	switch b[0] >> 4 {
	case 4, 6:
		return linkResult{ip: b}
	}
	return linkResult{other: "MPLS payload other than IP"}
}

// pppoePayload reads a PPPoE header: session data carries PPP.
func pppoePayload(b []byte) linkResult {
	if len(b) < 6 {
		return linkResult{errLayer: "PPPoE", err: errors.New("header shorter than 6 bytes")}
	}
	if b[1] != 0 { // code 0 is session data; the rest is discovery
		return linkResult{other: "PPPoE discovery"}
	}
	return pppProtocol(b[6:])
}

// pppPayload reads a PPP frame, with or without the HDLC address and control bytes.
func pppPayload(b []byte) linkResult {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	return pppProtocol(b)
}

func pppProtocol(b []byte) linkResult {
	if len(b) < 1 {
		return linkResult{errLayer: "PPP", err: errors.New("frame too short for a protocol field")}
	}
	// The protocol field is one byte when its low bit is set (RFC 1661 field compression).
	var proto uint16
	if b[0]&0x01 != 0 {
		proto, b = uint16(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			return linkResult{errLayer: "PPP", err: errors.New("frame too short for a protocol field")}
		}
		proto, b = binary.BigEndian.Uint16(b), b[2:]
	}
	switch proto {
	case 0x0021:
		return linkResult{ip: b, version: 4}
	case 0x0057:
		return linkResult{ip: b, version: 6}
	}
	return linkResult{other: "PPP control or non-IP protocol"}
}

// nflogPayload finds the packet inside a Linux NFLOG record: a 4-byte
// header (address family, version, resource id) then type-length-value
// attributes in host byte order, padded to 4 bytes; type 9 is the payload.
func nflogPayload(b []byte) linkResult {
	if len(b) < 4 {
		return linkResult{errLayer: "NFLOG", err: errors.New("header shorter than 4 bytes")}
	}
	family := b[0]
	b = b[4:]
	for len(b) >= 4 {
		// Attribute lengths include their 4-byte header. NFLOG files are
		// written on little-endian hosts in practice; try that first.
		l := int(binary.LittleEndian.Uint16(b[0:2]))
		typ := binary.LittleEndian.Uint16(b[2:4])
		if l < 4 || l > len(b) {
			l = int(binary.BigEndian.Uint16(b[0:2]))
			typ = binary.BigEndian.Uint16(b[2:4])
			if l < 4 || l > len(b) {
				return linkResult{errLayer: "NFLOG", err: errors.New("attribute length out of range")}
			}
		}
		if typ&0x7fff == 9 {
			var v uint8
			switch family {
			case 2:
				v = 4
			case 10:
				v = 6
			}
			return linkResult{ip: b[4:l], version: v}
		}
		l = (l + 3) &^ 3
		if l > len(b) {
			break
		}
		b = b[l:]
	}
	return linkResult{other: "NFLOG record without a packet"}
}
