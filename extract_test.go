package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// httpResponseFlow is a one-packet flow from 10.0.0.1:80 to 10.0.0.2:port
// holding a whole HTTP response with body, after the given header lines.
func httpResponse(headers string, body []byte) []byte {
	return append([]byte(fmt.Sprintf("HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n", headers, len(body))), body...)
}

// TestExtractHostileNames runs report --extract on responses whose
// headers name paths outside DIR; every file must land in DIR under its
// SHA-256, once, without execute bits, and a file planted under an
// object's name must be left alone.
func TestExtractHostileNames(t *testing.T) {
	exe := append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0xcc}, 5000)...)
	page := []byte("<html><script>alert(1)</script></html>")
	planted := []byte("plain text body that a planted file already names")
	hostile := "Content-Type: ../../../tmp/x\r\nContent-Disposition: attachment; filename=\"../../../../evil.exe\"\r\n" +
		"X-Name: /etc/passwd\r\nContent-Location: ..%2f..%2fx\r\n"
	responses := [][]byte{
		httpResponse(hostile, exe),
		httpResponse(hostile, exe), // the same content again: one file
		httpResponse(hostile+"Content-Type: text/html\r\n", page),
		httpResponse("", planted),
	}
	root := t.TempDir()
	capture := filepath.Join(root, "hostile.pcap")
	f, err := os.Create(capture)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeIPv4Capture(f, len(responses), func(i int) (byte, uint16, uint16, []byte) {
		return 6, 80, uint16(20000 + i), responses[i]
	}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dir := filepath.Join(root, "objects")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	plantedName := filepath.Join(dir, sum(planted)+".txt")
	if err := os.WriteFile(plantedName, []byte("planted"), 0o600); err != nil {
		t.Fatal(err)
	}
	for run := range 2 { // twice: the second run finds every name taken
		if _, stderr, err := runCLI(t, root, nil, "report", capture, "-o", filepath.Join(root, "r.html"), "--extract", dir); err != nil {
			t.Fatalf("run %d: %v: %s", run, err, stderr)
		}
		want := map[string][]byte{sum(exe) + ".exe": exe, sum(page) + ".html": page, sum(planted) + ".txt": []byte("planted"), "objects.json": nil}
		got := map[string]bool{}
		name := regexp.MustCompile(`^[0-9a-f]{64}\.[a-z0-9]+$`)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && p != dir {
					t.Errorf("run %d: a folder was made: %s", run, p)
				}
				return nil
			}
			if filepath.Dir(p) != dir {
				if p != capture && p != filepath.Join(root, "r.html") {
					t.Errorf("run %d: a file outside DIR: %s", run, p)
				}
				return nil
			}
			base := filepath.Base(p)
			got[base] = true
			if base != "objects.json" && !name.MatchString(base) {
				t.Errorf("run %d: file %q is not named <sha256>.<ext>", run, base)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Mode()&0o111 != 0 {
				t.Errorf("run %d: %s has mode %v", run, base, info.Mode())
			}
			if w, ok := want[base]; ok && w != nil {
				b, _ := os.ReadFile(p)
				if !bytes.Equal(b, w) {
					t.Errorf("run %d: %s holds %q", run, base, b[:min(len(b), 40)])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for n := range want {
			if !got[n] {
				t.Errorf("run %d: %s not written", run, n)
			}
		}
		if len(got) != len(want) {
			t.Errorf("run %d: files %v, want %d", run, got, len(want))
		}
		var m struct {
			Objects []struct {
				File   string `json:"file"`
				SHA256 string `json:"sha256"`
			} `json:"objects"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "objects.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Objects) != 4 {
			t.Errorf("run %d: manifest lists %d objects, want 4", run, len(m.Objects))
		}
		for _, o := range m.Objects {
			if !strings.HasPrefix(o.File, o.SHA256+".") {
				t.Errorf("run %d: manifest: %+v", run, o)
			}
		}
	}
}

// TestNoExtractWritesNothing: without --extract no object is written.
func TestNoExtractWritesNothing(t *testing.T) {
	dir := t.TempDir()
	capture := abs(t, "testdata/http_espn_browsing.pcapng")
	if _, stderr, err := runCLI(t, dir, nil, "report", capture, "-o", "r.html"); err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "r.html" {
		t.Errorf("files written: %v", entries)
	}
}

// TestHTTPObjectsMemory: 60,000 connections, each a gzip-coded response
// that inflates 1000-fold and declares far more bytes than it sends, so
// that every body stays open to the end; the followed connections, the
// decoders and the decoded bytes are bounded.
func TestHTTPObjectsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and reads a 60,000-connection capture")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 1000000000\r\n\r\n"), buf.Bytes()...)
	const n = 60_000
	dir := t.TempDir()
	capture := filepath.Join(dir, "bombs.pcap.zst")
	writeZstd(t, capture, func(w io.Writer) error {
		return writeIPv4Capture(w, n, func(i int) (byte, uint16, uint16, []byte) {
			return 6, 80, uint16(1024 + i), resp
		})
	})
	m := runMeasured(t, nil, "report", capture, "-o", filepath.Join(dir, "r.html"), "--extract", filepath.Join(dir, "x"))
	if m.exitCode != 0 {
		t.Fatalf("exit %d: %s", m.exitCode, m.stderr)
	}
	t.Logf("peak RSS %.1f MiB", float64(m.peakRSS)/(1<<20))
	if m.peakRSS > memoryBound {
		t.Errorf("peak RSS %d MiB, over %d MiB", m.peakRSS>>20, memoryBound>>20)
	}
}

// TestExtractInBatchMode: batch mode with --extract writes each capture's
// objects to DIR/<its report's name>/, named by the SHA-256 of their bytes
// (checked here), with an objects.json each; the same files as the capture
// alone gives; a second run overwrites nothing, and --skip-existing
// reuses a capture only when its objects are there.
func TestExtractInBatchMode(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	root := t.TempDir()
	in := filepath.Join(root, "in")
	inputs := map[string]string{ // capture's path under in -> testdata
		"a/nflog_http.pcap":              "testdata/nflog_http.pcap",
		"b/wifi_radiotap_http.pcap":      "testdata/wifi_radiotap_http.pcap",
		"http_espn_browsing.pcapng":      "testdata/http_espn_browsing.pcapng",
		`a/x"><img src=x>.pcap`:          "testdata/nflog_http.pcap",
		"a/NFLOG_HTTP.PCAP/objects.json": "testdata/wifi_radiotap_http.pcap", // a folder named as a capture, but for case
	}
	for name, src := range inputs {
		p := filepath.Join(in, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, readFile(t, src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, x := filepath.Join(root, "out"), filepath.Join(root, "x")
	objects := 0
	check := func(run string) {
		t.Helper()
		// Every capture's JSON lists its objects; each is in its folder.
		folders := map[string]bool{}
		err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") || filepath.Base(p) == overviewJSONName {
				return err
			}
			s, err := analyze.ReadJSON(bytes.NewReader(readFile(t, p)))
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(out, strings.TrimSuffix(p, ".json"))
			folder := filepath.Join(x, rel)
			folders[folder] = true
			var manifest struct {
				Capture string
				Objects []struct{ File, SHA256 string }
			}
			if err := json.Unmarshal(readFile(t, filepath.Join(folder, "objects.json")), &manifest); err != nil {
				t.Fatalf("%s: %s: %v", run, folder, err)
			}
			want := 0
			for _, o := range s.HTTP.Objects {
				if o.File == "" {
					continue
				}
				want++
				b := readFile(t, filepath.Join(folder, o.File))
				if got := fmt.Sprintf("%x", sha256.Sum256(b)); !strings.HasPrefix(o.File, got+".") || o.SHA256 != got {
					t.Errorf("%s: %s/%s: its bytes hash to %s (JSON says %s)", run, rel, o.File, got, o.SHA256)
				}
			}
			if manifest.Capture != s.Capture.Path || len(manifest.Objects) != want {
				t.Errorf("%s: %s/objects.json: capture %q, %d objects; want %q, %d", run, rel, manifest.Capture, len(manifest.Objects), s.Capture.Path, want)
			}
			objects += want
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(folders) != len(inputs) {
			t.Errorf("%s: %d object folders, want %d", run, len(folders), len(inputs))
		}
		// Nothing else in x: each file is in a capture's folder, not executable.
		filepath.WalkDir(x, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if !folders[filepath.Dir(p)] {
				t.Errorf("%s: %s is in no capture's folder", run, p)
			}
			if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
				t.Errorf("%s: %s has mode %v", run, p, info.Mode())
			}
			return nil
		})
	}
	for _, run := range []string{"first run", "second run", "--skip-existing"} {
		args := []string{"report", in, "-o", out, "--extract", x, "--quiet"}
		if run == "--skip-existing" {
			args = append(args, "--skip-existing")
		}
		if _, stderr, err := runCLI(t, root, nil, args...); err != nil {
			t.Fatalf("%s: %v\n%s", run, err, stderr)
		}
		check(run)
	}
	if objects == 0 {
		t.Fatal("no objects extracted")
	}
	// The same files as the capture alone gives.
	alone := filepath.Join(root, "alone")
	if _, stderr, err := runCLI(t, root, nil, "report", abs(t, "testdata/http_espn_browsing.pcapng"), "-o", filepath.Join(root, "alone.html"), "--extract", alone); err != nil {
		t.Fatalf("alone: %v\n%s", err, stderr)
	}
	names := func(dir string) []string {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, e := range es {
			ns = append(ns, e.Name())
		}
		return ns
	}
	if a, b := names(alone), names(filepath.Join(x, "http_espn_browsing.pcapng")); fmt.Sprint(a) != fmt.Sprint(b) || len(a) < 2 {
		t.Errorf("alone %d files, in the batch %d: %v / %v", len(a), len(b), a, b)
	}
}
