package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/pcapreport/pcapreport/analyze"
)

// provenanceSource is one Summary merged into an overview: its JSON file
// and its report, slash-separated and relative to the overview's report
// ("" when it has none).
type provenanceSource struct {
	json, report string
}

// addProvenance sets sum.Provenance, which captures each row of the
// overview sum came from, by reading each merged Summary again, one at a
// time, once the merge has picked the rows: memory is the rows times
// analyze.ProvenanceCap, however many captures there are. overviewDir is
// the folder of the overview's report, to which the links of a merged
// overview's own provenance are rebased. A Summary that cannot be read
// again (removed meanwhile) is named on stderr and left out.
func addProvenance(sum *analyze.Summary, srcs []provenanceSource, overviewDir string, stderr io.Writer) {
	b := analyze.NewProvenanceBuilder(sum)
	var buf provenanceBuffers
	for _, src := range srcs {
		s, err := readProvenanceInput(src.json, &buf)
		if err != nil {
			printLine(stderr, "pcapreport: %s: warning: read again for the overview's provenance: %v", src.json, err)
			continue
		}
		if p := s.Provenance; p != nil {
			for i := range p.Captures {
				p.Captures[i].Report = rebaseLink(p.Captures[i].Report, filepath.Dir(src.json), overviewDir)
			}
		}
		b.Add(s, analyze.ProvenanceCapture{Path: s.Capture.Path, SHA256: s.Capture.SHA256, Report: src.report})
	}
	sum.Provenance = b.Result()
}

// rebaseLink makes link, relative to folder from, relative to folder to;
// "" when it is empty or cannot be.
func rebaseLink(link, from, to string) string {
	if link == "" {
		return ""
	}
	target := filepath.Join(from, filepath.FromSlash(link))
	return relLink(target, to)
}

// relLink is the file target as a slash-separated link relative to the
// folder dir, or "" when there is none.
func relLink(target, dir string) string {
	at, err1 := filepath.Abs(target)
	ad, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return ""
	}
	rel, err := filepath.Rel(ad, at)
	if err != nil {
		return ""
	}
	return filepath.ToSlash(rel)
}

// reportBeside is the report written beside a Summary file, as batch mode
// and the fan-out recipe name them (x.pcap.json, x.pcap.html), as a link
// relative to the folder dir; "" when there is no such file.
func reportBeside(summary, dir string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(summary, ".gz"), ".json")
	if base == summary {
		return ""
	}
	html := base + ".html"
	if st, err := os.Stat(html); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return relLink(html, dir)
}

// provenanceInput is the part of a Summary that the provenance reads: the
// keys of its lists, its findings and its own provenance. Decoding only
// these leaves out the bulk of a Summary (answers, clients, times, HTTP
// text), so that reading a capture's JSON again costs little more than
// its bytes.
type provenanceInput struct {
	Capture struct {
		Path     string `json:"path"`
		SHA256   string `json:"sha256"`
		Overview bool   `json:"overview"`
	} `json:"capture"`
	Sources       []struct{ IP string } `json:"sources"`
	Destinations  []struct{ IP string } `json:"destinations"`
	Conversations struct {
		IP        []conversationKey `json:"ip"`
		Transport []conversationKey `json:"transport"`
	} `json:"conversations"`
	Hosts struct {
		List []struct{ IP string } `json:"list"`
	} `json:"hosts"`
	Ports struct {
		TCP []struct{ Port uint16 } `json:"tcp"`
		UDP []struct{ Port uint16 } `json:"udp"`
	} `json:"ports"`
	DNS struct {
		Queries []struct{ Name string } `json:"queries"`
	} `json:"dns"`
	HTTP struct {
		Hosts []struct{ Name string } `json:"hosts"`
	} `json:"http"`
	TLS struct {
		ServerNames []struct{ Name string }        `json:"server_names"`
		JA4         []struct{ Fingerprint string } `json:"ja4"`
	} `json:"tls"`
	Findings   []analyze.Finding   `json:"findings"`
	Provenance *analyze.Provenance `json:"provenance"`
}

type conversationKey struct {
	Proto string `json:"proto"`
	A     string `json:"a"`
	APort uint16 `json:"a_port"`
	B     string `json:"b"`
	BPort uint16 `json:"b_port"`
}

// provenanceBuffers are the buffers readProvenanceInput reads files into,
// reused from one file to the next: a batch of floods re-reads a 37 MB
// JSON per capture, and a fresh buffer each time left the garbage of
// several behind (16 such captures peaked at 406 MB in the provenance,
// 272 MB before it).
type provenanceBuffers struct {
	file []byte
	gz   bytes.Buffer
}

// readProvenanceInput reads what the provenance needs of a Summary file
// (plain or gzip-compressed, at most analyze.MaxSummaryJSON bytes) into a
// Summary holding only that. The file's bytes go in buf, which the
// Summary does not refer to.
func readProvenanceInput(path string, buf *provenanceBuffers) (*analyze.Summary, error) {
	// Read whole, in one buffer of the file's size when it is not
	// compressed: a json.Decoder would grow its buffer by doubling, which
	// costs several times the file in garbage.
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, unwrapPath(err)
	}
	if st.Size() > analyze.MaxSummaryJSON {
		return nil, fmt.Errorf("larger than %d MiB: not a Summary", analyze.MaxSummaryJSON>>20)
	}
	if int64(cap(buf.file)) < st.Size() {
		buf.file = make([]byte, st.Size())
	}
	b := buf.file[:st.Size()]
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		buf.gz.Reset()
		if _, err := buf.gz.ReadFrom(io.LimitReader(zr, analyze.MaxSummaryJSON)); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		b = buf.gz.Bytes()
	}
	var in provenanceInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	s := &analyze.Summary{Findings: in.Findings, Provenance: in.Provenance}
	s.Capture.Path, s.Capture.SHA256, s.Capture.Overview = in.Capture.Path, in.Capture.SHA256, in.Capture.Overview
	s.Sources = make([]analyze.Endpoint, len(in.Sources))
	for i, e := range in.Sources {
		s.Sources[i].IP = e.IP
	}
	s.Destinations = make([]analyze.Endpoint, len(in.Destinations))
	for i, e := range in.Destinations {
		s.Destinations[i].IP = e.IP
	}
	conv := func(cs []conversationKey) []analyze.Conversation {
		out := make([]analyze.Conversation, len(cs))
		for i, c := range cs {
			out[i] = analyze.Conversation{Proto: c.Proto, A: c.A, APort: c.APort, B: c.B, BPort: c.BPort}
		}
		return out
	}
	s.Conversations.IP, s.Conversations.Transport = conv(in.Conversations.IP), conv(in.Conversations.Transport)
	s.Hosts.List = make([]analyze.Host, len(in.Hosts.List))
	for i, h := range in.Hosts.List {
		s.Hosts.List[i].IP = h.IP
	}
	s.Ports.TCP = make([]analyze.Port, len(in.Ports.TCP))
	for i, p := range in.Ports.TCP {
		s.Ports.TCP[i].Port = p.Port
	}
	s.Ports.UDP = make([]analyze.Port, len(in.Ports.UDP))
	for i, p := range in.Ports.UDP {
		s.Ports.UDP[i].Port = p.Port
	}
	s.DNS.Queries = make([]analyze.DNSQuery, len(in.DNS.Queries))
	for i, q := range in.DNS.Queries {
		s.DNS.Queries[i].Name = q.Name
	}
	s.HTTP.Hosts = make([]analyze.Count, len(in.HTTP.Hosts))
	for i, h := range in.HTTP.Hosts {
		s.HTTP.Hosts[i].Name = h.Name
	}
	s.TLS.ServerNames = make([]analyze.NamedCount, len(in.TLS.ServerNames))
	for i, n := range in.TLS.ServerNames {
		s.TLS.ServerNames[i].Name = n.Name
	}
	s.TLS.JA4 = make([]analyze.TLSFingerprint, len(in.TLS.JA4))
	for i, f := range in.TLS.JA4 {
		s.TLS.JA4[i].Fingerprint = f.Fingerprint
	}
	return s, nil
}
