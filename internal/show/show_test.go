package show

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	cases := map[string]string{
		"plain.example":         "plain.example",
		"nul\x00bel\x07":        `nul\x00bel\x07`,
		"bad\xff\xfeutf8":       `bad\xff\xfeutf8`,
		"rtl\u202eexe.txt":      `rtl\u202eexe.txt`,
		"</script>":             "</script>",
		"ünïcödé":               "ünïcödé",
		strings.Repeat("a", 50): strings.Repeat("a", 40) + "…",
	}
	for in, want := range cases {
		if got := Printable(in, 40); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	// No limit: escapes make the text longer than its bytes, and all of it stays.
	if got, want := Printable("\x00\x01\x02", 0), `\x00\x01\x02`; got != want {
		t.Errorf("Printable without limit = %q, want %q", got, want)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 20000: "20,000", 4281198: "4,281,198", -1234567: "-1,234,567", -100: "-100"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int64]string{0: "0 packets", 1: "1 packet", 2: "2 packets", 1234567: "1,234,567 packets"} {
		if got := Plural(n, "packet"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMillis(t *testing.T) {
	for _, c := range []struct {
		ms    float64
		count int64
		want  string
	}{{2017.569, 1, "2018 ms"}, {20.51, 3, "20.5 ms"}, {0.2941, 2, "0.294 ms"}, {0, 1, "0.000 ms"}, {12, 0, "-"}} {
		if got := Millis(c.ms, c.count); got != c.want {
			t.Errorf("Millis(%v, %d) = %q, want %q", c.ms, c.count, got, c.want)
		}
	}
}
