package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/pcapreport/pcapreport/analyze"
)

// extractDir is the analysis's ObjectSink for --extract DIR: each HTTP
// object is written to a temporary file in DIR as its bytes stream in,
// then linked into place as <sha256>.<ext>, names made only from the hash
// and a fixed list of extensions (never from the capture), so no name can
// leave DIR. A name already there is never overwritten: identical content
// is one file. Files are 0644, no execute bit.
type extractDir struct {
	dir string

	mu      sync.Mutex
	err     error // the first error writing, reported after the analysis
	written int   // files written
}

// newExtractDir makes dir (and its parents) if it does not exist.
func newExtractDir(dir string) (*extractDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: --extract needs a folder", dir)
	}
	removeStaleTemps(dir)
	return &extractDir{dir: dir}, nil
}

func (e *extractDir) fail(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.err == nil {
		e.err = err
	}
}

// Create starts a temporary file in the folder.
func (e *extractDir) Create() (analyze.ObjectFile, error) {
	f, err := createTemp(filepath.Join(e.dir, "object"))
	if err != nil {
		e.fail(err)
		return nil, err
	}
	return &extractFile{e: e, f: f}, nil
}

type extractFile struct {
	e *extractDir
	f *os.File
}

func (x *extractFile) Write(b []byte) (int, error) {
	n, err := x.f.Write(b)
	if err != nil {
		x.e.fail(err)
	}
	return n, err
}

func (x *extractFile) Abort() { dropTemp(x.f) }

// Commit names the file <sha256>.<ext>. Both parts are checked here
// again: hex digits, and an extension of lower-case letters and digits.
func (x *extractFile) Commit(sum, ext string) (string, error) {
	defer dropTemp(x.f) // after the link, the temporary name goes
	if !safeToken(sum, "0123456789abcdef", 64) || !safeToken(ext, "abcdefghijklmnopqrstuvwxyz0123456789", 8) {
		return "", fmt.Errorf("unsafe object name %q.%q", sum, ext)
	}
	name := sum + "." + ext
	target := filepath.Join(x.e.dir, name)
	if err := x.f.Chmod(0o644); err != nil {
		x.e.fail(err)
		return "", err
	}
	if err := x.f.Close(); err != nil {
		x.e.fail(err)
		return "", err
	}
	// A hard link never replaces a name that exists (a file, a link
	// planted there, the same object from earlier): the same content
	// under the same hash is kept once.
	if err := os.Link(x.f.Name(), target); err != nil && !errors.Is(err, fs.ErrExist) {
		x.e.fail(err)
		return "", err
	} else if err == nil {
		x.e.mu.Lock()
		x.e.written++
		x.e.mu.Unlock()
	}
	return name, nil
}

func safeToken(s, alphabet string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		ok := false
		for j := 0; j < len(alphabet); j++ {
			if s[i] == alphabet[j] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// manifestObject is one written object in objects.json.
type manifestObject struct {
	File string `json:"file"`
	analyze.HTTPObject
	URL    string `json:"url"`
	Client string `json:"client"`
	Server string `json:"server"`
	Status int    `json:"status"`
}

// writeManifest writes DIR/objects.json, atomically: the HTTP objects of
// sum that were written, with the transaction each came from, and the
// FTP transfers (ftp_objects) and SMTP attachments (smtp_objects)
// written.
func (e *extractDir) writeManifest(sum *analyze.Summary) error {
	if e.err != nil {
		return fmt.Errorf("--extract %s: %w", e.dir, e.err)
	}
	list := []manifestObject{}
	for _, o := range sum.HTTP.Objects {
		if o.File == "" {
			continue
		}
		m := manifestObject{File: o.File, HTTPObject: o}
		if o.Transaction >= 0 && o.Transaction < len(sum.HTTP.Transactions) {
			tx := sum.HTTP.Transactions[o.Transaction]
			m.URL, m.Client, m.Server, m.Status = requestURL(tx.Host, tx.Target), tx.Client, tx.Server, tx.Status
		}
		list = append(list, m)
	}
	ftp := []analyze.FTPObject{}
	for _, o := range sum.FTP.Objects {
		if o.File != "" {
			ftp = append(ftp, o)
		}
	}
	smtp := []analyze.SMTPObject{}
	for _, o := range sum.SMTP.Objects {
		if o.File != "" {
			smtp = append(smtp, o)
		}
	}
	out, err := openOutput(filepath.Join(e.dir, "objects.json"), io.Discard)
	if err != nil {
		return err
	}
	defer out.discard()
	err = out.write(func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Capture     string               `json:"capture"`
			Objects     []manifestObject     `json:"objects"`
			FTPObjects  []analyze.FTPObject  `json:"ftp_objects"`
			SMTPObjects []analyze.SMTPObject `json:"smtp_objects"`
		}{sum.Capture.Path, list, ftp, smtp})
	})
	if err != nil {
		return err
	}
	return commit(out)
}

// requestURL is http://host+target for an origin-form target, else the
// target as sent (as analyze names requests).
func requestURL(host, target string) string {
	if host != "" && len(target) > 0 && target[0] == '/' {
		return "http://" + host + target
	}
	return target
}
