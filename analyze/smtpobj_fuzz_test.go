package analyze

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// FuzzSMTPSession feeds one SMTP session segments made from the input:
// each record is a byte of side and flags, a shift of the sequence number
// from the next expected one, a length and the payload. Nothing may
// panic, and once the session is closed nothing is held and no parser
// runs.
func FuzzSMTPSession(f *testing.F) {
	seed := func(recs ...[]byte) []byte {
		var b []byte
		for _, r := range recs {
			b = append(b, r...)
		}
		return b
	}
	rec := func(side, shift byte, p string) []byte { return append([]byte{side, shift, byte(len(p))}, p...) }
	f.Add(seed(rec(0, 0, "DATA\r\n"), rec(1, 0, "354 go\r\n"), rec(0, 0, "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"),
		rec(0, 0, "Content-Type: application/x\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAA==\r\n--b--\r\n.\r\n")))
	f.Add(seed(rec(0, 0, "BDAT 20 LAST\r\nContent-Type: x/y\r\n\r\nab"), rec(0, 5, "RSET\r\n"), rec(1, 0, "220 x\r\n")))
	f.Add(seed(rec(0, 0, "STARTTLS\r\n"), rec(1, 0, "220 go\r\n"), rec(0, 0, "DATA\r\n")))
	f.Add(seed(rec(1, 0, "220 mx\r\n"), rec(0, 0, "mail from:<>\r\nRCPT TO:<a@b>\r\nRCPT TO: <\"c>\"@d> X=1\r\nNOOP\r\nRCPT TO:e\r\n"),
		rec(0, 0, "BDAT 30 LAST\r\nContent-Type: x/y\r\n\r\nabcdefg"), rec(1, 0, "250 ok\r\n550 no\r\n250 ok\r\n250 ok\r\n452 x\r\n250 q\r\n"),
		rec(0, 0, "RSET\r\nMAIL FROM:<x>\r\nRCPT TO:<y>\r\nDATA\r\n"), rec(1, 0, "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		rec(0, 0, "Content-Type: a/b\r\n\r\nzz\r\n.\r\n")))
	f.Fuzz(func(t *testing.T, in []byte) {
		o := newSMTPObjs(nil)
		key := flowKey{a: netip.MustParseAddr("10.0.0.5"), b: netip.MustParseAddr("192.0.2.25"), aPort: 40000, bPort: 25, proto: 6}
		next := [2]uint32{1000, 5000}
		ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		tcp := make([]byte, 20)
		first := true
		for len(in) >= 3 {
			side, shift, n := int(in[0]&1), int8(in[1]), int(in[2])
			in = in[3:]
			n = min(n, len(in))
			p := in[:n]
			in = in[n:]
			seq := next[side] + uint32(int32(shift))
			binary.BigEndian.PutUint32(tcp[4:], seq)
			binary.BigEndian.PutUint32(tcp[8:], next[1-side])
			tcp[13] = 0x18 | (in0(in) & 0x07 &^ 0x02) // ACK, PSH, and sometimes FIN or RST from the next byte
			if shift == 0 {
				next[side] += uint32(n)
			}
			o.segment(&key, first, side == 0, tcp, p, ts, key.a, key.b, 40000, 25)
			first = false
			for _, s := range o.order {
				if len(s.await) > maxSMTPAwait || s.unpaired && len(s.await) > 0 {
					t.Fatalf("%d runs of replies awaited, unpaired %v", len(s.await), s.unpaired)
				}
			}
			ts = ts.Add(time.Millisecond)
		}
		o.closeAll()
		if err := o.applyHashes(); err != nil {
			t.Fatal(err)
		}
		if o.held != 0 || o.parsers != 0 || len(o.order) != 0 || len(o.sessions) != 0 {
			t.Fatalf("after close: %d bytes held, %d parsers, %d sessions", o.held, o.parsers, len(o.order))
		}
		sum := o.summary(9)
		for _, ob := range sum.Objects {
			if len(ob.RcptTo) > maxSMTPRcpts || ob.RcptTotal < int64(len(ob.RcptTo)) || len(ob.MailFrom) > maxSMTPAddrLen+64 {
				t.Fatalf("envelope %q %q %d", ob.MailFrom, ob.RcptTo, ob.RcptTotal)
			}
			for _, r := range ob.RcptTo {
				if len(r) > maxSMTPAddrLen+64 {
					t.Fatalf("recipient of %d bytes", len(r))
				}
			}
		}
	})
}

func in0(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0] >> 5
}
