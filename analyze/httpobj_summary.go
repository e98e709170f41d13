package analyze

import (
	"encoding/hex"
	"fmt"
)

// HTTPTransaction is one HTTP request and the response paired with it
// (in order on its connection), as found in the capture.
type HTTPTransaction struct {
	Time       string `json:"time"` // of the request head's last segment
	Client     string `json:"client"`
	ClientPort uint16 `json:"client_port"`
	Server     string `json:"server"`
	ServerPort uint16 `json:"server_port"`
	Method     string `json:"method"`
	Host       string `json:"host"`   // Host header, cut to MaxNameLen
	Target     string `json:"target"` // request target as sent, cut to MaxTargetLen
	// Status is the response's status code, 0 when no response was seen.
	Status      int    `json:"status"`
	ContentType string `json:"content_type"` // of the response, as declared
	// Size is the response body's length after de-chunking and decoding,
	// -1 without a response.
	Size      int64  `json:"size"`
	Referer   string `json:"referer"`
	UserAgent string `json:"user_agent"`
	// ResponseObject and RequestObject are the indexes in HTTP.Objects of
	// the bodies, -1 for none (or not listed).
	ResponseObject int `json:"response_object"`
	RequestObject  int `json:"request_object"`
}

// HTTPObject is a message body: a response's, or a request's (POST).
type HTTPObject struct {
	Time string `json:"time"` // of the head that started it
	// Transaction is the index in HTTP.Transactions, -1 when not listed.
	Transaction int    `json:"transaction"`
	Request     bool   `json:"request"` // a request body
	Size        int64  `json:"size"`    // bytes after de-chunking and decoding
	WireSize    int64  `json:"wire_size"`
	Encoding    string `json:"content_encoding"`
	ContentType string `json:"content_type"` // as declared
	SniffedType string `json:"sniffed_type"` // from the first bytes
	// Kind is "executable", "archive", "flash" or "document" when the
	// magic bytes (or else the declared type) say so, else "".
	Kind   string `json:"kind"`
	SHA256 string `json:"sha256"`
	// MD5 and SHA1 are computed for executables, archives, documents,
	// Flash and unknown binary data (the files threat-intel services are
	// searched by), else "" (see decideWeak).
	MD5  string `json:"md5"`
	SHA1 string `json:"sha1"`
	// Incomplete: bytes of the body were not in the capture (or a
	// decoder failed); the hashes are of what was.
	Incomplete bool `json:"incomplete"`
	// Truncated: the decoded body passed maxObjectBytes or 100 times its
	// coded size; the hashes are of its first bytes.
	Truncated bool `json:"truncated"`
	// Undecoded: a Content-Encoding not decoded (br, zstd) or too many
	// decoders busy; the hashes are of the bytes as sent.
	Undecoded bool   `json:"undecoded"`
	File      string `json:"file,omitempty"` // name under --extract DIR
}

// transactions lists the transactions and objects kept.
func (o *httpObjs) summary(digits int) (txs []HTTPTransaction, objs []HTTPObject, skipped []Count) {
	o.applyHashes()
	txs = make([]HTTPTransaction, len(o.tx))
	for i, t := range o.tx {
		txs[i] = HTTPTransaction{Time: formatTime(t.t, digits), Client: t.client.String(), ClientPort: t.cport,
			Server: t.server.String(), ServerPort: t.sport, Method: t.method, Host: t.host, Target: t.target,
			Status: t.status, ContentType: t.ctype, Size: t.size, Referer: t.referer, UserAgent: t.agent,
			ResponseObject: int(t.respObj) - 1, RequestObject: int(t.reqObj) - 1}
	}
	objs = make([]HTTPObject, len(o.objs))
	for i, r := range o.objs {
		objs[i] = HTTPObject{Time: formatTime(r.t, digits), Transaction: int(r.tx) - 1, Request: r.request,
			Size: r.size, WireSize: r.wire, Encoding: r.encoding, ContentType: r.ctype, SniffedType: r.sniffed,
			Kind: r.kind, SHA256: hex.EncodeToString(r.sha256[:]), MD5: weakHex(r.weakHashes, r.md5[:]),
			SHA1: weakHex(r.weakHashes, r.sha1[:]), Incomplete: r.incomplete, Truncated: r.truncated,
			Undecoded: r.undecoded, File: r.file}
	}
	txs, objs, _, _ = sortHTTPLists(txs, objs, maxHTTPTransactions, maxTransactionBytes, maxHTTPObjects)
	skipped = cutCounts(map[string]int64{
		"connections_not_followed": o.skipped.conns,
		"directions_lost":          o.skipped.lost,
		"bodies_not_decoded":       o.skipped.decoders,
		"objects_not_written":      o.skipped.notWritten,
		"requests_not_paired":      o.skipped.pendingFull,
		"gaps_skipped":             o.skipped.resynced,
		"transactions_not_listed":  o.txTotal - int64(len(o.tx)),
		"objects_not_listed":       o.objTotal - int64(len(o.objs)),
	})
	return txs, objs, skipped
}

// warning says what the HTTP transaction and object lists left out, or "".
func (o *httpObjs) warning() string {
	tx, ob := o.txTotal-int64(len(o.tx)), o.objTotal-int64(len(o.objs))
	if tx == 0 && ob == 0 && o.skipped.conns == 0 {
		return ""
	}
	return fmt.Sprintf("HTTP: %d transactions and %d objects not listed (at most %d transactions, %d MiB of their text, and %d objects are kept), %d connections not followed (at most %d at once)",
		tx, ob, maxHTTPTransactions, maxTransactionBytes>>20, maxHTTPObjects, o.skipped.conns, maxHTTPConns)
}

// weakHex is an MD5 or SHA-1 in hex, "" when it was not computed.
func weakHex(computed bool, sum []byte) string {
	if !computed {
		return ""
	}
	return hex.EncodeToString(sum)
}
