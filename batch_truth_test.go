package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// TestBatchClaimedCapturesFail: in a folder, a file whose name says it is
// a capture but whose content is not (text, compressed text, nothing)
// fails the batch; only files that never claimed to be captures are
// skipped. A capture reached directly and through a symbolic link or a
// hard link is analysed and counted once, under its own path.
func TestBatchClaimedCapturesFail(t *testing.T) {
	dir := t.TempDir()
	batchCopy(t, outputCapture, filepath.Join(dir, "caps/a.pcapng"), false)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("just text"))
	zw.Close()
	files := map[string][]byte{
		"caps/x.pcap":       []byte("notes from the incident"),
		"caps/y.pcapng.gz":  gz.Bytes(),
		"caps/empty.cap":    nil,
		"caps/notes.txt":    []byte("notes"),
		"caps/empty":        nil,
		"caps/README.pcap~": []byte("backup"),
	}
	for p, b := range files {
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.pcapng", filepath.Join(dir, "caps/0-link.pcapng")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Link(filepath.Join(dir, "caps/a.pcapng"), filepath.Join(dir, "caps/b-hard.pcapng")); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := runCLI(t, dir, nil, "report", "caps", "caps/a.pcapng", "-o", "out", "--json", "-")
	if err == nil || err.Error() != "3 of 4 captures failed (listed above and in out/index.html)" || exitCode(err) != 1 {
		t.Fatalf("err %v, want 3 of 4 captures failed, exit 1\n%s", err, stderr)
	}
	for _, want := range []string{
		"pcapreport: caps/x.pcap: not a pcap or pcapng file (starts with 6e 6f 74 65), though its name says it is a capture\n",
		"pcapreport: caps/y.pcapng.gz: gzip-compressed, but not a pcap or pcapng file inside (starts with 6a 75 73 74), though its name says it is a capture\n",
		"pcapreport: caps/empty.cap: an empty file, though its name says it is a capture\n",
		"pcapreport: caps/notes.txt: skipped: ",
		"pcapreport: caps/empty: skipped: an empty file\n",
		"pcapreport: caps/README.pcap~: skipped: ",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "skipped"); n != 3 {
		t.Errorf("%d files skipped, want 3:\n%s", n, stderr)
	}
	// Counted once: the overview has the capture's 22 packets (capinfos -c).
	var ov analyze.Summary
	if err := json.Unmarshal([]byte(stdout), &ov); err != nil {
		t.Fatal(err)
	}
	if ov.Capture.Path != "1 capture" || ov.Capture.Packets != 22 {
		t.Errorf("overview %q with %d packets, want 1 capture with 22", ov.Capture.Path, ov.Capture.Packets)
	}
	rows, _, _ := readIndex(t, filepath.Join(dir, "out/index.html"))
	var paths []string
	for p := range rows {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	if want := []string{"caps/a.pcapng", "caps/empty.cap", "caps/x.pcap", "caps/y.pcapng.gz"}; !slices.Equal(paths, want) {
		t.Errorf("index rows %v, want %v", paths, want)
	}
	if r := rows["caps/x.pcap"]; r != nil && r.sort["size"] != strconv.Itoa(len(files["caps/x.pcap"])) {
		t.Errorf("caps/x.pcap shows size %q, want %d", r.sort["size"], len(files["caps/x.pcap"]))
	}
	if _, err := os.Stat(filepath.Join(dir, "out/0-link.pcapng.html")); err == nil {
		t.Error("the link got a report of its own")
	}
}

// asNobody runs the program as the unprivileged user nobody when the test
// runs as root (root reads any file, so "unreadable" means nothing to it),
// from a copy of the test binary in a folder nobody can reach.
func asNobody(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	if os.Geteuid() != 0 {
		return program(t, dir, args...)
	}
	binDir, err := os.MkdirTemp("", "pcapreport-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "pcapreport.test")
	copyFile(t, os.Args[0], bin, 0o755)
	cmd := programAt(t, bin, dir, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	return cmd
}

// TestBatchUnreadableEntries: a capture that cannot be read fails, and the
// index shows its real size; a folder that cannot be read is listed as a
// failure but not counted as a capture.
func TestBatchUnreadableEntries(t *testing.T) {
	dir, err := os.MkdirTemp("", "pcapreport-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(filepath.Join(dir, "caps/locked"), 0o755)
		os.RemoveAll(dir)
	})
	os.Chmod(dir, 0o777)
	copyFile(t, outputCapture, filepath.Join(dir, "caps/a.pcapng"), 0o644)
	copyFile(t, outputCapture, filepath.Join(dir, "caps/secret.pcapng"), 0o000)
	copyFile(t, outputCapture, filepath.Join(dir, "caps/locked/b.pcapng"), 0o644)
	os.Chmod(filepath.Join(dir, "caps"), 0o755)
	os.Chmod(filepath.Join(dir, "caps/locked"), 0o000)
	os.Mkdir(filepath.Join(dir, "out"), 0o777)
	os.Chmod(filepath.Join(dir, "out"), 0o777)
	cmd := asNobody(t, dir, "report", "caps", "-o", "out")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitStatus(t, cmd); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	for _, want := range []string{
		"pcapreport: caps/locked: a folder that could not be read: permission denied",
		"pcapreport: caps/secret.pcapng: permission denied",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if last := lines[len(lines)-1]; last != "pcapreport: 1 of 2 captures failed, 1 folder could not be read (listed above and in out/index.html)" {
		t.Errorf("last line %q", last)
	}
	raw, _ := os.ReadFile(outputCapture)
	rows, _, _ := readIndex(t, filepath.Join(dir, "out/index.html"))
	if r := rows["caps/secret.pcapng"]; r == nil || r.sort["size"] != strconv.Itoa(len(raw)) {
		t.Errorf("caps/secret.pcapng: index row %+v, want size %d", r, len(raw))
	}
}

// TestBatchDiskFull: on an output disk that fills up, every capture fails,
// and the index (small, written last, when the failed files' space is
// free again) and the "N of M captures failed" line still appear; on a
// disk too small even for the index, the last line says so.
func TestBatchDiskFull(t *testing.T) {
	dir := t.TempDir()
	batchCopy(t, outputCapture, filepath.Join(dir, "caps/a.pcapng"), false)
	batchCopy(t, "testdata/nflog_http.pcap", filepath.Join(dir, "caps/b.pcap"), false)
	// 64 KiB: a report (over 600 KB, ECharts inlined) never fits, the index does.
	small := mountTmpfs(t, "size=64k")
	_, stderr, err := runCLI(t, dir, nil, "report", "caps", "-o", small+"/out")
	want := "2 of 2 captures failed; the overview could not be written (above); the index is " + small + "/out/index.html"
	if err == nil || err.Error() != want {
		t.Errorf("err %v, want %q\n%s", err, want, stderr)
	}
	if !strings.Contains(stderr, "pcapreport: caps/a.pcapng: "+small+"/out/a.pcapng.") || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("stderr does not say the disk is full:\n%s", stderr)
	}
	rows, _, _ := readIndex(t, filepath.Join(small, "out/index.html"))
	if len(rows) != 2 || rows["caps/a.pcapng"] == nil || !strings.Contains(textOf(rows["caps/a.pcapng"].cells["path"].Parent), "no space left on device") {
		t.Errorf("index rows %v: want both captures, with the reason", rows)
	}
	noTempFiles(t, filepath.Join(small, "out"))

	tiny := mountTmpfs(t, "size=4k")
	_, stderr, err = runCLI(t, dir, nil, "report", "caps", "-o", tiny+"/out")
	want = "2 of 2 captures failed (listed above); the index could not be written either: " + tiny + "/out/index.html: no space left on device"
	if err == nil || err.Error() != want {
		t.Errorf("err %v, want %q\n%s", err, want, stderr)
	}
	noTempFiles(t, filepath.Join(tiny, "out"))
}
