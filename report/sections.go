package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// namer shows the names the capture gives an address (analyze.Summary.Names).
type namer map[string][]string

func newNamer(ns []analyze.Name) namer {
	m := namer{}
	for _, n := range ns {
		m[n.IP] = n.Names
	}
	return m
}

// names lists an address's names, shortened, for a table cell.
func (n namer) names(ip string) string {
	ns := n[ip]
	if len(ns) == 0 {
		return ""
	}
	shown := make([]string, 0, 3)
	for _, x := range ns[:min(len(ns), 3)] {
		shown = append(shown, show.Printable(x, 60))
	}
	s := strings.Join(shown, ", ")
	if len(ns) > 3 {
		s += fmt.Sprintf(" +%d more", len(ns)-3)
	}
	return s
}

// all lists every name of an address in full, for a cell's hover text.
func (n namer) all(ip string) string {
	out := make([]string, len(n[ip]))
	for i, x := range n[ip] {
		out[i] = show.Printable(x, 0)
	}
	return strings.Join(out, ", ")
}

// label is an address for a chart axis: the address and its first name.
func (n namer) label(ip string) string {
	if ns := n[ip]; len(ns) > 0 {
		return show.Printable(ip+" ("+ns[0]+")", chartLabelRunes+20)
	}
	return ip
}

// ipCell shows an address with its names.
func (n namer) ipCell(ip string) cell {
	if names := n.names(ip); names != "" {
		return cell{Text: ip + " (" + names + ")", Title: n.all(ip)}
	}
	return cell{Text: ip}
}

func conversationSection(c analyze.Conversations, nm namer, loc *time.Location, top int, estIP, estTransport *analyze.Estimate) section {
	n := limit(len(c.IP), top)
	items := bars(c.IP, n, func(cv analyze.Conversation) barItem {
		return barItem{nm.label(cv.A) + " ↔ " + nm.label(cv.B), cv.BytesAB + cv.BytesBA}
	})
	sec := section{
		ID: "conversations", Title: "Conversations",
		Intro: fmt.Sprintf("%s IP address pairs and %s TCP/UDP conversations. A is the lower address of each pair; "+
			"each direction is counted separately. TCP/UDP conversations go from client to server: the client opened "+
			"the connection (sent the SYN, else got the SYN-ACK; else the server is the one end on a well-known port; else "+
			"the client sent the first packet). TCP outcomes: %s.", thousands(int64(len(c.IP))), thousands(c.TransportTotal),
			outcomeTally(c.TCPOutcomes)),
		Charts: []chart{hbar("chart-conversations", "Top IP conversations by bytes (both directions)", "IP bytes", "bytes", items)},
	}
	if a := c.ICMPAnswers; a.Unreachable+a.TimeExceeded > 0 {
		sec.Intro += fmt.Sprintf(" ICMP errors quoting a TCP or UDP packet: %s destination unreachable (%s of them matched to a conversation, "+
			"which counts as rejected or unanswered), %s time exceeded (%s matched).", thousands(a.Unreachable), thousands(a.UnreachableFlows),
			thousands(a.TimeExceeded), thousands(a.TimeExceededFlows))
	}
	t := &table{
		Caption: "IP conversations by bytes",
		Columns: []column{{"A", false}, {"B", false}, {"Packets A→B", true}, {"Bytes A→B", true},
			{"Packets B→A", true}, {"Bytes B→A", true}, {"Packets", true}, {"Bytes", true}, {"First", false}, {"Duration", true}},
		More: moreNote(n, len(c.IP), "pairs"),
	}
	estimated := sec.markEstimated(estIP, t, "address pairs", "pair")
	t.More += estimatedNotKept(estIP, "address pairs")
	t.fill(n, len(c.IP), func(i int) []cell {
		cv := c.IP[i]
		row := []cell{nm.ipCell(cv.A), nm.ipCell(cv.B), num(cv.PacketsAB), bytesCell(cv.BytesAB),
			num(cv.PacketsBA), bytesCell(cv.BytesBA), num(cv.PacketsAB + cv.PacketsBA), bytesCell(cv.BytesAB + cv.BytesBA),
			{Text: showTime(cv.First, loc)}, {Text: humanDuration(cv.DurationSeconds), Numeric: true}}
		if estimated {
			row = append(row, missCell(cv.PacketsError, cv.BytesError))
		}
		return row
	})
	sec.Tables = append(sec.Tables, t)

	n = limit(len(c.Transport), top)
	tt := &table{
		Caption: "TCP and UDP conversations by bytes, client → server",
		Columns: []column{{"Protocol", false}, {"Client", false}, {"Port", true}, {"Server", false}, {"Port", true},
			{"Packets →", true}, {"Bytes →", true}, {"Packets ←", true}, {"Bytes ←", true}, {"Packets", true}, {"Bytes", true},
			{"TCP outcome", false}, {"Duration", true}, {"Community ID", false}},
		More: moreNote(n, len(c.Transport), "conversations") + notKeptNote(len(c.Transport), c.TransportTotal, "conversations"),
	}
	estimated = sec.markEstimated(estTransport, tt, "TCP/UDP conversations", "conversation")
	tt.fill(n, len(c.Transport), func(i int) []cell {
		cv := c.Transport[i]
		// Addresses are a capture's own when analysed, but a doctored JSON
		// file may hold anything: shown through Printable.
		client := nm.ipCell(show.Printable(cv.Client, 60))
		client.Title = strings.TrimSpace(client.Title + " (client by " + show.Printable(cv.OrientedBy, 20) + ")")
		row := []cell{{Text: strings.ToUpper(cv.Proto)}, client, portCell(cv.ClientPort), nm.ipCell(show.Printable(cv.Server, 60)), portCell(cv.ServerPort),
			num(cv.PacketsToServer), bytesCell(cv.BytesToServer), num(cv.PacketsToClient), bytesCell(cv.BytesToClient),
			num(cv.PacketsAB + cv.PacketsBA), bytesCell(cv.BytesAB + cv.BytesBA), {Text: show.Printable(cv.Outcome, 60)},
			{Text: humanDuration(cv.DurationSeconds), Numeric: true},
			{Text: cv.CommunityID, Title: "Community ID v1: the same flow's name in Zeek, Suricata and Arkime"}}
		if estimated {
			row = append(row, missCell(cv.PacketsError, cv.BytesError))
		}
		return row
	})
	sec.Tables = append(sec.Tables, tt)
	if len(c.Scanners)+len(c.UDPScanners) > 0 {
		st := &table{
			Caption: "Sources that probed many TCP or UDP targets",
			Columns: []column{{"Source", false}, {"Protocol", false}, {"Opened", true}, {"Failed", true}, {"ICMP unreachable", true},
				{"Hosts", true}, {"Ports", true}, {"Targets", true}, {"Top hosts", false}, {"Top ports", false}},
		}
		for i, sc := range slices.Concat(c.Scanners, c.UDPScanners) {
			proto := "TCP"
			if i >= len(c.Scanners) {
				proto = "UDP"
			}
			hosts := make([]string, len(sc.TopHosts))
			for i, h := range sc.TopHosts {
				hosts[i] = fmt.Sprintf("%s (%s)", h.IP, thousands(h.Count))
			}
			ports := make([]string, len(sc.TopPorts))
			for i, p := range sc.TopPorts {
				ports[i] = fmt.Sprintf("%d (%s)", p.Port, thousands(p.Count))
			}
			st.Rows = append(st.Rows, []cell{nm.ipCell(show.Printable(sc.Source, 60)), {Text: proto}, num(sc.Conversations), num(sc.Failed),
				num(sc.Unreachable), num(sc.Hosts), num(sc.Ports), num(sc.Targets), {Text: show.Printable(strings.Join(hosts, ", "), 400)},
				{Text: strings.Join(ports, ", ")}})
		}
		sec.Tables = append(sec.Tables, st)
	}
	return sec
}

// outcomeTally words the TCP outcome counts.
func outcomeTally(o analyze.TCPOutcomes) string {
	return fmt.Sprintf("%s established, %s rejected, %s without answer, %s incomplete, %s begun before the capture",
		thousands(o.Established), thousands(o.Rejected), thousands(o.NoAnswer), thousands(o.Incomplete), thousands(o.MidStream))
}

func portCell(p uint16) cell { return cell{Text: strconv.Itoa(int(p)), Numeric: true} }

// portRow is a port of either protocol, for the ports section.
type portRow struct {
	proto string
	analyze.Port
}

func (p portRow) label() string {
	s := p.proto + "/" + strconv.Itoa(int(p.Port.Port))
	if p.Service != "" {
		s += " " + p.Service
	}
	return s
}

func portSection(ps analyze.Ports, top int) section {
	rows := make([]portRow, 0, len(ps.TCP)+len(ps.UDP))
	for _, p := range ps.TCP {
		rows = append(rows, portRow{"tcp", p})
	}
	for _, p := range ps.UDP {
		rows = append(rows, portRow{"udp", p})
	}
	byConvs := sortedBy(rows, func(r portRow) int64 { return r.ServerConversations })
	byBytes := sortedBy(rows, func(r portRow) int64 { return r.ServerBytes })
	n := limit(len(rows), top)
	pk := make([]barItem, 0, n)
	by := make([]barItem, 0, n)
	for i := 0; i < n; i++ {
		if byConvs[i].ServerConversations > 0 {
			pk = append(pk, barItem{byConvs[i].label(), byConvs[i].ServerConversations})
		}
		if byBytes[i].ServerBytes > 0 {
			by = append(by, barItem{byBytes[i].label(), byBytes[i].ServerBytes})
		}
	}
	sec := section{
		ID: "ports", Title: "Ports and services",
		Intro: fmt.Sprintf("%s TCP and %s UDP ports. A server port is the port of the server of a conversation (see Conversations): "+
			"it usually names the service. Bytes are IP bytes of the packets to or from the port.",
			thousands(int64(len(ps.TCP))), thousands(int64(len(ps.UDP)))),
		Charts: []chart{
			hbar("chart-ports-packets", "Top server ports by conversations", "conversations", "count", pk),
			hbar("chart-ports-bytes", "Top server ports by bytes (both ways)", "bytes", "bytes", by),
		},
	}
	t := &table{
		Caption: "Ports by packets as a server's port",
		Columns: []column{{"Protocol", false}, {"Port", true}, {"Service", false}, {"Conversations served", true},
			{"Packets as server", true}, {"Bytes as server", true}, {"Packets to", true}, {"Bytes to", true},
			{"Packets from", true}, {"Bytes from", true}},
		More: moreNote(n, len(rows), "ports"),
	}
	all := sortedBy(rows, func(r portRow) int64 { return r.ServerPackets })
	t.fill(n, len(all), func(i int) []cell {
		r := all[i]
		return []cell{{Text: strings.ToUpper(r.proto)}, portCell(r.Port.Port), {Text: r.Service},
			num(r.ServerConversations), num(r.ServerPackets), bytesCell(r.ServerBytes),
			num(r.DstPackets), bytesCell(r.DstBytes), num(r.SrcPackets), bytesCell(r.SrcBytes)}
	})
	sec.Tables = append(sec.Tables, t)
	return sec
}

func protocolSection(p analyze.Protocols) section {
	items := func(pcs []analyze.ProtocolCount) []barItem {
		out := make([]barItem, len(pcs))
		for i, pc := range pcs {
			out[i] = barItem{pc.Name, pc.Bytes}
		}
		return out
	}
	sec := section{
		ID: "protocols", Title: "Protocols",
		Intro: "Packets and bytes by layer. Link counts every frame with its length on the wire; the other layers count IP bytes, " +
			"except non-IP network protocols (ARP...), which count frame lengths. Applications are recognised by content " +
			"(TLS records, HTTP request and status lines, SSH banners, QUIC long headers), else by well-known port.",
		Charts: []chart{
			hbar("chart-protocols-app", "Application protocols by bytes", "bytes", "bytes", items(sortedBy(p.Application, func(c analyze.ProtocolCount) int64 { return c.Bytes }))),
			hbar("chart-protocols-transport", "Transport protocols by bytes", "bytes", "bytes", items(sortedBy(p.Transport, func(c analyze.ProtocolCount) int64 { return c.Bytes }))),
		},
	}
	t := &table{
		Caption: "Protocols by layer",
		Columns: []column{{"Layer", false}, {"Protocol", false}, {"Packets", true}, {"Bytes", true}},
	}
	for _, l := range []struct {
		name string
		pcs  []analyze.ProtocolCount
	}{{"link", p.Link}, {"network", p.Network}, {"transport", p.Transport}, {"application", p.Application}} {
		for _, pc := range l.pcs {
			t.Rows = append(t.Rows, []cell{{Text: l.name}, {Text: pc.Name}, num(pc.Packets), bytesCell(pc.Bytes)})
		}
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}

// countTable is a two-column table of names and counts.
func countTable(caption, what, unit string, cs []analyze.Count, top int) *table {
	n := limit(len(cs), top)
	t := &table{Caption: caption, Columns: []column{{what, false}, {unit, true}}, More: moreNote(n, len(cs), strings.ToLower(what)+"s")}
	t.fill(n, len(cs), func(i int) []cell { return []cell{{Text: show.Printable(cs[i].Name, 0)}, num(cs[i].Count)} })
	return t
}

func ipCountTable(caption, unit string, cs []analyze.IPCount, nm namer, top int) *table {
	n := limit(len(cs), top)
	t := &table{Caption: caption, Columns: []column{{"IP address", false}, {unit, true}}, More: moreNote(n, len(cs), "addresses")}
	t.fill(n, len(cs), func(i int) []cell { return []cell{nm.ipCell(cs[i].IP), num(cs[i].Count)} })
	return t
}

// dnsDetailTables adds the DNS tables beyond the query names.
func dnsDetailTables(dns analyze.DNS, nm namer, top int) []*table {
	var ts []*table
	ts = append(ts,
		countTable("Query types", "Type", "Queries", dns.Types, 0),
		countTable("Response codes", "Response code", "Responses", dns.Rcodes, 0),
		countTable("Names answered NXDOMAIN (no such name)", "Name", "Responses", dns.NXDomain, top),
		ipCountTable("Top DNS clients (addresses sending queries)", "Queries", dns.Clients, nm, top),
		ipCountTable("Top DNS servers (addresses receiving queries)", "Queries", dns.Servers, nm, top),
	)
	if t := dnsTimingTable(dns.Timing, nm, top); t != nil {
		ts = append(ts, t)
	}
	n := limit(len(dns.Answers), top*5)
	at := &table{
		Caption: "Answers seen, by name",
		Columns: []column{{"Name", false}, {"Type", false}, {"Data", false}, {"Responses", true}},
		More:    moreNote(n, len(dns.Answers), "answers"),
	}
	at.fill(n, len(dns.Answers), func(i int) []cell {
		a := dns.Answers[i]
		return []cell{{Text: show.Printable(a.Name, 0)}, {Text: a.Type}, {Text: show.Printable(a.Data, 0)}, num(a.Count)}
	})
	ts = append(ts, at,
		countTable("mDNS queries (UDP 5353)", "Name", "Queries", dns.MDNS, top),
		countTable("LLMNR queries (UDP 5355)", "Name", "Queries", dns.LLMNR, top),
	)
	return ts
}

func icmpARPSection(icmp []analyze.ICMPCount, arp analyze.ARP, nm namer, top int) section {
	sec := section{
		ID: "icmp-arp", Title: "ICMP and ARP",
		Intro: "ICMP and ICMPv6 messages by type and code (unreachables and TTL-exceeded messages show scans and routing problems), " +
			"and ARP requests, replies and the IP-to-MAC bindings ARP senders claimed.",
	}
	for _, c := range arp.Conflicts {
		sec.Notes = append(sec.Notes, fmt.Sprintf("Warning: %s was claimed by %d MACs (%s): ARP spoofing or a failover.",
			c.IP, len(c.MACs), strings.Join(c.MACs, ", ")))
	}
	for _, m := range arp.SharedMACs {
		sec.Notes = append(sec.Notes, fmt.Sprintf("Note: %s claimed %d addresses (%s): a router's proxy ARP, or a host impersonating others.",
			m.MAC, len(m.IPs), strings.Join(m.IPs, ", ")))
	}
	it := &table{Caption: "ICMP messages", Columns: []column{{"Version", false}, {"Type", true}, {"Code", true}, {"Meaning", false}, {"Packets", true}},
		More: moreNote(limit(len(icmp), top), len(icmp), "types and codes")}
	it.fill(limit(len(icmp), top), len(icmp), func(i int) []cell {
		c := icmp[i]
		v := "ICMP"
		if c.Version == 6 {
			v = "ICMPv6"
		}
		return []cell{{Text: v}, num(int64(c.Type)), num(int64(c.Code)), {Text: c.Name}, num(c.Packets)}
	})
	pt := &table{Caption: "ARP bindings (IP claimed by MAC)", Columns: []column{{"IP address", false}, {"MAC", false}, {"ARP packets", true}},
		More: moreNote(limit(len(arp.Pairs), top), len(arp.Pairs), "bindings")}
	pt.fill(limit(len(arp.Pairs), top), len(arp.Pairs), func(i int) []cell {
		p := arp.Pairs[i]
		return []cell{nm.ipCell(p.IP), {Text: p.MAC}, num(p.Packets)}
	})
	sec.Tables = []*table{it,
		ipCountTable("ARP requests (who-has), by target", "Requests", arp.Requests, nm, top),
		ipCountTable("ARP replies (is-at), by sender", "Replies", arp.Replies, nm, top),
		pt,
	}
	if len(arp.Gratuitous) > 0 {
		n := limit(len(arp.Gratuitous), top)
		gt := &table{Caption: "Gratuitous ARP senders (announcing their own address)",
			Columns: []column{{"IP address", false}, {"Packets", true}, {"Most in 10 s", true}},
			More:    moreNote(n, len(arp.Gratuitous), "senders")}
		gt.fill(n, len(arp.Gratuitous), func(i int) []cell {
			g := arp.Gratuitous[i]
			return []cell{nm.ipCell(show.Printable(g.IP, 60)), num(g.Packets), num(g.Peak10s)}
		})
		sec.Tables = append(sec.Tables, gt)
	}
	return sec
}

// clientsText lists the first clients behind a count, for a table cell.
func clientsText(cs []analyze.IPCount, total int64) string {
	parts := make([]string, 0, 4)
	for _, c := range cs[:min(len(cs), 3)] {
		parts = append(parts, c.IP+" ("+thousands(c.Count)+")")
	}
	if total > 3 {
		parts = append(parts, fmt.Sprintf("+%d more", total-3))
	}
	return strings.Join(parts, ", ")
}

func httpSection(h analyze.HTTP, top int) section {
	n := limit(len(h.Hosts), top)
	items := bars(h.Hosts, n, func(c analyze.Count) barItem { return nameBar(c.Name, c.Count) })
	sec := section{
		ID: "http", Title: "HTTP",
		Intro: fmt.Sprintf("%s HTTP/1.x requests and %s responses, recognised by content on any TCP port; a request split across "+
			"segments is reassembled from the first 4 KiB of its stream. URLs are Host plus request target, as sent.",
			thousands(h.TotalRequests), thousands(h.TotalResponses)),
		Charts: []chart{hbar("chart-http-hosts", "Top HTTP hosts by requests", "requests", "count", items)},
	}
	if h.RequestsTruncated {
		sec.Notes = append(sec.Notes, "The capture holds more distinct URLs than the report keeps (50,000); counts of the URLs listed are exact.")
	}
	n = limit(len(h.Requests), top)
	rt := &table{
		Caption: "Requests by URL",
		Columns: []column{{"Method", false}, {"URL", false}, {"Requests", true}, {"Clients", false}},
		More:    moreNote(n, len(h.Requests), "URLs"),
	}
	rt.fill(n, len(h.Requests), func(i int) []cell {
		r := h.Requests[i]
		return []cell{{Text: show.Printable(r.Method, 30)}, {Text: show.Printable(r.URL, 0)}, num(r.Count),
			{Text: clientsText(r.Clients, r.ClientsTotal)}}
	})
	sec.Tables = []*table{
		rt,
		countTable("Hosts", "Host", "Requests", h.Hosts, top),
		countTable("Response status codes", "Status", "Responses", h.StatusCodes, 0),
		countTable("Methods", "Method", "Requests", h.Methods, 0),
		countTable("User agents", "User-Agent", "Requests", h.UserAgents, top),
	}
	return sec
}

func tlsSection(t analyze.TLS, top int) section {
	n := limit(len(t.ServerNames), top)
	items := bars(t.ServerNames, n, func(c analyze.NamedCount) barItem { return nameBar(c.Name, c.Count) })
	sec := section{
		ID: "tls", Title: "TLS",
		Intro: fmt.Sprintf("%s TLS ClientHellos (%s without a server name, %s with Encrypted Client Hello), reassembled when they span "+
			"TCP segments or TLS records. The server name (SNI) is what the client asked for, in clear text. "+
			"JA4 and JA3 fingerprint the client software by its ClientHello (JA4 ignores GREASE and the order of extensions, "+
			"so one program keeps one JA4; JA3 changes with Chrome's shuffled extensions).",
			thousands(t.ClientHellos), thousands(t.WithoutSNI), thousands(t.ECH)),
		Charts: []chart{hbar("chart-tls-sni", "Top TLS server names by ClientHellos", "ClientHellos", "count", items)},
	}
	st := &table{
		Caption: "Server names (SNI)",
		Columns: []column{{"Server name", false}, {"ClientHellos", true}, {"Clients", false}},
		More:    moreNote(n, len(t.ServerNames), "names"),
	}
	st.fill(n, len(t.ServerNames), func(i int) []cell {
		c := t.ServerNames[i]
		return []cell{{Text: show.Printable(c.Name, 0)}, num(c.Count), {Text: clientsText(c.Clients, c.ClientsTotal)}}
	})
	sec.Tables = []*table{
		st,
		countTable("Highest TLS version offered", "Version", "ClientHellos", t.Versions, 0),
		countTable("Application protocols offered (ALPN)", "Protocol", "ClientHellos", t.ALPN, top),
	}
	addQUIC(&sec, t.QUIC, top)
	sec.Tables = append(sec.Tables, fingerprintTables(t, top)...)
	if t.FingerprintsTruncated {
		sec.Notes = append(sec.Notes, "The capture holds more distinct client fingerprints than the report keeps (10,000 JA4s and "+
			"10,000 JA3s, 2 MiB of their text each); counts of the fingerprints listed are exact.")
	}
	sec.Tables = append(sec.Tables, certTable(&t.Certificates, top))
	return sec
}

// fingerprintTables are the tables of TLS client fingerprints: JA4, with
// its JA4_r as the cell's title, and JA3, with the string hashed.
func fingerprintTables(t analyze.TLS, top int) []*table {
	n := limit(len(t.JA4), top)
	j4 := &table{
		Caption: "Client fingerprints (JA4)",
		Columns: []column{{"JA4", false}, {"ClientHellos", true}, {"Server names", false}, {"Clients", false}},
		More:    moreNote(n, len(t.JA4), "fingerprints"),
	}
	for _, f := range t.JA4[:n] {
		j4.Rows = append(j4.Rows, []cell{{Text: show.Printable(f.Fingerprint, 0), Title: show.Printable(f.Raw, 0)}, num(f.Count),
			{Text: countsText(f.ServerNames)}, {Text: clientsText(f.Clients, f.ClientsTotal)}})
	}
	n = limit(len(t.JA3), top)
	j3 := &table{
		Caption: "Client fingerprints (JA3)",
		Columns: []column{{"JA3 (MD5)", false}, {"JA3 string", false}, {"ClientHellos", true}, {"Server names", false}, {"Clients", false}},
		More:    moreNote(n, len(t.JA3), "fingerprints"),
	}
	for _, f := range t.JA3[:n] {
		j3.Rows = append(j3.Rows, []cell{{Text: show.Printable(f.Fingerprint, 0)}, {Text: show.Printable(f.Raw, 0)}, num(f.Count),
			{Text: countsText(f.ServerNames)}, {Text: clientsText(f.Clients, f.ClientsTotal)}})
	}
	return []*table{j4, j3}
}

// countsText lists names with their counts, for a table cell.
func countsText(cs []analyze.Count) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, show.Printable(c.Name, 0)+" ("+thousands(c.Count)+")")
	}
	return strings.Join(parts, ", ")
}
