package analyze

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Printable is how pcapreport shows a string taken from a capture: control
// bytes, invalid UTF-8 and bidirectional formatting characters become
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
		if len(out) >= max {
			return string(out) + "…"
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, []rune(fmt.Sprintf(`\x%02x`, s[i]))...)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidi(r):
			if r < 0x100 {
				out = append(out, []rune(fmt.Sprintf(`\x%02x`, r))...)
			} else {
				out = append(out, []rune(fmt.Sprintf(`\u%04x`, r))...)
			}
		default:
			out = append(out, r)
		}
		i += size
	}
	return string(out)
}

// isBidi reports the Unicode bidirectional formatting characters that can
// make text display in a different order than it is stored.
func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
