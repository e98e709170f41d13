package analyze

import "net/netip"

// ScannerForTest is the Scanner of src after it opened a TCP connection to
// each of ports on host, the first failed of them failing (every other one
// of those by ICMP unreachable) and one in five answered by ICMP time
// exceeded, as the analysis lists it (for the tests of package
// analyze_test).
func ScannerForTest(src, host string, ports []uint16, failed int) Scanner {
	var c scanCount
	for i, p := range ports {
		var answer uint8
		if i%2 == 0 {
			answer |= seenUnreach
		}
		if i%5 == 1 {
			answer |= seenExpired
		}
		c.add(netip.MustParseAddr(host), p, i < failed, answer)
	}
	sc, _ := c.scanner(netip.MustParseAddr(src))
	return sc
}
