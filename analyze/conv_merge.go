package analyze

import (
	"fmt"
	"net/netip"
	"slices"
)

// convMerger merges the Conversations of Summaries, as conversations
// (conv.go) builds them for one capture.
type convMerger struct {
	pairs map[pairKey]*mergedConv
	flows map[flowKey]*mergedConv
	// unlisted counts transport conversations that the merged Summaries
	// counted in TransportTotal but did not list.
	unlisted int64
	digits   int // the most fractional digits of any capture's times
	outcomes [numOutcomes]int64
	scans    scanMerger
	// udpScans and icmpAnswers merge the UDP scanners and the ICMP
	// answers (scan_udp.go).
	udpScans    scanMerger
	icmpAnswers ICMPAnswers
}

// mergedConv is a conversation merged across captures, with what it may
// miss from captures whose lists were estimated (see bounds).
type mergedConv struct {
	convCount
	bounds
	o oriented // of the strongest orientation merged, the most conclusive outcome
	// oriented is set once o holds a merged row's orientation.
	oriented bool
}

func newConvMerger() convMerger {
	return convMerger{pairs: map[pairKey]*mergedConv{}, flows: map[flowKey]*mergedConv{}, scans: scanMerger{},
		udpScans: scanMerger{}}
}

// add merges cs, of a capture whose times have digits fractional digits;
// ip and transport are its estimates of the two lists (zero when exact),
// ipStart and transportStart the bounds a key new to each list starts
// with (keyCap.start).
func (m *convMerger) add(cs *Conversations, digits int, ip, transport Estimate, ipStart, transportStart bounds) error {
	// Conversation times carry the most digits of the captures merged.
	m.digits = max(m.digits, digits)
	for _, cv := range cs.IP {
		m.digits = max(m.digits, FracDigits(cv.First))
		a, b, err := parsePair(cv.A, cv.B)
		if err != nil {
			return err
		}
		if err := addConversation(m.pairs, pairKey{a, b}, &cv, ip, ipStart); err != nil {
			return err
		}
	}
	for _, cv := range cs.Transport {
		a, b, err := parsePair(cv.A, cv.B)
		if err != nil {
			return err
		}
		k := flowKey{a: a, b: b, aPort: cv.APort, bPort: cv.BPort, proto: protoUDP}
		switch cv.Proto {
		case "tcp":
			k.proto = protoTCP
		case "udp":
		default:
			return fmt.Errorf("transport conversation with protocol %q", cv.Proto)
		}
		if err := addConversation(m.flows, k, &cv, transport, transportStart); err != nil {
			return err
		}
		o, err := parseOriented(&cv)
		if err != nil {
			return err
		}
		mc := m.flows[k]
		if !mc.oriented || o.by > mc.o.by {
			mc.o.clientB, mc.o.by, mc.oriented = o.clientB, o.by, true
		}
		mc.o.outcome = max(mc.o.outcome, o.outcome)
	}
	m.unlisted += max(0, cs.TransportTotal-int64(len(cs.Transport)))
	// The listed TCP conversations count by their merged outcome (result),
	// the others by the capture's counts less the listed ones'.
	t := &cs.TCPOutcomes
	rest := [numOutcomes]int64{outcomeEstablished: t.Established, outcomeRejected: t.Rejected,
		outcomeNoAnswer: t.NoAnswer, outcomeIncomplete: t.Incomplete, outcomeMidStream: t.MidStream}
	for _, cv := range cs.Transport {
		if i := slices.Index(outcomeNames[:], cv.Outcome); i > 0 {
			rest[i]--
		}
	}
	for i, n := range rest {
		m.outcomes[i] += max(n, 0)
	}
	m.icmpAnswers.merge(&cs.ICMPAnswers)
	if err := m.udpScans.add(cs.UDPScanners); err != nil {
		return err
	}
	return m.scans.add(cs.Scanners)
}

// parseOriented reads a transport conversation's orientation and outcome.
func parseOriented(cv *Conversation) (oriented, error) {
	var o oriented
	by := slices.Index(orientNames[:], cv.OrientedBy)
	if by < 0 && cv.OrientedBy != "" {
		return o, fmt.Errorf("transport conversation oriented by %q", cv.OrientedBy)
	}
	out := slices.Index(outcomeNames[:], cv.Outcome)
	if out < 0 {
		return o, fmt.Errorf("transport conversation with outcome %q", cv.Outcome)
	}
	o.by, o.outcome = uint8(max(by, 0)), uint8(out)
	o.clientB = cv.Client == cv.B && cv.ClientPort == cv.BPort && (cv.A != cv.B || cv.APort != cv.BPort)
	return o, nil
}

// result lists the merged conversations as conversations.summary does;
// ip and transport are the overview's estimates of the lists, or nil.
func (m *convMerger) result(ip, transport *Estimate) Conversations {
	out := conversationLists(mergedRows(m.pairs, ip), mergedRows(m.flows, transport), m.digits)
	out.TransportTotal += m.unlisted
	n := m.outcomes
	for _, mc := range m.flows {
		n[mc.o.outcome]++
	}
	out.TCPOutcomes = outcomeCounts(&n)
	out.Scanners = m.scans.result()
	out.UDPScanners, out.ICMPAnswers = m.udpScans.result(), m.icmpAnswers
	return out
}

func addConversation[K comparable](m map[K]*mergedConv, k K, cv *Conversation, e Estimate, start bounds) error {
	mc := m[k]
	if mc == nil {
		mc = &mergedConv{bounds: start}
		m[k] = mc
	}
	mc.bounds.add(cv.PacketsError, cv.BytesError, e)
	cc := &mc.convCount
	cc.packetsAB += cv.PacketsAB
	cc.bytesAB += cv.BytesAB
	cc.packetsBA += cv.PacketsBA
	cc.bytesBA += cv.BytesBA
	if cv.First == "" {
		return nil
	}
	first, err := ParseTime(cv.First)
	if err != nil {
		return err
	}
	last, err := ParseTime(cv.Last)
	if err != nil {
		return err
	}
	cc.widen(first, last)
	return nil
}

func mergedRows[K comparable](m map[K]*mergedConv, e *Estimate) []convRow[K] {
	out := make([]convRow[K], 0, len(m))
	for k, mc := range m {
		perr, berr := mc.errors(e)
		out = append(out, convRow[K]{k, &mc.convCount, perr, berr, mc.o})
	}
	return out
}

func parsePair(a, b string) (netip.Addr, netip.Addr, error) {
	x, err := netip.ParseAddr(a)
	if err != nil {
		return x, x, err
	}
	y, err := netip.ParseAddr(b)
	return x, y, err
}
