package analyze

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Printable is how pcapreport shows a string taken from a capture: control
// bytes, invalid UTF-8, bidirectional formatting characters, line and
// paragraph separators and zero-width characters become
// visible \x or \u escapes, and the result is cut to at most max runes with
// "…" appended (max <= 0: no limit). Names keep their raw bytes in the
// Summary; the report and the terminal output pass them through Printable.
// It makes text visible, not safe for HTML: escaping stays the job of
// html/template.
func Printable(s string, max int) string {
	if max <= 0 {
		max = math.MaxInt
	}
	out := make([]rune, 0, min(len(s), max)+1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece []rune
		switch {
		case r == utf8.RuneError && size == 1:
			piece = []rune(fmt.Sprintf(`\x%02x`, s[i]))
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isHidden(r):
			if r < 0x100 {
				piece = []rune(fmt.Sprintf(`\x%02x`, r))
			} else {
				piece = []rune(fmt.Sprintf(`\u%04x`, r))
			}
		default:
			piece = []rune{r}
		}
		// Stop before an escape that would not fit: never more than max
		// runes, and never half an escape.
		if len(out)+len(piece) > max {
			return string(out) + "…"
		}
		out = append(out, piece...)
		i += size
	}
	return string(out)
}

// isHidden reports characters that change how text around them displays
// or that cannot be seen: bidirectional formatting (which can make
// "evil\u202egnp.exe" read as "evilexe.png"), line and paragraph separators,
// and zero-width characters.
func isHidden(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional formatting
	case r == 0x2028, r == 0x2029:
		return true // line and paragraph separators
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff, r == 0x180e:
		return true // zero-width
	}
	return false
}

// Thousands writes n with commas between groups of three digits, as the
// report and the warnings show counts.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

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
