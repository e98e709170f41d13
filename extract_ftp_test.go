package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExtractFTPObjects runs report --extract on gencap -mode ftp's
// capture: every complete file gencap sent is written under its SHA-256
// (gencap prints it), with the same bytes, and objects.json lists the
// FTP transfers written with the name each was sent under.
func TestExtractFTPObjects(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to run cmd/gencap: %v", err)
	}
	root := t.TempDir()
	capture := filepath.Join(root, "ftp.pcap")
	out, err := exec.Command(goCmd, "run", "./cmd/gencap", "-mode", "ftp", "-o", capture).CombinedOutput()
	if err != nil {
		t.Fatalf("gencap: %v\n%s", err, out)
	}
	sent := regexp.MustCompile(`(?m)^gencap: ftp \S+ (\S+) \d+ bytes sha256 ([0-9a-f]{64})$`).FindAllStringSubmatch(string(out), -1)
	if len(sent) != 5 { // six transfers, one with a segment not captured
		t.Fatalf("gencap printed %d complete transfers, want 5:\n%s", len(sent), out)
	}
	dir := filepath.Join(root, "objects")
	if _, stderr, err := runCLI(t, root, nil, "report", capture, "-o", filepath.Join(root, "r.html"), "--extract", dir); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	var m struct {
		FTPObjects []struct {
			File, SHA256, Name string
		} `json:"ftp_objects"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "objects.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, o := range m.FTPObjects {
		listed[o.SHA256] = o.Name
		if matched, _ := regexp.MatchString(`^`+o.SHA256+`\.[a-z0-9]+$`, o.File); !matched {
			t.Errorf("manifest: %+v", o)
		}
	}
	if len(m.FTPObjects) != 6 { // the incomplete one too, as far as it goes
		t.Errorf("manifest lists %d FTP objects, want 6", len(m.FTPObjects))
	}
	for _, s := range sent {
		name, hash := s[1], s[2]
		if name == "-" {
			name = ""
		}
		if got, ok := listed[hash]; !ok || got != name {
			t.Errorf("%s (sha256 %s): manifest has %q, %v", name, hash, got, ok)
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, hash+".*"))
		if len(files) != 1 {
			t.Errorf("%s: files %v", name, files)
			continue
		}
		body, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != hash {
			t.Errorf("%s: file %s does not hash to its name", name, files[0])
		}
	}
}

// TestFTPObjectsMemory: 30,000 FTP control connections, each announcing a
// data connection (PORT) and a RETR with a name of 1,000 bytes, each data
// connection sending an executable and never closing, with --extract:
// the control, data and name bounds keep the peak under the bound. (It
// peaks at 69 MiB; the same packets with the control connections on port
// 2121, not followed, at 66 MiB.)
func TestFTPObjectsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and reads a 60,000-packet capture")
	}
	const n = 60_000
	body := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0xcc}, 1400)...)
	name := strings.Repeat("n", 1000)
	dir := t.TempDir()
	capture := filepath.Join(dir, "ftp.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		return writeIPv4Capture(w, n, func(i int) (byte, uint16, uint16, []byte) {
			port := uint16(1024 + i/2)
			if i%2 == 0 { // the control connection, from its own port
				return 6, port, 21, []byte(fmt.Sprintf("PORT 10,0,0,2,%d,%d\r\nRETR %s\r\n", (port+30000)>>8, (port+30000)&0xff, name))
			}
			return 6, 20, port + 30000, body // the data connection to the port announced
		})
	})
	m := runMeasured(t, nil, "report", capture, "-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"),
		"--extract", filepath.Join(dir, "x"))
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, over %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
	var s struct {
		FTP struct {
			Objects []struct {
				Name, SHA256, Kind string
			} `json:"objects"`
			Total int64 `json:"objects_total"`
		} `json:"ftp"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "s.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	// Every data connection is followed (the oldest given up for the
	// newest), and the list stops at 4 MiB of names.
	if len(s.FTP.Objects) == 0 || s.FTP.Objects[0].Name != name || s.FTP.Objects[0].SHA256 != hex.EncodeToString(sum[:]) ||
		s.FTP.Total != n/2 || len(s.FTP.Objects) != (4<<20)/len(name) {
		t.Fatalf("%d objects of %d", len(s.FTP.Objects), s.FTP.Total)
	}
	t.Logf("%d FTP objects listed of %d", len(s.FTP.Objects), s.FTP.Total)
}
