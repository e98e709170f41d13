package analyze

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"
	"sync/atomic"
)

// The hashes and files of HTTP objects are made on a goroutine of their
// own, beside the decoding pass: SHA-256 of every body, MD5 and SHA-1 of
// the file-like ones, cost about 6 ns per byte of body, which on the
// generated 1 GB capture was 46% of the pass. The pass copies each piece
// of a body into a batch (the packet buffer is reused under it), and the
// hasher works through the batches in order, so the two cores share the
// work: the pass, the file's own SHA-256 (readonce.go) and the bodies'.
//
// A bounded number of batches exists (hashBatches of hashBatchBytes): when
// the hasher falls behind, the pass waits for a free one, so memory does
// not grow with the capture. An object's results (hashes, file name) are
// written by the hasher into its own list and applied to the objects by
// wait, once at the end of the pass.
const (
	hashBatchBytes = 256 << 10
	hashBatchOps   = 2048
	hashBatches    = 4
)

// Operations on a body, in the order they were made.
const (
	opData   = iota // bytes of the body (decoded)
	opWeak          // start MD5 and SHA-1 with these bytes (the sniffed head)
	opFinish        // sum the hashes, commit or drop the file, record the results
)

type hashOp struct {
	h      *bodyHash
	off, n int32 // the bytes of opData and opWeak in the batch's buf
	kind   uint8
}

type hashBatch struct {
	buf []byte
	ops []hashOp
}

// bodyHash is one body's state on the hasher's side. After newObject
// hands it over, only the hasher touches it.
type bodyHash struct {
	sha256, md5, sha1 hash.Hash
	file              ObjectFile
	fileFailed        bool
	list              uint8 // whose object: listHTTP, listFTP or listSMTP
	// Set by the pass before its opFinish is queued.
	obj   int32  // index in its list's objects, -1 when not listed
	ext   string // the file's extension
	empty bool   // nothing to write: drop the file
}

// The lists whose objects the hasher hashes.
const (
	listHTTP = iota // httpObjs.objs
	listFTP         // ftpObjs.objs
	listSMTP        // smtpObjs.objs
	lists
)

// objResult is what the hasher found for a listed object.
type objResult struct {
	obj    int32
	sha256 [32]byte
	md5    [16]byte
	sha1   [20]byte
	weak   bool
	file   string
}

// bodyHasher is the queue to the hashing goroutine. The pass and the
// decoders' goroutines (httpobj_body.go) queue under mu; the goroutine
// starts with the first object and stops in wait.
type bodyHasher struct {
	mu      sync.Mutex
	cur     *hashBatch
	work    chan *hashBatch
	free    chan *hashBatch
	made    int
	done    chan struct{}
	started bool

	// extracting counts the files open: the pass opens them, the hasher
	// closes them.
	extracting atomic.Int32

	// Owned by the hasher until done is closed; by list.
	results    [lists][]objResult
	notWritten [lists]int64
	panicked   any
}

func (q *bodyHasher) start() {
	q.work = make(chan *hashBatch, hashBatches)
	q.free = make(chan *hashBatch, hashBatches)
	q.done = make(chan struct{})
	q.started = true
	go q.run()
}

// batch returns a batch with room for n bytes and one op; q.mu is held.
func (q *bodyHasher) batch(n int) *hashBatch {
	if !q.started {
		q.start()
	}
	b := q.cur
	if b != nil && (len(b.ops) == cap(b.ops) || cap(b.buf)-len(b.buf) < n) {
		q.work <- b
		b = nil
	}
	if b == nil {
		if q.made < hashBatches {
			q.made++
			b = &hashBatch{buf: make([]byte, 0, hashBatchBytes), ops: make([]hashOp, 0, hashBatchOps)}
		} else {
			b = <-q.free
		}
		q.cur = b
	}
	return b
}

// add queues bytes of a body (opData or opWeak), in pieces that fit.
func (q *bodyHasher) add(h *bodyHash, kind uint8, p []byte) {
	q.mu.Lock()
	if len(p) == 0 && kind == opWeak {
		b := q.batch(0)
		b.ops = append(b.ops, hashOp{h: h, off: int32(len(b.buf)), kind: kind})
	}
	for len(p) > 0 {
		b := q.batch(min(len(p), hashBatchBytes))
		n := min(len(p), cap(b.buf)-len(b.buf))
		off := len(b.buf)
		b.buf = append(b.buf, p[:n]...)
		b.ops = append(b.ops, hashOp{h: h, off: int32(off), n: int32(n), kind: kind})
		p = p[n:]
		if kind == opWeak {
			kind = opData // the rest of a long head continues the hashes started
		}
	}
	q.mu.Unlock()
}

// finish queues the end of a body.
func (q *bodyHasher) finish(h *bodyHash) {
	q.mu.Lock()
	b := q.batch(0)
	b.ops = append(b.ops, hashOp{h: h, kind: opFinish})
	q.mu.Unlock()
}

// run is the hashing goroutine.
func (q *bodyHasher) run() {
	defer close(q.done)
	defer func() {
		// A panic here must not take the program down: the objects keep
		// their zero hashes and the warning says so.
		if r := recover(); r != nil {
			q.panicked = r
			for range q.work {
			}
		}
	}()
	for b := range q.work {
		for i := range b.ops {
			op := &b.ops[i]
			p := b.buf[op.off : op.off+op.n]
			switch op.kind {
			case opData:
				op.h.write(p)
			case opWeak:
				op.h.md5, op.h.sha1 = md5.New(), sha1.New()
				op.h.write(p)
			case opFinish:
				q.end(op.h)
			}
			op.h = nil
		}
		b.buf, b.ops = b.buf[:0], b.ops[:0]
		q.free <- b
	}
}

// write hashes p and writes it to the file.
func (h *bodyHash) write(p []byte) {
	h.sha256.Write(p)
	if h.md5 != nil {
		h.md5.Write(p)
		h.sha1.Write(p)
	}
	if h.file != nil && !h.fileFailed {
		if _, err := h.file.Write(p); err != nil {
			h.fileFailed = true
		}
	}
}

// end sums the hashes of a body and commits its file.
func (q *bodyHasher) end(h *bodyHash) {
	r := objResult{obj: h.obj}
	copy(r.sha256[:], h.sha256.Sum(nil))
	if h.md5 != nil {
		copy(r.md5[:], h.md5.Sum(nil))
		copy(r.sha1[:], h.sha1.Sum(nil))
		r.weak = true
	}
	if h.file != nil {
		q.extracting.Add(-1)
		if h.fileFailed || h.empty {
			h.file.Abort()
			if h.fileFailed {
				q.notWritten[h.list]++
			}
		} else if name, err := h.file.Commit(hex.EncodeToString(r.sha256[:]), h.ext); err == nil {
			r.file = name
		} else {
			q.notWritten[h.list]++
		}
		h.file = nil
	}
	if r.obj >= 0 {
		q.results[h.list] = append(q.results[h.list], r)
	}
}

// wait lets the hasher finish what was queued and stops it; it reports a
// panic of the hasher. It may be called more than once.
func (q *bodyHasher) wait() error {
	if !q.started {
		return nil
	}
	q.mu.Lock()
	if q.cur != nil {
		q.work <- q.cur
		q.cur = nil
	}
	close(q.work)
	q.started = false
	q.mu.Unlock()
	<-q.done
	if q.panicked != nil {
		return fmt.Errorf("hashing the HTTP, FTP and SMTP objects failed: %v", q.panicked)
	}
	return nil
}

// bodyFeed is the pass's side of one body sent to the hasher: its first
// 512 bytes, kept to sniff its type, and whether MD5 and SHA-1 are
// computed. HTTP objects and FTP transfers both go through it.
type bodyFeed struct {
	hasher *bodyHasher
	h      *bodyHash // the hasher's side
	// weak is 0 while undecided (the bytes so far are all in sniff), 1
	// when MD5 and SHA-1 hash too, 2 when not.
	weak  uint8
	sniff []byte
}

func newBodyFeed(q *bodyHasher, file ObjectFile, list uint8) bodyFeed {
	return bodyFeed{hasher: q, h: &bodyHash{sha256: sha256.New(), file: file, list: list, obj: -1},
		sniff: make([]byte, 0, 512)}
}

// feed queues decoded bytes of the body; ctype is its declared type, if
// any.
func (f *bodyFeed) feed(b []byte, ctype string) {
	if len(b) == 0 {
		return
	}
	if f.weak == 0 {
		n := min(cap(f.sniff)-len(f.sniff), len(b))
		f.sniff = append(f.sniff, b[:n]...)
		if len(f.sniff) < cap(f.sniff) {
			return // hashed once decided
		}
		f.decideWeak(ctype)
		b = b[n:]
	}
	f.hasher.add(f.h, opData, b)
}

// decideWeak decides, from the body's first bytes (sniff) and declared
// type, whether MD5 and SHA-1 are worth computing, and queues those bytes
// for the hashes.
//
// Threat-intel services are still searched by MD5 and SHA-1, but for
// files: executables, archives, documents, Flash and unknown binary
// data. Pages, scripts, style sheets and images, most of a capture's
// HTTP bytes, get their SHA-256 only: the two extra hashes took 29% of
// the decoding pass on the generated 1 GB capture (a CPU profile), for
// bodies nobody looks up by them.
func (f *bodyFeed) decideWeak(ctype string) {
	mime, kind := sniffType(f.sniff)
	if kind == "" {
		kind = kindOfContentType(ctype)
	}
	op := uint8(opData)
	if kind == "" && mime != "application/octet-stream" {
		f.weak = 2
	} else {
		f.weak = 1
		op = opWeak
	}
	f.hasher.add(f.h, op, f.sniff)
}

// end queues the end of the body, obj its index in its list (-1 when not
// listed), empty when it has no bytes (its file is dropped), and returns
// its sniffed type and kind.
func (f *bodyFeed) end(ctype string, obj int32, empty bool) (mime, kind string) {
	if f.weak == 0 {
		f.decideWeak(ctype)
	}
	mime, kind = sniffType(f.sniff)
	if kind == "" {
		kind = kindOfContentType(ctype)
	}
	h := f.h
	h.ext, h.empty, h.obj = extOf(mime), empty, obj
	f.hasher.finish(h)
	f.h, f.sniff = nil, nil
	return mime, kind
}

// applyHashes waits for the hasher and copies its results into the
// objects listed.
func (o *httpObjs) applyHashes() {
	if err := o.hasher.wait(); err != nil {
		o.hashErr = err.Error()
	}
	for _, r := range o.hasher.results[listHTTP] {
		ob := &o.objs[r.obj]
		ob.sha256, ob.md5, ob.sha1, ob.weakHashes = r.sha256, r.md5, r.sha1, r.weak
		ob.file = r.file
	}
	o.hasher.results[listHTTP] = nil
	o.skipped.notWritten += o.hasher.notWritten[listHTTP]
	o.hasher.notWritten[listHTTP] = 0
}
