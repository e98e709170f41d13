package analyze

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
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
}

// DefaultKeys is Options.Keys when it is zero. Each kept key costs 100 to
// 330 bytes by list; at 20,000 the five lists stay under about 20 MB,
// while a 1 GB capture of a few thousand hosts (18,771 TCP/UDP
// conversations in the generated one) is still counted exactly.
const DefaultKeys = 20_000

// DefaultInterval is the timeline bin width when Options.Interval is zero,
// the article's resample('2S').
const DefaultInterval = 2 * time.Second

// Stdin is the path that makes File read standard input.
const Stdin = "-"

// File analyses the capture at path ("-" for standard input). Errors that
// stop the analysis name the file; problems after the file header (a
// capture cut short, a corrupt record) are warnings in the Summary instead,
// which then covers the packets read before them.
func File(path string, opts Options) (*Summary, error) {
	if path == Stdin {
		return read("stdin", os.Stdin, -1, opts)
	}
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
	if !st.Mode().IsRegular() {
		// A pipe or device: hash what is read, as for stdin.
		return read(path, f, -1, opts)
	}
	// Hash the file on another core while the decoder reads it: a second
	// sequential read of the same file comes from the page cache.
	hashc := make(chan hashResult, 1)
	go func() { hashc <- hashFile(path) }()
	s, err := read(path, f, st.Size(), opts)
	h := <-hashc
	if err != nil {
		return nil, err
	}
	if h.err != nil {
		return nil, pathError(path, h.err)
	}
	s.Capture.SHA256 = h.sum
	return s, nil
}

// Read analyses a capture read from r. name is used in errors and as
// Capture.Path. The SHA-256 and size are of the bytes read from r.
func Read(name string, r io.Reader, opts Options) (*Summary, error) {
	return read(name, r, -1, opts)
}

type hashResult struct {
	sum string
	err error
}

func hashFile(path string) hashResult {
	f, err := os.Open(path)
	if err != nil {
		return hashResult{err: err}
	}
	defer f.Close()
	h := sha256.New()
	// Read through a plain io.Reader: *os.File's WriteTo would copy with
	// its own 32 KiB buffer, ignoring this one (32 times the read calls).
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, readBufferSize)); err != nil {
		return hashResult{err: err}
	}
	return hashResult{sum: hex.EncodeToString(h.Sum(nil))}
}

// pathError words an *fs.PathError as "path: reason" without repeating the
// operation, so messages read "x.pcap: no such file or directory".
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// readers keeps the 1 MiB read buffers for reuse: a batch of small
// captures would otherwise allocate and clear one or two per capture, more
// than the captures themselves.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}

func getReader(r io.Reader) *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// countingReader counts the bytes read through it and, when h is set, hashes them.
type countingReader struct {
	r io.Reader
	n int64
	h hash.Hash
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	return n, err
}

// read runs the analysis. size < 0 means r is a stream whose bytes are
// counted and hashed here; otherwise the caller hashes the file.
func read(name string, r io.Reader, size int64, opts Options) (*Summary, error) {
	cr := &countingReader{r: r}
	if size < 0 {
		cr.h = sha256.New()
	}
	raw := getReader(cr)
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
		if compression != "" {
			return nil, fmt.Errorf("%s: %s-compressed, but %w", name, compression, err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}

	a := newAnalyzer(opts)
	a.run(src)

	// The Summary is built while the analysis is still live, and each part
	// of the analysis is dropped once converted (see summary): collecting
	// more often meanwhile lets the lists being built reuse that memory
	// instead of growing the heap to twice both.
	restore := lowerGC()
	s := a.summary()
	restore()
	c := &s.Capture
	c.Path = name
	c.Format = src.format()
	c.Compression = compression
	if a.stopErr != nil {
		c.Warnings = append(c.Warnings, a.stopWarning(src))
	}
	if size < 0 {
		// Hash the whole stream even when decoding stopped early.
		if _, err := io.Copy(io.Discard, raw); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c.Size = cr.n
		c.SHA256 = hex.EncodeToString(cr.h.Sum(nil))
	} else {
		c.Size = size
	}
	return s, nil
}

// run reads every packet of src.
func (a *analyzer) run(src packetSource) {
	a.digits = src.fracDigits()
	for {
		data, ci, lt, err := src.next()
		if err != nil {
			if err != io.EOF {
				a.stopErr = err
				a.stopOffset = src.offset()
			}
			break
		}
		a.packets++
		a.safePacket(data, &ci, lt, src.offset())
	}
	a.digits = src.fracDigits()
}

// stopWarning words the error that ended the pass early.
func (a *analyzer) stopWarning(src packetSource) string {
	where := fmt.Sprintf("after packet %d", a.packets)
	if a.stopOffset >= 0 {
		where = fmt.Sprintf("at byte offset %d (record %d)", a.stopOffset, a.packets+1)
	}
	msg := lowerFirst(a.stopErr.Error())
	if errors.Is(a.stopErr, io.ErrUnexpectedEOF) {
		msg = "the file ends in the middle of a packet record"
	}
	return fmt.Sprintf("capture cut short %s: %s; the report covers the %d packets before it", where, msg, a.packets)
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

// summaryGC is the GOGC percentage while Summaries are built.
const summaryGC = 25

var (
	gcMu      sync.Mutex
	gcUsers   int // Summaries being built (a batch builds several at once)
	gcSaved   int // the percentage to restore when the last one is done
	gcChanged bool
)

// lowerGC sets GOGC to summaryGC until the returned function is called,
// unless it is already lower or off. Calls may overlap: the setting in
// force before the first is restored after the last.
func lowerGC() func() {
	gcMu.Lock()
	if gcUsers == 0 {
		gcSaved = debug.SetGCPercent(summaryGC)
		gcChanged = gcSaved >= 0 && gcSaved > summaryGC
		if !gcChanged {
			debug.SetGCPercent(gcSaved) // GOGC=off or lower: keep it
		}
	}
	gcUsers++
	gcMu.Unlock()
	return func() {
		gcMu.Lock()
		if gcUsers--; gcUsers == 0 && gcChanged {
			debug.SetGCPercent(gcSaved)
		}
		gcMu.Unlock()
	}
}
