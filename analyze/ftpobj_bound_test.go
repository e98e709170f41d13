package analyze

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestFTPParsers reads the PORT/EPRT arguments and refuses malformed ones.
func TestFTPParsers(t *testing.T) {
	if a, p, ok := parseFTPHostPort([]byte(" 10,0,0,5,156,164 ")); !ok || a != netip.MustParseAddr("10.0.0.5") || p != 40100 {
		t.Errorf("PORT: %v %d %v", a, p, ok)
	}
	for _, bad := range []string{"10,0,0,5,156", "10,0,0,256,1,1", "a,b,c,d,e,f", "10,0,0,5,0,0", ""} {
		if _, _, ok := parseFTPHostPort([]byte(bad)); ok {
			t.Errorf("PORT %q accepted", bad)
		}
	}
	if a, p, ok := parseEPRT([]byte("|2|2001:db8::1|5282|")); !ok || a != netip.MustParseAddr("2001:db8::1") || p != 5282 {
		t.Errorf("EPRT: %v %d %v", a, p, ok)
	}
	for _, bad := range []string{"|1|10.0.0.5|70000|", "|1|nonsense|21|", "|1|10.0.0.5|", "x"} {
		if _, _, ok := parseEPRT([]byte(bad)); ok {
			t.Errorf("EPRT %q accepted", bad)
		}
	}
}

// TestFTPBounds feeds the follower more control and data connections,
// longer lines and more out-of-order data than it keeps: each table stays
// at its cap and counts what it left out.
func TestFTPBounds(t *testing.T) {
	o := newFTPObjs(nil)
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	server := netip.MustParseAddr("192.0.2.21")
	var ctls []*ftpCtl
	for i := range maxFTPControl + 10 {
		client := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		f := o.start(true, client, server, 40000, 21, ts)
		ctls = append(ctls, f.ctl)
		// A PASV reply for each, then a line of 100 KiB without its end.
		o.control(f.ctl, 1, 1, 0x02, nil, ts)
		o.control(f.ctl, 1, 2, 0, []byte(fmt.Sprintf("227 Entering Passive Mode (192,0,2,21,%d,%d)\r\n", (i+1000)>>8, (i+1000)&0xff)), ts)
		o.control(f.ctl, 0, 1, 0x02, nil, ts)
		o.control(f.ctl, 0, 2, 0, bytes.Repeat([]byte("A"), 100<<10), ts)
		if n := len(f.ctl.line[0]); n > maxFTPLine {
			t.Fatalf("a line of %d bytes kept", n)
		}
	}
	// The first 10 were given up for the last 10, and their expectations with them.
	if o.skipped.ctls != 10 || len(o.ctls) != maxFTPControl || o.ctls[0].ctl != ctls[10] {
		t.Fatalf("%d control connections followed, %d given up", len(o.ctls), o.skipped.ctls)
	}
	if len(o.expect) != maxFTPControl {
		t.Errorf("%d expected data connections, want %d (one per control connection)", len(o.expect), maxFTPControl)
	}
	// Every followed control connection's data connection opens: the
	// last maxFTPData are followed, the others given up (empty: not listed).
	var data []*ftpFlow
	for i := 10; i < maxFTPControl+10; i++ {
		client := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		if f := o.start(true, client, server, 50000, uint16(i+1000), ts); f != nil {
			data = append(data, f)
		}
	}
	if len(data) != maxFTPControl || len(o.data) != maxFTPData || o.skipped.data != maxFTPControl-maxFTPData || len(o.expect) != 0 {
		t.Fatalf("%d data connections started, %d followed, %d given up, %d still expected", len(data), len(o.data), o.skipped.data, len(o.expect))
	}
	data = data[len(data)-maxFTPData:]
	// One sends 300 KiB after a gap: held up to 256 KiB, then given up.
	dc := data[0].data
	o.dataSegment(dc, 1, 1000, 0x02|0x10, nil)
	o.dataSegment(dc, 1, 1001, 0x10, []byte("first bytes"))
	for i := range 300 {
		o.dataSegment(dc, 1, 100_000+uint32(i*1024), 0x10, bytes.Repeat([]byte{'x'}, 1024))
		if o.held > maxFTPHeldPerConn {
			t.Fatalf("%d bytes held", o.held)
		}
	}
	if !dc.lost || o.held != 0 || o.skipped.lost != 1 {
		t.Errorf("lost %v, %d bytes held, %d lost", dc.lost, o.held, o.skipped.lost)
	}
	o.close(data[0])
	if len(o.objs) != 1 || !o.objs[0].incomplete || o.objs[0].size != int64(len("first bytes")) {
		t.Errorf("objects %+v", o.objs)
	}
	for len(o.ctls) > 0 {
		o.close(o.ctls[0])
	}
	if len(o.ctls) != 0 || len(o.expect) != 0 {
		t.Errorf("%d control connections, %d expectations left", len(o.ctls), len(o.expect))
	}
}

// TestFTPHostileName: a file name with markup and control bytes is kept
// as sent (the report shows it through Printable), cut to its limit.
func TestFTPHostileName(t *testing.T) {
	o := newFTPObjs(nil)
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := o.start(true, netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("192.0.2.21"), 40000, 21, ts)
	name := "../../etc/passwd</script>\x1b[31m\xff"
	o.control(f.ctl, 0, 1, 0, []byte("PORT 10,0,0,5,1,2\r\nRETR "+name+"\r\n"), ts)
	d := o.start(true, netip.MustParseAddr("192.0.2.21"), netip.MustParseAddr("10.0.0.5"), 20, 258, ts)
	if d == nil || d.data.rec.name != name || d.data.rec.command != "RETR" || d.data.rec.upload {
		t.Fatalf("data connection %+v", d)
	}
	o.control(f.ctl, 0, uint32(1+len("PORT 10,0,0,5,1,2\r\nRETR "+name+"\r\n")), 0, []byte("RETR "+strings.Repeat("n", 5000)+"\r\n"), ts)
	if f.ctl.pendingCmd != "" {
		t.Errorf("a command line over %d bytes was read: %q", maxFTPLine, f.ctl.pendingCmd)
	}
}

// TestFTPControlGap: a gap in the client's lines drops the line it cut;
// the lines after it, and the segments after those, are read.
func TestFTPControlGap(t *testing.T) {
	o := newFTPObjs(nil)
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := o.start(true, netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("192.0.2.21"), 40000, 21, ts)
	o.control(f.ctl, 0, 1, 0, []byte("RETR a\r\nRET"), ts)
	if f.ctl.pendingArg != "a" {
		t.Fatalf("first line: %q", f.ctl.pendingArg)
	}
	seg := []byte("R b\r\nRETR c\r\n") // after a gap of 100 bytes: "…R b" is cut
	o.control(f.ctl, 0, 1000, 0, seg, ts)
	if f.ctl.pendingArg != "c" {
		t.Errorf("after the gap: %q, want c", f.ctl.pendingArg)
	}
	o.control(f.ctl, 0, 1000+uint32(len(seg)), 0, []byte("RETR d\r\n"), ts)
	if f.ctl.pendingArg != "d" {
		t.Errorf("the segment after: %q, want d", f.ctl.pendingArg)
	}
	o.control(f.ctl, 0, 1000, 0, seg, ts) // a retransmission: nothing new
	if f.ctl.pendingArg != "d" {
		t.Errorf("after a retransmission: %q, want d", f.ctl.pendingArg)
	}
}
