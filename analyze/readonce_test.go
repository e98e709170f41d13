package analyze

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/iotest"
	"time"
)

// TestOnceReader reads inputs of sizes around the chunk boundaries through
// readers that return short reads, consuming them in reads of random
// sizes, and checks that the consumer sees every byte in order and that
// the hash and size are of the whole input, also when the consumer stops
// early (finish reads the rest).
func TestOnceReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 23, chunkSize - 1, chunkSize, chunkSize + 1, (chunksAhead+3)*chunkSize + 17}
	wraps := map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"half":    iotest.HalfReader,
		"dataerr": iotest.DataErrReader,
		"onebyte": func(r io.Reader) io.Reader {
			return io.MultiReader(iotest.OneByteReader(io.LimitReader(r, 100)), r)
		},
	}
	for _, size := range sizes {
		in := make([]byte, size)
		for i := range in {
			in[i] = byte(rng.Uint32())
		}
		want := sha256.Sum256(in)
		for name, wrap := range wraps {
			for _, stopAt := range []int{-1, size / 3} {
				o := newOnceReader(wrap(bytes.NewReader(in)))
				var got []byte
				buf := make([]byte, 70000)
				for stopAt < 0 || len(got) < stopAt {
					k := 1 + rng.IntN(len(buf))
					if stopAt >= 0 {
						k = min(k, stopAt-len(got))
					}
					n, err := o.Read(buf[:k])
					got = append(got, buf[:n]...)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("size %d %s: %v", size, name, err)
					}
				}
				if wantRead := in[:len(got)]; !bytes.Equal(got, wantRead) || (stopAt < 0 && len(got) != size) {
					t.Fatalf("size %d %s stop %d: read %d bytes, not the input's", size, name, stopAt, len(got))
				}
				n, sum, err := o.finish()
				if err != nil || n != int64(size) || sum != hex.EncodeToString(want[:]) {
					t.Errorf("size %d %s stop %d: finish = %d, %s, %v; want %d, %x", size, name, stopAt, n, sum, err, size, want)
				}
			}
		}
	}
}

// TestOnceReaderError: a read error mid-input reaches the decoder and
// makes finish fail, since the hash would not be of the whole input.
func TestOnceReaderError(t *testing.T) {
	bad := errors.New("disk on fire")
	in := bytes.Repeat([]byte{1}, 2*chunkSize+9)
	o := newOnceReader(io.MultiReader(bytes.NewReader(in), iotest.ErrReader(bad)))
	n, err := io.Copy(io.Discard, struct{ io.Reader }{o})
	if n != int64(len(in)) || !errors.Is(err, bad) {
		t.Fatalf("copy = %d, %v; want %d, %v", n, err, len(in), bad)
	}
	if _, _, err := o.finish(); !errors.Is(err, bad) {
		t.Errorf("finish error %v, want %v", err, bad)
	}
}

// TestOnceReaderStops: a reader abandoned after an error (stop without
// finish, as read does for a file that is not a capture) leaves no
// goroutine behind.
func TestOnceReaderStops(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		o := newOnceReader(bytes.NewReader(make([]byte, 3*chunkSize)))
		io.ReadFull(o, make([]byte, 4))
		o.stop()
		o.stop()
	}
	deadline := time.Now().Add(time.Minute) // a guard, not a speed test: a busy machine may be slow to run them
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after 50 stopped readers, %d before", n, before)
	}
}
