package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// detectionSection lists what the findings' beacon and credential rules
// rest on: the regular callers (Summary.Beacons) and the cleartext
// credentials. Every string is shown as text.
func detectionSection(s *analyze.Summary, nm namer, loc *time.Location) section {
	sec := section{
		ID: "detections", Title: "Beacons and cleartext credentials",
		Intro: "Clients that opened connections to one destination at regular intervals, scored as RITA scores beacons " +
			"(1 is a perfect beacon; see the README's beacon rule), and user names and secrets sent in the clear " +
			"(FTP, POP3, IMAP, SMTP, HTTP Basic), the secrets masked unless --show-secrets was given.",
	}
	bt := &table{
		Caption: "Beacons (regular connections)",
		Columns: []column{{"Client", false}, {"Destination", false}, {"Connections", true}, {"Period", false},
			{"Jitter", false}, {"Score", true}, {"First", false}, {"Last", false}},
	}
	for _, b := range s.Beacons {
		bt.Rows = append(bt.Rows, []cell{nm.ipCell(b.Client),
			{Text: fmt.Sprintf("%s %s/%d", b.Server, b.Proto, b.Port), Title: nm.all(b.Server)},
			num(b.Connections), {Text: seconds(b.PeriodSeconds)}, {Text: seconds(b.JitterSeconds)},
			{Text: strconv.FormatFloat(b.Score, 'f', 2, 64), Numeric: true},
			{Text: showTime(b.First, loc)}, {Text: showTime(b.Last, loc)}})
	}
	ct := &table{
		Caption: "Cleartext credentials",
		Columns: []column{{"Time", false}, {"Protocol", false}, {"Client", false}, {"Server", false}, {"User", false},
			{"Secret", false}, {"Packet", true}},
	}
	for _, c := range s.Credentials {
		ct.Rows = append(ct.Rows, []cell{{Text: showTime(c.Time, loc)}, {Text: show.Printable(c.Protocol+" "+c.Mechanism, 40)},
			nm.ipCell(c.Client), {Text: show.Printable(c.Server, 60)}, {Text: show.Printable(c.User, 0)},
			{Text: show.Printable(c.Secret, 0)}, num(c.Packet)})
	}
	sec.Tables = []*table{bt, ct}
	return sec
}

// seconds words a number of seconds for a table cell.
func seconds(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) + " s" }
