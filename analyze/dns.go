package analyze

import (
	"encoding/binary"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// dnsCounter counts DNS query messages by the first question's name.
type dnsCounter struct {
	msg       layers.DNS
	names     map[string]*int64
	name      []byte // lower-cased name of the current message, reused
	queries   int64
	responses int64
}

func newDNSCounter() dnsCounter {
	return dnsCounter{names: map[string]*int64{}, name: make([]byte, 0, 256)}
}

// message counts the DNS messages in a UDP datagram or TCP segment payload.
// Over TCP each message has a 2-byte length prefix; messages wholly inside
// the segment are read, a message split across segments is not. It returns
// a description of the first malformed message, or "".
func (d *dnsCounter) message(proto uint8, payload []byte) string {
	if proto == protoUDP {
		return d.one(payload)
	}
	if proto != protoTCP {
		return ""
	}
	for len(payload) >= 2 {
		n := int(binary.BigEndian.Uint16(payload))
		if n > len(payload)-2 {
			return "" // continues in a later segment
		}
		if detail := d.one(payload[2 : 2+n]); detail != "" {
			return detail
		}
		payload = payload[2+n:]
	}
	return ""
}

func (d *dnsCounter) one(b []byte) string {
	if len(b) == 0 {
		return "" // a TCP segment without data
	}
	err := d.msg.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
	if err != nil && len(d.msg.Questions) == 0 {
		if len(b) >= 3 && b[2]&0x80 == 0 {
			// The header says query, but no question could be read.
			d.queries++
		}
		return err.Error()
	}
	if d.msg.QR {
		d.responses++
	} else {
		d.queries++
		if len(d.msg.Questions) > 0 {
			d.count(d.msg.Questions[0].Name)
		}
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// count adds one query for name, lower-cased ASCII, without a trailing dot,
// "." for the root. The map lookup with a converted []byte key does not
// allocate; only a new name is copied into a string.
func (d *dnsCounter) count(name []byte) {
	b := d.name[:0]
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	if n := len(b); n > 0 && b[n-1] == '.' {
		b = b[:n-1]
	}
	if len(b) == 0 {
		b = append(b, '.')
	}
	d.name = b
	if p := d.names[string(b)]; p != nil {
		*p++
		return
	}
	n := int64(1)
	d.names[string(b)] = &n
}

func (d *dnsCounter) summary() DNS {
	m := make(map[string]int64, len(d.names))
	for k, v := range d.names {
		m[k] = *v
	}
	return DNS{Queries: sortedCounts(m), TotalQueries: d.queries, Responses: d.responses}
}
