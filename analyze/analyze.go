package analyze

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/pcapreport/pcapreport/internal/show"
)

// Options control an analysis. The zero value is ready to use.
type Options struct {
	// Interval is the width of a timeline bin; 0 means DefaultInterval.
	Interval time.Duration
	// Keys is how many keys the analysis keeps per list of sources,
	// destinations, IP conversations, transport conversations and DNS
	// query names; 0 means DefaultKeys. Up to that many distinct keys,
	// every count is exact. Past it, a list becomes a Space-Saving
	// heavy-hitter summary: a new key takes the place of the key with the
	// fewest packets (queries, for DNS names), whose count becomes the new
	// key's possible error (see Summary.Estimates). Memory stays bounded
	// however many keys a flood brings, and the heavy keys stay listed.
	Keys int
	// Hooks are the caller's, called while the capture is analysed.
	Hooks Hooks
	// ShowSecrets keeps the secrets of cleartext credentials in the
	// Summary (Credential.Secret); by default they are masked, and the
	// Summary, its JSON and its report never hold them.
	ShowSecrets bool

	// Objects, when not nil, receives the HTTP objects' bytes (--extract).
	Objects ObjectSink

	// unbatched passes every TCP or UDP packet on from its flow at once
	// (tests: see flowPacket).
	unbatched bool
	// flowHintBits, when not 0, sizes the flows' hint table to
	// 1<<flowHintBits entries, or to none when -1 (tests: see flowSlot).
	flowHintBits int
}

// DefaultKeys is Options.Keys when it is zero. Each kept key costs 100 to
// 330 bytes by list; at 20,000 the five lists stay under about 20 MB,
// while a 1 GB capture of a few thousand hosts (18,771 TCP/UDP
// conversations in the generated one) is still counted exactly.
const DefaultKeys = 20_000

// Hooks let the caller act while a capture is analysed, for example on
// the process's memory settings, which this package leaves alone: it sets
// no process-wide state. Each may be nil.
type Hooks struct {
	// Tick is called every TickEvery packets, from the analysing goroutine.
	Tick func()
	// BuildSummary is called before the Summary is built from the
	// aggregates, and the function it returns after.
	BuildSummary func() (done func())
}

// TickEvery is how many packets pass between two calls of Hooks.Tick:
// about every 20-50 ms at the pass's speed.
const TickEvery = 1 << 15

// DefaultInterval is the timeline bin width when Options.Interval is zero,
// the article's resample('2S').
const DefaultInterval = 2 * time.Second

// File analyses the capture at path. Errors that
// stop the analysis name the file; problems after the file header (a
// capture cut short, a corrupt record) are warnings in the Summary instead,
// which then covers the packets read before them.
//
// File reads only the named file: a caller that reads standard input
// passes it to Read, so the package never touches the process's streams.
func File(path string, opts Options) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, pathError(path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a capture file", path)
	}
	s, err := read(path, f, opts)
	if err != nil {
		var re readError
		if errors.As(err, &re) {
			return nil, pathError(path, re.err)
		}
		return nil, err
	}
	return s, nil
}

// Read analyses a capture read from r. name is used in errors and as
// Capture.Path. The SHA-256 and size are of the bytes read from r.
func Read(name string, r io.Reader, opts Options) (*Summary, error) {
	s, err := read(name, r, opts)
	var re readError
	if errors.As(err, &re) {
		return nil, fmt.Errorf("%s: %w", name, re.err)
	}
	return s, err
}

// readError is an error reading the input itself, not a problem with its
// content: the analysis has no hash of it and fails.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// pathError words an *fs.PathError as "path: reason" without repeating the
// operation, so messages read "x.pcap: no such file or directory".
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readers keeps the read buffers for reuse: a batch of small
// captures would otherwise allocate and clear one or two per capture, more
// than the captures themselves.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

func getReader(r io.Reader) *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// read runs the analysis. The input is read once: an onceReader hashes
// what the decoder reads on another goroutine (see readonce.go).
func read(name string, r io.Reader, opts Options) (*Summary, error) {
	in := newOnceReader(r)
	defer in.stop()
	// The record readers return packets from the *bufio.Reader's buffer,
	// and the format checks peek into it.
	raw := getReader(in)
	defer readers.Put(raw)
	dr, compression, release, err := decompress(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer release()
	br := raw
	if compression != "" {
		br = getReader(dr)
		defer readers.Put(br)
	}
	src, err := openSource(br)
	if err != nil {
		var de *decompressError
		if compression != "" && !errors.As(err, &de) {
			return nil, fmt.Errorf("%s: %s-compressed, but %w", name, compression, err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}

	a := newAnalyzer(opts)
	a.run(src)

	// The Summary is built while the hash finishes and the analysis is
	// still live, and each part of the analysis is dropped once converted
	// (see summary): collecting more often meanwhile lets the lists being
	// built reuse that memory instead of growing the heap to twice both.
	// (The caller's BuildSummary hook is where that is decided.)
	done := func() {}
	if opts.Hooks.BuildSummary != nil {
		done = opts.Hooks.BuildSummary()
	}
	s := a.summary()
	done()
	c := &s.Capture
	c.Path = name
	c.Format = src.format()
	c.Compression = compression
	if a.stopErr != nil {
		c.Warnings = append(c.Warnings, a.stopWarning(src))
		c.Quality.CutShort = true
	}
	s.Findings = Findings(s)
	// Hash the whole input even when decoding stopped early.
	c.Size, c.SHA256, err = in.finish()
	if err != nil {
		return nil, readError{err}
	}
	return s, nil
}

// run reads every packet of src.
func (a *analyzer) run(src packetSource) {
	a.digits = src.fracDigits()
	for {
		data, ci, lt, err := src.next()
		if err != nil {
			p, ok := err.(*recordProblem)
			if !ok {
				if err != io.EOF {
					a.stopErr = err
					a.stopOffset = src.offset()
				}
				break
			}
			a.record(p, data, &ci, lt, src.offset())
		} else {
			a.packets++
			a.safePacket(data, &ci, lt, src.offset())
		}
		if a.packets%TickEvery == 0 && a.tick != nil {
			a.tick()
		}
	}
	a.digits = src.fracDigits()
}

// record counts a packet record that the reader found wrong: one it
// skipped is a packet that failed to decode; one it read is analysed,
// then counted as a decode error for its record unless its decoding
// already failed (a packet counts once).
func (a *analyzer) record(p *recordProblem, data []byte, ci *gopacket.CaptureInfo, lt layers.LinkType, offset int64) {
	a.packets++
	if p.skipped {
		a.classified, a.hadError = false, false
		a.packetNo = a.packets
		a.decodeError(offset, p.reason, p.detail)
		return
	}
	a.safePacket(data, ci, lt, offset)
	a.decodeError(offset, p.reason, p.detail)
}

// stopWarning words the error that ended the pass early.
func (a *analyzer) stopWarning(src packetSource) string {
	where := fmt.Sprintf("after packet %d", a.packets)
	if a.stopOffset >= 0 {
		where = fmt.Sprintf("at byte offset %d (record %d)", a.stopOffset, a.packets+1)
	}
	msg := lowerFirst(a.stopErr.Error())
	what := "reading stopped"
	var fe *formatError
	switch {
	case errors.As(a.stopErr, &fe):
		what = "capture damaged"
	case errors.Is(a.stopErr, io.ErrUnexpectedEOF):
		what = "capture cut short"
		if a.stopErr == io.ErrUnexpectedEOF {
			msg = "the file ends in the middle of a packet record"
		}
	}
	return fmt.Sprintf("%s %s: %s; the report covers the %s before it", what, where, msg, show.Plural(a.packets, "packet"))
}

// safePacket analyses one packet, turning a panic in any decoder into a
// decode error of that packet alone.
func (a *analyzer) safePacket(data []byte, ci *gopacket.CaptureInfo, lt layers.LinkType, offset int64) {
	defer func() {
		if r := recover(); r != nil {
			a.decodeError(offset, "decoder panic", fmt.Sprint(r))
		}
	}()
	a.packet(data, ci, lt, offset)
}
