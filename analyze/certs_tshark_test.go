package analyze

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tsharkCert is a certificate that tshark found in clear text, with the
// stream, sender and SNI of its flow.
type tsharkCert struct {
	der            []byte
	stream, server string
	leaf           bool
}

// tsharkCerts runs tshark on path: every certificate of a Certificate
// handshake message in a record that is not encrypted (tshark decrypts TLS
// 1.3 when a capture embeds its keys; pcapreport reads only TLS 1.0-1.2
// in clear), and the server name of each TCP stream's ClientHello.
func tsharkCerts(t *testing.T, path string) (certs []tsharkCert, sni map[string]string) {
	t.Helper()
	out, err := exec.Command("tshark", "-n", "-r", path, "-Y", "tcp && (tls.handshake.type == 1 || tls.handshake.certificate)",
		"-T", "fields", "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
		"-e", "tls.record.opaque_type", "-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.certificate").Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit): // tshark exits 2 on a cut-short capture, after its output
		t.Logf("tshark %s: %v", path, err)
	case err != nil:
		t.Fatalf("tshark %s: %v", path, err)
	}
	sni = map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 7 {
			continue
		}
		if f[5] != "" {
			sni[f[0]] = strings.ToLower(f[5])
		}
		if f[6] == "" || f[4] != "" {
			continue
		}
		server := f[1] + ":" + f[3]
		if f[2] != "" {
			server = "[" + f[2] + "]:" + f[3]
		}
		for i, h := range strings.Split(f[6], ",") {
			der, err := hex.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			certs = append(certs, tsharkCert{der: der, stream: f[0], server: server, leaf: i == 0})
		}
	}
	return certs, sni
}

// certExpected is an entry of ../shared/vectors/ja4/expected.json.
type certExpected struct {
	Capture      string  `json:"capture"`
	Stream       int     `json:"stream"`
	Transport    string  `json:"transport"`
	ServerName   *string `json:"server_name"`
	Certificates []struct {
		SubjectCN string `json:"subject_cn"`
		IssuerCN  string `json:"issuer_cn"`
	} `json:"certificates"`
}

// TestCertificatesMatchTshark compares the certificates analyze lists with
// those tshark finds in every capture with TLS 1.0-1.2 certificates in
// ../shared (and the copies in testdata/ja4): the same SHA-256 set, each
// sent as often, by the same servers, for the same server names, with
// the subject and issuer crypto/x509 reads from tshark's bytes; and, for
// the JA4 project's captures, the subject and issuer common names its
// expected.json lists for each stream.
func TestCertificatesMatchTshark(t *testing.T) {
	t.Parallel() // tshark or a long pass: beside the other slow checks
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	paths, _ := filepath.Glob("../testdata/ja4/*.pcap*")
	for _, dir := range []string{"../../shared/captures", "../../shared/vectors/ja4"} {
		ps, _ := filepath.Glob(dir + "/*.pcap*")
		paths = append(paths, ps...)
	}
	if testing.Short() {
		paths = slices.DeleteFunc(paths, func(p string) bool { return !strings.Contains(p, "testdata") })
	}
	var expected []certExpected
	if b, err := os.ReadFile("../../shared/vectors/ja4/expected.json"); err == nil {
		if err := json.Unmarshal(b, &expected); err != nil {
			t.Fatal(err)
		}
	}
	withCerts := 0
	for _, path := range paths {
		want, sni := tsharkCerts(t, path)
		s, err := File(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			if n := s.TLS.Certificates.Seen; n != 0 {
				t.Errorf("%s: %d certificates; tshark: none", path, n)
			}
			continue
		}
		withCerts++
		got := map[string]*Certificate{}
		for i := range s.TLS.Certificates.List {
			c := &s.TLS.Certificates.List[i]
			got[c.SHA256] = c
		}
		type agg struct {
			n              int64
			servers, names []string
			der            []byte
			leaf           bool
		}
		byHash := map[string]*agg{}
		byStream := map[string][]string{}
		for _, w := range want {
			sum := sha256.Sum256(w.der)
			h := hex.EncodeToString(sum[:])
			a := byHash[h]
			if a == nil {
				a = &agg{der: w.der}
				byHash[h] = a
			}
			a.n++
			a.leaf = a.leaf || w.leaf
			if !slices.Contains(a.servers, w.server) {
				a.servers = append(a.servers, w.server)
			}
			if n := sni[w.stream]; n != "" && !slices.Contains(a.names, n) {
				a.names = append(a.names, n)
			}
			byStream[w.stream] = append(byStream[w.stream], h)
		}
		name := filepath.Base(path)
		if int64(len(want)) != s.TLS.Certificates.Seen || len(byHash) != len(got) {
			t.Errorf("%s: %d certificates sent, %d distinct; tshark: %d, %d", name, s.TLS.Certificates.Seen, len(got), len(want), len(byHash))
		}
		for h, a := range byHash {
			c := got[h]
			if c == nil {
				t.Errorf("%s: tshark's certificate %s is missing", name, h)
				continue
			}
			slices.Sort(a.servers)
			slices.Sort(a.names)
			if c.Count != a.n || c.Leaf != a.leaf || !slices.Equal(c.Servers, a.servers) || !slices.Equal(c.ServerNames, a.names) {
				t.Errorf("%s: %s: sent %d leaf %v by %v for %v; tshark: %d %v %v %v", name, h, c.Count, c.Leaf, c.Servers, c.ServerNames, a.n, a.leaf, a.servers, a.names)
			}
			x, err := x509.ParseCertificate(a.der)
			if err != nil {
				t.Errorf("%s: %s: %v", name, h, err)
				continue
			}
			if c.Subject != x.Subject.String() || c.Issuer != x.Issuer.String() || c.NotAfter != formatTime(x.NotAfter.UTC(), 0) {
				t.Errorf("%s: %s: subject %q issuer %q until %s; tshark's bytes: %q %q %s", name, h, c.Subject, c.Issuer, c.NotAfter, x.Subject, x.Issuer, x.NotAfter)
			}
		}
		checked := 0
		for _, e := range expected {
			if e.Capture != name || e.Transport != "tcp" || len(e.Certificates) == 0 {
				continue
			}
			hs := byStream[strconv.Itoa(e.Stream)]
			if len(hs) == 0 {
				continue // TLS 1.3, which tshark decrypted with the capture's keys
			}
			checked++
			if len(hs) != len(e.Certificates) {
				t.Errorf("%s stream %d: %d certificates, expected.json %d", name, e.Stream, len(hs), len(e.Certificates))
				continue
			}
			for i, h := range hs {
				c := got[h]
				if c == nil {
					continue // reported above
				}
				ec := e.Certificates[i]
				if !strings.Contains(c.Subject, "CN="+ec.SubjectCN) || !strings.Contains(c.Issuer, "CN="+ec.IssuerCN) {
					t.Errorf("%s stream %d: certificate %d is %q from %q; expected.json: CN %q from CN %q", name, e.Stream, i, c.Subject, c.Issuer, ec.SubjectCN, ec.IssuerCN)
				}
				if e.ServerName != nil && !slices.Contains(c.ServerNames, *e.ServerName) {
					t.Errorf("%s stream %d: server names %v lack %q", name, e.Stream, c.ServerNames, *e.ServerName)
				}
			}
		}
		t.Logf("%s: %d certificates sent, %d distinct, %d streams checked against expected.json", name, len(want), len(byHash), checked)
	}
	if withCerts == 0 {
		t.Fatal("no capture with certificates")
	}
}
