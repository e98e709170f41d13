package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// smtpObjectsSection lists the attachments of the mail sent over SMTP,
// with hashes.
func smtpObjectsSection(m analyze.SMTP, loc *time.Location, top int) section {
	return section{
		ID: "smtp-files", Title: "SMTP attachments",
		Intro: fmt.Sprintf("%s attachments in %s messages sent over SMTP (ports 25, 587 and 2525): the parts of each message "+
			"with a file name, marked as attachments, or not text, decoded (base64, quoted-printable), with their type from "+
			"the first bytes and their hashes. Envelope from and to are the transaction's MAIL FROM and the RCPT TO the server "+
			"did not refuse (all sent when its replies are not in the capture; \"<>\" is the null sender of a bounce), "+
			"with their number when more were accepted than listed. Sender, recipient, subject and file name are the "+
			"message's header, as sent. "+
			"Nothing is readable after STARTTLS. An attachment with bytes missing from the capture is incomplete.",
			thousands(m.ObjectsTotal), thousands(m.Messages)),
		Tables: []*table{smtpObjectTable(m, loc, top)},
	}
}

func smtpObjectTable(m analyze.SMTP, loc *time.Location, top int) *table {
	rows := maxObjectRows
	if top == 0 {
		rows = 0
	}
	n := limit(len(m.Objects), rows)
	t := &table{
		Caption: "SMTP objects (attachments)",
		Columns: []column{{"Time", false}, {"Client", false}, {"Server", false}, {"Envelope from", false},
			{"Envelope to", false}, {"From", false}, {"To", false},
			{"Subject", false}, {"File name", false}, {"Declared type", false}, {"Size", true}, {"Sniffed type", false},
			{"Kind", false}, {"SHA-256", false}, {"MD5", false}, {"SHA-1", false}, {"State", false}},
		More: listNote(n, len(m.Objects), m.ObjectsTotal, "attachments"),
	}
	for _, o := range m.Objects[:n] {
		var state []string
		if o.Incomplete {
			state = append(state, "incomplete")
		}
		from, to := envelopeText(o)
		t.Rows = append(t.Rows, []cell{{Text: showTime(o.Time, loc)},
			{Text: o.Client + ":" + strconv.Itoa(int(o.ClientPort))}, {Text: o.Server + ":" + strconv.Itoa(int(o.ServerPort))},
			{Text: show.Printable(from, 100), Title: show.Printable(from, 0)},
			{Text: show.Printable(to, 200), Title: show.Printable(to, 4000)},
			{Text: show.Printable(o.From, 100), Title: show.Printable(o.From, 0)},
			{Text: show.Printable(o.To, 100), Title: show.Printable(o.To, 0)},
			{Text: show.Printable(o.Subject, 150), Title: show.Printable(o.Subject, 0)},
			{Text: show.Printable(o.Filename, 300), Title: show.Printable(o.Filename, 0)},
			{Text: show.Printable(o.DeclaredType, 80), Title: show.Printable(o.Encoding, 40)}, bytesCell(o.Size),
			{Text: show.Printable(o.SniffedType, 80)}, {Text: show.Printable(o.Kind, 20)}, {Text: show.Printable(o.SHA256, 64)},
			{Text: show.Printable(o.MD5, 32)}, {Text: show.Printable(o.SHA1, 40)}, {Text: strings.Join(state, ", ")}})
	}
	return t
}

// envelopeText is an attachment's envelope as shown: the sender in <...>
// ("<>" the null sender), when there is an envelope, and the recipients
// joined, with their number when more were accepted than listed.
func envelopeText(o analyze.SMTPObject) (from, to string) {
	if o.MailFrom != "" || o.RcptTotal > 0 {
		from = "<" + o.MailFrom + ">"
	}
	to = strings.Join(o.RcptTo, ", ")
	if more := o.RcptTotal - int64(len(o.RcptTo)); more > 0 {
		to += fmt.Sprintf(" (%s recipients, %s not listed)", thousands(o.RcptTotal), thousands(more))
	}
	return from, to
}
