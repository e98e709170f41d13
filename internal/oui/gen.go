//go:build ignore

// gen.go writes oui.tsv.gz, the table that package oui embeds, from the
// IEEE MA-L registry as Debian's ieee-data package installs it
// (apt-get install ieee-data):
//
//	go run gen.go [/usr/share/ieee-data/oui.csv]
//
// Each line of the table is six hex digits of an OUI, a tab and the
// organisation's name, sorted by OUI; names are cut to 64 bytes and
// stripped of control bytes. The output is gzip at the best compression,
// with no name or time in its header, so that the same registry gives the
// same bytes.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := "/usr/share/ieee-data/oui.csv"
	if len(os.Args) > 1 {
		in = os.Args[1]
	}
	if err := run(in, "oui.tsv.gz"); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	seen := map[uint32]string{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		if line == 1 || len(rec) < 3 || rec[0] != "MA-L" {
			continue
		}
		v, err := strconv.ParseUint(rec[1], 16, 32)
		if err != nil || len(rec[1]) != 6 {
			return fmt.Errorf("%s line %d: bad assignment %q", in, line, rec[1])
		}
		name := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, strings.Join(strings.Fields(rec[2]), " "))
		if len(name) > 64 {
			name = strings.ToValidUTF8(name[:64], "")
		}
		if name != "" {
			seen[uint32(v)] = name
		}
	}
	keys := make([]uint32, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var raw bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&raw, "%06X\t%s\n", k, seen[k])
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(raw.Bytes())
	if err := w.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d OUIs, %d bytes, %d gzipped\n", len(keys), raw.Len(), gz.Len())
	return os.WriteFile(out, gz.Bytes(), 0o644)
}
