package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
