package analyze

import (
	"fmt"
	"net/netip"
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
}

// mergedConv is a conversation merged across captures, with what it may
// miss from captures whose lists were estimated (see bounds).
type mergedConv struct {
	convCount
	bounds
}

func newConvMerger() convMerger {
	return convMerger{pairs: map[pairKey]*mergedConv{}, flows: map[flowKey]*mergedConv{}}
}

// add merges cs, of a capture whose times have digits fractional digits;
// ip and transport are its estimates of the two lists (zero when exact).
func (m *convMerger) add(cs *Conversations, digits int, ip, transport Estimate) error {
	// Conversation times carry the most digits of the captures merged.
	m.digits = max(m.digits, digits)
	for _, cv := range cs.IP {
		m.digits = max(m.digits, FracDigits(cv.First))
		a, b, err := parsePair(cv.A, cv.B)
		if err != nil {
			return err
		}
		if err := addConversation(m.pairs, pairKey{a, b}, &cv, ip); err != nil {
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
		if err := addConversation(m.flows, k, &cv, transport); err != nil {
			return err
		}
	}
	m.unlisted += max(0, cs.TransportTotal-int64(len(cs.Transport)))
	return nil
}

// result lists the merged conversations as conversations.summary does;
// ip and transport are the overview's estimates of the lists, or nil.
func (m *convMerger) result(ip, transport *Estimate) Conversations {
	out := conversationLists(mergedRows(m.pairs, ip), mergedRows(m.flows, transport), m.digits)
	out.TransportTotal += m.unlisted
	return out
}

func addConversation[K comparable](m map[K]*mergedConv, k K, cv *Conversation, e Estimate) error {
	mc := m[k]
	if mc == nil {
		mc = &mergedConv{}
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
		out = append(out, convRow[K]{k, &mc.convCount, perr, berr})
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
