package analyze

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

// ObjectSink receives the bytes of the objects found (Options.Objects):
// the analysis never writes files itself.
type ObjectSink interface {
	// Create starts an object; an error leaves it unwritten.
	Create() (ObjectFile, error)
}

// ObjectFile is one object being written.
type ObjectFile interface {
	io.Writer
	// Commit keeps the bytes written under a name made from sha256 (hex)
	// and ext (a safe extension, without the dot), and returns the name.
	Commit(sha256, ext string) (string, error)
	// Abort drops the bytes written.
	Abort()
}

// objWriter streams one body, through its bodyFeed, to the hasher
// (httpobj_hash.go), which makes its hashes and file.
// With a decoder the coded bytes go through a pipe to a goroutine that
// decodes them (the decompressors read); write returns once they are
// consumed, so the caller's buffer may be reused.
type objWriter struct {
	rec httpObj
	bodyFeed
	limit    int64 // decoded bytes kept, before truncation
	declared int64 // Content-Length, 0 when chunked or read until close

	pw   *io.PipeWriter
	done chan struct{}
}

// newObject starts an object for a body described by m.
func (o *httpObjs) newObject(tx int32, request bool, m *msgHead, ts time.Time) *objWriter {
	w := &objWriter{limit: maxObjectBytes}
	w.declared = max(m.length, 0)
	w.rec = httpObj{t: ts, tx: tx, request: request, ctype: o.strs.get(m.ctype, maxTypeLen), encoding: o.strs.get(m.encoding, maxTypeLen)}
	var file ObjectFile
	if o.sink != nil {
		if o.hasher.extracting.Load() < maxExtracting {
			if f, err := o.sink.Create(); err == nil {
				file = f
				o.hasher.extracting.Add(1)
			} else {
				o.skipped.notWritten++
			}
		} else {
			o.skipped.notWritten++
		}
	}
	w.bodyFeed = newBodyFeed(&o.hasher, file, listHTTP)
	var dec func(io.Reader) (io.Reader, error)
	switch enc := strings.ToLower(strings.TrimSpace(w.rec.encoding)); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		dec = func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }
	case "deflate":
		dec = deflateReader
	default:
		w.rec.undecoded = true // br, zstd, compress: hashed as sent
	}
	if dec != nil {
		if o.decoders >= maxDecoders {
			o.skipped.decoders++
			w.rec.undecoded = true
			return w
		}
		o.decoders++
		pr, pw := io.Pipe()
		w.pw, w.done = pw, make(chan struct{})
		go w.decode(pr, dec)
	}
	return w
}

// deflateReader reads HTTP "deflate": zlib as the RFC says, or raw
// deflate as some servers send.
func deflateReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	h, err := br.Peek(2)
	if err == nil && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// decode runs in its own goroutine: it decodes what comes through pr.
func (w *objWriter) decode(pr *io.PipeReader, dec func(io.Reader) (io.Reader, error)) {
	defer close(w.done)
	cr := &countReader{r: pr}
	r, err := dec(cr)
	if err == nil {
		buf := make([]byte, 32<<10)
		for {
			n, rerr := r.Read(buf)
			if n > 0 {
				limit := min(w.limit, objectRatio*max(cr.n, w.declared)+objectRatioSlack)
				if w.rec.size+int64(n) > limit {
					n = int(max(0, limit-w.rec.size))
					w.rec.truncated = true
				}
				w.consume(buf[:n])
				if w.rec.truncated {
					break
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				err = rerr
				break
			}
		}
	}
	if err != nil && err != io.ErrClosedPipe {
		w.rec.undecoded = true // not decodable: what was decoded is kept, the object is incomplete
		w.rec.incomplete = true
	}
	// Whatever follows is read and dropped, so the writer never blocks.
	io.Copy(io.Discard, pr)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// write takes bytes of the body as sent (de-chunked).
func (w *objWriter) write(b []byte) {
	if len(b) == 0 {
		return
	}
	w.rec.wire += int64(len(b))
	if w.pw != nil {
		w.pw.Write(b)
		return
	}
	if w.rec.size+int64(len(b)) > w.limit {
		b = b[:max(0, w.limit-w.rec.size)]
		w.rec.truncated = true
	}
	w.consume(b)
}

// consume queues decoded bytes for the hasher.
func (w *objWriter) consume(b []byte) {
	w.rec.size += int64(len(b))
	w.feed(b, w.rec.ctype)
}

// finish ends an object and lists it.
func (o *httpObjs) finish(w *objWriter, incomplete bool) {
	if w.pw != nil {
		w.pw.Close()
		<-w.done
		o.decoders--
	}
	r := &w.rec
	r.incomplete = r.incomplete || incomplete
	obj := int32(-1)
	if (r.size != 0 || r.wire != 0) && len(o.objs) < maxHTTPObjects {
		obj = int32(len(o.objs))
	}
	r.sniffed, r.kind = w.end(r.ctype, obj, r.size == 0)
	if r.size == 0 && r.wire == 0 {
		return // an empty body is no object
	}
	o.objTotal++
	if len(o.objs) >= maxHTTPObjects {
		return
	}
	o.objs = append(o.objs, *r)
	if r.tx > 0 {
		tx := &o.tx[r.tx-1]
		if r.request {
			tx.reqObj = int32(len(o.objs))
		} else {
			tx.respObj = int32(len(o.objs))
			tx.size = r.size
		}
	}
}

// Object kinds, from magic bytes or the declared type.
const (
	KindExecutable = "executable"
	KindArchive    = "archive"
	KindFlash      = "flash"
	KindDocument   = "document"
)

// sniffType names the type of a body from its first bytes: executables,
// archives and Flash by their magic numbers, the rest as
// net/http.DetectContentType does. kind is one of the Kind constants for
// the types the downloaded-executable finding looks for, else "".
func sniffType(b []byte) (mime, kind string) {
	has := func(p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
	switch {
	case len(b) == 0:
		return "", ""
	case has("MZ"):
		return "application/x-msdownload", KindExecutable
	case has("\x7fELF"):
		return "application/x-elf", KindExecutable
	case has("\xfe\xed\xfa\xce"), has("\xfe\xed\xfa\xcf"), has("\xce\xfa\xed\xfe"), has("\xcf\xfa\xed\xfe"):
		return "application/x-mach-binary", KindExecutable
	case has("\xca\xfe\xba\xbe"):
		return "application/java-vm", KindExecutable
	case has("FWS"), has("CWS"), has("ZWS"):
		return "application/x-shockwave-flash", KindFlash
	case has("PK\x03\x04"), has("PK\x05\x06"):
		return "application/zip", KindArchive
	case has("7z\xbc\xaf\x27\x1c"):
		return "application/x-7z-compressed", KindArchive
	case has("Rar!\x1a\x07"):
		return "application/vnd.rar", KindArchive
	case has("\x1f\x8b"):
		return "application/gzip", KindArchive
	case has("BZh"):
		return "application/x-bzip2", KindArchive
	case has("\xfd7zXZ\x00"):
		return "application/x-xz", KindArchive
	case has("MSCF"):
		return "application/vnd.ms-cab-compressed", KindArchive
	case has("%PDF-"):
		return "application/pdf", KindDocument
	case has("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "application/x-ole-storage", KindDocument
	}
	t := http.DetectContentType(b)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t, ""
}

// kindOfContentType is the kind a declared Content-Type names.
func kindOfContentType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch strings.ToLower(strings.TrimSpace(ct)) {
	case "application/x-msdownload", "application/x-msdos-program", "application/x-dosexec", "application/x-executable",
		"application/vnd.microsoft.portable-executable", "application/x-ms-installer", "application/x-msi",
		"application/java-archive", "application/x-java-archive", "application/vnd.android.package-archive":
		return KindExecutable
	case "application/x-shockwave-flash":
		return KindFlash
	case "application/zip", "application/x-zip-compressed", "application/x-rar-compressed", "application/vnd.rar",
		"application/x-7z-compressed", "application/x-tar", "application/x-gzip", "application/gzip":
		return KindArchive
	}
	return ""
}

// extOf is the file extension for a sniffed type: a fixed list, never a
// string from the capture.
func extOf(mime string) string {
	switch mime {
	case "application/x-msdownload":
		return "exe"
	case "application/x-elf", "application/x-mach-binary":
		return "bin"
	case "application/java-vm":
		return "class"
	case "application/x-shockwave-flash":
		return "swf"
	case "application/zip":
		return "zip"
	case "application/x-7z-compressed":
		return "7z"
	case "application/vnd.rar":
		return "rar"
	case "application/gzip":
		return "gz"
	case "application/x-bzip2":
		return "bz2"
	case "application/x-xz":
		return "xz"
	case "application/vnd.ms-cab-compressed":
		return "cab"
	case "application/pdf":
		return "pdf"
	case "application/x-ole-storage":
		return "ole"
	case "text/html":
		return "html"
	case "text/plain":
		return "txt"
	case "text/xml":
		return "xml"
	case "image/png":
		return "png"
	case "image/jpeg":
		return "jpg"
	case "image/gif":
		return "gif"
	case "image/webp":
		return "webp"
	case "image/bmp":
		return "bmp"
	case "image/x-icon":
		return "ico"
	case "application/javascript", "text/javascript":
		return "js"
	case "application/json":
		return "json"
	case "application/ogg":
		return "ogg"
	case "audio/mpeg":
		return "mp3"
	case "video/mp4":
		return "mp4"
	case "video/webm":
		return "webm"
	case "font/woff":
		return "woff"
	case "font/woff2":
		return "woff2"
	}
	return "bin"
}
