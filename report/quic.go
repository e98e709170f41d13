package report

import (
	"fmt"

	"github.com/pcapreport/pcapreport/analyze"
)

// addQUIC adds to the TLS section what the analysis read from QUIC
// Initials: their ClientHellos are in the section's counts already; this
// says how many came over QUIC, and which names and protocols.
func addQUIC(sec *section, q analyze.QUIC, top int) {
	if q.Initials == 0 {
		return
	}
	sec.Intro += fmt.Sprintf(" Of them, %s came over QUIC (HTTP/3), in %s client Initial packets: %s decrypted with the keys "+
		"RFC 9001 derives from the connection ID, the rest sent after their connection's ClientHello was read, or not readable.",
		thousands(q.ClientHellos), thousands(q.Initials), thousands(q.Decrypted))
	sec.Tables = append(sec.Tables,
		countTable("Server names over QUIC", "Server name", "ClientHellos", q.ServerNames, top),
		countTable("Application protocols offered over QUIC (ALPN)", "Protocol", "ClientHellos", q.ALPN, top),
		countTable("QUIC versions of the Initials decrypted", "Version", "Initials", q.Versions, 0),
	)
	if len(q.Failures) > 0 {
		sec.Tables = append(sec.Tables, countTable("QUIC Initials or connections whose ClientHello was not read", "Reason", "Count", q.Failures, 0))
	}
}
