package analyze

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Bounds on what the DNS analysis keeps, so that a capture of a DNS flood
// cannot exhaust memory. Counts stay exact; only the lists are cut.
const (
	maxClientsPerName = 50     // distinct clients remembered per query name
	maxAnswers        = 20_000 // distinct (name, type, data) answers remembered
	// maxListBytes bounds the names kept in the NXDOMAIN, mDNS and LLMNR
	// lists together: 300,000 names of 250 bytes took 227 MiB of
	// RSS. 16 MiB is 500,000 names of 30 bytes.
	maxListBytes = 16 << 20
)

// dnsCounter analyses DNS messages: queries by name with their clients,
// query types, response codes, NXDOMAIN names, answers, clients and servers.
// Port 53 is DNS; mDNS (5353) and LLMNR (5355) queries are counted apart.
type dnsCounter struct {
	msg layers.DNS
	// names counts queries (the weight) and their clients by name.
	names     hitters[string, clientCount]
	spare     []ipCount // an evicted name's client slice, for reuse
	key       []byte    // scratch: lower-cased name or answer key, reused
	queries   int64
	responses int64
	types     map[layers.DNSType]int64
	rcodes    map[layers.DNSResponseCode]int64
	nxdomain  nameCounts
	answers   nameCounts // key: appendField of name, type and data
	data      []byte     // scratch: an answer's data as text
	ans       []byte     // scratch: an answer's composite key
	cut       []byte     // scratch: a name or data cut to its limit
	typ       []byte     // scratch: an answer's type name
	// cutNames and cutData count names and answer data cut to their limit.
	cutNames, cutData int64
	clients           map[netip.Addr]int64
	servers           map[netip.Addr]int64
	mdns              nameCounts
	llmnr             nameCounts
	// untracked counts queries whose name or client was past maxKeys (or
	// maxListBytes).
	untracked int64
	listBytes int64 // length of the names of nxdomain, mdns and llmnr
	// learn is called with every address an A or AAAA answer gives for a
	// name, to build the passive IP-to-name map.
	learn func(ip netip.Addr, name []byte)
	// timing follows port-53 queries to their responses; now, sport and
	// dport are the current message's time and ports.
	timing       dnsTiming
	now          time.Time
	sport, dport uint16
	// bursts counts NXDOMAIN answers per client by minute (nxburst.go).
	bursts nxBursts
}

func newDNSCounter(keys int) dnsCounter {
	return dnsCounter{
		names: newHitters[string, clientCount](keys), key: make([]byte, 0, 512),
		types: map[layers.DNSType]int64{}, rcodes: map[layers.DNSResponseCode]int64{},
		nxdomain: nameCounts{}, answers: nameCounts{},
		clients: map[netip.Addr]int64{}, servers: map[netip.Addr]int64{},
		mdns: nameCounts{}, llmnr: nameCounts{},
		timing: newDNSTiming(), bursts: newNXBursts(),
	}
}

// dnsKind says which protocol a DNS-formatted message belongs to.
type dnsKind uint8

const (
	kindDNS dnsKind = iota
	kindMDNS
	kindLLMNR
)

// message analyses the DNS messages in a UDP datagram or TCP segment payload.
// Over TCP each message has a 2-byte length prefix; messages wholly inside
// the segment are read, a message split across segments is not. It returns
// a description of the first malformed message, or "".
func (d *dnsCounter) message(kind dnsKind, proto uint8, payload []byte, src, dst netip.Addr) string {
	if proto == protoUDP {
		return d.one(kind, payload, src, dst)
	}
	if proto != protoTCP {
		return ""
	}
	for len(payload) >= 2 {
		n := int(binary.BigEndian.Uint16(payload))
		if n > len(payload)-2 {
			return "" // continues in a later segment
		}
		if detail := d.one(kind, payload[2:2+n], src, dst); detail != "" {
			return detail
		}
		payload = payload[2+n:]
	}
	return ""
}

func (d *dnsCounter) one(kind dnsKind, b []byte, src, dst netip.Addr) string {
	if len(b) == 0 {
		return "" // a TCP segment without data
	}
	err := d.msg.DecodeFromBytes(b, gopacket.NilDecodeFeedback)
	if err != nil && len(d.msg.Questions) == 0 {
		if kind == kindDNS && len(b) >= 3 && b[2]&0x80 == 0 {
			// The header says query, but no question could be read.
			d.queries++
			d.countAddr(d.clients, src)
			d.countAddr(d.servers, dst)
		}
		return err.Error()
	}
	switch {
	case kind == kindMDNS || kind == kindLLMNR:
		if !d.msg.QR && len(d.msg.Questions) > 0 {
			m := d.mdns
			if kind == kindLLMNR {
				m = d.llmnr
			}
			d.countIn(m, d.msg.Questions[0].Name)
		}
		d.learnAnswers()
	case d.msg.QR:
		d.responses++
		if kind == kindDNS && !d.now.IsZero() {
			var name []byte
			if len(d.msg.Questions) > 0 {
				name = d.msg.Questions[0].Name
			}
			d.timing.response(dnsTxnKey{client: dst, server: src, cport: d.dport, sport: d.sport, id: d.msg.ID}, d.now, name)
		}
		d.rcodes[d.msg.ResponseCode]++
		if d.msg.ResponseCode == layers.DNSResponseCodeNXDomain {
			var name []byte
			if len(d.msg.Questions) > 0 {
				d.countIn(d.nxdomain, d.msg.Questions[0].Name)
				name = d.key // countIn leaves the normalized name there
			}
			d.bursts.add(dst, d.now, name)
		}
		d.recordAnswers()
		d.learnAnswers()
	default:
		d.queries++
		d.countAddr(d.clients, src)
		d.countAddr(d.servers, dst)
		if kind == kindDNS && !d.now.IsZero() {
			d.timing.query(dnsTxnKey{client: src, server: dst, cport: d.sport, sport: d.dport, id: d.msg.ID}, d.now)
		}
		if len(d.msg.Questions) > 0 {
			q := d.msg.Questions[0]
			d.types[q.Type]++
			d.countQuery(q.Name, src)
		}
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// countAddr counts one for ip unless ip is new and m is full.
func (d *dnsCounter) countAddr(m map[netip.Addr]int64, ip netip.Addr) {
	if c, ok := m[ip]; ok {
		m[ip] = c + 1
	} else if len(m) < maxKeys {
		m[ip] = 1
	} else {
		d.untracked++
	}
}

// normalize writes name lower-cased (ASCII), without a trailing dot, "."
// for the root, cut to MaxNameLen, into d.key and returns it.
func (d *dnsCounter) normalize(name []byte) []byte {
	b := appendName(d.key[:0], name)
	if len(b) == 0 {
		b = append(b, '.')
	}
	if len(b) > MaxNameLen {
		d.cut, _ = appendCut(d.cut[:0], b, MaxNameLen)
		b = append(b[:0], d.cut...)
		d.cutNames++
	}
	d.key = b
	return b
}

// countQuery adds one query for name from client. The map lookups with a
// converted []byte key do not allocate; only a new name is copied.
func (d *dnsCounter) countQuery(name []byte, client netip.Addr) {
	b := d.normalize(name)
	s, ok := d.names.index[string(b)]
	if !ok {
		s = d.names.insert(string(b))
		d.names.at(s).val.few, d.spare = d.spare, nil
	}
	d.names.at(s).val.add(client)
	d.names.add(s)
}

func (d *dnsCounter) countIn(m nameCounts, name []byte) {
	b := d.normalize(name)
	if p := m[string(b)]; p != nil {
		*p++
		return
	}
	if d.listBytes+int64(len(b)) > maxListBytes || !m.add(b, maxKeys) {
		d.untracked++
		return
	}
	d.listBytes += int64(len(b))
}

// nameCounts counts by name. Values are pointers so that counting a name
// already seen is a lookup, which with a converted []byte key does not
// allocate; an assignment would.
type nameCounts map[string]*int64

// add counts one for key, adding a new key only while there are fewer than
// limit keys (limit < 0: no limit). It reports whether key is counted.
func (m nameCounts) add(key []byte, limit int) bool {
	if p := m[string(key)]; p != nil {
		*p++
		return true
	}
	if limit >= 0 && len(m) >= limit {
		return false
	}
	n := int64(1)
	m[string(key)] = &n
	return true
}

func (m nameCounts) sorted() []Count {
	plain := make(map[string]int64, len(m))
	for k, v := range m {
		plain[k] = *v
	}
	return sortedCounts(plain)
}

// recordAnswers counts the answer records of a response by name, type and data.
func (d *dnsCounter) recordAnswers() {
	for i := range d.msg.Answers {
		rr := &d.msg.Answers[i]
		b := appendField(d.ans[:0], d.normalize(rr.Name))
		d.typ = appendDNSType(d.typ[:0], rr.Type)
		b = appendField(b, d.typ)
		d.data = appendRRData(d.data[:0], rr)
		var cut bool
		d.cut, cut = appendCut(d.cut[:0], d.data, MaxAnswerDataLen)
		d.cutData += b2i(cut)
		b = appendField(b, d.cut)
		d.ans = b
		d.answers.add(b, maxAnswers)
	}
}

// learnAnswers passes every A and AAAA answer to the passive name map.
func (d *dnsCounter) learnAnswers() {
	if d.learn == nil {
		return
	}
	for i := range d.msg.Answers {
		rr := &d.msg.Answers[i]
		if rr.Type != layers.DNSTypeA && rr.Type != layers.DNSTypeAAAA {
			continue
		}
		if ip, ok := netip.AddrFromSlice(rr.IP); ok {
			ip = ip.Unmap()
			d.learn(ip, rr.Name)
			// The name asked for, when the answer came through CNAMEs.
			if len(d.msg.Questions) > 0 {
				d.learn(ip, d.msg.Questions[0].Name)
			}
		}
	}
}

// appendRRData appends a record's data as text.
func appendRRData(b []byte, rr *layers.DNSResourceRecord) []byte {
	switch rr.Type {
	case layers.DNSTypeA, layers.DNSTypeAAAA:
		if ip, ok := netip.AddrFromSlice(rr.IP); ok {
			return ip.Unmap().AppendTo(b)
		}
	case layers.DNSTypeCNAME:
		return append(b, rr.CNAME...)
	case layers.DNSTypePTR:
		return append(b, rr.PTR...)
	case layers.DNSTypeNS:
		return append(b, rr.NS...)
	case layers.DNSTypeMX:
		b = strconv.AppendUint(b, uint64(rr.MX.Preference), 10)
		b = append(b, ' ')
		return append(b, rr.MX.Name...)
	case layers.DNSTypeTXT:
		for i, t := range rr.TXTs {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, t...)
		}
		return b
	case layers.DNSTypeSRV:
		b = strconv.AppendUint(b, uint64(rr.SRV.Priority), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(rr.SRV.Weight), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(rr.SRV.Port), 10)
		b = append(b, ' ')
		return append(b, rr.SRV.Name...)
	}
	return append(b, "("+strconv.Itoa(len(rr.Data))+" bytes)"...)
}

func (d *dnsCounter) summary() DNS {
	out := DNS{TotalQueries: d.queries, Responses: d.responses}
	out.Queries = make([]NamedCount, 0, d.names.len())
	for _, e := range d.names.all() {
		c := &e.val
		out.Queries = append(out.Queries, NamedCount{Name: e.key, Count: c.count, Clients: c.clientList(), ClientsTotal: c.clientsTotal, CountError: e.err})
	}
	sortNamedCounts(out.Queries)
	types := map[string]int64{}
	for t, c := range d.types {
		types[dnsTypeName(t)] += c
	}
	out.Types = sortedCounts(types)
	rcodes := map[string]int64{}
	for r, c := range d.rcodes {
		rcodes[rcodeName(r)] += c
	}
	out.Rcodes = sortedCounts(rcodes)
	out.NXDomain = d.nxdomain.sorted()
	out.Clients = ipCounts(d.clients)
	out.Servers = ipCounts(d.servers)
	out.MDNS = d.mdns.sorted()
	out.LLMNR = d.llmnr.sorted()
	out.Answers = make([]DNSAnswer, 0, len(d.answers))
	for k, c := range d.answers {
		parts := splitFields(k, 3)
		out.Answers = append(out.Answers, DNSAnswer{Name: parts[0], Type: parts[1], Data: parts[2], Count: *c})
	}
	slices.SortFunc(out.Answers, func(x, y DNSAnswer) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		if c := strings.Compare(x.Type, y.Type); c != 0 {
			return c
		}
		return strings.Compare(x.Data, y.Data)
	})
	out.AnswersTruncated = len(d.answers) >= maxAnswers
	out.StringsCut = cutCounts(map[string]int64{"name": d.cutNames, "answer_data": d.cutData})
	out.Timing = d.timing.summary()
	out.NXBursts = d.bursts.summary()
	return out
}

// rcodeName names a response code the way DNS tools print it.
func rcodeName(r layers.DNSResponseCode) string {
	switch r {
	case layers.DNSResponseCodeNoErr:
		return "NOERROR"
	case layers.DNSResponseCodeFormErr:
		return "FORMERR"
	case layers.DNSResponseCodeServFail:
		return "SERVFAIL"
	case layers.DNSResponseCodeNXDomain:
		return "NXDOMAIN"
	case layers.DNSResponseCodeNotImp:
		return "NOTIMP"
	case layers.DNSResponseCodeRefused:
		return "REFUSED"
	}
	return "RCODE " + strconv.Itoa(int(r))
}

// ipCounts turns an address count map into a slice, count desc then address asc.
func ipCounts(m map[netip.Addr]int64) []IPCount {
	type kv struct {
		ip netip.Addr
		n  int64
	}
	tmp := make([]kv, 0, len(m))
	for ip, n := range m {
		tmp = append(tmp, kv{ip, n})
	}
	slices.SortFunc(tmp, func(x, y kv) int {
		if c := cmp.Compare(y.n, x.n); c != 0 {
			return c
		}
		return x.ip.Compare(y.ip)
	})
	out := make([]IPCount, len(tmp))
	for i, e := range tmp {
		out[i] = IPCount{e.ip.String(), e.n}
	}
	return out
}

// sortIPCounts orders IPCounts by count desc, then numerically by address.
func sortIPCounts(xs []IPCount) {
	slices.SortFunc(xs, func(x, y IPCount) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		a, _ := netip.ParseAddr(x.IP)
		b, _ := netip.ParseAddr(y.IP)
		return a.Compare(b)
	})
}
