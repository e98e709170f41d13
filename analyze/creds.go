package analyze

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pcapreport/pcapreport/internal/show"
)

// Cleartext credentials: user names and secrets sent in the clear by FTP
// (USER/PASS), POP3 (USER/PASS, AUTH PLAIN/LOGIN), IMAP (LOGIN,
// AUTHENTICATE PLAIN), SMTP (AUTH PLAIN/LOGIN), HTTP (Basic
// Authorization) and, best effort, Telnet (the lines typed after the
// login: and Password: prompts). The commands are read from the client's TCP segments
// to the protocol's well-known port, one line at a time, each segment on
// its own (a command split over segments is missed); a little state per
// connection follows the steps of USER/PASS and AUTH. The secret is
// masked unless Options.ShowSecrets.

// Credential is one user name and secret seen in the clear.
type Credential struct {
	// Protocol is "FTP", "POP3", "IMAP", "SMTP", "HTTP" or "Telnet".
	Protocol string `json:"protocol"`
	// Mechanism is how it was sent: "USER/PASS", "LOGIN", "AUTH PLAIN",
	// "AUTH LOGIN", "Basic" or "login" (Telnet).
	Mechanism string `json:"mechanism"`
	Client    string `json:"client"`
	// Server is the server's address and port, "192.0.2.1:21".
	Server string `json:"server"`
	// User is the user name as sent (cut to MaxCredentialLen, with
	// CutMark).
	User string `json:"user"`
	// Secret is "•••• (N characters)" unless the analysis was asked to
	// show secrets (--show-secrets); then the secret as sent, cut like User.
	Secret string `json:"secret"`
	// Time is when the secret was sent; Packet its packet number.
	Time   string `json:"time"`
	Packet int64  `json:"packet"`
}

const (
	// MaxCredentials bounds Summary.Credentials; maxCredPending the
	// connections followed between a USER and its PASS (or an AUTH and
	// its lines).
	MaxCredentials = 1000
	maxCredPending = 4096
	// MaxCredentialLen bounds a user name or secret kept.
	MaxCredentialLen = 128
)

// credConn is a connection between steps of a login.
type credConn struct {
	client, server netip.Addr
	cport, sport   uint16
}

type credStep struct {
	stage uint8  // credUser, credAuthPlain, credAuthLoginUser, credAuthLoginPass, credTelnet*
	user  string // the user name, once sent
	typed []byte // Telnet: what the client typed since the prompt (at most MaxCredentialLen+1 bytes)
}

const (
	credUser          = iota + 1 // USER sent, PASS expected
	credAuthPlain                // AUTH PLAIN sent, the response line expected
	credAuthLoginUser            // AUTH LOGIN sent, the user name expected
	credAuthLoginPass            // the user name sent, the password expected
	credTelnetUser               // Telnet: a login prompt seen, the user name being typed
	credTelnetWait               // Telnet: the user name typed, a password prompt expected
	credTelnetPass               // Telnet: a password prompt seen, the password being typed
)

// creds collects credentials.
type creds struct {
	show    bool
	list    []Credential
	total   int64
	pending map[credConn]credStep
	// now and packet are the current packet's time and number, set by
	// the analyzer before a segment is read.
	now      time.Time
	packet   int64
	digits   int
	httpPort uint16 // the current segment's destination port
}

// at sets the current packet's time, number, timestamp digits and
// destination port: what a credential found in it records.
func (c *creds) at(ts time.Time, packet int64, digits int, dport uint16) {
	c.now, c.packet, c.digits, c.httpPort = ts, packet, digits, dport
}

func newCreds(show bool) *creds {
	return &creds{show: show, pending: map[credConn]credStep{}}
}

// credProtocol names the protocol of a well-known server port, "" else.
func credProtocol(port uint16) string {
	switch port {
	case 21:
		return "FTP"
	case 110:
		return "POP3"
	case 143:
		return "IMAP"
	case 25, 587:
		return "SMTP"
	case 23:
		return "Telnet"
	}
	return ""
}

// telnetServer reads the server's output on a Telnet connection to client
// port cport, looking for a login or password prompt.
func (c *creds) telnetServer(client, server netip.Addr, cport uint16, payload []byte) {
	k := credConn{client, server, cport, 23}
	st := c.pending[k]
	tail := payload[max(0, len(payload)-64):]
	switch {
	case containsFold(tail, "password:"):
		if st.stage == credTelnetWait || st.stage == credTelnetUser && len(st.typed) > 0 {
			if st.stage == credTelnetUser {
				st.user = clipCred(st.typed)
			}
			c.wait(k, credStep{stage: credTelnetPass, user: st.user})
		}
	case containsFold(tail, "login:") || containsFold(tail, "username:"):
		c.wait(k, credStep{stage: credTelnetUser})
	}
}

// telnetClient reads what a Telnet client typed (often a character a
// segment) after a prompt: printable bytes, with backspaces applied and
// Telnet commands (IAC ...) skipped, up to the end of the line.
func (c *creds) telnetClient(k credConn, payload []byte) {
	st, ok := c.pending[k]
	if !ok || st.stage != credTelnetUser && st.stage != credTelnetPass {
		return
	}
	for i := 0; i < len(payload); i++ {
		b := payload[i]
		switch {
		case b == 0xff: // IAC: skip the command and its option
			if i+1 < len(payload) && payload[i+1] >= 251 && payload[i+1] <= 254 {
				i += 2
			} else {
				i++
			}
		case b == '\r' || b == '\n':
			if len(st.typed) == 0 {
				continue
			}
			if st.stage == credTelnetUser {
				c.wait(k, credStep{stage: credTelnetWait, user: clipCred(st.typed)})
			} else {
				delete(c.pending, k)
				c.add("Telnet", "login", k, st.user, st.typed)
			}
			return
		case b == 0x7f || b == 0x08:
			if len(st.typed) > 0 {
				st.typed = st.typed[:len(st.typed)-1]
			}
		case b >= 0x20 && len(st.typed) <= MaxCredentialLen:
			st.typed = append(st.typed, b)
		}
	}
	c.pending[k] = st
}

func containsFold(b []byte, s string) bool {
	return bytes.Contains(bytes.ToLower(b), []byte(s))
}

// segment reads one TCP segment's payload from client to server:sport.
func (c *creds) segment(client, server netip.Addr, cport, sport uint16, payload []byte) {
	proto := credProtocol(sport)
	if proto == "" {
		return
	}
	k := credConn{client, server, cport, sport}
	if proto == "Telnet" {
		c.telnetClient(k, payload)
		return
	}
	for len(payload) > 0 {
		line := payload
		if i := bytes.IndexByte(payload, '\n'); i >= 0 {
			line, payload = payload[:i], payload[i+1:]
		} else {
			payload = nil
		}
		c.line(proto, k, bytes.TrimRight(line, "\r"))
	}
}

// line reads one command line of a client.
func (c *creds) line(proto string, k credConn, line []byte) {
	st, pending := c.pending[k]
	if pending {
		delete(c.pending, k)
		switch st.stage {
		case credUser:
			if w, rest := word(line); strings.EqualFold(w, "PASS") {
				c.add(proto, "USER/PASS", k, st.user, rest)
				return
			}
		case credAuthPlain:
			c.authPlain(proto, k, line)
			return
		case credAuthLoginUser:
			if u, ok := b64(line); ok {
				c.wait(k, credStep{stage: credAuthLoginPass, user: clipCred(u)})
			}
			return
		case credAuthLoginPass:
			if p, ok := b64(line); ok {
				c.add(proto, "AUTH LOGIN", k, st.user, p)
			}
			return
		}
	}
	w, rest := word(line)
	if proto == "IMAP" {
		// "tag LOGIN user pass", "tag AUTHENTICATE PLAIN [response]"
		w, rest = word(rest)
		switch {
		case strings.EqualFold(w, "LOGIN"):
			user, rest := imapString(rest)
			pass, _ := imapString(rest)
			if user != nil {
				c.add(proto, "LOGIN", k, clipCred(user), pass)
			}
		case strings.EqualFold(w, "AUTHENTICATE"):
			c.auth(proto, k, rest)
		}
		return
	}
	switch {
	case strings.EqualFold(w, "USER") && (proto == "FTP" || proto == "POP3"):
		c.wait(k, credStep{stage: credUser, user: clipCred(rest)})
	case strings.EqualFold(w, "AUTH") && proto != "FTP":
		c.auth(proto, k, rest)
	}
}

// auth reads "PLAIN [response]" or "LOGIN [user]" after AUTH (SMTP,
// POP3) or AUTHENTICATE (IMAP).
func (c *creds) auth(proto string, k credConn, rest []byte) {
	mech, arg := word(rest)
	switch {
	case strings.EqualFold(mech, "PLAIN"):
		if len(arg) > 0 {
			c.authPlain(proto, k, arg)
		} else {
			c.wait(k, credStep{stage: credAuthPlain})
		}
	case strings.EqualFold(mech, "LOGIN"):
		if u, ok := b64(arg); ok && len(arg) > 0 {
			c.wait(k, credStep{stage: credAuthLoginPass, user: clipCred(u)})
		} else {
			c.wait(k, credStep{stage: credAuthLoginUser})
		}
	}
}

// authPlain reads a SASL PLAIN response: base64 of authzid NUL authcid
// NUL password (RFC 4616).
func (c *creds) authPlain(proto string, k credConn, arg []byte) {
	b, ok := b64(arg)
	if !ok {
		return
	}
	parts := bytes.SplitN(b, []byte{0}, 3)
	if len(parts) != 3 {
		return
	}
	c.add(proto, "AUTH PLAIN", k, clipCred(parts[1]), parts[2])
}

// httpBasic reads an Authorization header's Basic credentials.
func (c *creds) httpBasic(v []byte, client, server netip.Addr) {
	scheme, arg := word(v)
	if !strings.EqualFold(scheme, "Basic") {
		return
	}
	b, ok := b64(arg)
	if !ok {
		return
	}
	user, pass, found := bytes.Cut(b, []byte{':'})
	if !found {
		return
	}
	c.add("HTTP", "Basic", credConn{client: client, server: server, sport: c.httpPort}, clipCred(user), pass)
}

// wait remembers a connection's step, forgetting every one when there are
// too many (a flood of half-done logins).
func (c *creds) wait(k credConn, st credStep) {
	if len(c.pending) >= maxCredPending {
		clear(c.pending)
	}
	c.pending[k] = st
}

// add records a credential.
func (c *creds) add(proto, mech string, k credConn, user string, secret []byte) {
	c.total++
	if len(c.list) >= MaxCredentials {
		return
	}
	cr := Credential{Protocol: proto, Mechanism: mech, Client: k.client.String(),
		Server: netip.AddrPortFrom(k.server, k.sport).String(), User: user, Packet: c.packet}
	if !c.now.IsZero() {
		cr.Time = formatTime(c.now, c.digits)
	}
	if c.show {
		cr.Secret = clipCred(secret)
	} else {
		cr.Secret = MaskSecret(secret)
	}
	c.list = append(c.list, cr)
}

// MaskSecret stands for a secret: "•••• (N characters)".
func MaskSecret(secret []byte) string {
	n := utf8.RuneCount(secret)
	s := "characters"
	if n == 1 {
		s = "character"
	}
	return "•••• (" + strconv.Itoa(n) + " " + s + ")"
}

// summary returns the credentials in the order seen.
func (c *creds) summary() []Credential {
	return append([]Credential{}, c.list...)
}

// word splits off the first space-separated word of b.
func word(b []byte) (string, []byte) {
	b = bytes.TrimLeft(b, " \t")
	i := bytes.IndexAny(b, " \t")
	if i < 0 {
		return string(b[:min(len(b), 16)]), nil
	}
	return string(b[:min(i, 16)]), bytes.TrimLeft(b[i:], " \t")
}

// imapString reads an IMAP astring: an atom or a quoted string (literals,
// {n}, are not followed).
func imapString(b []byte) ([]byte, []byte) {
	b = bytes.TrimLeft(b, " ")
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != '"' {
		i := bytes.IndexByte(b, ' ')
		if i < 0 {
			return b, nil
		}
		return b[:i], b[i+1:]
	}
	var out []byte
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			if i+1 < len(b) {
				i++
				out = append(out, b[i])
			}
		case '"':
			return out, b[i+1:]
		default:
			out = append(out, b[i])
		}
	}
	return out, nil
}

// b64 decodes standard base64 (padded or not); false when it is not.
func b64(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	if len(b) > 4*MaxCredentialLen {
		b = b[:4*MaxCredentialLen]
	}
	out, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		if out, err = base64.RawStdEncoding.DecodeString(string(b)); err != nil {
			return nil, false
		}
	}
	return out, true
}

// clipCred keeps at most MaxCredentialLen bytes of s, marked when cut.
func clipCred(s []byte) string {
	out, _ := appendCut(nil, s, MaxCredentialLen)
	return string(out)
}

// sortCredentials orders credentials by time, then the rest.
func sortCredentials(xs []Credential) {
	slices.SortStableFunc(xs, func(x, y Credential) int {
		return cmp.Or(cmp.Compare(x.Time, y.Time), cmp.Compare(x.Protocol, y.Protocol), cmp.Compare(x.Client, y.Client),
			cmp.Compare(x.Server, y.Server), cmp.Compare(x.User, y.User), cmp.Compare(x.Packet, y.Packet))
	})
}

// credFindings makes one medium finding per protocol, user and server,
// in the order first seen, at most maxFindingsPerRule.
func credFindings(cs []Credential) []Finding {
	type key struct{ proto, user, server string }
	idx := map[key]int{}
	var out []Finding
	for _, c := range cs {
		k := key{c.Protocol, c.User, c.Server}
		if i, ok := idx[k]; ok {
			f := &out[i]
			f.Evidence.Counts[0].Count++
			if len(f.Evidence.Packets) < maxEvidence {
				f.Evidence.Packets = append(f.Evidence.Packets, c.Packet)
			}
			continue
		}
		idx[k] = len(out)
		host := c.Server
		if ap, err := netip.ParseAddrPort(c.Server); err == nil {
			host = ap.Addr().String()
		}
		f := Finding{Rule: "cleartext-credentials", Severity: SeverityMedium, Anchor: "credentials"}
		f.Title = "cleartext credentials for " + strconv.Quote(show.Printable(c.User, 80)) + " sent over " + c.Protocol +
			" (" + c.Mechanism + ") from " + c.Client + " to " + c.Server + "."
		f.Evidence.Hosts = []string{c.Client, host}
		f.Evidence.Names = []string{c.User}
		f.Evidence.Counts = []Count{{"credentials", 1}}
		f.Evidence.Packets = []int64{c.Packet}
		out = append(out, f)
	}
	return capRule(out)
}

// credMerger merges the credentials of Summaries: each one listed once
// (a Summary added twice adds nothing), by time, at most MaxCredentials.
type credMerger struct {
	list []Credential
	seen map[Credential]bool
}

func (m *credMerger) add(cs []Credential) {
	if m.seen == nil {
		m.seen = map[Credential]bool{}
	}
	for _, c := range cs {
		if len(m.list) >= MaxCredentials {
			return
		}
		if !m.seen[c] {
			m.seen[c] = true
			m.list = append(m.list, c)
		}
	}
}

func (m *credMerger) result() []Credential {
	out := append([]Credential{}, m.list...)
	sortCredentials(out)
	return out
}
