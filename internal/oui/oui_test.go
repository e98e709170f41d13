package oui

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVendorMatchesTshark compares the vendor of every source MAC in the
// shared captures with tshark's eth.src.oui_resolved (Wireshark's manuf
// file, made from the same IEEE listing at another date).
func TestVendorMatchesTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("no tshark")
	}
	var files []string
	for _, name := range []string{"windows_lan_dns_llmnr_smb.pcap", "mixed_lan_vlan_tls_http_2010_2015.pcap",
		"arp_poison_http_dns.pcapng", "vlan_mpls_mixed.pcap", "http_espn_browsing.pcapng"} {
		f := filepath.Join("../../../shared/captures", name)
		if _, err := os.Stat(f); err == nil {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		t.Skip("no ../shared/captures")
	}
	checked, same := 0, 0
	for _, f := range files {
		out, err := exec.Command("tshark", "-r", f, "-T", "fields", "-e", "eth.src", "-e", "eth.src.oui_resolved").Output()
		if err != nil {
			continue // a damaged capture of the set: tshark stops with an error
		}
		seen := map[string]bool{}
		for _, line := range strings.Split(string(out), "\n") {
			mac, want, ok := strings.Cut(line, "\t")
			if !ok || mac == "" || seen[mac] {
				continue
			}
			seen[mac] = true
			m, ok := parseMAC(mac)
			if !ok {
				t.Fatalf("%s: tshark gave MAC %q", f, mac)
			}
			got := Vendor(m)
			if want == "" || m[0]&3 != 0 {
				if got != "" && m[0]&3 != 0 {
					t.Errorf("%s: locally administered or group %s named %q", f, mac, got)
				}
				continue
			}
			checked++
			if fold(got) == fold(want) {
				same++
			} else if got == "" {
				t.Errorf("%s: %s: no vendor, tshark says %q", f, mac, want)
			} else {
				t.Logf("%s: %s: %q, tshark %q (renamed between the listings' dates?)", f, mac, got, want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no MAC with a vendor in the shared captures")
	}
	// The listings are a year apart: a rename may differ, most must not.
	if same*10 < checked*9 {
		t.Errorf("%d of %d MACs named as tshark names them", same, checked)
	}
	t.Logf("%d of %d source MACs named as tshark names them", same, checked)
}

// TestTableHasManufEntries checks the table against Wireshark's manuf: an
// OUI of manuf's with a long name is in the table, and named the same, for
// most of them (the listings differ by date).
func TestTableHasManufEntries(t *testing.T) {
	f, err := os.Open("/usr/share/wireshark/manuf")
	if err != nil {
		t.Skip("no Wireshark manuf")
	}
	defer f.Close()
	total, found, same := 0, 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 3 || len(fields[0]) != 8 || strings.HasPrefix(fields[0], "#") {
			continue // comments, and 28- and 36-bit blocks (xx:xx:xx:x0/28)
		}
		m, ok := parseMAC(fields[0] + ":00:00:00")
		if !ok || m[0]&3 != 0 {
			continue
		}
		total++
		if got := Vendor(m); got != "" {
			found++
			if fold(got) == fold(fields[2]) {
				same++
			}
		}
	}
	if total < 30000 || Len() < 30000 {
		t.Fatalf("manuf has %d MA-L entries, the table %d", total, Len())
	}
	// manuf (2023) has a year of OUIs more than the table (2022): 90%
	// of its OUIs are in the table, 98% of those named alike.
	if found*100 < total*85 || same*100 < found*95 {
		t.Errorf("of manuf's %d OUIs, %d in the table, %d named the same", total, found, same)
	}
	t.Logf("of manuf's %d OUIs, %d in the table, %d named the same", total, found, same)
}

func TestVendorBits(t *testing.T) {
	vm := [6]byte{0x00, 0x0c, 0x29, 1, 2, 3}
	if got := Vendor(vm); got != "VMware, Inc." {
		t.Errorf("00:0c:29: %q", got)
	}
	for _, m := range [][6]byte{{0x02, 0x0c, 0x29}, {0x01, 0x00, 0x5e}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		if got := Vendor(m); got != "" {
			t.Errorf("%x: %q, want none (group or local)", m, got)
		}
	}
}

func parseMAC(s string) ([6]byte, bool) {
	var m [6]byte
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return m, false
	}
	for i, p := range parts {
		var v byte
		for _, c := range strings.ToLower(p) {
			switch {
			case c >= '0' && c <= '9':
				v = v<<4 | byte(c-'0')
			case c >= 'a' && c <= 'f':
				v = v<<4 | byte(c-'a'+10)
			default:
				return m, false
			}
		}
		m[i] = v
	}
	return m, true
}

// fold drops case and punctuation: manuf re-cases some names of the listing
// ("COMDA ENTERPRISES CORP." is "Comda Enterprises Corp." there).
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}
