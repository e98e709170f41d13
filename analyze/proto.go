package analyze

import (
	"bytes"
	"fmt"
)

// app is an application protocol, recognised by content or by port. The
// set is fixed and small so that per-packet and per-bin counts are arrays.
type app uint8

const (
	appNone app = iota // not TCP or UDP
	appDNS
	appHTTP
	appTLS
	appQUIC
	appSSH
	appNTP
	appDHCP
	appDHCPv6
	appMDNS
	appLLMNR
	appNetBIOS
	appSSDP
	appSMB
	appSMTP
	appIMAP
	appPOP3
	appFTP
	appTelnet
	appSNMP
	appLDAP
	appKerberos
	appRDP
	appSIP
	appSyslog
	appRIP
	appMySQL
	appOtherTCP
	appOtherUDP
	numApps
)

var appNames = [numApps]string{
	appNone: "none", appDNS: "DNS", appHTTP: "HTTP", appTLS: "TLS", appQUIC: "QUIC", appSSH: "SSH",
	appNTP: "NTP", appDHCP: "DHCP", appDHCPv6: "DHCPv6", appMDNS: "mDNS", appLLMNR: "LLMNR",
	appNetBIOS: "NetBIOS", appSSDP: "SSDP", appSMB: "SMB", appSMTP: "SMTP", appIMAP: "IMAP",
	appPOP3: "POP3", appFTP: "FTP", appTelnet: "Telnet", appSNMP: "SNMP", appLDAP: "LDAP",
	appKerberos: "Kerberos", appRDP: "RDP", appSIP: "SIP", appSyslog: "Syslog", appRIP: "RIP",
	appMySQL: "MySQL", appOtherTCP: "other TCP", appOtherUDP: "other UDP",
}

func (a app) String() string { return appNames[a] }

// wellKnown maps a port to its service name and application, per protocol.
type wellKnown struct {
	service string
	app     app
}

var (
	tcpServices = map[uint16]wellKnown{
		20: {"ftp-data", appFTP}, 21: {"ftp", appFTP}, 22: {"ssh", appSSH}, 23: {"telnet", appTelnet},
		25: {"smtp", appSMTP}, 53: {"dns", appDNS}, 80: {"http", appHTTP}, 88: {"kerberos", appKerberos},
		110: {"pop3", appPOP3}, 135: {"msrpc", appOtherTCP}, 139: {"netbios-ssn", appNetBIOS},
		143: {"imap", appIMAP}, 179: {"bgp", appOtherTCP}, 389: {"ldap", appLDAP}, 443: {"https", appTLS},
		445: {"smb", appSMB}, 465: {"smtps", appSMTP}, 587: {"submission", appSMTP}, 636: {"ldaps", appLDAP},
		853: {"dns-over-tls", appTLS}, 993: {"imaps", appIMAP}, 995: {"pop3s", appPOP3},
		1433: {"mssql", appOtherTCP}, 3306: {"mysql", appMySQL}, 3389: {"rdp", appRDP},
		5060: {"sip", appSIP}, 5432: {"postgresql", appOtherTCP}, 6000: {"x11", appOtherTCP},
		8080: {"http-alt", appHTTP}, 8443: {"https-alt", appTLS},
	}
	udpServices = map[uint16]wellKnown{
		53: {"dns", appDNS}, 67: {"dhcp-server", appDHCP}, 68: {"dhcp-client", appDHCP}, 69: {"tftp", appOtherUDP},
		88: {"kerberos", appKerberos}, 123: {"ntp", appNTP}, 137: {"netbios-ns", appNetBIOS},
		138: {"netbios-dgm", appNetBIOS}, 161: {"snmp", appSNMP}, 162: {"snmptrap", appSNMP},
		443: {"quic", appQUIC}, 500: {"isakmp", appOtherUDP}, 514: {"syslog", appSyslog}, 520: {"rip", appRIP},
		546: {"dhcpv6-client", appDHCPv6}, 547: {"dhcpv6-server", appDHCPv6}, 1194: {"openvpn", appOtherUDP},
		1900: {"ssdp", appSSDP}, 4500: {"ipsec-nat-t", appOtherUDP}, 5060: {"sip", appSIP},
		5353: {"mdns", appMDNS}, 5355: {"llmnr", appLLMNR},
	}
)

// serviceName names a well-known TCP ("tcp") or UDP port, or returns "".
func serviceName(proto string, port uint16) string {
	if proto == "tcp" {
		return tcpServices[port].service
	}
	return udpServices[port].service
}

// appByPort classifies by the well-known port of either end, preferring
// the lower port (servers usually have it).
func appByPort(proto uint8, sport, dport uint16) app {
	table, other := udpServices, appOtherUDP
	if proto == protoTCP {
		table, other = tcpServices, appOtherTCP
	}
	lo, hi := sport, dport
	if hi < lo {
		lo, hi = hi, lo
	}
	if s, ok := table[lo]; ok {
		return s.app
	}
	if s, ok := table[hi]; ok {
		return s.app
	}
	return other
}

// appByContent recognises an application from the first bytes of a TCP or
// UDP payload, or returns appNone.
func appByContent(proto uint8, sport, dport uint16, p []byte) app {
	if len(p) < 4 {
		return appNone
	}
	if proto == protoTCP {
		switch {
		case looksLikeTLS(p):
			return appTLS
		case looksLikeHTTP(p):
			return appHTTP
		case bytes.HasPrefix(p, []byte("SSH-")):
			return appSSH
		}
		return appNone
	}
	// QUIC long-header packets (RFC 9000: header form and fixed bits set,
	// version 1 or 2, or a version negotiation) on any UDP port.
	if p[0]&0xc0 == 0xc0 && len(p) >= 5 && (sport == 443 || dport == 443 || isQUICVersion(p[1:5])) {
		return appQUIC
	}
	return appNone
}

func isQUICVersion(v []byte) bool {
	switch {
	case bytes.Equal(v, []byte{0, 0, 0, 1}), bytes.Equal(v, []byte{0x6b, 0x33, 0x43, 0xcf}):
		return true
	}
	return false
}

// looksLikeTLS reports a TLS record header: a known content type, major
// version 3 and a record length within the protocol's limit.
func looksLikeTLS(p []byte) bool {
	if len(p) < 5 || p[1] != 3 || p[2] > 4 {
		return false
	}
	switch p[0] {
	case 20, 21, 22, 23:
		return int(p[3])<<8|int(p[4]) <= 18432
	}
	return false
}

var httpStarts = [][]byte{
	[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "), []byte("DELETE "), []byte("OPTIONS "),
	[]byte("PATCH "), []byte("CONNECT "), []byte("TRACE "), []byte("HTTP/1."),
}

func looksLikeHTTP(p []byte) bool {
	for _, s := range httpStarts {
		if bytes.HasPrefix(p, s) {
			return true
		}
	}
	return false
}

// ipProtoNames names IP protocol numbers, made once so that counting them
// does not allocate.
var ipProtoNames [256]string

func init() {
	known := map[int]string{
		1: "ICMP", 2: "IGMP", 4: "IP-in-IP", 6: "TCP", 17: "UDP", 41: "IPv6-in-IP", 47: "GRE",
		50: "ESP", 51: "AH", 58: "ICMPv6", 59: "IPv6 no next header", 89: "OSPF", 103: "PIM",
		112: "VRRP", 132: "SCTP", 0: "IPv6 hop-by-hop", 43: "IPv6 routing", 44: "IPv6 fragment",
		60: "IPv6 destination options",
	}
	for i := range ipProtoNames {
		if n, ok := known[i]; ok {
			ipProtoNames[i] = n
		} else {
			ipProtoNames[i] = fmt.Sprintf("IP protocol %d", i)
		}
	}
}
