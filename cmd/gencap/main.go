// Command gencap writes a synthetic but realistic packet capture for
// benchmarking pcapreport. The same flags always give a byte-identical file
// (with one Go release: everything random comes from math/rand/v2's PCG,
// seeded from -seed).
//
// Usage:
//
//	go run ./cmd/gencap -size 1GB -o /tmp/x.pcap [-seed 1] [-hosts 5000] [-train 1]
//	    [-cardinality normal|high] [-days N] [-rate 100000]
//	go run ./cmd/gencap -mode beacon [-period 60s] [-jitter 0.05|exp] [-duration 1h] -o /tmp/b.pcap
//	go run ./cmd/gencap -mode dga [-dga-names 300] [-dga-spread 1m] [-dga-normal 0] [-duration 1h] -o /tmp/d.pcap
//	go run ./cmd/gencap -mode ftp -o /tmp/ftp.pcap
//
// Sizes take SI suffixes (KB, MB, GB, TB: powers of 1000) or binary ones
// (KiB, MiB, GiB, TiB); the file ends at the last whole packet that fits.
// "-o -" writes the capture to standard output.
//
// The capture is classic pcap (little-endian, microsecond timestamps) of
// Ethernet frames as a switch's mirror port sees them, frames under 60
// bytes padded to 60:
//
//   - -hosts hosts: 85% clients in 10.0.0.0/8 subnets of 200 (each also with
//     an IPv6 ULA address), a third of the subnets 802.1Q-tagged and one in
//     16 QinQ (about 28% and 4% of frames), and 15% Internet servers,
//     dual-stack, each with a DNS name; two internal DNS resolvers. Clients
//     pick servers by a Zipf law.
//   - Sessions, 512 running at once and stepped in random order: DNS lookups
//     (A/AAAA with EDNS, CNAME chains, some NXDOMAIN), HTTPS (TLS 1.3
//     ClientHello with SNI, ServerHello, then encrypted records),
//     HTTP/1.1 (Host header, Content-Length bodies, some uploads), ICMP and
//     ICMPv6 echo, ARP. TCP has handshakes, MSS-sized segments with the
//     timestamp option, delayed ACKs and FIN or RST teardown; transfer sizes
//     are log-normal with a heavy tail of bulk transfers. About 15% of IP
//     sessions are IPv6. Every checksum is correct.
//   - -train N makes each session picked send N packets in a row on average
//     (a geometric number) before the next pick. The default, 1, steps one
//     packet of a random session at a time: almost no TCP or UDP packet
//     follows one of its own conversation, the hardest case for a flow
//     table. Real captures are burstier: in the three largest of
//     ../shared/captures, 64-80% of TCP/UDP packets follow a packet of the
//     same conversation (tshark's stream numbers); -train 3 gives 59-63%.
//   - Timestamps advance by exponential gaps averaging 1/-rate seconds; with
//     -days N they are instead spread evenly over N days from start to end.
//   - -cardinality high adds an attack to a thinner background: 90% of
//     packets are SYN-flood packets and random-subdomain DNS queries ("water
//     torture", a quarter answered NXDOMAIN) from spoofed sources. Attack
//     packet j comes from source j mod 10,000,000 and a query carries name
//     j mod 10,000,000, so sources, conversations and names are all distinct
//     until 10 million attack packets (about 1.3 GB of capture), then cycle.
//   - -mode scan adds two TCP SYN scans to the background, one probe (SYN
//     and its answer) every 10 background packets or so, until done: the
//     first client (10.0.1.10) scans ports 1 to -scan-ports (default 1000)
//     of the second client (10.0.1.11), a vertical scan; the third client
//     (10.0.1.12) probes port 445 of the next -scan-hosts clients (default
//     300), a horizontal scan. Probe i is answered by RST (closed) unless
//     i%20 == 0 (open: SYN-ACK, then the scanner's RST) or i%20 == 1
//     (filtered: no answer). gencap prints the counts when done.
//   - -mode udpscan adds instead a UDP scan of -scan-hosts hosts (four
//     ports each, answered mostly by ICMP port unreachable), a traceroute
//     and a resolver asking 400 servers (see udpscan.go).
//   - -mode beacon writes instead one client calling one server every
//     -period (± -jitter, or at exponential intervals) for -duration, amid
//     background sessions (see beacon.go).
//   - -mode dga writes instead one client looking up -dga-names generated
//     names within -dga-spread, most answered NXDOMAIN, amid background
//     sessions (see dga.go).
//   - -mode ftp writes instead one FTP session that moves files of known
//     content over passive and active data connections (see ftp.go).
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "gencap: %v\n", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	size  int64 // upper bound of the file size in bytes
	out   string
	seed  uint64
	hosts int
	high  bool
	days  float64 // 0: timestamps follow rate
	rate  float64 // average packets per second
	train float64 // average packets in a row from one session
	// -mode scan: ports of the vertical scan, hosts of the horizontal one
	scan                 bool
	scanPorts, scanHosts int
	udpScan              bool // -mode udpscan (udpscan.go)
	// beacon is -mode beacon (beacon.go).
	beacon beaconConfig
	// dga is -mode dga (dga.go).
	dga dgaConfig
}

// run is the whole program; main only reports its error.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gencap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	size := fs.String("size", "64MB", "capture size, e.g. 1MB, 1GB, 10GB (SI) or 512MiB")
	out := fs.String("o", "", "output `file` (- for standard output)")
	seed := fs.Uint64("seed", 1, "random seed")
	hosts := fs.Int("hosts", 5000, "number of hosts (clients and servers) in the background traffic")
	card := fs.String("cardinality", "normal", "normal, or high: add a SYN flood and DNS water torture from 10 million spoofed sources")
	days := fs.Float64("days", 0, "spread the timestamps evenly over `N` days (0: -rate decides)")
	rate := fs.Float64("rate", 100_000, "average packets per second when -days is 0")
	train := fs.Float64("train", 1, "average packets a session sends in a row before another session's packet (1: every packet from a session picked at random)")
	mode := fs.String("mode", "mix", "mix; scan: add a vertical and a horizontal TCP SYN scan (see the package doc); udpscan: add a UDP scan, a traceroute and a resolver (udpscan.go); beacon: one client calls one server every -period for -duration, amid background sessions; dga: one client looks up -dga-names generated names within -dga-spread, mostly NXDOMAIN, amid background sessions; ftp: one FTP session of known files (ftp.go)")
	scanPorts := fs.Int("scan-ports", 1000, "-mode scan: ports of the vertical scan (1 to N)")
	scanHosts := fs.Int("scan-hosts", 300, "-mode scan: hosts of the horizontal scan; -mode udpscan: hosts of the UDP scan")
	period := fs.Duration("period", time.Minute, "-mode beacon: the interval between beacons")
	jitter := fs.String("jitter", "0.05", "-mode beacon: each interval varies uniformly within this fraction of -period, or exp for exponential intervals (no beacon)")
	duration := fs.Duration("duration", time.Hour, "-mode beacon and dga: how long the capture spans")
	dgaNames := fs.Int("dga-names", 300, "-mode dga: generated names the client asks for (a tenth resolve)")
	dgaSpread := fs.Duration("dga-spread", time.Minute, "-mode dga: the time over which the generated names are asked")
	dgaNormal := fs.Int("dga-normal", 0, "-mode dga: ordinary lookups the client makes over -duration")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := config{out: *out, seed: *seed, hosts: *hosts, days: *days, rate: *rate, train: *train,
		scan: *mode == "scan", scanPorts: *scanPorts, scanHosts: *scanHosts, udpScan: *mode == "udpscan"}
	switch {
	case cfg.scan && (cfg.scanPorts < 1 || cfg.scanPorts > 65535):
		return errors.New("-scan-ports must be between 1 and 65535")
	case (cfg.scan || cfg.udpScan) && (cfg.scanHosts < 1 || cfg.scanHosts+3 > int(float64(*hosts)*0.85)-1):
		return errors.New("-scan-hosts must be at least 1 and leave 3 of the clients (85% of -hosts)")
	}
	var err error
	switch *mode {
	case "mix", "scan", "udpscan":
	case "dga":
		if cfg.dga, err = parseDGA(*dgaNames, *dgaSpread, *dgaNormal, *duration); err != nil {
			return err
		}
	case "ftp":
		return runFTP(*out, *seed, stdout, stderr)
	case "beacon":
		cfg.beacon = beaconConfig{on: true, period: *period, duration: *duration}
		if cfg.beacon.jitter, cfg.beacon.exp, err = parseJitter(*jitter); err != nil {
			return err
		}
		if *period < time.Millisecond || *duration <= 0 {
			return errors.New("-period must be at least 1ms and -duration positive")
		}
	default:
		return fmt.Errorf("-mode must be mix, scan, udpscan, beacon, dga or ftp, not %q", *mode)
	}
	if cfg.size, err = parseSize(*size); err != nil {
		return err
	}
	switch *card {
	case "normal":
	case "high":
		cfg.high = true
	default:
		return fmt.Errorf("-cardinality must be normal or high, not %q", *card)
	}
	switch {
	case cfg.out == "":
		return errors.New("-o is required")
	case cfg.size < pcapHeaderLen:
		return fmt.Errorf("-size %s is smaller than a pcap file header", *size)
	case cfg.hosts < 10:
		return errors.New("-hosts must be at least 10")
	case cfg.days < 0 || math.IsNaN(cfg.days) || math.IsInf(cfg.days, 0):
		return errors.New("-days must be a positive number of days")
	case !(cfg.train >= 1 && cfg.train <= 1e6):
		return errors.New("-train must be between 1 and 1000000 packets")
	case cfg.days == 0 && !(cfg.rate > 0 && cfg.rate < 1e12):
		return errors.New("-rate must be a positive number of packets per second")
	}

	w, info := stdout, stdout
	var f *os.File
	if cfg.out == "-" {
		info = stderr
	} else {
		if f, err = os.Create(cfg.out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	start := time.Now()
	g := newGen(cfg, w)
	if err := g.generate(); err != nil {
		return fmt.Errorf("%s: %w", cfg.out, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
	}
	el := time.Since(start)
	fmt.Fprintf(info, "gencap: wrote %d packets, %d bytes to %s in %.1fs (%.0f MB/s)\n",
		g.packets, g.written, cfg.out, el.Seconds(), float64(g.written)/1e6/el.Seconds())
	if cfg.high {
		fmt.Fprintf(info, "gencap: %d attack packets: %d distinct spoofed sources, %d distinct query names\n",
			g.attacks, min(g.attacks, attackUniverse), min(g.attackQueries, attackUniverse))
	}
	if cfg.dga.on {
		g.dga.report(info)
	}
	if cfg.udpScan {
		g.printUDPScan(info)
	}
	if cfg.scan {
		for i, sc := range g.scans {
			fmt.Fprintf(info, "gencap: scan %d: %s probed %d targets: %d rejected, %d no answer, %d open\n",
				i+1, sc.who, sc.probes, sc.rejected, sc.silent, sc.open)
		}
	}
	return nil
}

// parseSize reads "64MB", "1.5GB", "512MiB" or a plain number of bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range []struct {
		suffix string
		mult   float64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
		{"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"t", 1e12}, {"b", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*mult > 1<<62 {
		return 0, fmt.Errorf("bad -size %q: want e.g. 64MB, 1GB or 512MiB", s)
	}
	return int64(v * mult), nil
}

const (
	pcapHeaderLen = 24
	recHeaderLen  = 16
	minFrame      = 60      // Ethernet minimum without FCS; shorter frames are padded
	poolSize      = 1 << 20 // random bytes that payloads are cut from
	activeMax     = 512     // sessions running at once
	// attackUniverse is how many distinct spoofed sources and query names
	// the high-cardinality attack cycles through.
	attackUniverse = 10_000_000
	attackShare    = 0.9 // share of packets that are attack packets in -cardinality high
)

// startTime is the first packet's time: a Monday morning.
var startTime = time.Date(2024, 3, 11, 8, 0, 0, 0, time.UTC).UnixNano()

type mac [6]byte

// vlan is the 802.1Q tagging of a subnet on the mirrored link: none, one
// C-tag, or an 802.1ad S-tag over a C-tag (QinQ).
type vlan struct {
	n            uint8 // number of tags, 0..2
	outer, inner uint16
}

// host is one machine: a client, a server or a resolver.
type host struct {
	mac   mac
	v4    [4]byte
	v6    [16]byte
	tags  vlan
	ttl   uint8  // IPv4 TTL and IPv6 hop limit as seen at the capture point
	name  string // servers: DNS name
	cname string // servers behind a CDN: the canonical name
	win   bool   // clients: Windows (TTL 128, Windows ping payload)
	sub   int    // clients: subnet number
}

// gen is the generator's whole state.
type gen struct {
	cfg     config
	r       *rand.Rand
	w       *bufio.Writer
	written int64 // bytes written, file header included
	packets int64
	full    bool  // the next packet would pass cfg.size
	clock   int64 // Unix nanoseconds of the last packet
	frame   []byte
	pool    []byte // poolSize random bytes plus a copy of the first 4 KiB

	clients   []host
	servers   []host
	resolvers [2]host
	gateway   mac
	zipf      *rand.Zipf

	active []session

	// -cardinality high
	attacks, attackQueries int64
	victimWeb, victimDNS   host
	pendingNX              *attackQuery
	attackKey              uint64

	// -mode scan: the vertical and the horizontal scan's counts; scanAt
	// is the next probe (vertical ones first).
	scans  [2]scanCounts
	scanAt int
	// -mode dga (dga.go)
	dga dgaCounts
	// -mode udpscan: what was sent, and the next probe (udpscan.go).
	udpScan udpScanCounts
	udpAt   int
}

// scanCounts is what one scan of -mode scan sent.
type scanCounts struct {
	who                            string
	probes, rejected, silent, open int
}

// scanEvery: a scan probe is sent once in about this many background steps.
const scanEvery = 10

// scanProbe sends the next probe of -mode scan with its answer (a SYN;
// RST-ACK, nothing, or SYN-ACK then the scanner's RST), and reports
// whether there was one left.
func (g *gen) scanProbe() bool {
	i := g.scanAt
	var t *tcpSession
	var sc *scanCounts
	switch {
	case i < g.cfg.scanPorts:
		t = g.newTCP(&g.clients[0], &g.clients[1], false, uint16(i+1))
		sc = &g.scans[0]
	case i < g.cfg.scanPorts+g.cfg.scanHosts:
		t = g.newTCP(&g.clients[2], &g.clients[3+i-g.cfg.scanPorts], false, 445)
		sc = &g.scans[1]
	default:
		return false
	}
	g.scanAt++
	t.p.sMAC = t.p.cMAC // the same LAN, not through the gateway
	sc.who = fmt.Sprintf("%d.%d.%d.%d", t.p.cIP[0], t.p.cIP[1], t.p.cIP[2], t.p.cIP[3])
	sc.probes++
	t.send(g, sideClient, tcpSYN, optSYN, nil, 0)
	switch i % 20 {
	case 0:
		sc.open++
		t.send(g, sideServer, tcpSYN|tcpACK, optSYN, nil, 0)
		t.send(g, sideClient, tcpRST, optNone, nil, 0)
	case 1:
		sc.silent++
	default:
		sc.rejected++
		t.send(g, sideServer, tcpRST|tcpACK, optNone, nil, 0)
	}
	return true
}

func newGen(cfg config, w io.Writer) *gen {
	g := &gen{
		cfg:   cfg,
		r:     rand.New(rand.NewPCG(cfg.seed, 0x9e3779b97f4a7c15)),
		w:     bufio.NewWriterSize(w, 1<<20),
		clock: startTime,
		frame: make([]byte, 4096),
	}
	g.pool = make([]byte, poolSize+4096)
	for i := 0; i < poolSize; i += 8 {
		binary.LittleEndian.PutUint64(g.pool[i:], g.r.Uint64())
	}
	copy(g.pool[poolSize:], g.pool)
	g.attackKey = g.r.Uint64()
	g.makeHosts()
	return g
}

// generate writes the file header and packets until the size is reached.
func (g *gen) generate() error {
	var h [pcapHeaderLen]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], 0xa1b2c3d4)
	le.PutUint16(h[4:], 2)
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], 262144) // snaplen
	le.PutUint32(h[20:], 1)      // LINKTYPE_ETHERNET
	g.w.Write(h[:])
	g.written = pcapHeaderLen

	if g.cfg.beacon.on {
		g.generateBeacons()
		return g.w.Flush()
	}
	if g.cfg.dga.on {
		g.generateDGA()
		return g.w.Flush()
	}
	g.active = make([]session, activeMax)
	for i := range g.active {
		g.active[i] = g.newSession()
	}
	for !g.full {
		if g.cfg.high && g.r.Float64() < attackShare {
			g.attack()
			continue
		}
		if g.cfg.scan && g.r.IntN(scanEvery) == 0 && g.scanProbe() {
			continue
		}
		if g.cfg.udpScan && g.r.IntN(scanEvery) == 0 && g.udpProbe() {
			continue
		}
		i := g.r.IntN(len(g.active))
		for {
			if !g.active[i].step(g) {
				g.active[i] = g.newSession()
				break
			}
			// The session goes on sending with probability 1-1/train,
			// making trains of train packets on average. (The default
			// draws nothing, so its files stay as they were.)
			if g.cfg.train == 1 || g.full || g.r.Float64()*g.cfg.train < 1 {
				break
			}
		}
	}
	return g.w.Flush()
}

// write appends one frame as a pcap record, padding it to 60 bytes, unless
// it would take the file past its size.
func (g *gen) write(n int) {
	if n < minFrame {
		clear(g.frame[n:minFrame])
		n = minFrame
	}
	rec := int64(recHeaderLen + n)
	if g.written+rec > g.cfg.size {
		g.full = true
		return
	}
	if g.cfg.beacon.on || g.cfg.dga.on {
		// The caller sets the clock.
	} else if g.cfg.days > 0 {
		// Spread evenly: the time is the share of the file written so far.
		t := startTime + int64(g.cfg.days*86400e9*float64(g.written)/float64(g.cfg.size))
		g.clock = max(g.clock, t)
	} else {
		g.clock += int64(g.r.ExpFloat64() * 1e9 / g.cfg.rate)
	}
	var h [recHeaderLen]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], uint32(g.clock/1e9))
	le.PutUint32(h[4:], uint32(g.clock%1e9/1e3))
	le.PutUint32(h[8:], uint32(n))
	le.PutUint32(h[12:], uint32(n))
	g.w.Write(h[:])
	g.w.Write(g.frame[:n])
	g.written += rec
	g.packets++
}

// fillPool copies pool bytes starting at off into dst (at most 4 KiB).
func (g *gen) fillPool(dst []byte, off int64) {
	o := int(uint64(off) % poolSize)
	copy(dst, g.pool[o:o+len(dst)])
}

// Hosts.

var (
	clientOUIs = [][3]byte{{0x3c, 0x22, 0xfb}, {0xf0, 0x18, 0x98}, {0x00, 0x1b, 0x21}, {0xdc, 0xa6, 0x32},
		{0x00, 0x50, 0x56}, {0x8c, 0x85, 0x90}, {0xa4, 0x83, 0xe7}, {0x48, 0x2a, 0xe3}, {0x00, 0x0c, 0x29}}
	words = []string{"acme", "blue", "cloud", "data", "edge", "fast", "global", "home", "info", "jet",
		"king", "lake", "media", "news", "orbit", "pixel", "quant", "river", "shop", "tech", "union",
		"vista", "web", "yard", "zen", "alpha", "bright", "cyber", "delta", "echo", "fusion", "gamma",
		"hyper", "iron", "jade", "kilo", "lumen", "metro", "nova", "omni", "prime", "quick", "rapid",
		"solar", "terra", "ultra", "vector", "wave", "zeta", "north", "south", "green", "red", "gold"}
	tlds     = []string{"com", "com", "com", "com", "net", "net", "org", "io", "de", "co.uk", "fr", "nl", "jp", "com.br"}
	prefixes = []string{"www", "www", "www", "api", "cdn", "static", "img", "login", "mail", "m", "app", "assets", "", ""}
	cdns     = []string{"edgecache.net", "fastcdn.net", "cloudfront-edge.com", "akam-edge.net", "azedge.net"}
	// publicV4 are first octets of addresses servers get: public space only.
	publicV4 = []byte{13, 20, 23, 31, 34, 35, 40, 45, 52, 54, 64, 66, 69, 74, 91, 104, 108, 140, 142, 151,
		157, 162, 185, 188, 192, 198, 199, 204, 208, 212, 216}
)

const clientsPerSubnet = 200

func (g *gen) makeHosts() {
	r := g.r
	g.gateway = mac{0x00, 0x1a, 0xa1, 0x4c, 0x07, 0x01}
	nServers := max(g.cfg.hosts*15/100, 4)
	nClients := g.cfg.hosts - nServers
	g.clients = make([]host, nClients)
	for i := range g.clients {
		c := &g.clients[i]
		oui := clientOUIs[r.IntN(len(clientOUIs))]
		c.mac = mac{oui[0], oui[1], oui[2], byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}
		sub := i/clientsPerSubnet + 1
		c.sub = sub
		c.v4 = [4]byte{10, byte(sub >> 8), byte(sub), byte(10 + i%clientsPerSubnet)}
		c.v6 = ula(uint16(sub))
		binary.BigEndian.PutUint64(c.v6[8:], r.Uint64())
		switch {
		case sub%16 == 7:
			c.tags = vlan{n: 2, outer: 3000, inner: uint16(100 + sub)}
		case sub%3 == 0:
			c.tags = vlan{n: 1, outer: uint16(100 + sub)}
		}
		c.win = r.IntN(3) == 0
		c.ttl = 64
		if c.win {
			c.ttl = 128
		}
	}
	seenV4 := map[[4]byte]bool{}
	seenName := map[string]bool{}
	g.servers = make([]host, nServers)
	for i := range g.servers {
		s := &g.servers[i]
		s.mac = g.gateway
		for {
			s.v4 = [4]byte{publicV4[r.IntN(len(publicV4))], byte(r.Uint32()), byte(r.Uint32()), byte(1 + r.IntN(254))}
			if !seenV4[s.v4] {
				seenV4[s.v4] = true
				break
			}
		}
		s.v6 = [16]byte{0x26, 0x00 + byte(r.IntN(8))}
		binary.BigEndian.PutUint32(s.v6[2:], r.Uint32())
		binary.BigEndian.PutUint64(s.v6[8:], r.Uint64()&0xffff)
		initial := []uint8{64, 64, 128, 255}[r.IntN(4)]
		s.ttl = initial - uint8(6+r.IntN(20))
		for {
			s.name = g.domainName()
			if !seenName[s.name] {
				seenName[s.name] = true
				break
			}
		}
		if r.IntN(4) == 0 {
			s.cname = fmt.Sprintf("e%d.%s", r.IntN(100000), cdns[r.IntN(len(cdns))])
		}
	}
	for i := range g.resolvers {
		d := &g.resolvers[i]
		d.mac = g.gateway
		d.v4 = [4]byte{10, 0, 0, byte(53 + i)}
		d.v6 = ula(0)
		d.v6[15] = byte(0x53 + i)
		d.ttl = 63
	}
	// Server popularity: a Zipf law, as for web sites.
	g.zipf = rand.NewZipf(r, 1.2, 2, uint64(nServers-1))

	g.victimWeb = host{mac: mac{0x00, 0x25, 0x90, 0x11, 0x22, 0x33}, v4: [4]byte{198, 51, 100, 80}, ttl: 64}
	g.victimWeb.v6 = [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x80, 15: 0x80}
	g.victimDNS = host{mac: mac{0x00, 0x25, 0x90, 0x11, 0x22, 0x53}, v4: [4]byte{198, 51, 100, 53}, ttl: 64}
	g.victimDNS.v6 = [16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x53, 15: 0x53}
}

// ula is the site's IPv6 /64 for a subnet: fd8a:1c3e:5b00:<sub>::/64.
func ula(sub uint16) [16]byte {
	a := [16]byte{0xfd, 0x8a, 0x1c, 0x3e, 0x5b, 0x00}
	binary.BigEndian.PutUint16(a[6:], sub)
	return a
}

func (g *gen) domainName() string {
	r := g.r
	var b strings.Builder
	if p := prefixes[r.IntN(len(prefixes))]; p != "" {
		b.WriteString(p)
		b.WriteByte('.')
	}
	b.WriteString(words[r.IntN(len(words))])
	switch r.IntN(3) {
	case 0:
		b.WriteString(words[r.IntN(len(words))])
	case 1:
		b.WriteByte('-')
		b.WriteString(words[r.IntN(len(words))])
	}
	if r.IntN(4) == 0 {
		b.WriteString(strconv.Itoa(r.IntN(100)))
	}
	b.WriteByte('.')
	b.WriteString(tlds[r.IntN(len(tlds))])
	return b.String()
}

// client picks a client, mildly skewed towards the first ones.
func (g *gen) client() *host {
	u := g.r.Float64()
	return &g.clients[int(float64(len(g.clients))*u*u)]
}

func (g *gen) server() *host { return &g.servers[g.zipf.Uint64()] }

// Frames.

// path is the two ends of a session as they appear on the wire: the
// client's side and the server's (the gateway's MAC when routed).
type path struct {
	v6         bool
	tags       vlan
	cMAC, sMAC mac
	cIP, sIP   [16]byte // IPv4 in the first 4 bytes
	cTTL, sTTL uint8
	id         [2]uint16 // next IPv4 identification, client and server
	flow       [2]uint32 // IPv6 flow labels
	noDF       bool      // spoofed packets: no don't-fragment bit
}

func (g *gen) newPath(c, s *host, v6, routed bool) path {
	p := path{v6: v6, tags: c.tags, cMAC: c.mac, sMAC: s.mac, cTTL: c.ttl, sTTL: s.ttl}
	if routed {
		p.sMAC = g.gateway
	}
	if v6 {
		p.cIP, p.sIP = c.v6, s.v6
	} else {
		copy(p.cIP[:], c.v4[:])
		copy(p.sIP[:], s.v4[:])
	}
	p.id = [2]uint16{uint16(g.r.Uint32()), uint16(g.r.Uint32())}
	p.flow = [2]uint32{g.r.Uint32() & 0xfffff, g.r.Uint32() & 0xfffff}
	return p
}

// l4 is the offset of the transport header in frames of p.
func (p *path) l4() int {
	n := 14 + 4*int(p.tags.n) + 20
	if p.v6 {
		n += 20
	}
	return n
}

// putEth writes the Ethernet header and VLAN tags and returns the offset
// of the network header.
func putEth(b []byte, dst, src mac, tags vlan, etype uint16) int {
	be := binary.BigEndian
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	off := 12
	switch tags.n {
	case 1:
		be.PutUint16(b[off:], 0x8100)
		be.PutUint16(b[off+2:], tags.outer)
		off += 4
	case 2:
		be.PutUint16(b[off:], 0x88a8)
		be.PutUint16(b[off+2:], tags.outer)
		be.PutUint16(b[off+4:], 0x8100)
		be.PutUint16(b[off+6:], tags.inner)
		off += 8
	}
	be.PutUint16(b[off:], etype)
	return off + 2
}

// IP protocol numbers.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// sendIP completes and writes the frame whose transport header and payload
// (l4len bytes) the caller put at g.frame[p.l4():].
func (g *gen) sendIP(p *path, fromClient bool, proto uint8, l4len int) {
	b := g.frame
	be := binary.BigEndian
	side := 1
	srcMAC, dstMAC, src, dst, ttl := p.sMAC, p.cMAC, p.sIP[:], p.cIP[:], p.sTTL
	if fromClient {
		side = 0
		srcMAC, dstMAC, src, dst, ttl = p.cMAC, p.sMAC, p.cIP[:], p.sIP[:], p.cTTL
	}
	etype := uint16(0x0800)
	if p.v6 {
		etype = 0x86dd
	}
	l3 := putEth(b, dstMAC, srcMAC, p.tags, etype)
	l4 := p.l4()
	var pseudo uint64
	if p.v6 {
		h := b[l3:l4]
		be.PutUint32(h[0:], 6<<28|p.flow[side])
		be.PutUint16(h[4:], uint16(l4len))
		h[6], h[7] = proto, ttl
		copy(h[8:24], src[:16])
		copy(h[24:40], dst[:16])
		pseudo = sum(h[8:40], uint64(l4len)+uint64(proto))
	} else {
		h := b[l3:l4]
		h[0], h[1] = 0x45, 0
		be.PutUint16(h[2:], uint16(20+l4len))
		be.PutUint16(h[4:], p.id[side])
		p.id[side]++
		be.PutUint16(h[6:], 0x4000) // don't fragment
		if p.noDF {
			be.PutUint16(h[6:], 0)
		}
		h[8], h[9] = ttl, proto
		h[10], h[11] = 0, 0
		copy(h[12:16], src[:4])
		copy(h[16:20], dst[:4])
		be.PutUint16(h[10:], ^fold(sum(h, 0)))
		pseudo = sum(h[12:20], uint64(l4len)+uint64(proto))
	}
	seg := b[l4 : l4+l4len]
	var at int
	switch proto {
	case protoTCP:
		at = 16
	case protoUDP:
		at = 6
	case protoICMP:
		at, pseudo = 2, 0
	case protoICMPv6:
		at = 2
	}
	seg[at], seg[at+1] = 0, 0
	cs := ^fold(sum(seg, pseudo))
	if cs == 0 && proto == protoUDP {
		cs = 0xffff
	}
	be.PutUint16(seg[at:], cs)
	g.write(l4 + l4len)
}

// sum adds b to a ones'-complement accumulator, eight bytes at a time.
func sum(b []byte, acc uint64) uint64 {
	var c uint64
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.BigEndian.Uint64(b), 0)
		acc += c
		b = b[8:]
	}
	if len(b) >= 4 {
		acc, c = bits.Add64(acc, uint64(binary.BigEndian.Uint32(b))<<32, 0)
		acc += c
		b = b[4:]
	}
	if len(b) >= 2 {
		acc, c = bits.Add64(acc, uint64(binary.BigEndian.Uint16(b))<<48, 0)
		acc += c
		b = b[2:]
	}
	if len(b) == 1 {
		acc, c = bits.Add64(acc, uint64(b[0])<<56, 0)
		acc += c
	}
	return acc
}

// fold reduces a 64-bit ones'-complement sum to 16 bits. Words added at
// any 16-bit-aligned position give the same result, since 2^16 ≡ 1.
func fold(acc uint64) uint16 {
	acc = acc>>32 + acc&0xffffffff
	acc = acc>>32 + acc&0xffffffff
	acc = acc>>16 + acc&0xffff
	acc = acc>>16 + acc&0xffff
	acc = acc>>16 + acc&0xffff
	return uint16(acc)
}

// Sessions.

// A session emits one packet per step; step reports whether more follow.
type session interface {
	step(g *gen) (more bool)
}

func (g *gen) newSession() session {
	r := g.r
	v6 := r.Float64() < 0.15
	switch x := r.Float64(); {
	case x < 0.36:
		return g.newDNS(g.client(), v6)
	case x < 0.68:
		return g.newTLS(v6)
	case x < 0.84:
		return g.newHTTP(v6)
	case x < 0.92:
		return g.newICMP(v6)
	default:
		return g.newARP()
	}
}

// transferSize draws a response size: log-normal around 8 KB, with a
// heavy tail of bulk transfers of 2 to 60 MB.
func (g *gen) transferSize() int64 {
	if g.r.Float64() < 0.004 {
		return int64(2e6 * math.Exp(g.r.Float64()*math.Log(30)))
	}
	return int64(min(math.Exp(math.Log(8000)+1.7*g.r.NormFloat64()), 20e6)) + 1
}

// message is one application message of a TCP session: a literal head,
// then body bytes cut from the pool, either opaque or as TLS records.
type message struct {
	fromClient bool
	head       []byte
	body       int64 // opaque: bytes; tls: plaintext bytes in records
	tls        bool
	poolOff    int64
}

// tlsRecordMax is a TLS 1.3 record's largest encrypted payload: 16 KiB of
// data plus the content type and the AEAD tag.
const tlsRecordMax = 16384 + 17

func (m *message) size() int64 {
	n := int64(len(m.head)) + m.body
	if m.tls {
		n += 5 * ((m.body + tlsRecordMax - 1) / tlsRecordMax)
	}
	return n
}

// fill writes the message's bytes from offset off into dst.
func (m *message) fill(g *gen, dst []byte, off int64) {
	for len(dst) > 0 {
		if off < int64(len(m.head)) {
			n := copy(dst, m.head[off:])
			dst, off = dst[n:], off+int64(n)
			continue
		}
		x := off - int64(len(m.head))
		if !m.tls {
			g.fillPool(dst, m.poolOff+x)
			return
		}
		k, rpos := x/(tlsRecordMax+5), x%(tlsRecordMax+5)
		rlen := min(tlsRecordMax, m.body-k*tlsRecordMax)
		var n int
		if rpos < 5 {
			hdr := [5]byte{23, 3, 3, byte(rlen >> 8), byte(rlen)}
			n = copy(dst, hdr[rpos:])
		} else {
			n = int(min(int64(len(dst)), 5+rlen-rpos))
			g.fillPool(dst[:n], m.poolOff+x)
		}
		dst, off = dst[n:], off+int64(n)
	}
}

// TCP flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

const (
	sideClient = 0
	sideServer = 1
)

// tcpSession plays a TCP connection: handshake, messages in turn, teardown.
type tcpSession struct {
	p      path
	port   [2]uint16
	seq    [2]uint32 // next sequence number to send
	tsBase [2]uint32
	tsLast [2]uint32
	win    [2]uint16
	mss    int // payload bytes of a full segment
	msgs   []message
	mi     int   // message being sent
	off    int64 // bytes of msgs[mi] sent
	owe    int   // segments the receiver has not acknowledged
	last   int   // side that sent the last data segment
	phase  uint8
	closer int
	reset  bool
}

func (g *gen) newTCP(c, s *host, v6 bool, port uint16) *tcpSession {
	r := g.r
	t := &tcpSession{
		p:      g.newPath(c, s, v6, true),
		port:   [2]uint16{uint16(32768 + r.IntN(28232)), port},
		seq:    [2]uint32{r.Uint32(), r.Uint32()},
		tsBase: [2]uint32{r.Uint32(), r.Uint32()},
		win:    [2]uint16{uint16(490 + r.IntN(20)), uint16(280 + r.IntN(30))},
		mss:    1448,
		closer: r.IntN(2),
		reset:  r.IntN(20) == 0,
	}
	if v6 {
		t.mss = 1428
	}
	return t
}

// optKind is which TCP options a segment carries.
type optKind uint8

const (
	optNone optKind = iota
	optSYN          // MSS, SACK permitted, timestamps, window scale
	optTS           // timestamps
)

// send writes one segment from side with n bytes of m from t.off.
func (t *tcpSession) send(g *gen, side int, flags uint8, opts optKind, m *message, n int) {
	be := binary.BigEndian
	h := g.frame[t.p.l4():]
	other := 1 - side
	be.PutUint16(h[0:], t.port[side])
	be.PutUint16(h[2:], t.port[other])
	be.PutUint32(h[4:], t.seq[side])
	var ack uint32
	if flags&tcpACK != 0 {
		ack = t.seq[other]
	}
	be.PutUint32(h[8:], ack)
	ts := t.tsBase[side] + uint32(g.clock/1e6)
	hl := 20
	win := t.win[side]
	switch opts {
	case optSYN:
		mss := uint16(1460)
		if t.p.v6 {
			mss = 1440
		}
		o := h[20:40]
		o[0], o[1] = 2, 4
		be.PutUint16(o[2:], mss)
		o[4], o[5] = 4, 2
		o[6], o[7] = 8, 10
		be.PutUint32(o[8:], ts)
		be.PutUint32(o[12:], t.tsLast[other])
		o[16], o[17], o[18], o[19] = 1, 3, 3, 7
		hl = 40
		win = 64240
		if side == sideServer {
			win = 65160
		}
	case optTS:
		o := h[20:32]
		o[0], o[1], o[2], o[3] = 1, 1, 8, 10
		be.PutUint32(o[4:], ts)
		be.PutUint32(o[8:], t.tsLast[other])
		hl = 32
	}
	if opts != optNone {
		t.tsLast[side] = ts
	}
	h[12], h[13] = byte(hl/4)<<4, flags
	be.PutUint16(h[14:], win)
	be.PutUint16(h[18:], 0)
	if n > 0 {
		m.fill(g, h[hl:hl+n], t.off)
	}
	g.sendIP(&t.p, side == sideClient, protoTCP, hl+n)
	t.seq[side] += uint32(n)
	if flags&(tcpSYN|tcpFIN) != 0 {
		t.seq[side]++
	}
}

func (t *tcpSession) step(g *gen) bool {
	switch t.phase {
	case 0:
		t.send(g, sideClient, tcpSYN, optSYN, nil, 0)
	case 1:
		t.send(g, sideServer, tcpSYN|tcpACK, optSYN, nil, 0)
	case 2:
		t.send(g, sideClient, tcpACK, optTS, nil, 0)
	case 3:
		done := t.mi == len(t.msgs)
		if t.owe >= 2 || (done && t.owe > 0) {
			// A delayed ACK every second segment, and one after the last.
			t.send(g, 1-t.last, tcpACK, optTS, nil, 0)
			t.owe = 0
			return true
		}
		if done {
			t.phase = 4
			return t.step(g)
		}
		m := &t.msgs[t.mi]
		side := sideServer
		if m.fromClient {
			side = sideClient
		}
		if side != t.last {
			t.owe = 0 // the reply acknowledges what came before
		}
		size := m.size()
		n := int(min(int64(t.mss), size-t.off))
		flags := uint8(tcpACK)
		if t.off+int64(n) == size {
			flags |= tcpPSH
		}
		t.send(g, side, flags, optTS, m, n)
		t.off += int64(n)
		t.owe++
		t.last = side
		if t.off == size {
			t.mi++
			t.off = 0
		}
		return true
	case 4:
		if t.reset {
			t.send(g, sideClient, tcpRST|tcpACK, optNone, nil, 0)
			return false
		}
		t.send(g, t.closer, tcpFIN|tcpACK, optTS, nil, 0)
	case 5:
		t.send(g, 1-t.closer, tcpFIN|tcpACK, optTS, nil, 0)
	case 6:
		t.send(g, t.closer, tcpACK, optTS, nil, 0)
		return false
	}
	t.phase++
	return true
}

// HTTP.

var (
	paths = []string{"/", "/index.html", "/static/js/app.%x.js", "/static/css/main.%x.css",
		"/images/%d.jpg", "/api/v1/items/%d", "/download/file-%d.bin", "/video/seg-%d.ts", "/favicon.ico"}
	userAgents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
		"curl/8.5.0", "Debian APT-HTTP/1.3 (2.6.1)",
	}
	serverSoftware = []string{"nginx/1.24.0", "Apache/2.4.58 (Ubuntu)", "cloudflare", "Microsoft-IIS/10.0", "AmazonS3"}
)

func (g *gen) newHTTP(v6 bool) *tcpSession {
	r := g.r
	s := g.server()
	t := g.newTCP(g.client(), s, v6, 80)
	ua := userAgents[r.IntN(len(userAgents))]
	for range 1 + r.IntN(4) {
		p := paths[r.IntN(len(paths))]
		if strings.Contains(p, "%") {
			p = fmt.Sprintf(p, r.IntN(1<<20))
		}
		upload := r.IntN(40) == 0
		method, reqBody := "GET", int64(0)
		if upload {
			method, reqBody = "POST", g.transferSize()
		}
		head := fmt.Appendf(nil, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"+
			"Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n",
			method, p, s.name, ua)
		if upload {
			head = fmt.Appendf(head, "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n", reqBody)
		}
		head = append(head, "\r\n"...)
		t.msgs = append(t.msgs, message{fromClient: true, head: head, body: reqBody, poolOff: int64(r.IntN(poolSize))})

		date := time.Unix(0, g.clock).UTC().Format(http.TimeFormat)
		srv := serverSoftware[r.IntN(len(serverSoftware))]
		var resp []byte
		var body int64
		switch x := r.IntN(100); {
		case upload:
			resp = fmt.Appendf(nil, "HTTP/1.1 201 Created\r\nDate: %s\r\nServer: %s\r\nContent-Length: 0\r\n\r\n", date, srv)
		case x < 8:
			resp = fmt.Appendf(nil, "HTTP/1.1 304 Not Modified\r\nDate: %s\r\nServer: %s\r\nETag: \"%x\"\r\n\r\n", date, srv, r.Uint32())
		case x < 12:
			resp = fmt.Appendf(nil, "HTTP/1.1 404 Not Found\r\nDate: %s\r\nServer: %s\r\nContent-Length: 0\r\n\r\n", date, srv)
		default:
			body = g.transferSize()
			resp = fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nDate: %s\r\nServer: %s\r\nContent-Type: application/octet-stream\r\n"+
				"Content-Length: %d\r\nCache-Control: max-age=3600\r\nConnection: keep-alive\r\n\r\n", date, srv, body)
		}
		t.msgs = append(t.msgs, message{head: resp, body: body, poolOff: int64(r.IntN(poolSize))})
	}
	return t
}

// TLS.

func (g *gen) newTLS(v6 bool) *tcpSession {
	r := g.r
	s := g.server()
	t := g.newTCP(g.client(), s, v6, 443)
	sessionID := make([]byte, 32)
	g.fillPool(sessionID, int64(r.IntN(poolSize)))
	t.msgs = append(t.msgs,
		message{fromClient: true, head: g.clientHello(s.name, sessionID)},
		message{head: g.serverHello(sessionID), body: int64(2500 + r.IntN(3500)), tls: true, poolOff: int64(r.IntN(poolSize))},
		message{fromClient: true, head: changeCipherSpec, body: 53, tls: true, poolOff: int64(r.IntN(poolSize))},
	)
	for range 1 + r.IntN(5) {
		t.msgs = append(t.msgs,
			message{fromClient: true, body: int64(90 + r.IntN(600)), tls: true, poolOff: int64(r.IntN(poolSize))},
			message{body: g.transferSize(), tls: true, poolOff: int64(r.IntN(poolSize))})
	}
	return t
}

var changeCipherSpec = []byte{20, 3, 3, 0, 1, 1}

func grease(r *rand.Rand) uint16 {
	v := uint16(r.IntN(16))<<4 | 0x0a
	return v<<8 | v
}

// clientHello builds a Chrome-like TLS 1.3 ClientHello record for name.
func (g *gen) clientHello(name string, sessionID []byte) []byte {
	r := g.r
	be := binary.BigEndian
	b := make([]byte, 0, 600)
	b = append(b, 22, 3, 1, 0, 0) // record; length at 3
	b = append(b, 1, 0, 0, 0)     // handshake; length at 6
	b = append(b, 3, 3)
	b = append(b, g.pool[r.IntN(poolSize):][:32]...) // random
	b = append(b, 32)
	b = append(b, sessionID...)
	suites := []uint16{grease(r), 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
		0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	b = be.AppendUint16(b, uint16(2*len(suites)))
	for _, s := range suites {
		b = be.AppendUint16(b, s)
	}
	b = append(b, 1, 0) // compression: null
	extAt := len(b)
	b = append(b, 0, 0)
	ext := func(typ uint16, data ...byte) {
		b = be.AppendUint16(b, typ)
		b = be.AppendUint16(b, uint16(len(data)))
		b = append(b, data...)
	}
	ext(grease(r))
	sni := be.AppendUint16(nil, uint16(len(name)+3))
	sni = append(sni, 0)
	sni = be.AppendUint16(sni, uint16(len(name)))
	sni = append(sni, name...)
	ext(0x0000, sni...)
	ext(0x0017)
	ext(0xff01, 0)
	gr := grease(r)
	ext(0x000a, 0, 8, byte(gr>>8), byte(gr), 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18)
	ext(0x000b, 1, 0)
	ext(0x0023)
	ext(0x0010, 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1')
	ext(0x0005, 1, 0, 0, 0, 0)
	ext(0x000d, 0, 16, 4, 3, 8, 4, 4, 1, 5, 3, 8, 5, 5, 1, 8, 6, 6, 1)
	ext(0x0012)
	ks := []byte{0, 41, byte(gr >> 8), byte(gr), 0, 1, 0, 0x00, 0x1d, 0, 32}
	ks = append(ks, g.pool[r.IntN(poolSize):][:32]...)
	ext(0x0033, ks...)
	ext(0x002d, 1, 1)
	gv := grease(r)
	ext(0x002b, 6, byte(gv>>8), byte(gv), 3, 4, 3, 3)
	ext(0x001b, 2, 0, 2)
	ext(grease(r), 0)
	// BoringSSL pads ClientHellos to 512 bytes of handshake message.
	if hs := len(b) - 5; hs < 508 {
		ext(0x0015, make([]byte, 508-hs)...)
	}
	be.PutUint16(b[extAt:], uint16(len(b)-extAt-2))
	be.PutUint16(b[3:], uint16(len(b)-5))
	hl := len(b) - 9
	b[6], b[7], b[8] = byte(hl>>16), byte(hl>>8), byte(hl)
	return b
}

// serverHello builds a TLS 1.3 ServerHello record followed by the
// compatibility ChangeCipherSpec record.
func (g *gen) serverHello(sessionID []byte) []byte {
	r := g.r
	be := binary.BigEndian
	b := make([]byte, 0, 140)
	b = append(b, 22, 3, 3, 0, 0, 2, 0, 0, 0, 3, 3)
	b = append(b, g.pool[r.IntN(poolSize):][:32]...)
	b = append(b, 32)
	b = append(b, sessionID...)
	b = append(b, 0x13, 0x01, 0)
	b = append(b, 0, 46, 0, 0x2b, 0, 2, 3, 4, 0, 0x33, 0, 36, 0, 0x1d, 0, 32)
	b = append(b, g.pool[r.IntN(poolSize):][:32]...)
	be.PutUint16(b[3:], uint16(len(b)-5))
	hl := len(b) - 9
	b[6], b[7], b[8] = byte(hl>>16), byte(hl>>8), byte(hl)
	return append(b, changeCipherSpec...)
}

// DNS.

const (
	dnsA     = 1
	dnsCNAME = 5
	dnsAAAA  = 28
)

type dnsQuery struct {
	id    uint16
	sport uint16
	qtype uint16
}

// dnsSession is one or two queries (A, AAAA) from a client to a
// resolver, then their answers.
type dnsSession struct {
	p     path
	srv   *host  // the server whose name is asked; nil for NXDOMAIN
	name  string // the name asked
	q     [2]dnsQuery
	n     int
	phase int
}

func (g *gen) newDNS(c *host, v6 bool) *dnsSession {
	r := g.r
	d := &dnsSession{p: g.newPath(c, &g.resolvers[r.IntN(2)], v6, true)}
	if r.IntN(30) == 0 {
		d.name = g.domainName() // most likely not a server: NXDOMAIN
	} else {
		d.srv = g.server()
		d.name = d.srv.name
	}
	switch x := r.IntN(10); {
	case x < 5:
		d.q[0].qtype, d.q[1].qtype, d.n = dnsA, dnsAAAA, 2
	case x < 8:
		d.q[0].qtype, d.n = dnsA, 1
	default:
		d.q[0].qtype, d.n = dnsAAAA, 1
	}
	for i := range d.n {
		d.q[i].id = uint16(r.Uint32())
		d.q[i].sport = uint16(49152 + r.IntN(16384))
	}
	return d
}

func (d *dnsSession) step(g *gen) bool {
	i := d.phase % d.n
	q := &d.q[i]
	l4 := d.p.l4()
	b := g.frame[l4+8 : l4+8]
	fromClient := d.phase < d.n
	if fromClient {
		b = appendQuery(b, q.id, d.name, q.qtype)
	} else {
		b = appendAnswer(b, q.id, d.name, q.qtype, d.srv, g.r)
	}
	udp(g.frame[l4:], q.sport, 53, fromClient, len(b))
	g.sendIP(&d.p, fromClient, protoUDP, 8+len(b))
	d.phase++
	return d.phase < 2*d.n
}

// udp writes a UDP header for a client port and a server port.
func udp(h []byte, cport, sport uint16, fromClient bool, payload int) {
	be := binary.BigEndian
	if fromClient {
		be.PutUint16(h[0:], cport)
		be.PutUint16(h[2:], sport)
	} else {
		be.PutUint16(h[0:], sport)
		be.PutUint16(h[2:], cport)
	}
	be.PutUint16(h[4:], uint16(8+payload))
}

func appendName(b []byte, name string) []byte {
	for name != "" {
		label, rest, _ := strings.Cut(name, ".")
		b = append(b, byte(len(label)))
		b = append(b, label...)
		name = rest
	}
	return append(b, 0)
}

// ednsOPT is an OPT pseudo-record advertising 1232-byte UDP payloads.
var ednsOPT = []byte{0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}

func appendQuery(b []byte, id uint16, name string, qtype uint16) []byte {
	be := binary.BigEndian
	b = be.AppendUint16(b, id)
	b = append(b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1) // RD; 1 question, 1 additional
	b = appendName(b, name)
	b = be.AppendUint16(b, qtype)
	b = append(b, 0, 1)
	return append(b, ednsOPT...)
}

// appendAnswer builds the response to a query: NXDOMAIN when srv is nil,
// else an optional CNAME and one or two addresses.
func appendAnswer(b []byte, id uint16, name string, qtype uint16, srv *host, r *rand.Rand) []byte {
	be := binary.BigEndian
	start := len(b)
	b = be.AppendUint16(b, id)
	if srv == nil {
		b = append(b, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 1)
		b = appendName(b, name)
		b = be.AppendUint16(b, qtype)
		b = append(b, 0, 1)
		return append(b, ednsOPT...)
	}
	answers := 1
	if srv.cname != "" {
		answers++
	}
	b = append(b, 0x81, 0x80, 0, 1, 0, byte(answers), 0, 0, 0, 1)
	b = appendName(b, name)
	b = be.AppendUint16(b, qtype)
	b = append(b, 0, 1)
	owner := uint16(0xc00c) // the question's name
	ttl := uint32(60 + r.IntN(3600))
	if srv.cname != "" {
		b = append(b, 0xc0, 0x0c, 0, dnsCNAME, 0, 1)
		b = be.AppendUint32(b, ttl)
		n := appendName(nil, srv.cname)
		b = be.AppendUint16(b, uint16(len(n)))
		owner = 0xc000 | uint16(len(b)-start)
		b = append(b, n...)
	}
	b = be.AppendUint16(b, owner)
	b = be.AppendUint16(b, qtype)
	b = append(b, 0, 1)
	b = be.AppendUint32(b, min(ttl, 300))
	if qtype == dnsA {
		b = append(b, 0, 4)
		b = append(b, srv.v4[:]...)
	} else {
		b = append(b, 0, 16)
		b = append(b, srv.v6[:]...)
	}
	return append(b, ednsOPT...)
}

// ICMP.

type icmpSession struct {
	p     path
	id    uint16
	pairs int
	phase int
	win   bool
}

func (g *gen) newICMP(v6 bool) *icmpSession {
	r := g.r
	c := g.client()
	dst, routed := g.server(), true
	if r.IntN(3) == 0 {
		// A neighbour in the same subnet.
		base := (c.sub - 1) * clientsPerSubnet
		dst, routed = &g.clients[min(base+r.IntN(clientsPerSubnet), len(g.clients)-1)], false
	}
	return &icmpSession{p: g.newPath(c, dst, v6, routed), id: uint16(r.Uint32()), pairs: 1 + r.IntN(4), win: c.win}
}

func (s *icmpSession) step(g *gen) bool {
	be := binary.BigEndian
	l4 := s.p.l4()
	h := g.frame[l4:]
	fromClient := s.phase%2 == 0
	var typ uint8
	proto := uint8(protoICMP)
	switch {
	case s.p.v6 && fromClient:
		typ, proto = 128, protoICMPv6
	case s.p.v6:
		typ, proto = 129, protoICMPv6
	case fromClient:
		typ = 8
	}
	h[0], h[1] = typ, 0
	be.PutUint16(h[4:], s.id)
	be.PutUint16(h[6:], uint16(s.phase/2+1))
	n := 8
	if s.win {
		n += copy(h[8:], "abcdefghijklmnopqrstuvwabcdefghi")
	} else {
		be.PutUint64(h[8:], uint64(g.clock/1e3))
		for i := 8; i < 56; i++ {
			h[8+i] = byte(i)
		}
		n += 56
	}
	g.sendIP(&s.p, fromClient, proto, n)
	s.phase++
	return s.phase < 2*s.pairs
}

// ARP.

type arpSession struct {
	c      *host
	target mac
	tip    [4]byte
	phase  int
}

func (g *gen) newARP() *arpSession {
	c := g.client()
	s := &arpSession{c: c, target: g.gateway, tip: c.v4}
	s.tip[3] = 1
	if g.r.IntN(3) == 0 {
		base := (c.sub - 1) * clientsPerSubnet
		o := &g.clients[min(base+g.r.IntN(clientsPerSubnet), len(g.clients)-1)]
		s.target, s.tip = o.mac, o.v4
	}
	return s
}

func (s *arpSession) step(g *gen) bool {
	be := binary.BigEndian
	b := g.frame
	var off int
	if s.phase == 0 {
		off = putEth(b, mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, s.c.mac, s.c.tags, 0x0806)
	} else {
		off = putEth(b, s.c.mac, s.target, s.c.tags, 0x0806)
	}
	a := b[off : off+28]
	be.PutUint16(a[0:], 1)
	be.PutUint16(a[2:], 0x0800)
	a[4], a[5] = 6, 4
	if s.phase == 0 {
		be.PutUint16(a[6:], 1)
		copy(a[8:14], s.c.mac[:])
		copy(a[14:18], s.c.v4[:])
		clear(a[18:24])
		copy(a[24:28], s.tip[:])
	} else {
		be.PutUint16(a[6:], 2)
		copy(a[8:14], s.target[:])
		copy(a[14:18], s.tip[:])
		copy(a[18:24], s.c.mac[:])
		copy(a[24:28], s.c.v4[:])
	}
	g.write(off + 28)
	s.phase++
	return s.phase < 2
}

// The high-cardinality attack.

var victimDomains = []string{"victim-bank.com", "example-shop.net", "target-isp.org"}

type attackQuery struct {
	p     path
	id    uint16
	sport uint16
	name  []byte
	qtype uint16
}

// mix64 is SplitMix64's finaliser: a bijection of uint64.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// perm28 is a bijection of the 28-bit integers.
func perm28(x uint32) uint32 {
	const mask = 1<<28 - 1
	x = (x * 0x2545f49) & mask
	x ^= x >> 13
	x = (x * 0x0c9e3b5) & mask
	x ^= x >> 11
	return x
}

// attackNibbles are the top four bits of spoofed IPv4 sources: 16.0.0.0 to
// 223.255.255.255 without 112/4 (loopback) and 160/4.
var attackNibbles = []uint32{1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13}

// attackSource is the i-th spoofed source; distinct i < 2^28 give distinct
// addresses. About 15% are IPv6.
func (g *gen) attackSource(i uint64) (addr [16]byte, v6 bool) {
	h := mix64(i ^ g.attackKey)
	if h%100 < 15 {
		addr = [16]byte{0x2a, 0x0e, 0x97, 0xc0}
		binary.BigEndian.PutUint64(addr[8:], mix64(i+g.attackKey))
		return addr, true
	}
	v := attackNibbles[i%uint64(len(attackNibbles))]<<28 | perm28(uint32(i))
	binary.BigEndian.PutUint32(addr[:], v)
	return addr, false
}

// attackName is the i-th random subdomain label: base32 of a bijection of
// i, so distinct i give distinct names.
func (g *gen) attackName(b []byte, i uint64) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	h := mix64(i + g.attackKey*3)
	for range 13 {
		b = append(b, alphabet[h&31])
		h >>= 5
	}
	b = append(b, '.')
	return append(b, victimDomains[i%uint64(len(victimDomains))]...)
}

// attack writes one attack packet: an NXDOMAIN answer owed to an earlier
// query, a SYN from a spoofed source, or a water-torture query.
func (g *gen) attack() {
	r := g.r
	if q := g.pendingNX; q != nil {
		g.pendingNX = nil
		l4 := q.p.l4()
		b := appendAnswer(g.frame[l4+8:l4+8], q.id, string(q.name), q.qtype, nil, r)
		udp(g.frame[l4:], q.sport, 53, false, len(b))
		g.sendIP(&q.p, false, protoUDP, 8+len(b))
		return
	}
	i := uint64(g.attacks % attackUniverse)
	g.attacks++
	src, v6 := g.attackSource(i)
	p := path{v6: v6, cMAC: g.gateway, cIP: src, cTTL: uint8(40 + r.IntN(200)), noDF: true}
	p.id[0] = uint16(r.Uint32())
	if r.IntN(2) == 0 {
		p.sMAC, p.sTTL = g.victimWeb.mac, 64
		if v6 {
			p.sIP = g.victimWeb.v6
		} else {
			copy(p.sIP[:], g.victimWeb.v4[:])
		}
		be := binary.BigEndian
		h := g.frame[p.l4():]
		be.PutUint16(h[0:], uint16(1024+r.IntN(64512)))
		be.PutUint16(h[2:], []uint16{80, 443, 443}[r.IntN(3)])
		be.PutUint32(h[4:], r.Uint32())
		be.PutUint32(h[8:], 0)
		h[12], h[13] = 6<<4, tcpSYN
		be.PutUint16(h[14:], []uint16{1024, 2048, 4096, 5840, 64240}[r.IntN(5)])
		be.PutUint16(h[18:], 0)
		h[20], h[21] = 2, 4
		be.PutUint16(h[22:], 1460)
		g.sendIP(&p, true, protoTCP, 24)
		return
	}
	g.attackQueries++
	p.sMAC, p.sTTL = g.victimDNS.mac, 64
	if v6 {
		p.sIP = g.victimDNS.v6
	} else {
		copy(p.sIP[:], g.victimDNS.v4[:])
	}
	q := attackQuery{p: p, id: uint16(r.Uint32()), sport: uint16(1024 + r.IntN(64512)), qtype: dnsA}
	if r.IntN(5) == 0 {
		q.qtype = dnsAAAA
	}
	q.name = g.attackName(make([]byte, 0, 40), i)
	l4 := p.l4()
	b := appendQuery(g.frame[l4+8:l4+8], q.id, string(q.name), q.qtype)
	udp(g.frame[l4:], q.sport, 53, true, len(b))
	g.sendIP(&p, true, protoUDP, 8+len(b))
	if r.IntN(4) == 0 {
		g.pendingNX = &q
	}
}
