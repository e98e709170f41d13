package analyze

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Times in a Summary are strings, RFC 3339 in UTC with as many fractional
// digits as the capture's timestamps carry. They can be years that
// time.Parse refuses (before 0000 or after 9999: corrupt timestamps are
// real), so every reader of a Summary parses them here.

// ParseTime parses a time of a Summary (Capture.First, Bin.Start,
// Conversation.First...): RFC 3339 in UTC, as formatTime writes it, with
// any number of fractional digits. Unlike time.Parse it also takes years
// outside 0000-9999, which corrupt capture timestamps can have.
func ParseTime(s string) (time.Time, error) {
	// The error is made only when needed: reports and merges parse every
	// listed conversation's times.
	bad := func() error { return fmt.Errorf("%q is not an RFC 3339 time in UTC", s) }
	rest, neg := strings.CutPrefix(s, "-")
	i := strings.IndexByte(rest, '-')
	if i < 4 || !strings.HasSuffix(s, "Z") {
		return time.Time{}, bad()
	}
	year, err := strconv.Atoi(rest[:i])
	if err != nil || rest[0] == '+' || rest[0] == '-' {
		return time.Time{}, bad()
	}
	if neg {
		year = -year
	}
	// Parse the rest in a leap year, so that February 29 passes, and check
	// that day against the real year.
	t, err := time.Parse(time.RFC3339Nano, "2000"+rest[i:])
	if err != nil || t.Month() == time.February && t.Day() == 29 && !isLeap(year) {
		return time.Time{}, bad()
	}
	return time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// FracDigits is the number of fractional second digits of a time written
// as in a Summary.
func FracDigits(s string) int {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return 0
	}
	return len(strings.TrimSuffix(s[i+1:], "Z"))
}
