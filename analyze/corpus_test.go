package analyze

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSharedCorpus reads every capture of ../shared/captures, the malformed
// and truncated ones included: each gives a Summary or a one-line error,
// never a panic, every packet is accounted for, and the packet count equals
// the one capinfos/tshark recorded in the corpus's MANIFEST.tsv.
func TestSharedCorpus(t *testing.T) {
	const dir = "../../shared/captures"
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Skip("../shared/captures is not here")
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	if len(rows) < 100 {
		t.Fatalf("MANIFEST.tsv lists %d captures; expected the whole corpus", len(rows)-1)
	}
	for _, row := range rows[1:] {
		name := row[col["name"]]
		t.Run(name, func(t *testing.T) {
			want, err := strconv.ParseInt(row[col["packets"]], 10, 64)
			if err != nil {
				t.Fatalf("manifest packets %q: %v", row[col["packets"]], err)
			}
			s, err := File(filepath.Join(dir, name), Options{})
			if err != nil {
				if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), name) {
					t.Errorf("error is not one line naming the file: %q", err)
				}
				if want > 0 {
					t.Errorf("error on a capture with %d packets: %v", want, err)
				}
				return
			}
			checkAccounting(t, s)
			if s.Capture.Packets != want {
				t.Errorf("%d packets, the manifest says %d", s.Capture.Packets, want)
			}
			status := row[col["tshark_status"]]
			cut := strings.HasPrefix(status, "CUT SHORT") || strings.HasPrefix(status, "DAMAGED")
			warned := false
			for _, w := range s.Capture.Warnings {
				warned = warned || strings.Contains(w, "cut short")
			}
			if cut != warned {
				t.Errorf("tshark says %q, warnings %q", status, s.Capture.Warnings)
			}
		})
	}
}
