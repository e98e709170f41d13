package analyze_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pcapreport/pcapreport/analyze"
)

// keyedCount is a listed key's count and bytes with their errors.
type keyedCount struct{ n, nErr, bytes, bytesErr int64 }

// cappedLists are the lists an overview cuts to its bound, as key ->
// count of a Summary.
var cappedLists = map[string]func(s *analyze.Summary) map[string]keyedCount{
	analyze.ListSources: func(s *analyze.Summary) map[string]keyedCount {
		m := map[string]keyedCount{}
		for _, e := range s.Sources {
			m[e.IP] = keyedCount{e.Packets, e.PacketsError, e.Bytes, e.BytesError}
		}
		return m
	},
	analyze.ListDestinations: func(s *analyze.Summary) map[string]keyedCount {
		m := map[string]keyedCount{}
		for _, e := range s.Destinations {
			m[e.IP] = keyedCount{e.Packets, e.PacketsError, e.Bytes, e.BytesError}
		}
		return m
	},
	analyze.ListIPConversations: func(s *analyze.Summary) map[string]keyedCount {
		m := map[string]keyedCount{}
		for _, c := range s.Conversations.IP {
			m[c.A+" "+c.B] = keyedCount{c.Packets, c.PacketsError, c.Bytes, c.BytesError}
		}
		return m
	},
	analyze.ListTransportConversations: func(s *analyze.Summary) map[string]keyedCount {
		m := map[string]keyedCount{}
		for _, c := range s.Conversations.Transport {
			m[fmt.Sprint(c.Proto, c.A, c.APort, c.B, c.BPort)] = keyedCount{c.Packets, c.PacketsError, c.Bytes, c.BytesError}
		}
		return m
	},
	analyze.ListDNSQueries: func(s *analyze.Summary) map[string]keyedCount {
		m := map[string]keyedCount{}
		for _, q := range s.DNS.Queries {
			m[q.Name] = keyedCount{n: q.Count, nErr: q.CountError}
		}
		return m
	},
}

// TestMergeCutListsBracketTheTruth: an overview whose lists hold more
// keys than its bound cuts them to it, says so in its estimates, and every
// count still brackets the truth: for a listed key, the true count (and
// bytes) lies between the count and the count plus its error; an unlisted
// key has at most the list's max_error (max_error_bytes). The truth is the
// exact analysis of the whole capture; the overview merges its quarters,
// analysed exactly and with 4 keys a list, in both orders, cut to 6 keys.
func TestMergeCutListsBracketTheTruth(t *testing.T) {
	cut := map[string]bool{}
	for _, path := range []string{"../testdata/windows_lan_dns_llmnr_smb.pcap", "../testdata/dns_many_queries_mdns_llmnr.pcap"} {
		exact, err := analyze.File(path, analyze.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(exact.Estimates) != 0 || len(exact.Conversations.Transport) != int(exact.Conversations.TransportTotal) {
			t.Fatalf("%s: the whole capture's lists are not exact", path)
		}
		pkts := mergeReadPackets(t, path)
		dir := t.TempDir()
		var parts []string
		for i := range 4 {
			p := filepath.Join(dir, fmt.Sprintf("part%d.pcap", i))
			mergeWritePcap(t, p, pkts[i*len(pkts)/4:(i+1)*len(pkts)/4])
			parts = append(parts, p)
		}
		for _, keys := range []int{0, 4} {
			var sums []*analyze.Summary
			for _, p := range parts {
				s, err := analyze.File(p, analyze.Options{Keys: keys})
				if err != nil {
					t.Fatal(err)
				}
				sums = append(sums, s)
			}
			for _, order := range []string{"forward", "reverse"} {
				if order == "reverse" {
					slices.Reverse(sums)
				}
				name := fmt.Sprintf("%s, keys %d, %s", filepath.Base(path), keys, order)
				o := analyze.NewOverview(analyze.Options{})
				analyze.SetOverviewKeys(o, 6)
				for _, s := range sums {
					if err := o.Add(s); err != nil {
						t.Fatal(err)
					}
				}
				for _, l := range checkCutLists(t, name, exact, sums, o.Summary(), 6) {
					cut[l] = true
				}
			}
		}
	}
	if len(cut) != len(cappedLists) {
		t.Errorf("the lists cut were %v: the test must cut each of the %d", cut, len(cappedLists))
	}
}

// checkCutLists checks the overview m of parts, whose lists are cut to
// bound, against exact, and returns the lists that were cut.
func checkCutLists(t *testing.T, name string, exact *analyze.Summary, parts []*analyze.Summary, m *analyze.Summary, bound int) []string {
	t.Helper()
	var cut []string
	for list, keysOf := range cappedLists {
		truth := keysOf(exact)
		union := map[string]bool{}
		for _, s := range parts {
			for k := range keysOf(s) {
				union[k] = true
			}
		}
		got := keysOf(m)
		var est *analyze.Estimate
		for i := range m.Estimates {
			if m.Estimates[i].List == list {
				est = &m.Estimates[i]
			}
		}
		if len(got) > bound {
			t.Errorf("%s: %s lists %d keys, over the bound %d", name, list, len(got), bound)
		}
		if len(union) > bound {
			cut = append(cut, list)
			if est == nil || est.Tracked != bound || est.Replaced < int64(len(union)-bound) {
				t.Errorf("%s: %s: %d keys cut to %d, estimate %+v", name, list, len(union), bound, est)
				continue
			}
		}
		for k, c := range got {
			w, ok := truth[k]
			if !ok {
				t.Errorf("%s: %s: %q listed but not in the capture", name, list, k)
				continue
			}
			if w.n < c.n || w.n > c.n+c.nErr {
				t.Errorf("%s: %s %q: %d (+%d), truly %d", name, list, k, c.n, c.nErr, w.n)
			}
			if w.bytes < c.bytes || w.bytes > c.bytes+c.bytesErr {
				t.Errorf("%s: %s %q: %d bytes (+%d), truly %d", name, list, k, c.bytes, c.bytesErr, w.bytes)
			}
		}
		for k, w := range truth {
			if _, listed := got[k]; listed {
				continue
			}
			if est == nil {
				t.Errorf("%s: %s: %q (%d) not listed, and the list says it is exact", name, list, k, w.n)
				continue
			}
			if w.n > est.MaxError || w.bytes > est.MaxErrorBytes {
				t.Errorf("%s: %s: %q not listed with %d packets and %d bytes, over max_error %d and %d", name, list, k, w.n, w.bytes, est.MaxError, est.MaxErrorBytes)
			}
		}
	}
	return cut
}
