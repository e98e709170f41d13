#!/usr/bin/env bash
# flood.sh regenerates testdata/tshark/gencap-20MB-high.txt: tshark's counts
# of the top source addresses and DNS query names of a generated flood
# (go run ./cmd/gencap -size 20MB -cardinality high -seed 1), for
# analyze/flood_test.go, which checks that the heavy-hitter lists keep
# them, each within its stated error, with far fewer keys than the flood has.
#
# The first line is the capture's SHA-256: a change of the generator makes
# the test fail until this is run again. Environment: TSHARK (default tshark).
set -euo pipefail

cd "$(dirname "$0")/../.."
TSHARK=${TSHARK:-tshark}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config"
export WIRESHARK_CONFIG_DIR="$tmp/config"
cap="$tmp/flood.pcap"
go run ./cmd/gencap -size 20MB -cardinality high -seed 1 -o "$cap" >/dev/null

out=testdata/tshark/gencap-20MB-high.txt
{
	echo "sha256 $(sha256sum "$cap" | cut -d' ' -f1)"
	echo "# sources: IP packets by outermost source address, top 40"
	"$TSHARK" -n -r "$cap" -T fields -e ip.src -e ipv6.src -E occurrence=f 2>/dev/null |
		awk 'NF { print $1 }' | sort | uniq -c | sort -k1,1nr -k2,2 >"$tmp/src"
	# (head after the pipeline: with pipefail, a sort cut short by head would fail it)
	head -40 "$tmp/src" | awk '{ print "source", $1, $2 }'
	echo "# dns.queries: DNS queries (QR=0, port 53) by first question name, top 20"
	"$TSHARK" -n -r "$cap" -Y 'dns.flags.response == 0 && (udp.port == 53 || tcp.port == 53)' \
		-T fields -e dns.qry.name -E occurrence=f 2>/dev/null |
		awk 'NF { print tolower($1) }' | sort | uniq -c | sort -k1,1nr -k2,2 >"$tmp/dns"
	head -20 "$tmp/dns" | awk '{ print "query", $1, $2 }'
	echo "# made with $("$TSHARK" --version 2>/dev/null | head -1)"
} >"$out"
echo "wrote $out"
