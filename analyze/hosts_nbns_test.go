package analyze

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestNBNSNamesMatchTshark checks that every unique workstation or server
// name (suffix <00> or <20>) that tshark reads from a NetBIOS name
// registration or positive answer is learnt for each address it binds,
// on every capture with NBNS in testdata and ../shared/captures.
func TestNBNSNamesMatchTshark(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	paths := realCaptures()
	checked := 0
	for _, p := range paths {
		s := fileSummary(t, p)
		if s.Capture.Quality.CutShort {
			continue // tshark stops with an error on these
		}
		rows := tsharkFields(t, p, "nbns && nbns.addr", "nbns.flags.response", "nbns.flags.opcode", "nbns.flags.rcode",
			"nbns.name", "nbns.nb_flags.group", "nbns.addr")
		if len(rows) == 0 {
			continue
		}
		names := map[string][]string{}
		for _, n := range s.Names {
			names[n.IP] = n.Names
		}
		for _, r := range rows {
			f := strings.Split(r, "\t")
			if len(f) < 6 {
				continue
			}
			response := f[0] == "1" || f[0] == "True"
			switch {
			case response && f[1] == "0" && (f[2] == "" || f[2] == "0"):
			case !response && (f[1] == "5" || f[1] == "8" || f[1] == "9"):
			default:
				continue
			}
			// The record's name is the last one: "NAME<20>" or with its meaning.
			nm := f[3][strings.LastIndexByte(f[3], ',')+1:]
			base, suffix, ok := strings.Cut(nm, "<")
			if !ok || !(strings.HasPrefix(suffix, "00>") || strings.HasPrefix(suffix, "20>")) {
				continue
			}
			base = strings.ToLower(strings.TrimRight(base, " "))
			groups, addrs := strings.Split(f[4], ","), strings.Split(f[5], ",")
			for i, addr := range addrs {
				if i < len(groups) && (groups[i] == "1" || groups[i] == "True") {
					continue
				}
				checked++
				if !slices.Contains(names[addr], base) {
					t.Errorf("%s: tshark binds NetBIOS name %q to %s; names learnt: %q", filepath.Base(p), base, addr, names[addr])
				}
			}
		}
	}
	if checked == 0 {
		t.Skip("no NetBIOS name bindings in the captures here")
	}
	t.Logf("%d NetBIOS name bindings checked", checked)
}

// TestNBNSCutShort feeds every prefix of a registration, as the Windows
// LAN capture has it, to nbnsName:
// none may panic, and only the whole message teaches its name.
func TestNBNSCutShort(t *testing.T) {
	// A registration of DESKTOP-2AEFM7G<00>, from the capture: header,
	// question, additional record pointing back at it (NB, 192.168.199.132).
	msg := []byte{0x80, 0x01, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1, 0x20}
	for _, c := range []byte("DESKTOP-2AEFM7G\x00") {
		msg = append(msg, 'A'+c>>4, 'A'+c&0xf)
	}
	msg = append(msg, 0, 0, 0x20, 0, 1, 0xc0, 12, 0, 0x20, 0, 1, 0, 4, 0x93, 0xe0, 0, 6, 0, 0, 192, 168, 199, 132)
	for n := range len(msg) + 1 {
		a := newAnalyzer(Options{})
		a.nbnsName(msg[:n])
		got := a.names.summary()
		if n < len(msg) && len(got) != 0 {
			t.Errorf("a message cut to %d bytes taught %v", n, got)
		}
		if n == len(msg) && (len(got) != 1 || got[0].IP != "192.168.199.132" || !slices.Equal(got[0].Names, []string{"desktop-2aefm7g"})) {
			t.Errorf("the whole message taught %v", got)
		}
	}
}
