package analyze

import (
	"strconv"
	"unicode/utf8"
)

// Lengths, in bytes, at which strings kept from a capture are cut. A
// string longer than its limit is kept as its first bytes (at most the
// limit, never half of a UTF-8 character) followed by CutMark and its
// length as sent: "aaaa…[cut, 10240 bytes]". Strings equal up to the
// limit and of the same length are then counted as one. The limits bound
// what a capture can make the analysis keep and write: with the counts'
// bounds (maxHTTPRequests, maxDistinctNames, maxAnswers, maxKeys ...) they
// bound the Summary's size.
const (
	// MaxNameLen is for DNS names (queries, answers, NXDOMAIN, mDNS,
	// LLMNR), TLS server names, HTTP Host headers and passive names: a
	// DNS name is at most 255 octets on the wire, 253 characters as text
	// (RFC 1035 section 3.1).
	MaxNameLen = 253
	// MaxTargetLen is for HTTP request targets (paths with their query).
	// 2,048 is what the sitemaps protocol and older browsers allow; longer
	// URLs are rare outside attacks.
	MaxTargetLen = 2048
	// MaxUserAgentLen is for User-Agent headers; real ones are 100 to 300
	// bytes.
	MaxUserAgentLen = 512
	// MaxAnswerDataLen is for the data of a DNS answer as text (TXT
	// strings, say); a 4096-bit DKIM key is about 740 bytes.
	MaxAnswerDataLen = 1024
)

// CutMark starts the mark appended to a string that was cut.
const CutMark = "…[cut, "

// appendCut appends s to dst, cut to at most limit bytes with the cut mark
// when longer. It reports whether s was cut. It allocates only to grow dst.
func appendCut(dst, s []byte, limit int) ([]byte, bool) {
	if len(s) <= limit {
		return append(dst, s...), false
	}
	dst = append(dst, s[:cutPoint(s, limit)]...)
	dst = append(dst, CutMark...)
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	return append(dst, " bytes]"...), true
}

// cutPoint is where to cut s, longer than limit bytes, to keep at most limit
// bytes: limit, or the start of a valid UTF-8 character that would straddle
// it. Invalid bytes are single bytes, cut anywhere.
func cutPoint(s []byte, limit int) int {
	for i := max(0, limit-utf8.UTFMax+1); i < limit; i++ {
		if _, size := utf8.DecodeRune(s[i:]); size > 1 && i+size > limit {
			return i
		}
	}
	return limit
}
