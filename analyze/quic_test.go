package analyze

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The worked example of RFC 9001 appendix A (and RFC 9369 appendix A for
// QUIC version 2): the client's first Initial to connection ID
// 8394c8f03e515708, carrying a ClientHello for example.com offering ALPN
// "alpn", in packet number 2, padded to 1,200 bytes.
const (
	rfcDCID = "8394c8f03e515708"
	// rfcCryptoFrame is the CRYPTO frame of appendix A.2, before the
	// PADDING that fills the packet to 1,162 bytes of payload.
	rfcCryptoFrame = "" +
		"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868" +
		"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578" +
		"616d706c652e636f6dff01000100000a00080006001d00170018001000070005" +
		"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba" +
		"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400" +
		"0d0010000e0403050306030203080408050806002d00020101001c0002400100" +
		"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000" +
		"75300901100f088394c8f03e51570806048000ffff"
	rfcPayloadLen = 1162
)

const rfc9001ClientInitial = "" +
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11" +
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399" +
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c" +
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212" +
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5" +
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208" +
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec" +
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3" +
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db" +
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c" +
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8" +
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556" +
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74" +
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a" +
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00" +
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632" +
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964" +
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd" +
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff" +
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198" +
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd" +
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73" +
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f" +
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e" +
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade" +
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047" +
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2" +
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4" +
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0" +
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e" +
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0" +
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400" +
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab" +
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9" +
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4" +
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064" +
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241" +
	"e221af44860018ab0856972e194cd934"

const rfc9369ClientInitial = "" +
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485" +
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04" +
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d" +
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a" +
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500" +
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68" +
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33" +
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3" +
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd" +
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520" +
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045" +
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f" +
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12" +
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5" +
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4" +
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b" +
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7" +
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9" +
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91" +
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd" +
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db" +
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18" +
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15" +
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc" +
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61" +
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710" +
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b" +
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e" +
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce" +
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1" +
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1" +
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd" +
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3" +
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89" +
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53" +
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19" +
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b" +
	"a18b2faa745b6fe189cf772a9f84cbfc"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestQUICInitialKeysRFC checks the client Initial keys against RFC 9001
// appendix A.1 and RFC 9369 appendix A.1, and the header protection mask
// against RFC 9001 appendix A.2.
func TestQUICInitialKeysRFC(t *testing.T) {
	for _, c := range []struct {
		v            *quicVersion
		key, iv, hp  string
		sample, mask string
	}{
		{&quicV1, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2",
			"d1b1c98dd7689fb8ec11d242b123dc9b", "437b9aec36"},
		{&quicV2, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9", "", ""},
	} {
		k, err := quicClientKeys(c.v, unhex(t, rfcDCID))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(k.iv[:]); got != c.iv {
			t.Errorf("version %s: iv %s, want %s", c.v.name, got, c.iv)
		}
		// The AEAD hides its key: check it by sealing with a cipher built
		// from the RFC's key.
		want, err := quicTestAEAD(unhex(t, c.key))
		if err != nil {
			t.Fatal(err)
		}
		nonce := make([]byte, 12)
		if a, b := k.aead.Seal(nil, nonce, []byte("x"), nil), want.Seal(nil, nonce, []byte("x"), nil); !bytes.Equal(a, b) {
			t.Errorf("version %s: packet key is not %s", c.v.name, c.key)
		}
		var got, ref [16]byte
		hpRef := quicTestBlock(t, unhex(t, c.hp))
		k.hp.Encrypt(got[:], make([]byte, 16))
		hpRef.Encrypt(ref[:], make([]byte, 16))
		if got != ref {
			t.Errorf("version %s: header protection key is not %s", c.v.name, c.hp)
		}
		if c.sample != "" {
			k.hp.Encrypt(got[:], unhex(t, c.sample))
			if m := hex.EncodeToString(got[:5]); m != c.mask {
				t.Errorf("version %s: mask %s, want %s", c.v.name, m, c.mask)
			}
		}
	}
}

// TestQUICClientInitialRFC decrypts the protected packets of RFC 9001
// appendix A.2 and RFC 9369 appendix A.2 and reads their ClientHello.
func TestQUICClientInitialRFC(t *testing.T) {
	want := append(unhex(t, rfcCryptoFrame), make([]byte, rfcPayloadLen-len(rfcCryptoFrame)/2)...)
	for _, c := range []struct {
		v   *quicVersion
		pkt string
	}{{&quicV1, rfc9001ClientInitial}, {&quicV2, rfc9369ClientInitial}} {
		pkt := unhex(t, c.pkt)
		if len(pkt) != 1200 {
			t.Fatalf("version %s: packet of %d bytes", c.v.name, len(pkt))
		}
		// The packet alone: header protection, packet number 2, payload.
		k, err := quicClientKeys(c.v, unhex(t, rfcDCID))
		if err != nil {
			t.Fatal(err)
		}
		var q quicState
		plain, pn := q.open(&k, pkt, 18, -1)
		if pn != 2 || !bytes.Equal(plain, want) {
			t.Fatalf("version %s: packet number %d, payload %d bytes equal to the RFC's: %v", c.v.name, pn, len(plain), bytes.Equal(plain, want))
		}
		// Through the analysis.
		s := quicSummary(t, [][]byte{pkt})
		checkQUIC(t, c.v.name, s, 1, 1, 1, "example.com", "alpn")
		if v := s.TLS.QUIC.Versions; len(v) != 1 || v[0] != (Count{c.v.name, 1}) {
			t.Errorf("version %s: versions %v", c.v.name, v)
		}
	}
}

// quicSummary runs datagrams, each from 192.0.2.1:50000 to 198.51.100.1:443,
// through the analysis.
func quicSummary(t testing.TB, datagrams [][]byte) *Summary {
	t.Helper()
	var pkts []testPacket
	for i, d := range datagrams {
		pkts = append(pkts, testPacket{t0.Add(timeMs(i)), udpFrame(t, "192.0.2.1", "198.51.100.1", 50000, 443, d)})
	}
	s, err := Read("quic", bytes.NewReader(pcapBytes(t, layers.LinkTypeEthernet, pkts)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkQUIC checks the QUIC counts and that the one ClientHello counts in
// the TLS lists too.
func checkQUIC(t testing.TB, what string, s *Summary, initials, decrypted, hellos int64, sni, alpn string) {
	t.Helper()
	q := s.TLS.QUIC
	if q.Initials != initials || q.Decrypted != decrypted || q.ClientHellos != hellos {
		t.Errorf("%s: %d Initials, %d decrypted, %d ClientHellos; want %d, %d, %d (failures %v)",
			what, q.Initials, q.Decrypted, q.ClientHellos, initials, decrypted, hellos, q.Failures)
	}
	if hellos == 0 {
		return
	}
	if len(q.ServerNames) != 1 || q.ServerNames[0] != (Count{sni, hellos}) {
		t.Errorf("%s: QUIC server names %v, want %s", what, q.ServerNames, sni)
	}
	if len(q.ALPN) != 1 || q.ALPN[0] != (Count{alpn, hellos}) {
		t.Errorf("%s: QUIC ALPN %v, want %s", what, q.ALPN, alpn)
	}
	if s.TLS.ClientHellos != hellos || len(s.TLS.ServerNames) != 1 || s.TLS.ServerNames[0].Name != sni ||
		s.TLS.ServerNames[0].Count != hellos {
		t.Errorf("%s: TLS %d ClientHellos, server names %v", what, s.TLS.ClientHellos, s.TLS.ServerNames)
	}
}

func quicTestAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func quicTestBlock(t testing.TB, key []byte) cipher.Block {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func timeMs(i int) time.Duration { return time.Duration(i) * time.Millisecond }

// appendVarint appends v as a QUIC variable-length integer of 1, 2 or 4
// bytes.
func appendVarint(b []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(b, byte(v))
	case v < 1<<14:
		return binary.BigEndian.AppendUint16(b, uint16(v)|0x4000)
	}
	return binary.BigEndian.AppendUint32(b, uint32(v)|0x80000000)
}

// cryptoFrame is a CRYPTO frame with data at offset off.
func cryptoFrame(off int, data []byte) []byte {
	b := appendVarint([]byte{0x06}, uint64(off))
	b = appendVarint(b, uint64(len(data)))
	return append(b, data...)
}

// sealInitial builds a client Initial of version v with a 2-byte packet
// number, protected with the keys derived from keyCID (the DCID of the
// client's first Initial) as a client would, padding frames to at least
// 40 bytes.
func sealInitial(t testing.TB, v *quicVersion, keyCID, dcid, scid []byte, pn uint16, frames []byte) []byte {
	t.Helper()
	k, err := quicClientKeys(v, keyCID)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) < 40 {
		frames = append(frames, make([]byte, 40-len(frames))...)
	}
	const pnLen = 2
	hdr := []byte{0xc0 | v.initialType<<4 | (pnLen - 1)}
	hdr = binary.BigEndian.AppendUint32(hdr, map[string]uint32{"1": 1, "2": 0x6b3343cf, "draft-29": 0xff00001d}[v.name])
	hdr = append(hdr, byte(len(dcid)))
	hdr = append(hdr, dcid...)
	hdr = append(hdr, byte(len(scid)))
	hdr = append(hdr, scid...)
	hdr = append(hdr, 0)                                    // no token
	hdr = appendVarint(hdr, uint64(pnLen+len(frames)+16)|0) // 2- or 4-byte form
	pnOffset := len(hdr)
	hdr = binary.BigEndian.AppendUint16(hdr, pn)
	nonce := k.iv
	nonce[10] ^= byte(pn >> 8)
	nonce[11] ^= byte(pn)
	pkt := k.aead.Seal(hdr, nonce[:], frames, hdr)
	var mask [16]byte
	k.hp.Encrypt(mask[:], pkt[pnOffset+4:pnOffset+20])
	pkt[0] ^= mask[0] & 0x0f
	pkt[pnOffset] ^= mask[1]
	pkt[pnOffset+1] ^= mask[2]
	return pkt
}

// rfcHello is the ClientHello of RFC 9001 appendix A.2 (example.com, "alpn").
func rfcHello(t testing.TB) []byte { return unhex(t, rfcCryptoFrame)[4:] }

// TestQUICSplitHello reads a ClientHello sent in five CRYPTO frames out of
// order over two datagrams, the second of which coalesces an Initial to
// the server's connection ID (still under the first keys), a Handshake
// packet, and a retransmission; with PING and ACK frames between.
func TestQUICSplitHello(t *testing.T) {
	for _, v := range []*quicVersion{&quicV1, &quicV2, &quicDraft29} {
		hello := rfcHello(t)
		first, server := []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{9, 9, 9, 9}
		scid := []byte{0xaa, 0xbb}
		var f1, f2 []byte
		f1 = append(f1, cryptoFrame(100, hello[100:180])...)
		f1 = append(f1, 0x01)       // PING
		f1 = append(f1, 0x00, 0x00) // PADDING
		f1 = append(f1, cryptoFrame(0, hello[:60])...)
		f2 = append(f2, 0x03, 0x05, 0x00, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x02) // ACK with one range and ECN
		f2 = append(f2, cryptoFrame(180, hello[180:])...)
		f2 = append(f2, cryptoFrame(50, hello[50:100])...) // overlaps the first frame
		d1 := sealInitial(t, v, first, first, scid, 0, f1)
		d2 := sealInitial(t, v, first, server, scid, 1, f2)
		handshake := []byte{0xe0 | (v.initialType+2)&3<<4, 0, 0, 0, 1, 4, 9, 9, 9, 9, 2, 0xaa, 0xbb, 3, 1, 2, 3}
		copy(handshake[1:5], d1[1:5])
		d2 = append(d2, handshake...)
		retransmit := sealInitial(t, v, first, server, scid, 2, cryptoFrame(0, hello))
		s := quicSummary(t, [][]byte{d1, d2, retransmit})
		// The retransmission is counted but not decrypted: the hello was read.
		checkQUIC(t, "version "+v.name, s, 3, 2, 1, "example.com", "alpn")
		if f := s.TLS.QUIC.Failures; len(f) != 0 {
			t.Errorf("version %s: failures %v", v.name, f)
		}
	}
}

// TestQUICFailures checks that each way a ClientHello cannot be read is
// counted under its reason.
func TestQUICFailures(t *testing.T) {
	dcid, scid := []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{7}
	hello := rfcHello(t)
	bad := sealInitial(t, &quicV1, dcid, dcid, scid, 0, cryptoFrame(0, hello))
	bad[len(bad)-1] ^= 1
	closeFrame := append(cryptoFrame(0, hello), 0x1c, 0, 0, 0)
	for _, c := range []struct {
		name      string
		datagrams [][]byte
		decrypted int64
		hellos    int64
		reasons   []string
	}{
		{"tag", [][]byte{bad}, 0, 0, []string{reasonQUICDecrypt}},
		{"not a ClientHello", [][]byte{sealInitial(t, &quicV1, dcid, dcid, scid, 0, cryptoFrame(0, []byte{2, 0, 0, 40}))}, 1, 0, []string{reasonQUICNotHello}},
		{"too long", [][]byte{sealInitial(t, &quicV1, dcid, dcid, scid, 0, cryptoFrame(0, []byte{1, 0, 0x4e, 0x20}))}, 1, 0, []string{reasonQUICLong}},
		{"incomplete", [][]byte{sealInitial(t, &quicV1, dcid, dcid, scid, 0, cryptoFrame(0, hello[:60]))}, 1, 0, []string{reasonQUICIncomplete}},
		{"short header", [][]byte{bad[:12]}, 0, 0, []string{reasonQUICHeader}},
		{"bad frame", [][]byte{sealInitial(t, &quicV1, dcid, dcid, scid, 0, []byte{0x06, 0x00, 0x50})}, 1, 0, []string{reasonQUICIncomplete, reasonQUICFrame}},
		{"other frame", [][]byte{sealInitial(t, &quicV1, dcid, dcid, scid, 0, closeFrame)}, 1, 1, []string{reasonQUICOtherFrame}},
	} {
		s := quicSummary(t, c.datagrams)
		q := s.TLS.QUIC
		if q.Initials != int64(len(c.datagrams)) || q.Decrypted != c.decrypted || q.ClientHellos != c.hellos {
			t.Errorf("%s: %d Initials, %d decrypted, %d hellos", c.name, q.Initials, q.Decrypted, q.ClientHellos)
		}
		var want []Count
		for _, r := range c.reasons {
			want = append(want, Count{r, 1})
		}
		if !slices.Equal(q.Failures, want) {
			t.Errorf("%s: failures %v, want %v", c.name, q.Failures, want)
		}
	}
}

// TestQUICBounds opens more connections than may wait for their
// ClientHello at once: the oldest are dropped, counted, and the buffers
// stay within maxQUICPending.
func TestQUICBounds(t *testing.T) {
	names := newPassiveNames()
	w := newWeb(&names)
	hello := rfcHello(t)
	client := netip.MustParseAddr("192.0.2.1")
	server := netip.MustParseAddr("198.51.100.1")
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	n := maxQUICPending + 10
	for i := range n {
		w.quicDatagram(sealInitial(t, &quicV1, dcid, dcid, nil, 0, cryptoFrame(0, hello[:100])), client, server, uint16(10000+i), 443)
	}
	// The first connection was dropped: the rest of its hello is not read.
	// The last one completes.
	w.quicDatagram(sealInitial(t, &quicV1, dcid, dcid, nil, 1, cryptoFrame(100, hello[100:])), client, server, 10000, 443)
	w.quicDatagram(sealInitial(t, &quicV1, dcid, dcid, nil, 1, cryptoFrame(100, hello[100:])), client, server, uint16(10000+n-1), 443)
	q := &w.quic
	if bufs := len(q.pending) + len(q.spare); bufs > maxQUICPending {
		t.Errorf("%d buffers, want at most %d", bufs, maxQUICPending)
	}
	s := q.summary()
	want := []Count{{reasonQUICIncomplete, maxQUICPending - 1}, {reasonQUICEvicted, 10}}
	slices.SortFunc(want, func(a, b Count) int { return int(b.Count - a.Count) })
	if s.ClientHellos != 1 || !slices.Equal(s.Failures, want) {
		t.Errorf("%d hellos, failures %v; want 1, %v", s.ClientHellos, s.Failures, want)
	}
	if len(q.conns) > maxQUICConns {
		t.Errorf("%d connections remembered", len(q.conns))
	}
}

// TestQUICServerIgnored checks that Initials from port 443 are not taken
// for a client's.
func TestQUICServerIgnored(t *testing.T) {
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	pkt := sealInitial(t, &quicV1, dcid, dcid, nil, 0, cryptoFrame(0, rfcHello(t)))
	names := newPassiveNames()
	w := newWeb(&names)
	w.quicDatagram(pkt, netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("192.0.2.1"), 443, 50000)
	if s := w.quic.summary(); s.Initials != 0 || s.ClientHellos != 0 {
		t.Errorf("%+v", s)
	}
}

// FuzzQUIC feeds arbitrary UDP payloads to the QUIC analysis; with the
// seeds' keys a mutation past the header usually fails authentication, so
// the frame parser is also fuzzed on its own with a decrypted payload.
func FuzzQUIC(f *testing.F) {
	f.Add(unhex(f, rfc9001ClientInitial), []byte(nil))
	f.Add(unhex(f, rfc9369ClientInitial), unhex(f, rfcCryptoFrame))
	f.Add([]byte{0xc0, 0, 0, 0, 1, 20}, []byte{0x02, 0x40})
	f.Add([]byte{0xc0, 0, 0, 0, 1, 0, 0, 0, 0x7f}, []byte{0x06, 0xbf, 0xff, 0xff, 0xff, 0x44, 0x00})
	f.Fuzz(func(t *testing.T, datagram, frames []byte) {
		names := newPassiveNames()
		w := newWeb(&names)
		client, server := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1")
		if quicCandidate(datagram) {
			w.quicDatagram(datagram, client, server, 50000, 443)
		}
		key := quicKey{client, server, 50001, 443}
		c := w.quic.conn(key)
		w.quic.attach(c)
		w.quicFrames(c, frames, key)
		s := w.quic.summary()
		if s.Decrypted > s.Initials || s.ClientHellos > s.Decrypted+1 {
			t.Fatalf("%+v", s)
		}
	})
}

// quicCaptureDirs are where TestQUICTshark looks for the captures that
// testdata/quic/tshark.tsv lists: the copies in testdata first.
var quicCaptureDirs = []string{"../testdata", "../testdata/quic", "../../shared/captures",
	"../../shared/captures/malformed", "../../shared/vectors/ja4"}

// TestQUICTshark compares the server names and ALPN of the QUIC
// ClientHellos with tshark's (testdata/quic/tshark.tsv, made by gen.sh
// there), which decrypts Initials too and reassembles their CRYPTO frames:
// one ClientHello per QUIC connection. Captures not found are skipped.
func TestQUICTshark(t *testing.T) {
	b, err := os.ReadFile("../testdata/quic/tshark.tsv")
	if err != nil {
		t.Fatal(err)
	}
	type counts struct {
		hellos      int64
		names, alpn map[string]int64
	}
	want := map[string]*counts{}
	var order []string
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if c, ok := strings.CutPrefix(line, "# "); ok {
			if name, _, ok := strings.Cut(c, " has "); ok {
				want[name] = &counts{names: map[string]int64{}, alpn: map[string]int64{}}
				order = append(order, name)
			}
			continue
		}
		f := strings.Split(line, "\t")
		c := want[f[0]]
		if len(f) != 4 || c == nil {
			t.Fatalf("tshark.tsv: bad line %q", line)
		}
		c.hellos++
		if f[2] != "" {
			c.names[strings.ToLower(f[2])]++
		}
		for p := range strings.SplitSeq(f[3], ",") {
			if p != "" {
				c.alpn[p]++
			}
		}
	}
	found := 0
	for _, name := range order {
		path := ""
		for _, d := range quicCaptureDirs {
			if _, err := os.Stat(d + "/" + name); err == nil {
				path = d + "/" + name
				break
			}
		}
		if path == "" {
			t.Logf("%s: not found, skipped", name)
			continue
		}
		found++
		s, err := File(path, Options{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		q, w := s.TLS.QUIC, want[name]
		if q.ClientHellos != w.hellos || !slices.Equal(q.ServerNames, sortedCounts(w.names)) || !slices.Equal(q.ALPN, sortedCounts(w.alpn)) {
			t.Errorf("%s: %d QUIC ClientHellos, names %v, ALPN %v; tshark: %d, %v, %v",
				path, q.ClientHellos, q.ServerNames, q.ALPN, w.hellos, sortedCounts(w.names), sortedCounts(w.alpn))
		}
		t.Logf("%s: %d QUIC ClientHellos, %d Initials, %d decrypted, failures %v", path, q.ClientHellos, q.Initials, q.Decrypted, q.Failures)
	}
	if found < 3 {
		t.Errorf("only %d of the captures found; testdata holds 3", found)
	}
}

// BenchmarkQUICInitial reads the ClientHello of one client Initial on a
// new connection each time: key derivation, header protection, AES-GCM
// over 1,162 bytes, frames and the hello. The cost is per connection, not
// per packet: a connection's later Initials are skipped.
func BenchmarkQUICInitial(b *testing.B) {
	pkt := unhex(b, rfc9001ClientInitial)
	names := newPassiveNames()
	w := newWeb(&names)
	server := netip.MustParseAddr("198.51.100.1")
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for i := uint32(0); b.Loop(); i++ {
		client := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		w.quicDatagram(pkt, client, server, 50000, 443)
	}
	if w.quic.hellos == 0 {
		b.Fatal("no ClientHello read")
	}
}

// BenchmarkQUICCandidate is the check every UDP packet goes through: a
// DNS response, whose first byte has the high bit set as a long header's
// would, is turned away on its version.
func BenchmarkQUICCandidate(b *testing.B) {
	p := []byte{0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}
	n := 0
	for b.Loop() {
		if quicCandidate(p) {
			n++
		}
	}
	if n != 0 {
		b.Fatal("a DNS header taken for QUIC")
	}
}

// TestQUICNoAllocsPerPacket checks that, once a connection's ClientHello
// was read, its later Initials and its short-header packets allocate
// nothing on the per-packet path.
func TestQUICNoAllocsPerPacket(t *testing.T) {
	a := newAnalyzer(Options{})
	initial := udpFrame(t, "192.0.2.1", "198.51.100.1", 50000, 443, unhex(t, rfc9001ClientInitial))
	short := udpFrame(t, "192.0.2.1", "198.51.100.1", 50000, 443, append([]byte{0x41}, make([]byte, 100)...))
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(initial), Length: len(initial)}
	a.packets = 1
	a.packet(initial, &ci, layers.LinkTypeEthernet, 24)
	for _, frame := range [][]byte{initial, short} {
		ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(frame), Length: len(frame)}
		allocs := testing.AllocsPerRun(1000, func() {
			a.packets++
			a.packet(frame, &ci, layers.LinkTypeEthernet, 24)
		})
		if allocs != 0 {
			t.Errorf("%d allocations per packet, want 0", int(allocs))
		}
	}
	if q := a.web.quic; q.hellos != 1 || q.initials != 1002 {
		t.Errorf("%d ClientHellos in %d Initials, want 1 in 1002", q.hellos, q.initials)
	}
}

// TestQUICMemoryBound sends 20,000 connections' first Initial, each with
// only the start of a ClientHello, so that every one would wait for the
// rest: the QUIC state must stay within the bounds README's Memory section
// gives (512 buffers of 18 KiB, 16,384 connections remembered), well under
// 16 MiB of heap.
func TestQUICMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("decrypts 20,000 Initials")
	}
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	pkt := sealInitial(t, &quicV1, dcid, dcid, nil, 0, cryptoFrame(0, rfcHello(t)[:100]))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	names := newPassiveNames()
	w := newWeb(&names)
	server := netip.MustParseAddr("198.51.100.1")
	const n = 20_000
	for i := range n {
		client := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		w.quicDatagram(pkt, client, server, 50000, 443)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	q := &w.quic
	if len(q.pending)+len(q.spare) > maxQUICPending || len(q.conns) > maxQUICConns {
		t.Errorf("%d buffers, %d connections remembered", len(q.pending)+len(q.spare), len(q.conns))
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %.1f MiB for %d connections", float64(grown)/(1<<20), n)
	if grown > 16<<20 {
		t.Errorf("heap grew by %.1f MiB, want at most 16 MiB", float64(grown)/(1<<20))
	}
	s := q.summary()
	if s.Decrypted != n || s.Failures[0] != (Count{reasonQUICEvicted, n - maxQUICPending}) {
		t.Errorf("%d decrypted, failures %v", s.Decrypted, s.Failures)
	}
	runtime.KeepAlive(w)
}

// TestQUICOtherPort follows a connection to port 4433: the server's
// Initials, which the client keys do not open, are recognised as the
// server's once the client's was read, and are no failure.
func TestQUICOtherPort(t *testing.T) {
	dcid := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	client, server := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.1")
	names := newPassiveNames()
	w := newWeb(&names)
	w.quicDatagram(sealInitial(t, &quicV1, dcid, dcid, nil, 0, cryptoFrame(0, rfcHello(t))), client, server, 50000, 4433)
	// A server Initial, sealed here with keys the client's do not match.
	w.quicDatagram(sealInitial(t, &quicV1, []byte{9}, nil, []byte{9}, 0, cryptoFrame(0, []byte{2, 0, 0, 1})), server, client, 4433, 50000)
	s := w.quic.summary()
	if s.Initials != 1 || s.ClientHellos != 1 || len(s.Failures) != 0 {
		t.Errorf("%+v", s)
	}
}
