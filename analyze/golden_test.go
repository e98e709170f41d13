package analyze_test

// TestGolden compares the whole Summary of every capture in testdata and
// testdata/malformed, as indented JSON, with testdata/golden/NAME.json
// (malformed/NAME becomes malformed_NAME.json). After a deliberate change
// of the analysis, rewrite the golden files and review their diff:
//
//	go test ./analyze -run TestGolden -update

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json with the current Summaries")

const goldenDir = "../testdata/golden"

// goldenCaptures lists the captures of the golden test as paths relative
// to the repository root ("testdata/x.pcap").
func goldenCaptures(t *testing.T) []string {
	var out []string
	for _, pattern := range []string{"*.pcap", "*.pcapng", "malformed/*"} {
		m, err := filepath.Glob(filepath.Join("../testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				out = append(out, strings.TrimPrefix(filepath.ToSlash(p), "../"))
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no captures in ../testdata")
	}
	slices.Sort(out)
	return out
}

// goldenName is the golden file of capture rel ("testdata/malformed/x.pcap"
// -> "malformed_x.pcap.json").
func goldenName(rel string) string {
	return strings.ReplaceAll(strings.TrimPrefix(rel, "testdata/"), "/", "_") + ".json"
}

// goldenJSON is the golden text of capture rel: its Summary as indented
// JSON, with the path as seen from the repository root, or the error of
// analyze.File.
func goldenJSON(rel string) ([]byte, error) {
	s, err := analyze.File("../"+rel, analyze.Options{})
	var v any = s
	if err != nil {
		v = map[string]string{"error": strings.ReplaceAll(err.Error(), "../"+rel, rel)}
	} else {
		// What --json writes.
		s.Capture.Path = rel
		var buf bytes.Buffer
		err := analyze.WriteJSON(&buf, s)
		return buf.Bytes(), err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func TestGolden(t *testing.T) {
	captures := goldenCaptures(t)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{}
	for _, rel := range captures {
		file := filepath.Join(goldenDir, goldenName(rel))
		want[filepath.Base(file)] = true
		t.Run(strings.TrimPrefix(rel, "testdata/"), func(t *testing.T) {
			t.Parallel()
			got, err := goldenJSON(rel)
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%s: %v (run: go test ./analyze -run TestGolden -update)", rel, err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("%s: Summary differs from %s (- golden, + now); if the change is intended run: go test ./analyze -run TestGolden -update\n%s",
					rel, strings.TrimPrefix(filepath.ToSlash(file), "../"), lineDiff(string(exp), string(got)))
			}
		})
	}
	// A golden file whose capture is gone is stale.
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	for _, f := range files {
		if want[filepath.Base(f)] {
			continue
		}
		if *update {
			if err := os.Remove(f); err != nil {
				t.Error(err)
			}
			continue
		}
		t.Errorf("%s: no capture for this golden file; run with -update to remove it", f)
	}
}

// lineDiff shows where two texts first differ: up to 3 lines of common
// context, then the next 8 lines position by position, each shown once if
// both sides agree and as "-" (golden) and "+" (now) lines if not, and how
// many lines differ in all.
func lineDiff(want, got string) string {
	wl := strings.Split(want, "\n")
	gl := strings.Split(got, "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	line := func(l []string, j int) (string, bool) {
		if j < len(l) {
			return l[j], true
		}
		return "", false
	}
	differ := 0
	for j := i; j < max(len(wl), len(gl)); j++ {
		w, wok := line(wl, j)
		g, gok := line(gl, j)
		if wok != gok || w != g {
			differ++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d; %d lines differ (golden %d lines, now %d):\n", i+1, differ, len(wl), len(gl))
	for j := max(0, i-3); j < i+8 && j < max(len(wl), len(gl)); j++ {
		w, wok := line(wl, j)
		g, gok := line(gl, j)
		if wok && gok && w == g {
			fmt.Fprintf(&b, "  %4d   %s\n", j+1, w)
			continue
		}
		if wok {
			fmt.Fprintf(&b, "  %4d - %s\n", j+1, w)
		}
		if gok {
			fmt.Fprintf(&b, "  %4d + %s\n", j+1, g)
		}
	}
	return b.String()
}
