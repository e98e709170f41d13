package analyze

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// SMTP lists the attachments of the mail messages sent over SMTP
// (smtpobj.go).
type SMTP struct {
	// Messages counts the messages whose sending was seen (after DATA and
	// its 354 reply, or BDAT).
	Messages int64 `json:"messages"`
	// Objects lists the attachments in time order; at most 10,000 and
	// 4 MiB of their texts (file names, senders, recipients, subjects,
	// envelopes).
	Objects      []SMTPObject `json:"objects"`
	ObjectsTotal int64        `json:"objects_total"`
	// ObjectsSkipped counts what the list left out, by reason (see README).
	ObjectsSkipped []Count `json:"objects_skipped"`
}

// SMTPObject is one attachment of a message: a part with a file name or
// "Content-Disposition: attachment", or a part that is not text.
type SMTPObject struct {
	Time       string `json:"time"` // of the 354 reply to DATA, or of the first BDAT
	Client     string `json:"client"`
	ClientPort uint16 `json:"client_port"`
	Server     string `json:"server"`
	ServerPort uint16 `json:"server_port"`
	// From, To and Subject are the message's header fields, encoded words
	// decoded, cut to MaxTargetLen: strings from the capture.
	From    string `json:"from"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	// Filename is the part's file name as sent (RFC 2231 and encoded
	// words decoded), cut to MaxTargetLen: never used as a file name.
	Filename     string `json:"filename"`
	DeclaredType string `json:"declared_type"` // the part's Content-Type, without parameters
	// Encoding is the Content-Transfer-Encoding: base64 and
	// quoted-printable are decoded; others are hashed as sent.
	Encoding    string `json:"encoding"`
	Size        int64  `json:"size"` // decoded
	SniffedType string `json:"sniffed_type"`
	Kind        string `json:"kind"` // as HTTPObject.Kind
	SHA256      string `json:"sha256"`
	MD5         string `json:"md5"` // as HTTPObject.MD5
	SHA1        string `json:"sha1"`
	// Incomplete: bytes of the attachment were not in the capture (a gap,
	// the capture ended first), did not decode, or passed 64 MiB; the
	// hashes are of the bytes before.
	Incomplete bool   `json:"incomplete"`
	File       string `json:"file,omitempty"` // name under --extract DIR
	// MailFrom is the reverse-path of the message's transaction (MAIL
	// FROM:<...>), "" for the null path "<>" or when none was seen;
	// RcptTo its forward-paths (RCPT TO:<...>) the server did not refuse,
	// of the first 100 sent; RcptTotal counts all those not refused
	// (smtpobj_env.go). Addresses are cut to 256 bytes with the mark:
	// strings from the capture.
	MailFrom  string   `json:"mail_from"`
	RcptTo    []string `json:"rcpt_to"`
	RcptTotal int64    `json:"rcpt_total"`
}

// summary lists the attachments kept, in time order.
func (o *smtpObjs) summary(digits int) SMTP {
	objs := make([]SMTPObject, len(o.objs))
	for i, r := range o.objs {
		rcpts, total := r.env.accepted()
		from := ""
		if r.env != nil {
			from = r.env.from
		}
		objs[i] = SMTPObject{Time: formatTime(r.t, digits), Client: r.client.String(), ClientPort: r.cport,
			Server: r.server.String(), ServerPort: r.sport, From: r.from, To: r.to, Subject: r.subject,
			Filename: r.name, DeclaredType: r.ctype, Encoding: r.encoding, Size: r.size,
			SniffedType: r.sniffed, Kind: r.kind, SHA256: hex.EncodeToString(r.sha256[:]),
			MD5: weakHex(r.weakHashes, r.md5[:]), SHA1: weakHex(r.weakHashes, r.sha1[:]),
			Incomplete: r.incomplete, File: r.file, MailFrom: from, RcptTo: rcpts, RcptTotal: total}
	}
	sortSMTPObjects(objs)
	c := &o.skipped.parse
	return SMTP{Messages: o.messages, Objects: objs, ObjectsTotal: o.objTotal, ObjectsSkipped: cutCounts(map[string]int64{
		"sessions_given_up":   o.skipped.sessions,
		"sessions_starttls":   o.skipped.starttls,
		"messages_not_parsed": o.skipped.busy,
		"messages_cut":        o.skipped.lost,
		"headers_not_read":    c.header,
		"parts_too_deep":      c.deep,
		"parts_not_read":      c.parts,
		"undecodable":         c.decode,
		"cut_at_64_mib":       c.cut,
		"parses_failed":       c.failed,
		"parts_malformed":     c.malformed,
		"objects_not_written": c.notWritten,
		"objects_not_listed":  o.objTotal - int64(len(o.objs)),
	})}
}

// warning says what the SMTP list left out, or "".
func (o *smtpObjs) warning() string {
	n := o.objTotal - int64(len(o.objs))
	if n == 0 && o.skipped.sessions == 0 && o.skipped.busy == 0 {
		return ""
	}
	return fmt.Sprintf("SMTP: %d attachments not listed (at most %d are kept), %d sessions given up for newer ones (at most %d are followed at once), %d messages not parsed (at most %d at once)",
		n, maxSMTPObjects, o.skipped.sessions, maxSMTPSessions, o.skipped.busy, maxSMTPParsers)
}

// sortSMTPObjects orders attachments by time, then session, stably (the
// parts of a message keep their order): one capture's list and an
// overview's alike.
func sortSMTPObjects(objs []SMTPObject) {
	slices.SortStableFunc(objs, func(a, b SMTPObject) int {
		return cmp.Or(parseSummaryTime(a.Time).Compare(parseSummaryTime(b.Time)), strings.Compare(a.Client, b.Client),
			cmp.Compare(a.ClientPort, b.ClientPort), strings.Compare(a.Server, b.Server), cmp.Compare(a.ServerPort, b.ServerPort))
	})
}

// smtpText is the bytes of an attachment's texts counted against
// maxSMTPTextBytes.
func smtpText(o *SMTPObject) int {
	n := len(o.Filename) + len(o.From) + len(o.To) + len(o.Subject) + len(o.MailFrom)
	for _, r := range o.RcptTo {
		n += len(r)
	}
	return n
}
