package report

import (
	"bytes"
	"errors"
	"testing"
)

// TestHeldWriter: the rows written before the page ahead of them is
// rendered are held, then written after it, in order, whether they fit in
// rowsHeld or not; a template error writes nothing.
func TestHeldWriter(t *testing.T) {
	chunk := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, 64<<10) }
	for _, n := range []int{0, 1, rowsHeld / (64 << 10), 3 * rowsHeld / (64 << 10)} {
		var out bytes.Buffer
		h := &heldWriter{w: &out, done: make(chan struct{})}
		var want bytes.Buffer
		want.WriteString("<page before>")
		first := make(chan struct{})
		go func() {
			<-first
			h.before, h.after = []byte("<page before>"), []byte("</body>")
			close(h.done)
		}()
		for i := 0; i < n; i++ {
			if _, err := h.Write(chunk(i)); err != nil {
				t.Fatal(err)
			}
			want.Write(chunk(i))
			if i == 0 {
				if out.Len() != 0 {
					t.Fatalf("%d chunks: %d bytes written before the page was rendered", n, out.Len())
				}
				close(first)
			}
		}
		if n == 0 {
			close(first)
		}
		if err := h.open(); err != nil {
			t.Fatal(err)
		}
		if err := h.open(); err != nil { // a second call writes nothing more
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want.Bytes()) {
			t.Errorf("%d chunks: %d bytes written, want %d in order", n, out.Len(), want.Len())
		}
	}

	var out bytes.Buffer
	h := &heldWriter{w: &out, done: make(chan struct{})}
	if _, err := h.Write(chunk(0)); err != nil {
		t.Fatal(err)
	}
	h.err = errors.New("rendering report: broken")
	close(h.done)
	if _, err := h.Write(bytes.Repeat([]byte("x"), rowsHeld)); err == nil || err.Error() != "rendering report: broken" {
		t.Errorf("Write after a template error: %v", err)
	}
	if err := h.open(); err == nil || out.Len() != 0 {
		t.Errorf("after a template error: open %v, %d bytes written", err, out.Len())
	}
}
