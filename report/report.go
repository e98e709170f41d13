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
	buf := pages.Get().(*bytes.Buffer)
	defer pages.Put(buf)
	buf.Reset()
	if err := page.Execute(buf, data); err != nil {
		return fmt.Errorf("rendering report: %w", err)
	}
	at := bytes.LastIndex(buf.Bytes(), rowDataAnchor)
	if at < 0 {
		return fmt.Errorf("rendering report: the page template has no %s", rowDataAnchor)
	}
	if _, err := w.Write(buf.Bytes()[:at]); err != nil {
		return err
	}
	if err := writeRowData(w, data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes()[at:])
	return err
}

var pages = sync.Pool{New: func() any { return new(bytes.Buffer) }}
