#!/bin/sh
# Writes tshark.tsv: for every QUIC ClientHello tshark finds (it decrypts
# client Initials and reassembles their CRYPTO frames), the capture, the
# frame, the server name and the ALPN list. analyze/quic_test.go
# (TestQUICTshark) compares the analysis with it; run from testdata/quic
# with the shared captures beside the repository:
#   sh gen.sh > tshark.tsv
set -e
echo "# tshark $(tshark --version | head -1 | sed 's/^TShark (Wireshark) //')"
echo "# capture	frame	server_name	alpn"
for f in \
	../../../shared/captures/quic_firefox_google.pcap \
	../../../shared/captures/ppp_quic_retry.pcap \
	../../../shared/captures/malformed/quic_handshake_truncated.pcap \
	../../../shared/captures/malformed/quic_32_bit_pointer_overflow.pcap \
	../../../shared/vectors/ja4/chrome-cloudflare-quic-with-secrets.pcapng \
	../../../shared/vectors/ja4/quic-tls-handshake.pcapng \
	../../../shared/vectors/ja4/tls-handshake.pcapng \
	../../../shared/vectors/ja4/tls-sni.pcapng \
	../../../shared/vectors/ja4/tls3.pcapng \
	../../../shared/vectors/ja4/browsers-x509.pcapng \
	../../../shared/vectors/ja4/http2-with-cookies.pcapng \
	../../../shared/vectors/ja4/https-connect.pcap \
	../../../shared/vectors/ja4/ipv6.pcapng \
	../../../shared/vectors/ja4/tls12.pcap; do
	name=$(basename "$f")
	echo "# $name has $(tshark -r "$f" -Y 'quic' 2>/dev/null | wc -l) QUIC packets"
	tshark -r "$f" -Y 'quic && tls.handshake.type==1' -T fields -e frame.number \
		-e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str 2>/dev/null |
		sed "s|^|$name	|"
done
