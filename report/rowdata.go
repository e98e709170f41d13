package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pcapreport/pcapreport/internal/show"
)

// A table shows its first --top rows as HTML; the rest of the rows the
// Summary kept (up to --keys) go into the page as data, which report.js
// turns into rows when they are searched, sorted, paged or exported. So a
// search covers every kept row, while the page stays small enough to open
// fast: a row as data is about a third of the bytes of the same row as
// HTML, and costs the browser nothing until it is shown.
//
// The data is written after the page's template has been rendered,
// straight to the output, one row at a time: the rows are never held in
// memory as cells or as one string, whatever the capture holds.

// maxRowDataBytes bounds the row data of one page: past it, the tables
// still to come (in page order) hold only their HTML rows, and say so.
// A capture that floods every list with long strings would otherwise
// write a page of hundreds of megabytes.
var maxRowDataBytes int64 = 24 << 20

// rowSource is the rows of a table past its HTML rows: rows [from, to) of
// a list, made one at a time by row.
type rowSource struct {
	from, to int
	row      func(i int) []cell
}

// fill adds the rows of a list of total rows to t: the first shown as
// HTML, the others as the page's row data. row makes the cells of row i.
func (t *table) fill(shown, total int, row func(i int) []cell) {
	for i := range shown {
		t.Rows = append(t.Rows, row(i))
	}
	if total > shown {
		t.rest = &rowSource{from: shown, to: total, row: row}
	}
}

// Kept is how many rows the table holds in all: its HTML rows and those
// in the page's row data.
func (t *table) Kept() int {
	n := len(t.Rows)
	if t.rest != nil {
		n += t.rest.to - t.rest.from
	}
	return n
}

// KeptRows is Kept in words: "1,234 rows".
func (t *table) KeptRows() string { return show.Plural(int64(t.Kept()), "row") }

// assignDataIDs names each table with row data, in page order, so that
// report.js finds its rows (the script element data-rows-for).
func (d *pageData) assignDataIDs() {
	k := 0
	for i := range d.Sections {
		for _, t := range d.Sections[i].Tables {
			if t.rest != nil {
				t.DataID = "rows-" + strconv.Itoa(k)
				k++
			}
		}
	}
}

// rowDataAnchor is where writeRowData's output goes in the rendered page:
// at the end of the body, after the scripts, so that the browser reaches
// the charts and the page's script without parsing it first (html/template
// escapes every '<' of capture text, so the page holds this text only
// where the template wrote it). report.js reads it once the page is parsed.
var rowDataAnchor = []byte("</body>")

// writeRowData writes, for each table with row data, a script element
//
//	<script type="application/json" data-rows-for="rows-0">{"total":N,"rows":[...]}</script>
//
// whose rows are arrays of cells, a cell being its text, or [text, title]
// when it has hover text; title is 1 for the hover text of the cell
// above, and 0 for the size in units of a count of bytes (as bytesCell
// writes it). The JSON is escaped for a script element:
// encoding/json writes <, > and & as \u escapes (so no "</script" or
// "<!--" can appear), U+2028 and U+2029 as escapes, and invalid UTF-8 as
// U+FFFD; the values are only ever read as data, never run. When the
// page's row data reaches maxRowDataBytes, a table's rows stop there: N
// says how many there were, and report.js says how many it holds.
func writeRowData(w io.Writer, d *pageData) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &countingWriter{w: bw}
	var one bytes.Buffer
	oneEnc := json.NewEncoder(&one)
	oneEnc.SetEscapeHTML(true)
	full := false
	for i := range d.Sections {
		for _, t := range d.Sections[i].Tables {
			src := t.rest
			if src == nil {
				continue
			}
			var above []string // the titles of the row above, by column
			fmt.Fprintf(cw, "<script type=\"application/json\" data-rows-for=\"%s\">{\"total\":%d,\"rows\":[", t.DataID, src.to-src.from)
			for r := src.from; r < src.to && !full; r++ {
				one.Reset()
				if r > src.from {
					one.WriteByte(',')
				}
				one.WriteByte('[')
				cells := src.row(r)
				if len(above) < len(cells) {
					above = append(above, make([]string, len(cells)-len(above))...)
				}
				for j, c := range cells {
					if j > 0 {
						one.WriteByte(',')
					}
					if c.Title == "" {
						encodeString(oneEnc, &one, c.Text)
						continue
					}
					one.WriteByte('[')
					encodeString(oneEnc, &one, c.Text)
					switch {
					case c.Numeric && c.Title == bytesTitle(c.Text):
						one.WriteString(",0]")
					case c.Title == above[j]:
						one.WriteString(",1]")
					default:
						one.WriteByte(',')
						encodeString(oneEnc, &one, c.Title)
						one.WriteByte(']')
					}
					above[j] = c.Title
				}
				one.WriteByte(']')
				if cw.n+int64(one.Len()) > maxRowDataBytes {
					full = true
					break
				}
				cw.Write(one.Bytes())
			}
			io.WriteString(cw, "]}</script>\n")
		}
	}
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

// bytesTitle is bytesCell's hover text for the text of a count, or "".
func bytesTitle(text string) string {
	n, err := strconv.ParseInt(strings.ReplaceAll(text, ",", ""), 10, 64)
	if err != nil {
		return ""
	}
	return humanBytes(n)
}

// encodeString appends s to buf as a JSON string, as enc (which escapes
// HTML) writes it, without the newline json.Encoder adds. Most cells are
// numbers, addresses and times: printable ASCII that needs no escape, for
// which the Encoder's output is s quoted, written here directly (the
// Encoder took 0.06 s of the 1 GB capture's row data, a string converted
// to an interface and a pooled state per cell). Anything else, capture
// text included, goes through the Encoder.
func encodeString(enc *json.Encoder, buf *bytes.Buffer, s string) {
	if plainJSON(s) {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	_ = enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

// plainJSON reports whether s is printable ASCII with none of the
// characters a JSON string escapes (the quote and backslash) or that
// json.Encoder escapes for HTML (<, > and &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
