package analyze

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// helloCase is a ClientHello with the fields tshark shows for it.
type helloCase struct {
	name     string
	hex      string // the TCP payload: TLS record(s) holding the hello
	record   uint16 // tls.record.version
	version  uint16 // tls.handshake.version
	sni      string // tls.handshake.extensions_server_name
	alpn     []string
	versions []uint16 // tls.handshake.extensions.supported_version
	ech      bool     // tls.handshake.extension.type == 0xfe0d
	max      uint16   // maxVersion
}

// realHellos are the TCP payloads (tcp.payload) of ClientHellos in real
// captures, with the values tshark 4.0.17 prints for
//
//	tshark -r FILE -Y frame.number==N -T fields -E occurrence=a \
//	  -e tls.record.version -e tls.handshake.version \
//	  -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
//	  -e tls.handshake.extensions.supported_version -e tls.handshake.extension.type
//
// The last two were sent by Go 1.26.8's crypto/tls (tls.Client over a
// net.Pipe) because no capture in the corpus has a hello that spans two
// TCP segments or carries ECH: they were written to a pcap as a TCP stream
// cut after 1448 bytes, as a 1500-byte MTU would cut it, and tshark, which
// reassembled the two segments, gave the values below.
var realHellos = []helloCase{{
	name: "testdata/linux_sll2_tls_sni.pcap frame 4 (OpenJDK 25)",
	hex: `16030301c4010001c00303a021a50627aaf47999a11177afaf134b1567779546
		868cdb06d4f4e71b53a6e720a14023aebdc70f8d832511dd646b823f52c5afb3
		46835af730d498318dcdc5ad003e130213011303c02cc02bcca9c030cca8c02f
		009fccaa00a3009e00a2c024c028c023c027006b006a00670040c00ac014c009
		c013003900380033003200ff010001390000000d000b0000087a65656b2e6f72
		67000500050100000000000a00160014001d001700180019001e010001010102
		01030104000b000201000010000e000c02683208687474702f312e3100110009
		0007020004000000000017000000230000000d00260024040305030603080708
		080804080508060809080a080b0401050106010402030303010302002b000504
		03040303002d000201010032002c002a04030503060308070808080408050806
		0809080a080b04010501060104020303030103020203020102020033006b0069
		001d0020270663b763d4bc48328b250b6adc6903e1f50b5c38a1b8f777311243
		9287101800170041043b4fdbdeddcbc7f434455e6f5d3e5ab2c917a7852fb4f6
		52554df46d17f1160e9b0af7153269f74fa7588e876d923edac3fee9b8db107f
		cb6d4d8fa29dfafd58`,
	record: 0x0303, version: 0x0303, sni: "zeek.org", alpn: []string{"h2", "http/1.1"},
	versions: []uint16{0x0304, 0x0303}, max: 0x0304,
}, {
	name: "shared/captures/tls_browsing_sni_ipv4_ipv6.pcap frame 3394 (Chrome, GREASE)",
	hex: `1603010200010001fc03033c9d56178a1e49d736d4b83f4f5fb9f3a2675d63d7
		9a9dd084b8a8214a8f1f5520dd7acafd65d2329d55dbbe186dfbb11f2fe1046f
		d672d80ac3de6162fd6ec8360020dada130113021303c02bc02fc02cc030cca9
		cca8c013c014009c009d002f003501000193caca000000000015001300001074
		6167732e626c75656b61692e636f6d00170000ff01000100000a000a00082a2a
		001d00170018000b00020100002300000010000e000c02683208687474702f31
		2e31000500050100000000000d00120010040308040401050308050501080606
		01001200000033002b00292a2a000100001d002093e7c9e5d93471cf99ce437d
		a21ce5cc32a9106bec2c729636f8e1f83d4a6731002d00020101002b000b0a0a
		0a0304030303020301001b00030200028a8a000100001500cc00000000000000
		0000000000000000000000000000000000000000000000000000000000000000
		0000000000000000000000000000000000000000000000000000000000000000
		0000000000000000000000000000000000000000000000000000000000000000
		0000000000000000000000000000000000000000000000000000000000000000
		0000000000000000000000000000000000000000000000000000000000000000
		0000000000000000000000000000000000000000000000000000000000000000
		0000000000`,
	record: 0x0301, version: 0x0303, sni: "tags.bluekai.com", alpn: []string{"h2", "http/1.1"},
	versions: []uint16{0x0a0a, 0x0304, 0x0303, 0x0302, 0x0301}, max: 0x0304,
}, {
	name: "shared/captures/tls_browsing_sni_ipv4_ipv6.pcap frame 59 (no ALPN)",
	hex: `16030101630100015f0303c51c3f0a41a00482599301811cc628b3744eb3da0e
		b87cc964e1fd053710eb16208d309a677606d58084b15bf63a2916b3deab841c
		029534b007c35726066047e60056130213031301c02cc030009fcca9cca8ccaa
		c0afc0adc0a3c09fc05dc061c053c02bc02f009ec0aec0acc0a2c09ec05cc060
		c052c024c028006bc023c0270067009dc0a1c09dc051009cc0a0c09cc050003d
		003c00ff010000c0000000270025000022656c622d6f72652d616d7a2e6e696d
		6275732e626974646566656e6465722e6e6574000b000403000102000a000c00
		0a001d0017001e00190018002300000016000000170000000d0030002e040305
		030603080708080809080a080b08040805080604010501060103030203030102
		0103020202040205020602002b0009080304030303020301002d000201010033
		00260024001d002040da97f0e6ff82dbce368ce9ea58409dfd81f2f74b8c5abe
		75297d807495a112`,
	record: 0x0301, version: 0x0303, sni: "elb-ore-amz.nimbus.bitdefender.net",
	versions: []uint16{0x0304, 0x0303, 0x0302, 0x0301}, max: 0x0304,
}, {
	name: "shared/captures/mixed_lan_vlan_tls_http_2010_2015.pcap frame 58 (SPDY, TLS 1.2)",
	hex: `16030100c1010000bd03039d9986dbe89f16b7234fcbe50ff3101363f1f6f1c4
		fda75a56d423a1b8db1974000020c02bc02fc00ac009c013c014c007c0110033
		00320039002f0035000a000500040100007400000013001100000e7777772e67
		6f6f676c652e636f6dff01000100000a00080006001700180019000b00020100
		00230000337400000010001b001908737064792f332e3106737064792f330868
		7474702f312e31000500050100000000000d0012001004010501020104030503
		020304020202`,
	record: 0x0301, version: 0x0303, sni: "www.google.com", alpn: []string{"spdy/3.1", "spdy/3", "http/1.1"},
	max: 0x0303,
}, {
	name: "shared/captures/http_browsing_dns_2013.pcap frame 3719 (TLS 1.0)",
	hex: `16030100a8010000a403015182ca9b2915dd32ce411a61a4a1529d782c5074dd
		9b038cf14580a6676ae65700004800ffc00ac0140088008700390038c00fc005
		00840035c007c009c011c0130045004400330032c00cc00ec002c00400960041
		00050004002fc008c01200160013c00dc003feff000a01000033000000150013
		0000107777772e66616365626f6f6b2e636f6d000a0008000600170018001900
		0b000201000023000033740000`,
	record: 0x0301, version: 0x0301, sni: "www.facebook.com", max: 0x0301,
}, {
	name: "testdata/pcapng_two_linktypes_eth_sll.pcapng frame 8 (no server_name)",
	hex: `1603010164010001600303e39b5bf4903c68684e8512fb2f60213e9ee843a081
		0b4982b607914d8092d4820000c4c030c02cc028c024c014c00a00a500a300a1
		009f006b006a0069006800390038003700360088008700860085c032c02ec02a
		c026c00fc005009d003d00350084c02fc02bc027c023c013c00900a400a200a0
		009e00670040003f003e0033003200310030009a009900980097004500440043
		0042c031c02dc029c025c00ec004009c003c002f009600410007c011c007c00c
		c00200050004c012c008001600130010000dc00dc003000a00150012000f000c
		000900140011000e000b00080006000300ff01000073000b000403000102000a
		003a0038000e000d0019001c000b000c001b00180009000a001a001600170008
		00060007001400150004000500120013000100020003000f0010001100230000
		000d0020001e0601060206030501050205030401040204030301030203030201
		02020203000f000101`,
	record: 0x0301, version: 0x0303, max: 0x0303,
}, {
	name: "Go 1.26.8 crypto/tls with an X25519MLKEM768 key share, 1527 bytes",
	hex: `16030105f2010005ee0303466741aeef76b06e450aef241abc084330ac970e25
		2453afc37fc9c324d4cd2520c14054e4e3a4b128e08374d8badb68d57fc10c53
		6e5c69e09d9e6e492fbf4967001ac02bc02fc02cc030cca9cca8c009c013c00a
		c0141301130213030100058b00000016001400001173706c69742e6578616d70
		6c652e6f7267000b00020100ff01000100001700000012000000050005010000
		0000000a0010000e11ec11eb11ed001d001700180019000d0016001408040403
		080708050806040105010601050306030032001a001808040403080708050806
		04010501060105030603020102030010000e000c02683208687474702f312e31
		002b00050403040303003304ea04e811ec04c03a90c75b0a074ba5586d1c3d29
		f627f0e9c85ba9cdd301038e594bb0913f985b3f71185b56b75e4a7633c1b3bf
		3dd979ef77a3b493c95f0bcf153a4f95c2789ab3a23148b72f11b1ccb2b1a360
		80e687080cc010672a4568f2080e3346e1e1c83f82072b564b77856052b13f58
		da7a2a1ac6ff1358add02c32bba560180e8877396aa07a3798a26a6743f62173
		d323b38778ad915b4d617a7a55a29dab111e88306666e3c18b184110f8677283
		9eedfc9b662540818408c3708c0ee909cf897d5a60b9fc61bee856bc4df2051b
		2380d0fac2987a9a61959ae9da631b06676bf44b1b62134f43b130fbab4c7ac1
		01768cb431710c9a1dc394bbc8c56a15b292c0570d76111e1d90933e028c63d4
		70c3dccd4d062bdad0933aa26067fbb0462b6e93e062368815a9291d1e0b1657
		a0789099c4aeb74a50ca487eda8207c99572c8627dd3b46ecb4219a674bf939b
		a838b2560bb06e815ab2466a0a2a7e317c7c8e7248e820ab4717213a789bbe12
		74471c085486ac0a999cf6826dc318c4354466d7e262ba82b4100587107c6777
		22504a66ca594723ead4a01e36179176160e0b2bc979972027431da5a12fb10f
		da60cf343b4dbb472dc6711256966ddf3a9c42a6736e0c0c350106c8ca3f25fb
		65e17456fc390de6989dcbe46c4e0943e2897df79428f36a2176259c9a291020
		e09ba80359ba2172a3d38511037289b10a73033788d37fcadb55c0f0c4c1a7b2
		354088a9191a3c144c64a09c991a8c3edcc93a416384832b36831e70597d4330
		421ef2707f815e2b8b200b2b4af4dc439fb14174cc8a00a8a038d162f8a828c1
		382ee41ba6cbbcac0c5071637b14f05b36c3009e36e35c8317906da56564e363
		ebf08376512ceec92fdcca387cb01fd7aa2aa7464b50f5313a7b4685180818d9
		143fc73207a08080b2ba7381650f95731ea6ceefb45e6bf1474088a5aa7a8e9f
		b92bc71809298a38d113ac7ff6169b390747f8b7ee314a6295209fe00257f74d
		f081471ca17b64a7505ca68ded9b0033f464076648fc661d93f04b548b062e14
		5741a093decb0b26d41d30593e0a598203760a331817306a6ed1f8a25c576184
		65396545c5a2b392f741c8f3074ee8293a9e3633157cc1a73798af3267d82abb
		9211c6b6a7758ce593cfcab510497416b3680f4b4887e43e15440185659a4a10
		65709ba6ff40b561c5c497094f7580b13c92b1ebd24c44f0947b724ab0c1188e
		ba0e69e50bbb395fea20ac24400ed53b28318817eaab2496e49add99331adb68
		bad44cfc4a06526c7632e4b1fb3b751bf7a40b786a373b005fa3281e0b15fd46
		c1fb4b371e8567b65b203d5515165b4860a574c741c2d958aeb8d5760c96c863
		163c0237cb54ec6f38d9320cc2545aa9b9ba2692a3700e1070a28b075f580755
		191a46034c2f01b8b4fac20cbbd29302a4048722b96ae79edf90a99943202294
		0679943687fb4ca8b05851756d41a12266e53b8c4070cf5299985a13a0825bc5
		7726adf0c389379357e466acc5079b17aba867bb168269e11a4d42e3c67a023c
		92236e61da6315000cc31268a6952ebb93a20db39a880a523b4b9453f1646f57
		b3ea957adeb61537e979d157323dc342f59b8c9e1ae8fbc5ba87fd99f04d5496
		2345440d104eee2e678db9f9fda346a8a8b1d4f3e59df91abafa29dd9d97060e
		f7bcea85bbf5351677eb4352b5f5813f6bb56b001d0020f3e59df91abafa29dd
		9d97060ef7bcea85bbf5351677eb4352b5f5813f6bb56b`,
	record: 0x0301, version: 0x0303, sni: "split.example.org", alpn: []string{"h2", "http/1.1"},
	versions: []uint16{0x0304, 0x0303}, max: 0x0304,
}, {
	name: "Go 1.26.8 crypto/tls with ECH (made-up ECHConfig, public_name public.example.com), 1666 bytes",
	hex: `160301067d010006790303ae7d77174943e5849889e7a08281a279003ac03fc8
		8d4c0248482eb4193367c42075beb55fb57d7798342f759148030b67e5ccfbe3
		58e247706b6b91325da2260f00061301130213030100062a0000001700150000
		127075626c69632e6578616d706c652e636f6d00120000fe0d00ba0000010001
		070020c41b0df379223e52b4cd8b8676532713f7f0d11bb65011c5a0612ba155
		997b6700900a5239696c2e732671fdf71097468d9725141f25cf9283da8fd19c
		801fbcc122359385afcb6db32d928788aa27c9978a9c6260dc8591fbfd6d1396
		54bbe11f2d4ddeea366b24c6eb481d4e048b67bab769d4b8f162b15d1b9184e4
		53cc58a47e16109550ba5223c927beabdd456d9812a9251e1f9a58777f491cff
		fd451834c32ba1fc8a5cf4f578ec21452e332302bc000500050100000000000a
		0010000e11ec11eb11ed001d001700180019000d0010000e0804040308070805
		0806050306030032001a00180804040308070805080604010501060105030603
		02010203001000050003026832002b0003020304003304ea04e811ec04c0a9b7
		4c10db19ee7a3b8db87c9ca41b4d2c3f16d33fb5a206aef02ee814851f896c4e
		f85607bb0d81885096a8589343a97b37b818b2108e8b06ef793ed6788bf377a1
		79653e46c198f7ea443bb12bcdac83315007c5a977aff5905b04ac7e61a98b03
		1a13979492323eaa95104ce9886c44922a626921b28df1c32a7e9556568349a8
		6c363f2212ddcaad646a8c32625e0b9c4cd5940236a3020b032ead49114b9b12
		c37993b6bc5292e502377b0c155578c505bcda088196780a4cb9984cf21da6fc
		1b6547ab49671fbac74a12bba9cc410ea778af478705267983153977fc558022
		50c42dfbac7df8b36ee7c102555e6dd92f30544df545c65a1058991b0df72562
		fa01632f1635a83a6f7b643c675b45879272bc773a1133b96d52c31d92beaa1b
		ce07c48b0e1564a04702a54500244089b0cabca53b584f687afdba08b9959400
		06ca53717bca12bc3dbc997cc40471650fa73319eaa6aed6e4a435d2c93764c1
		1d3c34f7f99abb5b1a1ac20c27949d26fbcb035b490b7aa45bf874066508d2b3
		621c3063ca5953ac8964bcec9b785b42d1f23c347b549b38b257e90172368d1b
		5b8327f27237205434f2a3e1073b96736536c43877406023e18ab82aceda84c2
		a61c4bbb519b2e674a7883162d68997103c40e61290de04deb5bb8c8047173ac
		5b79a8b5d2577e4bf88554a739486340b86a497a6b72e517bdfb340f97e2ca0b
		c996abeb60e563940612adcd739130926924303170278c5b405c76c2af50a083
		69eba848952bd74986e3957451f35ae52c8a75f1b422b8b888f9a1c4568d113a
		11b9a84f46aa31220a6629015853c2771b71581b136fc9254f158930d61134a8
		f1886cf6204f67b18ab353c0a9577f8129f7b8aaf4898c6b23ad4f72713c9556
		db40b0531c9efc21753d167a49032720158c6b952745692b5833cf95ba457573
		4a83f24995f5848115084829891821366de2b263a48c20f3ae0b7c15a6d15a62
		c769c1924417104ac5804b5aa1ad549c5a3e7b8d2ac0a2d035035f19abe11a11
		9b24af151303727b40c7483bccf1482aba366955550ae16f37a12b113896cf66
		9685f82aec393ba9e299070800d69c17181cc35281322a41356a80c76eaa9901
		191d6ea25af4f21429b31e2551103e392a79e9604d72b12a8185283a5f17825a
		b5ba26af25b227dc25b714781f05221dac4a39d49d8074687b539657493b0081
		6d5616c805041b6e575e36309b9a528c2cf100ab49a3be8973a7690d514657c0
		46b75606ae583964022356264a88a3a7b2f9cb4aa8a589ff610214557dee2960
		d5031c66ac9fc1198e4fb653a0d086eb7b388d7c39a0567338e284e2fa883332
		714178802a8b33d719ad96850fadeb2e9b9a3ca05a3652495206f58dd84c9d23
		da82f5e73f18cb1dff579b9aa241cba39e1b98c5d094a2d7399b226b7b86848e
		b62ba3e8335ce82c85041654fb686c5e13339672506b05705605397e85c0ba4b
		be02f0a9ae6818780808d77c8ff2e0acb068ccbf02b86e8661329a3a99400585
		cbc69a9568c0373830ecb011f79cfa1751427c30abbac23f01c1c2121e434568
		d2f575ce34691e9b5d05aa1fc71b7e41a43b9b09b8220bcd3eb8952a243c2535
		59d87a3d9fd1059cb870d56b969e265b9241938227feeec4a498c8c3485b99dc
		5864e330432aeb3d743c02fbe5c8c1e8e90f8b3e1e7ca768fbd1d8e95c6b001d
		002099dc5864e330432aeb3d743c02fbe5c8c1e8e90f8b3e1e7ca768fbd1d8e9
		5c6b`,
	record: 0x0301, version: 0x0303, sni: "public.example.com", alpn: []string{"h2"},
	versions: []uint16{0x0304}, ech: true, max: 0x0304,
}}

// mlkemHello is the index in realHellos of the hello that needs two segments.
const mlkemHello = 6

// checkHelloFields compares hello with c.
func checkHelloFields(t *testing.T, c helloCase, hello clientHello) {
	t.Helper()
	var alpn []string
	for _, p := range hello.protocols() {
		alpn = append(alpn, string(p))
	}
	versions := slices.Clone(hello.supportedVersions())
	if len(versions) == 0 {
		versions = nil
	}
	if hello.recordVersion != c.record || hello.version != c.version || string(hello.sni) != c.sni ||
		!slices.Equal(alpn, c.alpn) || !slices.Equal(versions, c.versions) || hello.ech != c.ech ||
		hello.maxVersion() != c.max || hello.malformed != "" {
		t.Errorf("%s:\ngot  record %#04x version %#04x sni %q alpn %q versions %#04x ech %v max %#04x malformed %q\nwant record %#04x version %#04x sni %q alpn %q versions %#04x ech %v max %#04x",
			c.name, hello.recordVersion, hello.version, hello.sni, alpn, versions, hello.ech, hello.maxVersion(), hello.malformed,
			c.record, c.version, c.sni, c.alpn, c.versions, c.ech, c.max)
	}
}

func TestParseClientHelloReal(t *testing.T) {
	for _, c := range realHellos {
		b := hexBytes(t, c.hex)
		hello, ok, need := parseClientHello(b)
		if !ok || need != len(b) || hello.records != 1 {
			t.Errorf("%s: ok %v need %d records %d, want ok, need %d, 1 record (%s)", c.name, ok, need, hello.records, len(b), hello.malformed)
			continue
		}
		checkHelloFields(t, c, hello)
	}
}

// TestParseClientHelloPrefixes cuts each real hello at every byte: each
// prefix must ask for more, and once the record and handshake headers are
// there, for exactly the bytes of the whole hello.
func TestParseClientHelloPrefixes(t *testing.T) {
	for _, c := range realHellos {
		b := hexBytes(t, c.hex)
		for k := 0; k < len(b); k++ {
			_, ok, need := parseClientHello(b[:k])
			if ok || need <= k || need > len(b) || k >= 9 && need != len(b) {
				t.Fatalf("%s cut at %d of %d: ok %v need %d", c.name, k, len(b), ok, need)
			}
		}
	}
}

// TestClientHelloTwoSegments is the modern case: a hello with a
// post-quantum key share that a 1500-byte MTU cuts into two TCP segments.
func TestClientHelloTwoSegments(t *testing.T) {
	c := realHellos[mlkemHello]
	b := hexBytes(t, c.hex)
	const isn, mss = 1000, 1448
	seg1, seg2 := b[:mss], b[mss:]
	wrap := uint32(0xffffff00) // near the top of the sequence space

	_, ok, need := parseClientHello(seg1)
	if ok || need != len(b) {
		t.Fatalf("first segment: ok %v need %d, want need %d", ok, need, len(b))
	}
	hello, ok, need := parseClientHello(b)
	if !ok || need != len(b) {
		t.Fatalf("both segments: ok %v need %d", ok, need)
	}
	checkHelloFields(t, c, hello)

	orders := []struct {
		name string
		segs [][]byte
		seqs []uint32
	}{
		{"in order", [][]byte{seg1, seg2}, []uint32{isn + 1, isn + 1 + mss}},
		{"first segment retransmitted", [][]byte{seg1, seg1, seg2}, []uint32{isn + 1, isn + 1, isn + 1 + mss}},
		{"out of order", [][]byte{seg2, seg1}, []uint32{isn + 1 + mss, isn + 1}},
		{"sequence numbers wrap", [][]byte{seg1, seg2}, []uint32{wrap, wrap + mss}},
	}
	for _, o := range orders {
		sb := newStreamBuf(o.seqs[0], helloStreamLimit)
		if o.name == "out of order" {
			sb = newStreamBuf(o.seqs[1], helloStreamLimit)
		}
		for i, seg := range o.segs {
			sb.add(o.seqs[i], seg)
			hello, ok, done := sb.hello()
			last := i == len(o.segs)-1
			if done != last {
				t.Fatalf("%s: segment %d: done %v", o.name, i, done)
			}
			if last {
				if !ok {
					t.Fatalf("%s: not ok", o.name)
				}
				checkHelloFields(t, c, hello)
			}
		}
	}
}

// refragment rewrites a hello held in one record as several records that
// carry its handshake message in pieces of the given sizes, the last piece
// taking the rest, as clients that hide the server name from middleboxes do.
// It returns the records and how many there are.
func refragment(rec []byte, sizes ...int) ([]byte, int) {
	hs := rec[5:]
	var out []byte
	records := 0
	for _, n := range append(sizes, len(hs)) {
		n = min(n, len(hs))
		out = append(out, tlsContentHandshake, rec[1], rec[2], byte(n>>8), byte(n))
		out = append(out, hs[:n]...)
		records++
		hs = hs[n:]
		if len(hs) == 0 {
			break
		}
	}
	return out, records
}

func TestClientHelloSeveralRecords(t *testing.T) {
	for _, c := range realHellos {
		b := hexBytes(t, c.hex)
		splits := [][]int{
			{1},          // the handshake header split after its type byte
			{3, 0, 1},    // ... and an empty record in between
			{100, 100},   // three records (two for hellos under 200 bytes)
			{len(b) - 6}, // one byte in the last record
		}
		if c.sni != "" {
			sniAt := bytes.Index(b, []byte(c.sni)) - 5 // offset in the handshake message
			splits = append(splits, []int{sniAt + 2})  // the server name cut in two
		}
		for _, sizes := range splits {
			fr, records := refragment(b, sizes...)
			_, ok, need := parseClientHello(fr)
			if ok || need != len(fr) {
				t.Errorf("%s split %v: ok %v need %d, want need %d", c.name, sizes, ok, need, len(fr))
				continue
			}
			for k := 0; k < len(fr); k++ {
				if _, ok, need := parseClientHello(fr[:k]); ok || need <= k || need > len(fr) {
					t.Fatalf("%s split %v, cut at %d: ok %v need %d", c.name, sizes, k, ok, need)
				}
			}
			sb := newStreamBuf(7, helloStreamLimit)
			sb.add(7, fr)
			hello, ok, done := sb.hello()
			if !done || !ok || hello.records != records {
				t.Errorf("%s split %v: done %v ok %v records %d (%s)", c.name, sizes, done, ok, hello.records, hello.malformed)
				continue
			}
			checkHelloFields(t, c, hello)
			if _, ok, done := sb.hello(); ok || !done {
				t.Errorf("%s split %v: called again: ok %v done %v", c.name, sizes, ok, done)
			}
		}
	}

	// A malformed hello in several records is found malformed once joined.
	fr, _ := refragment(helloRecord(t, "0303"+strings.Repeat("00", 32)+" ff"+strings.Repeat("00", 255)+" 0002 1301 01 00"), 10)
	if _, ok, need := parseClientHello(fr); ok || need != len(fr) {
		t.Errorf("malformed in two records: ok %v need %d, want need %d", ok, need, len(fr))
	}
	sb := newStreamBuf(0, helloStreamLimit)
	sb.add(0, fr)
	if hello, ok, done := sb.hello(); ok || !done || hello.malformed != reasonHelloSession {
		t.Errorf("malformed in two records: ok %v done %v malformed %q", ok, done, hello.malformed)
	}
}

// TestStreamBufHelloLimit: a hello longer than the limit is given up as
// soon as its length is known.
func TestStreamBufHelloLimit(t *testing.T) {
	b := hexBytes(t, realHellos[mlkemHello].hex)
	sb := newStreamBuf(0, 1024)
	sb.add(0, b[:5])
	if _, _, done := sb.hello(); done {
		t.Fatal("done with the record header only")
	}
	sb.add(5, b[5:1448])
	if _, ok, done := sb.hello(); ok || !done || len(sb.bytes()) != 1024 {
		t.Errorf("ok %v done %v, %d bytes held", ok, done, len(sb.bytes()))
	}
}

// fixedFields is a ClientHello body up to its extensions: legacy_version
// 0x0303, a zero random, an empty session ID, one cipher suite, null
// compression.
var fixedFields = "0303" + strings.Repeat("00", 32) + " 00  0002 1301  01 00"

// helloRecord wraps a ClientHello body, given in hex, in a handshake
// header and a record header with the right lengths.
func helloRecord(t testing.TB, body string) []byte {
	b := hexBytes(t, body)
	n := len(b)
	return append([]byte{22, 3, 1, byte((n + 4) >> 8), byte(n + 4), 1, byte(n >> 16), byte(n >> 8), byte(n)}, b...)
}

func TestParseClientHelloMalformed(t *testing.T) {
	cases := []struct {
		name      string
		b         []byte
		ok        bool
		need      int    // -1: more than len(b), not checked further
		malformed string // hello.malformed
		sni       string
		alpn      int // alpnCount
		versions  int // versionCount
		ech       bool
		buffered  bool // streamBuf.hello says ok (records joined)
	}{
		{name: "empty", b: nil, need: 9},
		{name: "record type only", b: hexBytes(t, "16"), need: 9},
		{name: "record header only", b: hexBytes(t, "16 0301 0200"), need: 9},
		{name: "cut in the handshake header", b: hexBytes(t, "16 0301 0200  01 00"), need: 9},
		{name: "application data", b: hexBytes(t, "17 0303 0005 0102030405"), need: 0},
		{name: "an HTTP request", b: []byte("GET / HTTP/1.1\r\n"), need: 0},
		{name: "record version 3.5", b: hexBytes(t, "16 0305 0004 01000026"), need: 0},
		{name: "record version 2.1", b: hexBytes(t, "16 0201"), need: 0},
		{name: "SSL 2.0 style hello", b: hexBytes(t, "80 2e 01 0300 0015 0000 0010"), need: 0},
		{name: "a ServerHello", b: hexBytes(t, "16 0303 0004 02 000026"), need: 0},
		{name: "record length 65535",
			b:    hexBytes(t, "16 0301 ffff  01 00fffb"),
			need: 0, malformed: reasonTLSRecordLen},
		{name: "handshake length 2^24-1",
			b:    hexBytes(t, "16 0301 0004  01 ffffff"),
			need: 0, malformed: reasonHelloLen},
		{name: "handshake length below the fixed fields",
			b:    hexBytes(t, "16 0301 0009  01 000005 0303000000"),
			need: 0, malformed: reasonHelloLen},
		{name: "message longer than its record, next record header missing",
			// record 1: 4 bytes, the handshake header of a 252-byte body;
			// needed: 9 + a 5-byte header + 252 body bytes.
			b:    hexBytes(t, "16 0301 0004  01 0000fc"),
			need: 9 + 5 + 252},
		{name: "message continues in an application-data record",
			b:    hexBytes(t, "16 0301 0004  01 0000fc  17 0303 00fc"),
			need: 0, malformed: reasonTLSRecordType},
		{name: "message continues in a record header cut after its type",
			b:    hexBytes(t, "16 0301 0004  01 0000fc  17"),
			need: 0, malformed: reasonTLSRecordType},
		{name: "empty record before the hello",
			b:    append(hexBytes(t, "16 0301 0000"), helloRecord(t, fixedFields)...),
			need: 5 + 9 + 41, buffered: true},
		{name: "session ID length 255",
			b:    helloRecord(t, "0303"+strings.Repeat("00", 32)+" ff"+strings.Repeat("00", 255)+" 0002 1301 01 00"),
			need: 0, malformed: reasonHelloSession},
		{name: "cipher-suites length 65535",
			b:    helloRecord(t, "0303"+strings.Repeat("00", 32)+" 00  ffff 1301  01 00"),
			need: 0, malformed: reasonHelloShort},
		{name: "compression-methods length 255",
			b:    helloRecord(t, "0303"+strings.Repeat("00", 32)+" 00  0002 1301  ff 00"),
			need: 0, malformed: reasonHelloShort},
		{name: "no extensions, as from SSL 3.0 clients",
			b:  helloRecord(t, fixedFields),
			ok: true, need: 9 + 41},
		{name: "one stray byte where the extensions length would be",
			b:    helloRecord(t, fixedFields+" 00"),
			need: 0, malformed: reasonHelloShort},
		{name: "extensions length 65535",
			b:    helloRecord(t, fixedFields+" ffff  0000 0000"),
			need: 0, malformed: reasonHelloShort},
		{name: "extension length past the extensions block",
			b:    helloRecord(t, fixedFields+" 0006  0000 ffff 0000"),
			need: 0, malformed: reasonHelloExt},
		{name: "three stray bytes in the extensions block",
			b:    helloRecord(t, fixedFields+" 0003  000000"),
			need: 0, malformed: reasonHelloExt},
		{name: "zero-length extensions are fine",
			b:  helloRecord(t, fixedFields+" 0008  0017 0000  ff01 0000"),
			ok: true, need: 9 + 51},
		{name: "bytes after the extensions block are ignored",
			b:  helloRecord(t, fixedFields+" 0004  0017 0000  ffff"),
			ok: true, need: 9 + 49},
		{name: "zero-length server_name",
			b:  helloRecord(t, fixedFields+" 0004  0000 0000"),
			ok: true, need: 9 + 47, malformed: reasonHelloSNI},
		{name: "server_name list length 65535",
			b:  helloRecord(t, fixedFields+" 000a  0000 0006 ffff 00 0001 61"),
			ok: true, need: 9 + 53, malformed: reasonHelloSNI},
		{name: "server_name name length 65535",
			b:  helloRecord(t, fixedFields+" 000a  0000 0006 0004 00 ffff 61"),
			ok: true, need: 9 + 53, malformed: reasonHelloSNI},
		{name: "server_name entry cut after its type",
			b:  helloRecord(t, fixedFields+" 0007  0000 0003 0001 00"),
			ok: true, need: 9 + 50, malformed: reasonHelloSNI},
		{name: "server_name with an empty host_name, then a name",
			b:  helloRecord(t, fixedFields+" 000e  0000 000a 0008 00 0000  00 0002 6162"),
			ok: true, need: 9 + 57, sni: "ab"},
		{name: "server_name of another name type only",
			b:  helloRecord(t, fixedFields+" 000a  0000 0006 0004 07 0001 61"),
			ok: true, need: 9 + 53},
		{name: "two server_name extensions: the first counts",
			b:  helloRecord(t, fixedFields+" 0014  0000 0006 0004 00 0001 61  0000 0006 0004 00 0001 62"),
			ok: true, need: 9 + 63, sni: "a"},
		{name: "zero-length ALPN",
			b:  helloRecord(t, fixedFields+" 0004  0010 0000"),
			ok: true, need: 9 + 47, malformed: reasonHelloALPN},
		{name: "ALPN name of length 0",
			b:  helloRecord(t, fixedFields+" 000a  0010 0006 0004 02 6832 00"),
			ok: true, need: 9 + 53, alpn: 1, malformed: reasonHelloALPN},
		{name: "ALPN name length past the list",
			b:  helloRecord(t, fixedFields+" 0008  0010 0004 0002 ff 68"),
			ok: true, need: 9 + 51, malformed: reasonHelloALPN},
		{name: "ALPN with nine names keeps eight",
			b:  helloRecord(t, fixedFields+" 0018  0010 0014 0012"+strings.Repeat(" 01 61", 9)),
			ok: true, need: 9 + 67, alpn: 9},
		{name: "supported_versions of odd length",
			b:  helloRecord(t, fixedFields+" 0008  002b 0004 03 0304 03"),
			ok: true, need: 9 + 51, malformed: reasonHelloVersions},
		{name: "supported_versions list length 255",
			b:  helloRecord(t, fixedFields+" 0007  002b 0003 ff 0304"),
			ok: true, need: 9 + 50, malformed: reasonHelloVersions},
		{name: "supported_versions with ten entries keeps eight",
			b:  helloRecord(t, fixedFields+" 0019  002b 0015 14"+strings.Repeat(" 0304", 10)),
			ok: true, need: 9 + 68, versions: 10},
		{name: "zero-length encrypted_client_hello",
			b:  helloRecord(t, fixedFields+" 0004  fe0d 0000"),
			ok: true, need: 9 + 47, ech: true},
	}
	for _, c := range cases {
		hello, ok, need := parseClientHello(c.b)
		if c.need == -1 && need > len(c.b) {
			need = -1
		}
		if ok != c.ok || need != c.need || hello.malformed != c.malformed || string(hello.sni) != c.sni ||
			hello.alpnCount != c.alpn || hello.versionCount != c.versions || hello.ech != c.ech {
			t.Errorf("%s: got ok %v need %d malformed %q sni %q alpn %d versions %d ech %v\nwant ok %v need %d malformed %q sni %q alpn %d versions %d ech %v",
				c.name, ok, need, hello.malformed, hello.sni, hello.alpnCount, hello.versionCount, hello.ech,
				c.ok, c.need, c.malformed, c.sni, c.alpn, c.versions, c.ech)
		}
		if len(hello.protocols()) > maxHelloALPN || len(hello.supportedVersions()) > maxHelloVersions {
			t.Errorf("%s: %d names, %d versions kept", c.name, len(hello.protocols()), len(hello.supportedVersions()))
		}
		sb := newStreamBuf(1, helloStreamLimit)
		sb.add(1, c.b)
		_, bok, done := sb.hello()
		wantDone := need <= len(c.b)
		if bok != (c.ok || c.buffered) || done != wantDone {
			t.Errorf("%s: streamBuf ok %v done %v, want ok %v done %v", c.name, bok, done, c.ok || c.buffered, wantDone)
		}
	}
}

func TestIsGREASE(t *testing.T) {
	for v := 0; v <= 0xffff; v++ {
		want := v>>8 == v&0xff && v&0x0f == 0x0a
		if isGREASE(uint16(v)) != want {
			t.Errorf("isGREASE(%#04x) = %v", v, !want)
		}
	}
}

// TestClientHelloNoAllocs checks that parsing allocates nothing, nor
// buffering a hello in a streamBuf that is reused.
func TestClientHelloNoAllocs(t *testing.T) {
	var hellos [][]byte
	for _, c := range realHellos {
		hellos = append(hellos, hexBytes(t, c.hex))
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, b := range hellos {
			if _, ok, _ := parseClientHello(b); !ok {
				t.Fatal("not ok")
			}
		}
	})
	if allocs != 0 {
		t.Errorf("parseClientHello: %v allocations per run", allocs)
	}
	b := hellos[mlkemHello]
	sb := newStreamBuf(0, helloStreamLimit)
	sb.add(0, b) // grows the buffer once
	allocs = testing.AllocsPerRun(100, func() {
		sb.reset(5000, helloStreamLimit)
		sb.add(5000, b[:1448])
		if _, _, done := sb.hello(); done {
			t.Fatal("done after one segment")
		}
		sb.add(5000+1448, b[1448:])
		if _, ok, _ := sb.hello(); !ok {
			t.Fatal("not ok")
		}
	})
	if allocs != 0 {
		t.Errorf("streamBuf.hello: %v allocations per run", allocs)
	}
}

// within reports whether s is a subslice of b[:n] or empty.
func within(b, s []byte, n int) bool {
	if len(s) == 0 {
		return true
	}
	off := cap(b) - cap(s)
	return off >= 0 && off+len(s) <= n && &b[:cap(b)][off] == &s[0]
}

// FuzzParseClientHello checks that parseClientHello never panics, that what
// it returns lies in the bytes it was given, and that it agrees with itself
// on prefixes and with streamBuf.
func FuzzParseClientHello(f *testing.F) {
	for _, c := range realHellos {
		b := hexBytes(f, c.hex)
		f.Add(b)
		fr, _ := refragment(b, 3, 40)
		f.Add(fr)
	}
	f.Add(helloRecord(f, fixedFields+" 000e  0000 000a 0008 00 0000  00 0002 6162"))
	f.Add(helloRecord(f, fixedFields+" 000a  0010 0006 0004 02 6832 00"))
	f.Add(hexBytes(f, "16 0301 0004  01 0000fc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		hello, ok, need := parseClientHello(b)
		switch {
		case need < 0:
			t.Fatalf("need %d", need)
		case ok:
			if need > len(b) || hello.records != 1 || hello.alpnCount < len(hello.protocols()) {
				t.Fatalf("ok with need %d of %d, %d records", need, len(b), hello.records)
			}
			if !within(b, hello.sni, need) {
				t.Fatal("sni outside the hello")
			}
			for _, p := range hello.protocols() {
				if len(p) == 0 || !within(b, p, need) {
					t.Fatal("ALPN name empty or outside the hello")
				}
			}
			// The hello depends only on its own bytes.
			h2, ok2, need2 := parseClientHello(b[:need])
			if !ok2 || need2 != need || !bytes.Equal(h2.sni, hello.sni) || h2.alpnCount != hello.alpnCount || h2.versions != hello.versions {
				t.Fatal("the hello alone parses differently")
			}
			if _, ok3, need3 := parseClientHello(b[:need-1]); ok3 || need3 != need {
				t.Fatalf("cut one byte short: ok %v need %d, want need %d", ok3, need3, need)
			}
		case need > 0 && need <= len(b):
			// Complete but in several records: streamBuf joins them.
			cp := bytes.Clone(b)
			sb := newStreamBuf(0, len(cp)+1)
			sb.add(0, cp)
			h, ok, done := sb.hello()
			if !done || ok && (h.records < 2 || !within(sb.data, h.sni, need)) {
				t.Fatalf("several records: done %v ok %v records %d", done, ok, h.records)
			}
		}
		// Fed in two segments, a streamBuf finds the same hello.
		if ok && need <= helloStreamLimit {
			sb := newStreamBuf(100, helloStreamLimit)
			half := len(b) / 2
			sb.add(100+uint32(half), b[half:])
			sb.add(100, b[:half])
			h, ok, done := sb.hello()
			if !done || !ok || !bytes.Equal(h.sni, hello.sni) || h.versions != hello.versions {
				t.Fatalf("streamBuf: done %v ok %v sni %q, want %q", done, ok, h.sni, hello.sni)
			}
		}
	})
}

// helloSNIs finds the ClientHellos in segs as their server names.
func helloSNIs(segs []tcpSegment) []found {
	return scanStreams(segs, helloStreamLimit,
		func(p []byte) (string, bool, bool) {
			hello, ok, need := parseClientHello(p)
			return string(hello.sni), ok, need > 0
		},
		func(sb *streamBuf) (string, bool, bool) {
			hello, ok, done := sb.hello()
			return string(hello.sni), ok, done
		})
}

// TestClientHelloSNIMatchTshark finds the server name of every ClientHello
// in a 7451-packet capture of browsing over TLS, IPv4 and IPv6: 323 hellos
// on 335 connections, 164 distinct names, in the frames where tshark shows
// them. The same scan agrees with tshark 4.0.17 (-Y 'tls.handshake.type==1
// && tcp') on every other capture in ../shared/captures that has hellos
// over TCP: mixed_lan_vlan_tls_http_2010_2015.pcap (20),
// http_browsing_dns_2013.pcap (2), linux_sll2_tls_sni.pcap (1) and
// pcapng_two_linktypes_eth_sll.pcapng (1, without server_name). The QUIC
// captures' hellos are encrypted; parseClientHello does not read QUIC.
func TestClientHelloSNIMatchTshark(t *testing.T) {
	segs := readTCPSegments(t, "../../shared/captures/tls_browsing_sni_ipv4_ipv6.pcap")
	got := helloSNIs(segs)
	want := readTsharkList(t, "sni_tls_browsing.txt")
	distinct := map[string]bool{}
	for _, f := range want {
		distinct[f.text] = true
	}
	if len(want) != 323 || len(distinct) != 164 {
		t.Fatalf("tshark list has %d hellos, %d names", len(want), len(distinct))
	}
	compareFound(t, got, want)
}

// TestClientHelloSNILinuxSLL2 reads the one hello of a Linux cooked (SLL2)
// capture; tshark: frame 4, zeek.org.
func TestClientHelloSNILinuxSLL2(t *testing.T) {
	got := helloSNIs(readTCPSegments(t, "../testdata/linux_sll2_tls_sni.pcap"))
	want := []found{{4, "zeek.org"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func BenchmarkParseClientHello(b *testing.B) {
	hello := hexBytes(b, realHellos[1].hex) // Chrome, 517 bytes
	b.SetBytes(int64(len(hello)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _ := parseClientHello(hello); !ok {
			b.Fatal("not ok")
		}
	}
}
