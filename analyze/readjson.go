package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// FormatVersion is the version of the JSON format that WriteJSON writes
// and ReadJSON reads. It changes when a field changes meaning or a reader
// of the old format would misread the new one; adding a field that older
// readers may ignore does not change it.
//
// Version 1 was written without a "format" field, before merge existed.
// Version 3 orients transport conversations (client and server) and
// orders the ports by their traffic as a server's port: merged with
// version 2, whose rows carry no orientation, they would come out wrong.
const FormatVersion = 3

// MaxSummaryJSON bounds the decompressed size of a Summary that ReadJSON
// reads. A Summary's lists are bounded by --keys and its strings by the
// analysis' limits, so the JSON of a real capture or overview is far
// smaller: a flood's, with five lists of 20,000 keys, is about 20 MB.
const MaxSummaryJSON = 256 << 20

// ReadJSON reads a Summary written by WriteJSON, plain or gzip-compressed,
// and checks that it is one: a JSON object with this format version and a
// capture, ending where the object ends. A damaged, truncated or foreign
// file gets an error that says which.
func ReadJSON(r io.Reader) (*Summary, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	lr := &io.LimitedReader{R: br, N: MaxSummaryJSON + 1}
	dec := json.NewDecoder(lr)
	var probe struct {
		Format  *int            `json:"format"`
		Capture json.RawMessage `json:"capture"`
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		switch {
		case lr.N <= 0:
			return nil, fmt.Errorf("larger than %d MiB: not a Summary", MaxSummaryJSON>>20)
		case errors.Is(err, io.EOF):
			return nil, errors.New("empty file: not a Summary")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("cut short: the JSON ends before the Summary does")
		}
		return nil, fmt.Errorf("not a Summary: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not a Summary: more follows the JSON object")
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("not a Summary: %v", err)
	}
	switch {
	case probe.Format == nil && len(probe.Capture) == 0:
		return nil, errors.New("not a Summary written by pcapreport report --json (no format and no capture)")
	case probe.Format == nil:
		return nil, fmt.Errorf("a Summary of format 1, from an older pcapreport; this one reads format %d: run pcapreport report --json again", FormatVersion)
	case *probe.Format != FormatVersion:
		return nil, fmt.Errorf("a Summary of format %d; this pcapreport reads format %d", *probe.Format, FormatVersion)
	case len(probe.Capture) == 0 || bytes.Equal(probe.Capture, []byte("null")):
		return nil, errors.New("not a Summary: it has no capture")
	}
	var s Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("not a Summary: %v", err)
	}
	return &s, nil
}
