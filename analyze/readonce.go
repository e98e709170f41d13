package analyze

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sync"
	"sync/atomic"
)

// The capture is read once, in chunks that a second goroutine hashes while
// the decoder works through them: the two share the bytes instead of each
// reading the file, which had cost a second kernel copy of every byte and
// made the two cores compete for memory bandwidth (1 GB: hash and pass
// each 0.75 s and 0.69 s alone, both 0.92 s side by side). The hash is also
// exactly of the bytes that were decoded, and a pipe is hashed on the other
// core too.

// chunkSize is how much one read of the input asks for. Four chunks in
// flight let the decoder run three chunks ahead of the hash, or the other
// way round, without either waiting on the other's jitter. 512 KiB is as
// fast as 1 MiB (1 GB file: File 0.74-0.79 s and 0.73-0.75 s; 256 KiB
// 0.77-0.79 s) and keeps 2 MiB less in memory, which the 64 MiB goal for
// a 10 GB capture needed (peak RSS 63.0-64.0 MB; 1 MiB chunks 63.7-65.9).
const (
	chunkSize   = 512 << 10
	chunksAhead = 4
)

// A chunk is shared by the decoder and the hasher. Each drops its
// reference when done; the last one frees it for the next read.
type chunk struct {
	buf  []byte
	n    int
	refs atomic.Int32
}

var chunkPool = sync.Pool{New: func() any { return &chunk{buf: make([]byte, chunkSize)} }}

// onceReader is an io.Reader over r that also counts and hashes every byte
// of r. Its methods are for one goroutine, the decoder's.
//
// Either goroutine reads the next chunk: the decoder when it has none
// left to decode, the hasher when it has none left to hash. The reads
// (0.15-0.25 s of CPU per GB here) thus go to whichever core has time,
// instead of always lengthening the decoder's work, the longer of the two.
// A read and the queueing of its chunk for both happen under mu, so both
// see the chunks in the file's order.
type onceReader struct {
	mu   sync.Mutex
	r    io.Reader
	eof  bool  // under mu: r is done and both queues are closed
	rerr error // under mu: how r ended
	n    int64 // under mu: bytes read from r
	made int   // under mu: chunks taken from chunkPool

	free  chan *chunk
	ready chan *chunk // for the decoder
	queue chan *chunk // for the hasher
	quit  chan struct{}
	done  chan []byte // the hasher's sum

	// The decoder's side.
	cur     *chunk
	rest    []byte // the unread bytes of cur
	err     error  // how reading ended, once ready is closed
	summed  bool   // finish has run
	stopped bool
}

func newOnceReader(r io.Reader) *onceReader {
	o := &onceReader{
		r:     r,
		free:  make(chan *chunk, chunksAhead),
		ready: make(chan *chunk, chunksAhead),
		queue: make(chan *chunk, chunksAhead),
		quit:  make(chan struct{}),
		done:  make(chan []byte, 1),
	}
	go o.hash()
	return o
}

// takeFree returns a chunk to read into, or nil when all are in use. The
// caller holds mu.
func (o *onceReader) takeFree() *chunk {
	select {
	case c := <-o.free:
		return c
	default:
	}
	if o.made < chunksAhead {
		o.made++
		return chunkPool.Get().(*chunk)
	}
	return nil
}

// readChunk reads the next chunk into c and queues it for the decoder and
// the hasher, or, at the end of r, closes both queues. The caller holds mu.
// Neither send blocks: a queue never holds more than the chunks that exist.
func (o *onceReader) readChunk(c *chunk) {
	n, err := io.ReadFull(o.r, c.buf)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if n > 0 {
		c.n = n
		o.n += int64(n)
		c.refs.Store(2)
		o.ready <- c
		o.queue <- c
	} else {
		o.free <- c
	}
	if err != nil {
		o.rerr, o.eof = err, true
		close(o.ready)
		close(o.queue)
	}
}

// hash hashes the chunks in order, reading one when it has nothing to hash
// and the decoder is not reading, until the queue is closed or quit.
func (o *onceReader) hash() {
	h := sha256.New()
	defer func() { o.done <- h.Sum(nil) }()
	for {
		var c *chunk
		var ok bool
		select {
		case c, ok = <-o.queue:
		case <-o.quit:
			return
		default:
			if o.readAhead() {
				continue
			}
			select {
			case c, ok = <-o.queue:
			case <-o.quit:
				return
			}
		}
		if !ok {
			return
		}
		h.Write(c.buf[:c.n])
		o.release(c)
	}
}

// readAhead reads the next chunk for the hasher, which has nothing to
// hash, unless the decoder is reading, the input is done, or every chunk
// is in use. It reports whether it read.
func (o *onceReader) readAhead() bool {
	if !o.mu.TryLock() {
		return false
	}
	defer o.mu.Unlock()
	if o.eof {
		return false
	}
	c := o.takeFree()
	if c == nil {
		return false
	}
	o.readChunk(c)
	return true
}

func (o *onceReader) release(c *chunk) {
	if c.refs.Add(-1) == 0 {
		o.free <- c // never blocks: at most chunksAhead chunks exist
	}
}

// next moves the decoder to the following chunk, reading it if the hasher
// has not.
func (o *onceReader) next() {
	if o.cur != nil {
		o.release(o.cur)
		o.cur, o.rest = nil, nil
	}
	if o.err != nil {
		return
	}
	c, ok, got := o.tryReady()
	if !got {
		o.mu.Lock()
		if c, ok, got = o.tryReady(); !got {
			// Nothing read ahead, and the decoder holds no chunk: every
			// chunk is free or with the hasher, which frees it soon.
			c := o.takeFree()
			if c == nil {
				c = <-o.free
			}
			o.readChunk(c)
		}
		o.mu.Unlock()
		if !got {
			c, ok = <-o.ready
		}
	}
	if !ok {
		o.err = o.readErr()
		return
	}
	o.cur, o.rest = c, c.buf[:c.n]
}

func (o *onceReader) tryReady() (c *chunk, ok, got bool) {
	select {
	case c, ok = <-o.ready:
		return c, ok, true
	default:
		return nil, false, false
	}
}

func (o *onceReader) readErr() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.rerr
}

func (o *onceReader) Read(p []byte) (int, error) {
	if len(o.rest) == 0 {
		o.next()
		if len(o.rest) == 0 {
			return 0, o.err
		}
	}
	n := copy(p, o.rest)
	o.rest = o.rest[n:]
	return n, nil
}

// finish reads whatever the decoder left, so that the hash and size cover
// the whole input, and returns them.
func (o *onceReader) finish() (size int64, sum string, err error) {
	for o.err == nil {
		o.next()
	}
	o.summed = true
	s := <-o.done
	o.mu.Lock()
	size, made := o.n, o.made
	o.mu.Unlock()
	for ; made > 0; made-- {
		chunkPool.Put(<-o.free)
	}
	if o.err != io.EOF {
		return size, "", o.err
	}
	return size, hex.EncodeToString(s), nil
}

// stop abandons the input: the hasher stops, and the chunks are left to
// the garbage collector rather than waiting for a read of a pipe that may
// not return soon. After finish it does nothing.
func (o *onceReader) stop() {
	if o.summed || o.stopped {
		return
	}
	o.stopped = true
	close(o.quit)
}
