// Package show is how pcapreport shows capture text and counts to people:
// the report, the summary command and the program's messages use it, and
// so does the analysis for the few texts it writes (warnings, decode-error
// details, findings).
package show

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

// Plural writes n, as Thousands does, with word, plural unless n is 1:
// "1 packet", "2,048 packets". Words whose plural is not word+"s" are not
// passed to it.
func Plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return Thousands(n) + " " + word + "s"
}

// Millis writes a duration in milliseconds to a precision that suits its
// size ("2018 ms", "20.5 ms", "0.294 ms"), or "-" when there is none to
// show (count is how many durations ms sums up, e.g. answered queries).
func Millis(ms float64, count int64) string {
	switch {
	case count == 0:
		return "-"
	case ms >= 100:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 3, 64) + " ms"
}
