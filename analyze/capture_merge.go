package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// captureMerger merges the Capture part of Summaries, which analyzer.summary
// (aggregate.go) builds for one capture: counts add up, and so does Size.
type captureMerger struct {
	// sum holds what adds up: Captures, Size, the packet counts, IPBytes,
	// DecodeErrors, and Quality (by mergeQuality).
	sum Capture
	// span is First to Last. The overview's bulk spans the captures' bulks
	// that lie between 1971 and 2262 (bulkPlausible), or all of them when
	// none does (bulkAll). outlying counts the packets outside each
	// capture's bulk, and implausible the packets in the bulks left out of
	// bulkPlausible.
	span, bulkAll, bulkPlausible spanUnion
	outlying, implausible        int64

	formats, linkTypes           map[string]bool
	errorReasons, otherProtocols map[string]int64
	examples                     []PacketError
	warnings                     []string
}

func newCaptureMerger() captureMerger {
	return captureMerger{
		formats: map[string]bool{}, linkTypes: map[string]bool{},
		errorReasons: map[string]int64{}, otherProtocols: map[string]int64{},
	}
}

// add merges c. Its errors name c's path.
func (m *captureMerger) add(c *Capture) error {
	if c.First != "" || c.Last != "" {
		first, err := ParseTime(c.First)
		if err != nil {
			return fmt.Errorf("%s: first packet time: %w", c.Path, err)
		}
		last, err := ParseTime(c.Last)
		if err != nil {
			return fmt.Errorf("%s: last packet time: %w", c.Path, err)
		}
		m.span.add(first, c.First, last, c.Last)
		// A Summary written before Capture.Bulk existed: all of it is bulk.
		bfS, blS := c.Bulk.First, c.Bulk.Last
		if bfS == "" {
			bfS, blS = c.First, c.Last
		}
		bf, err := ParseTime(bfS)
		if err != nil {
			return fmt.Errorf("%s: bulk first time: %w", c.Path, err)
		}
		bl, err := ParseTime(blS)
		if err != nil {
			return fmt.Errorf("%s: bulk last time: %w", c.Path, err)
		}
		m.bulkAll.add(bf, bfS, bl, blS)
		if plausibleSpan(bf, bl) {
			m.bulkPlausible.add(bf, bfS, bl, blS)
		} else {
			m.implausible += c.Packets - c.Bulk.OutlyingPackets
		}
	}
	m.outlying += c.Bulk.OutlyingPackets
	n := &m.sum
	n.Captures += c.Captures
	n.Size += c.Size
	n.Packets += c.Packets
	n.IPPackets += c.IPPackets
	n.OtherPackets += c.OtherPackets
	n.UndecodablePackets += c.UndecodablePackets
	n.IPBytes += c.IPBytes
	n.DecodeErrors += c.DecodeErrors
	mergeQuality(&n.Quality, &c.Quality)
	addSet(m.formats, strings.Split(c.Format, ", "))
	addSet(m.linkTypes, c.LinkTypes)
	addCounts(m.errorReasons, c.DecodeErrorReasons)
	addCounts(m.otherProtocols, c.OtherProtocols)

	// A capture's warnings and packet numbers mean nothing in an overview
	// without its name.
	single := !c.Overview
	for _, w := range c.Warnings {
		if single {
			w = c.Path + ": " + w
		}
		m.warnings = append(m.warnings, w)
	}
	for _, e := range c.DecodeErrorExamples {
		if single {
			if e.Detail == "" {
				e.Detail = "in " + c.Path
			} else {
				e.Detail += " (in " + c.Path + ")"
			}
		}
		m.examples = append(m.examples, e)
	}
	if len(m.examples) > maxErrorExamples {
		slices.SortFunc(m.examples, comparePacketErrors)
		m.examples = slices.Clip(m.examples[:maxErrorExamples])
	}
	return nil
}

// result is the merged Capture: Path is "N captures", SHA256 and
// Compression (facts of one file) are empty, Format and LinkTypes are
// sorted unions ("pcap, pcapng"), since merged captures have no single
// order of first appearance.
func (m *captureMerger) result() Capture {
	c := m.sum
	c.Path = capturesName(c.Captures)
	c.Overview = true
	c.Format = strings.Join(sortedSet(m.formats), ", ")
	c.LinkTypes = sortedSet(m.linkTypes)
	c.First, c.Last = m.span.firstS, m.span.lastS
	if c.First != "" {
		c.DurationSeconds = seconds(m.span.first, m.span.last)
	}
	bulk, outlying := m.bulkAll, m.outlying
	if m.bulkPlausible.firstS != "" {
		bulk, outlying = m.bulkPlausible, m.outlying+m.implausible
	}
	c.Bulk = Bulk{First: bulk.firstS, Last: bulk.lastS, OutlyingPackets: outlying, OutlyingExamples: []int64{}}
	if bulk.firstS != "" {
		c.Bulk.DurationSeconds = seconds(bulk.first, bulk.last)
	}
	c.DecodeErrorReasons = sortedCounts(m.errorReasons)
	c.DecodeErrorExamples = append([]PacketError{}, m.examples...)
	slices.SortFunc(c.DecodeErrorExamples, comparePacketErrors)
	c.OtherProtocols = sortedCounts(m.otherProtocols)
	c.Warnings = append([]string{}, m.warnings...)
	slices.Sort(c.Warnings)
	return c
}

func capturesName(n int) string {
	if n == 1 {
		return "1 capture"
	}
	return strconv.Itoa(n) + " captures"
}

func addSet(m map[string]bool, names []string) {
	for _, n := range names {
		if n != "" {
			m[n] = true
		}
	}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func comparePacketErrors(a, b PacketError) int {
	return cmp.Or(cmp.Compare(a.Packet, b.Packet), cmp.Compare(a.Offset, b.Offset),
		strings.Compare(a.Reason, b.Reason), strings.Compare(a.Detail, b.Detail))
}

// spanUnion is the earliest first and latest last time of several spans,
// with the strings the Summaries wrote them as; on a tie the smaller
// string wins, whatever the order of adding.
type spanUnion struct {
	first, last   time.Time
	firstS, lastS string
}

func (u *spanUnion) add(first time.Time, firstS string, last time.Time, lastS string) {
	if u.firstS == "" || first.Before(u.first) || first.Equal(u.first) && firstS < u.firstS {
		u.first, u.firstS = first, firstS
	}
	if u.lastS == "" || last.After(u.last) || last.Equal(u.last) && lastS < u.lastS {
		u.last, u.lastS = last, lastS
	}
}
