#!/usr/bin/env bash
# gen.sh regenerates testdata/tshark/*.json: for each capture, counts made by
# tshark (Wireshark), independently of package analyze, that
# analyze/tshark_test.go compares with analyze.File's Summary.
#
# Run it from anywhere (it changes to the repository root):
#
#   testdata/tshark/gen.sh            # every capture
#   testdata/tshark/gen.sh NAME...    # only these captures (file names)
#
# Captures: testdata/*.pcap, testdata/*.pcapng and, when the folder exists,
# the top-level captures of ../shared/captures (*.pcap, *.pcapng, *.pcap.gz;
# tshark reads gzip itself). A shared capture with the same name as one in
# testdata must be byte-identical to it and gets the same JSON file. The
# captures in testdata/malformed are left out on purpose.
#
# Environment: TSHARK (default tshark), SHARED (default ../shared/captures).
# The expected files were made with TShark (Wireshark) 4.0.17. tshark runs
# with an empty configuration directory, so personal preferences cannot change
# the counts, and the few preferences the counts depend on are set explicitly
# to their 4.0 defaults. README.md describes every field of the output.
#
# The output is deterministic: the same captures and tshark give the same bytes.
set -euo pipefail

cd "$(dirname "$0")/../.."
TSHARK=${TSHARK:-tshark}
SHARED=${SHARED:-../shared/captures}
OUT=testdata/tshark

command -v "$TSHARK" >/dev/null || { echo "gen.sh: $TSHARK not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "gen.sh: python3 not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config"
export WIRESHARK_CONFIG_DIR="$tmp/config"

# Preferences the counts depend on, at their Wireshark 4.0 defaults:
# reassemble IP fragments and DNS-over-TCP messages split across segments
# (the JSON marks DNS messages found that way, see README.md), and take the
# IPv4 length from the frame when the total-length field is 0 (TSO).
PREFS=(
	-o ip.defragment:TRUE
	-o ipv6.defragment:TRUE
	-o tcp.desegment_tcp_streams:TRUE
	-o dns.desegment_dns_messages:TRUE
	-o ip.tso_support:TRUE
)

# Fields, in this order; the Python part below indexes them by name.
FIELDS=(
	frame.number
	frame.encap_type
	frame.time_epoch
	_ws.col.Time
	frame.protocols
	ip.src
	ip.dst
	ip.len
	ipv6.src
	ipv6.dst
	ipv6.plen
	udp.srcport
	udp.dstport
	tcp.srcport
	tcp.dstport
	dns.flags.response
	dns.count.queries
	dns.qry.name
	ip.reassembled.length
	ipv6.reassembled.length
	tcp.reassembled.length
)

# Every occurrence of a field is printed, joined by the unit separator
# (0x1f), which cannot occur in the values tshark prints. -t ud makes the
# Time column show each frame's own timestamp precision (6 or 9 digits).
field_args=()
for f in "${FIELDS[@]}"; do field_args+=(-e "$f"); done

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Collect the captures: name -> path.
declare -A path
names=()
for f in testdata/*.pcap testdata/*.pcapng; do
	[ -f "$f" ] || continue
	n=$(basename "$f")
	path[$n]=$f
	names+=("$n")
done
if [ -d "$SHARED" ]; then
	for f in "$SHARED"/*.pcap "$SHARED"/*.pcapng "$SHARED"/*.pcap.gz; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		if [ -n "${path[$n]:-}" ]; then
			if [ "$(sha256 "$f")" != "$(sha256 "${path[$n]}")" ]; then
				echo "gen.sh: $f differs from ${path[$n]}; give one of them another name" >&2
				exit 1
			fi
			continue
		fi
		path[$n]=$f
		names+=("$n")
	done
else
	echo "gen.sh: $SHARED not found; only testdata captures are done" >&2
fi

if [ $# -gt 0 ]; then
	names=("$@")
fi

version=$("$TSHARK" --version 2>/dev/null | head -1)

for n in "${names[@]}"; do
	f=${path[$n]:-}
	[ -n "$f" ] || { echo "gen.sh: no capture named $n" >&2; exit 1; }
	echo "gen.sh: $f" >&2
	# tshark exits non-zero for a capture that is cut short or corrupt after
	# printing the packets before the problem; its message is kept.
	rc=0
	"$TSHARK" -r "$f" -n "${PREFS[@]}" -t ud -T fields \
		-E header=n -E separator=/t -E occurrence=a -E aggregator=$'\x1f' -E quote=n \
		"${field_args[@]}" >"$tmp/fields" 2>"$tmp/stderr" || rc=$?
	python3 - "$n" "$f" "$(sha256 "$f")" "$version" "$rc" "$tmp/fields" "$tmp/stderr" \
		"${FIELDS[*]}" >"$OUT/$n.json" <<'PYTHON'
import ipaddress
import json
import sys
from decimal import Decimal

name, path, sha, version, rc, fields_file, stderr_file, field_names = sys.argv[1:]
F = {f: i for i, f in enumerate(field_names.split())}
SEP = "\x1f"

# Protocols tshark lists between IPv6 and its transport.
IPV6_EXT = {"ipv6.hopopts", "ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts", "ah"}


def days_to_civil(z):
    """Proleptic Gregorian date of day z since 1970-01-01 (any year)."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def rfc3339(ns, digits):
    """UTC RFC 3339 with exactly digits fractional digits (no rounding
    needed: digits is the capture's precision). Years past 9999 are written
    in full, as Go does."""
    sec, frac = divmod(ns, 10**9)
    days, rem = divmod(sec, 86400)
    y, mo, d = days_to_civil(days)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (y, mo, d, rem // 3600, rem // 60 % 60, rem % 60)
    if digits > 0:
        f = "%09d" % frac
        if f[digits:].strip("0"):
            raise SystemExit("%s: timestamp %d has more than %d digits" % (name, ns, digits))
        s += "." + f[:digits]
    return s + "Z"


def multi(row, field):
    v = row[F[field]]
    return v.split(SEP) if v else []


def first(row, field):
    v = multi(row, field)
    return v[0] if v else ""


def addr_key(a):
    ip = ipaddress.ip_address(a)
    return (ip.version, int(ip))


def dns_name(n):
    """analyze's form: ASCII lower case, no trailing dot, "." for the root."""
    if n == "<Root>":
        return "."
    n = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in n)
    if n.endswith("."):
        n = n[:-1]
    return n or "."


packets = 0
ip_packets = 0
ip_bytes = 0
ip_len_zero = []  # frames whose IPv4 total length is 0 (TSO)
irregular = []  # frames whose fields could not be matched to layers
src, dst = {}, {}
conv = {}
bins = {}
first_ns = last_ns = None
digits = 0
queries, total_queries, responses = {}, 0, 0
special = []  # DNS messages carried in a way analyze does not read
icmp_quoted = 0  # DNS headers quoted in ICMP errors: not messages, not counted
non_packet_records = []  # frames that are pcapng blocks other than packets
untimed = []  # packets without a timestamp
untimed_ip = [0, 0]  # IP packets and bytes among them: in no timeline bin
BIN = 2 * 10**9

with open(fields_file, encoding="utf-8", errors="surrogateescape") as fh:
    for line in fh:
        row = line.rstrip("\n").split("\t")
        if len(row) != len(F):
            raise SystemExit("%s: tshark printed %d fields, want %d: %r" % (name, len(row), len(F), line))
        frame = int(row[F["frame.number"]])
        if not row[F["frame.encap_type"]]:
            # Not a packet: a pcapng block tshark shows as a frame (custom block).
            non_packet_records.append(frame)
            continue
        packets += 1
        ns = None
        if row[F["frame.time_epoch"]]:
            ns = int(Decimal(row[F["frame.time_epoch"]]) * 10**9)
            first_ns = ns if first_ns is None else min(first_ns, ns)
            last_ns = ns if last_ns is None else max(last_ns, ns)
            col = row[F["_ws.col.Time"]]
            if "." in col:
                digits = max(digits, len(col.rsplit(".", 1)[1]))
        else:
            # A pcapng Simple Packet Block has no timestamp.
            untimed.append(frame)

        protos = row[F["frame.protocols"]].split(":")
        outer = next((i for i, p in enumerate(protos) if p in ("ip", "ipv6")), None)
        if outer is None:
            continue
        # The outermost IP header is the first occurrence of its fields.
        if protos.count("ip") != len(multi(row, "ip.src")) or protos.count("ipv6") != len(multi(row, "ipv6.src")):
            irregular.append({"frame": frame, "why": "IP layers and address fields do not pair up"})
        if protos[outer] == "ip":
            s, d, ln = first(row, "ip.src"), first(row, "ip.dst"), first(row, "ip.len")
            if ln == "":
                irregular.append({"frame": frame, "why": "IPv4 without ip.len"})
                continue
            length = int(ln)
            if length == 0:
                ip_len_zero.append(frame)
        else:
            s, d, pl = first(row, "ipv6.src"), first(row, "ipv6.dst"), first(row, "ipv6.plen")
            if pl == "":
                irregular.append({"frame": frame, "why": "IPv6 without ipv6.plen"})
                continue
            length = 40 + int(pl)
        if not s or not d:
            irregular.append({"frame": frame, "why": "outermost IP header without addresses"})
            continue
        ip_packets += 1
        ip_bytes += length
        for m, a in ((src, s), (dst, d)):
            e = m.setdefault(a, [0, 0])
            e[0] += 1
            e[1] += length
        # Conversations: one entry per unordered address pair, A the lower
        # address (IPv4 before IPv6, then numerically), each way counted.
        ka, kb = addr_key(s), addr_key(d)
        a, b, fwd = (s, d, True) if ka <= kb else (d, s, False)
        c = conv.setdefault((min(ka, kb), max(ka, kb), a, b), [0, 0, 0, 0])
        if fwd:
            c[0] += 1
            c[1] += length
        else:
            c[2] += 1
            c[3] += length
        if ns is None:
            untimed_ip[0] += 1
            untimed_ip[1] += length
        else:
            b = bins.setdefault(ns // BIN, [0, 0])
            b[0] += 1
            b[1] += length

        # DNS: every "dns" layer tshark found (mDNS and LLMNR are other
        # protocols, "mdns" and "llmnr"), paired with its fields in order.
        ndns = protos.count("dns")
        if ndns == 0:
            continue
        flags = multi(row, "dns.flags.response")
        counts = multi(row, "dns.count.queries")
        qnames = multi(row, "dns.qry.name")
        if len(flags) != ndns or len(counts) != ndns or sum(int(c) for c in counts) != len(qnames):
            irregular.append({"frame": frame, "why": "DNS layers and fields do not pair up"})
            continue
        ip_reassembled = bool(first(row, "ip.reassembled.length") or first(row, "ipv6.reassembled.length"))
        tcp_reassembled = bool(row[F["tcp.reassembled.length"]])
        nq = 0
        seen_tcp_dns = False
        for k, i in enumerate(j for j, p in enumerate(protos) if p == "dns"):
            qr = flags[k] in ("1", "True")
            qn = int(counts[k])
            qname = dns_name(qnames[nq]) if qn > 0 else None
            nq += qn
            transport = protos[i - 1]
            while transport == "dns":  # several messages in one TCP segment
                i -= 1
                transport = protos[i - 1]
            if transport not in ("udp", "tcp"):
                irregular.append({"frame": frame, "why": "DNS not directly on UDP or TCP"})
                continue
            # The ports of that UDP or TCP layer.
            nth = protos[: i - 1].count(transport)
            ports = multi(row, transport + ".srcport")[nth : nth + 1] + multi(row, transport + ".dstport")[nth : nth + 1]
            if "53" not in ports:
                continue
            # What lies between the outermost IP header and this transport.
            path_between = [p for p in protos[outer + 1 : i - 1] if p not in IPV6_EXT]
            how = ""
            if any(p in ("icmp", "icmpv6") for p in path_between):
                icmp_quoted += 1
                continue
            elif path_between:
                how = "tunnel"
            elif ip_reassembled:
                how = "ip_reassembly"
            elif transport == "tcp" and tcp_reassembled and not seen_tcp_dns:
                # tcp_dissect_pdus hands the reassembled message over first.
                how = "tcp_reassembly"
            if transport == "tcp":
                seen_tcp_dns = True
            if qr:
                responses += 1
            else:
                total_queries += 1
                if qname is not None:
                    queries[qname] = queries.get(qname, 0) + 1
            if how:
                special.append({"frame": frame, "how": how, "response": qr, "name": qname or ""})


def endpoints(m):
    return [{"ip": a, "packets": p, "bytes": b} for a, (p, b) in sorted(m.items(), key=lambda kv: (-kv[1][0], kv[0]))]


if digits == 0 and first_ns is not None:
    raise SystemExit("%s: no fractional digits in the Time column" % name)
timeline = {"sparse": False, "bins": []}
if bins:
    lo, hi = min(bins), max(bins)
    keys = sorted(bins)
    # analyze.MaxBins. Coarser bins (past 4,000 non-empty ones) are not
    # modelled: no reference capture comes near that many.
    if len(bins) > 4000:
        raise SystemExit("%s: %d non-empty bins; analyze would coarsen them" % (name, len(bins)))
    if hi - lo >= 4000:
        timeline["sparse"] = True
    else:
        keys = range(lo, hi + 1)
    timeline["bins"] = [
        {"start": rfc3339(k * BIN, 0), "packets": bins.get(k, [0, 0])[0], "bytes": bins.get(k, [0, 0])[1]} for k in keys
    ]

stderr = []
with open(stderr_file, encoding="utf-8", errors="replace") as fh:
    for line in fh:
        line = line.rstrip("\n")
        if line and "Running as user" not in line:
            stderr.append(line.replace(path, name))

out = {
    "capture": name,
    "sha256": sha,
    "tshark": version,
    "tshark_exit_status": int(rc),
    "tshark_messages": stderr,
    "packets": packets,
    "ip_packets": ip_packets,
    "ip_bytes": ip_bytes,
    "first": rfc3339(first_ns, digits) if first_ns is not None else "",
    "last": rfc3339(last_ns, digits) if first_ns is not None else "",
    "duration_seconds": "%d.%09d" % divmod(last_ns - first_ns, 10**9) if first_ns is not None else "0",
    "time_digits": digits,
    "non_packet_records": non_packet_records,
    "untimed_frames": untimed,
    "untimed_ip": {"packets": untimed_ip[0], "bytes": untimed_ip[1]},
    "ip_len_zero_frames": ip_len_zero,
    "irregular_frames": irregular,
    "sources": endpoints(src),
    "destinations": endpoints(dst),
    "conversations": [
        {"a": a, "b": b, "packets_a_to_b": c[0], "bytes_a_to_b": c[1], "packets_b_to_a": c[2], "bytes_b_to_a": c[3]}
        for (_, _, a, b), c in sorted(conv.items(), key=lambda kv: (-(kv[1][1] + kv[1][3]), kv[0][0], kv[0][1]))
    ],
    "dns_queries": [{"name": k, "count": v} for k, v in sorted(queries.items(), key=lambda kv: (-kv[1], kv[0]))],
    "dns_total_queries": total_queries,
    "dns_responses": responses,
    "dns_special": special,
    "dns_icmp_quoted": icmp_quoted,
    "timeline": timeline,
}
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
PYTHON
done
