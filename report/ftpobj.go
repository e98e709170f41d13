package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// ftpObjectsSection lists what FTP data connections carried, with hashes.
func ftpObjectsSection(f analyze.FTP, loc *time.Location, top int) section {
	return section{
		ID: "ftp-files", Title: "FTP transfers",
		Intro: fmt.Sprintf("%s transfers over FTP data connections (files downloaded with RETR or uploaded with STOR, STOU or APPE, "+
			"and directory listings), reassembled from TCP, with their type from the first bytes and their hashes. "+
			"The control connection says what each carried; the name is the command's argument as sent. "+
			"A transfer with bytes missing from the capture is incomplete.", thousands(f.ObjectsTotal)),
		Tables: []*table{ftpObjectTable(f, loc, top)},
	}
}

func ftpObjectTable(f analyze.FTP, loc *time.Location, top int) *table {
	rows := maxObjectRows
	if top == 0 {
		rows = 0
	}
	n := limit(len(f.Objects), rows)
	t := &table{
		Caption: "FTP objects (data connections)",
		Columns: []column{{"Time", false}, {"Client", false}, {"Server", false}, {"Direction", false}, {"Command", false},
			{"Name", false}, {"Reply", true}, {"Size", true}, {"Sniffed type", false}, {"Kind", false}, {"SHA-256", false},
			{"MD5", false}, {"SHA-1", false}, {"State", false}},
		More: listNote(n, len(f.Objects), f.ObjectsTotal, "transfers"),
	}
	for _, o := range f.Objects[:n] {
		reply := cell{Text: "–", Numeric: true}
		if o.Reply != 0 {
			reply = cell{Text: strconv.Itoa(o.Reply), Numeric: true}
		}
		mode := "active, port "
		if o.Passive {
			mode = "passive, port "
		}
		var state []string
		if o.Incomplete {
			state = append(state, "incomplete")
		}
		t.Rows = append(t.Rows, []cell{{Text: showTime(o.Time, loc)},
			{Text: o.Client + ":" + strconv.Itoa(int(o.ClientPort))}, {Text: o.Server + ":" + strconv.Itoa(int(o.ServerPort))},
			{Text: o.Direction, Title: mode + strconv.Itoa(int(o.DataPort))}, {Text: show.Printable(o.Command, 10)},
			{Text: show.Printable(o.Name, 300), Title: show.Printable(o.Name, 0)}, reply, bytesCell(o.Size),
			{Text: show.Printable(o.SniffedType, 80)}, {Text: show.Printable(o.Kind, 20)}, {Text: show.Printable(o.SHA256, 64)},
			{Text: show.Printable(o.MD5, 32)}, {Text: show.Printable(o.SHA1, 40)}, {Text: strings.Join(state, ", ")}})
	}
	return t
}
