package analyze

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteJSONMatchesEncoder: WriteJSON writes the same bytes as
// encoding/json's indented Encoder, for every testdata capture and for a
// Summary with estimated lists and errors, with long slices streamed and
// (streamMin 0) with every slice streamed.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	paths, err := filepath.Glob("../testdata/*.pcap*")
	if err != nil || len(paths) < 20 {
		t.Fatalf("testdata captures: %v, %v", paths, err)
	}
	var sums []*Summary
	for _, p := range paths {
		s, err := File(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, s)
	}
	s, err := File("../testdata/http_espn_browsing.pcapng", Options{Keys: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Estimates) == 0 {
		t.Fatal("no estimates with 3 keys kept")
	}
	sums = append(sums, s)
	defer func(n int) { streamMin = n }(streamMin)
	for _, sm := range []int{64, 0} {
		streamMin = sm
		for i, s := range sums {
			var want, got bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			v := *s
			v.Format = FormatVersion // WriteJSON always writes it
			if err := enc.Encode(&v); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&got, s); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				n := 0
				for n < min(got.Len(), want.Len()) && got.Bytes()[n] == want.Bytes()[n] {
					n++
				}
				t.Errorf("summary %d (%s), streamMin %d: differs from the Encoder at byte %d: %q vs %q",
					i, s.Capture.Path, sm, n, got.Bytes()[n:min(got.Len(), n+80)], want.Bytes()[n:min(want.Len(), n+80)])
			}
		}
	}
}

// FuzzAppendIndented: appendIndented indents any value that encoding/json
// writes exactly as json.Indent does, at any prefix.
func FuzzAppendIndented(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[],"c":{},"d":[{"e":"x\"y\\"},null,true,-1.5e3],"f":"</script>\u2028"}`,
		`"\\\\\""`, `[]`, `{}`, `[[],[{}],{"":[]}]`, `"__f__function(){}"`, `"\xff\x00\x1f"`, `12`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, in []byte, depth uint8) {
		var v any
		if json.Unmarshal(in, &v) != nil {
			v = string(in) // a string of the bytes, whatever they are
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(v); err != nil {
			t.Skip()
		}
		src := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		prefix := strings.Repeat("  ", int(depth%8))
		var want bytes.Buffer
		if err := json.Indent(&want, src, prefix, "  "); err != nil {
			t.Fatalf("json.Indent(%q): %v", src, err)
		}
		if got := appendIndented(nil, src, prefix); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendIndented(%q, %q)\n got %q\nwant %q", src, prefix, got, want.Bytes())
		}
	})
}
