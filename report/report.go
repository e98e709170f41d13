// Package report renders an analyze.Summary as one self-contained HTML page.
//
// The page inlines the vendored ECharts build and its own script and
// stylesheet, and carries a Content-Security-Policy that forbids every
// network fetch. Chart options are built with go-echarts' option types, but
// go-echarts' page renderer is not used: it loads ECharts from the network,
// writes option JSON without HTML escaping and turns strings marked with
// "__f__" into JavaScript functions. Here every value taken from a capture
// reaches the page through html/template, escaped for its context.
package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/templates"
)

// Options control how a Summary is shown. The zero value shows every row.
type Options struct {
	// Top limits every ranked table and chart to its first Top rows; 0 means no limit.
	Top int
	// Version is the tool's version, shown in the page.
	Version string
	// Generated is when the report was made, shown as is; empty leaves it
	// out, which makes the page a pure function of the Summary.
	Generated string
	// Location is the time zone for times shown in the page; nil means UTC.
	// The Summary (and so the JSON) stays in UTC.
	Location *time.Location
}

var (
	parseOnce sync.Once
	page      *template.Template
	echartsJS template.JS
	appJS     template.JS
	csp       string
	parseErr  error
)

// load parses the templates once and computes the page's
// Content-Security-Policy: scripts run only if their SHA-256 matches the
// vendored ECharts build or report.js, and nothing may be fetched.
func load() error {
	parseOnce.Do(func() {
		lib, err := fs.ReadFile(templates.FS, templates.ECharts)
		if err != nil {
			parseErr = err
			return
		}
		app, err := fs.ReadFile(templates.FS, "report.js")
		if err != nil {
			parseErr = err
			return
		}
		// The only template.JS conversions: the pinned vendored library and
		// our own script, both constants embedded in the binary, never data.
		// They are passed as values, so no "{{" in them is parsed, and they
		// reach the page byte for byte, which the CSP hashes rely on (as
		// template text, html/template would strip report.js's comments).
		echartsJS = template.JS(lib)
		appJS = template.JS(app)
		csp = "default-src 'none'; script-src " + scriptHash(lib) + " " + scriptHash(app) +
			"; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'"
		page, parseErr = template.New("report.html.tmpl").ParseFS(templates.FS,
			"report.html.tmpl", "report.css")
	})
	return parseErr
}

func scriptHash(b []byte) string {
	sum := sha256.Sum256(b)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Write renders s as an HTML page to w.
func Write(w io.Writer, s *analyze.Summary, opts Options) error {
	if err := load(); err != nil {
		return fmt.Errorf("report templates: %w", err)
	}
	data := build(s, opts)
	data.assignDataIDs()
	// Render into memory first so that a template error never leaves half a
	// page. The buffers (a report is about 1 MB) are reused across reports.
	// The tables' row data, which may be many times that, is then written
	// straight to w, a row at a time (rowdata.go).
	//
	// The two are made side by side: the rows, the longer part (on the
	// generated 1 GB capture 80 ms against the template's 47), start at
	// once and are held in memory, up to rowsHeld bytes, until the page
	// before them is rendered and written.
	buf := pages.Get().(*bytes.Buffer)
	defer pages.Put(buf)
	buf.Reset()
	g := &heldWriter{w: w, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		defer func() {
			if r := recover(); r != nil {
				g.panicked = r
			}
		}()
		if err := page.Execute(buf, data); err != nil {
			g.err = fmt.Errorf("rendering report: %w", err)
			return
		}
		at := bytes.LastIndex(buf.Bytes(), rowDataAnchor)
		if at < 0 {
			g.err = fmt.Errorf("rendering report: the page template has no %s", rowDataAnchor)
			return
		}
		g.before, g.after = buf.Bytes()[:at], buf.Bytes()[at:]
	}()
	rowsErr := writeRowData(g, data)
	openErr := g.open() // waits for the template
	if g.panicked != nil {
		panic(g.panicked)
	}
	if g.err != nil {
		return g.err
	}
	if rowsErr != nil {
		return rowsErr
	}
	if openErr != nil {
		return openErr
	}
	_, err := w.Write(g.after)
	return err
}

// rowsHeld is how many bytes of row data are held while the template is
// rendered: what the rows of the 1 GB capture's page reach in that time.
const rowsHeld = 4 << 20

// heldWriter is the rows' writer. It holds what is written until the page
// before the rows is rendered (done is closed), up to rowsHeld bytes, then
// waits for it; once the page before them is written to w, it writes
// through. Only the rows' goroutine calls Write and open.
type heldWriter struct {
	w      io.Writer
	held   []byte
	opened bool

	// Set by the template's goroutine before done is closed.
	done          chan struct{}
	before, after []byte
	err           error
	panicked      any
}

func (h *heldWriter) Write(p []byte) (int, error) {
	if !h.opened {
		select {
		case <-h.done:
		default:
			if len(h.held)+len(p) <= rowsHeld {
				h.held = append(h.held, p...)
				return len(p), nil
			}
		}
		if err := h.open(); err != nil {
			return 0, err
		}
	}
	return h.w.Write(p)
}

// open waits for the template, then writes the page before the rows and
// the rows held, once.
func (h *heldWriter) open() error {
	<-h.done
	if h.opened || h.err != nil || h.panicked != nil {
		return h.err
	}
	h.opened = true
	if _, err := h.w.Write(h.before); err != nil {
		return err
	}
	_, err := h.w.Write(h.held)
	h.held = nil
	return err
}

var pages = sync.Pool{New: func() any { return new(bytes.Buffer) }}
