package analyze

import "net/netip"

// ScannerForTest is the Scanner of src after it opened a TCP connection to
// each of ports on host, the first failed of them failing, as the
// analysis lists it (for the tests of package analyze_test).
func ScannerForTest(src, host string, ports []uint16, failed int) Scanner {
	var c scanCount
	for i, p := range ports {
		c.add(netip.MustParseAddr(host), p, i < failed)
	}
	sc, _ := c.scanner(netip.MustParseAddr(src))
	return sc
}
