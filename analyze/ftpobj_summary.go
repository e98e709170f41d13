package analyze

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// FTP lists what FTP data connections carried (ftpobj.go).
type FTP struct {
	// Objects lists the transfers in time order; at most 10,000 and 4 MiB
	// of their names.
	Objects      []FTPObject `json:"objects"`
	ObjectsTotal int64       `json:"objects_total"`
	// ObjectsSkipped counts what the list left out, by reason (see README).
	ObjectsSkipped []Count `json:"objects_skipped"`
}

// FTPObject is one transfer over an FTP data connection: a file
// downloaded (RETR) or uploaded (STOR, STOU, APPE), or a directory
// listing (LIST, NLST, MLSD).
type FTPObject struct {
	Time string `json:"time"` // of the command, else of the data connection's first packet
	// Client, Server and their ports are the control connection's.
	Client     string `json:"client"`
	ClientPort uint16 `json:"client_port"`
	Server     string `json:"server"`
	ServerPort uint16 `json:"server_port"`
	// Passive: the server listened for the data connection (PASV, EPSV);
	// else the client did (PORT, EPRT). DataPort is the listening port.
	Passive  bool   `json:"passive"`
	DataPort uint16 `json:"data_port"`
	// Direction is "download" (server to client) or "upload".
	Direction string `json:"direction"`
	// Command is RETR, STOR, STOU, APPE, LIST, NLST or MLSD; "" when the
	// control connection named none.
	Command string `json:"command"`
	// Name is the command's argument as sent, cut to MaxTargetLen: a
	// string from the capture, never used as a file name.
	Name string `json:"name"`
	// Reply is the server's final reply to the command (226...), 0 when
	// none was seen.
	Reply       int    `json:"reply"`
	Size        int64  `json:"size"`
	SniffedType string `json:"sniffed_type"`
	Kind        string `json:"kind"` // as HTTPObject.Kind
	SHA256      string `json:"sha256"`
	MD5         string `json:"md5"` // as HTTPObject.MD5
	SHA1        string `json:"sha1"`
	// Incomplete: bytes of the transfer were not in the capture (a gap,
	// or the capture ended first); the hashes are of the bytes before.
	Incomplete bool   `json:"incomplete"`
	File       string `json:"file,omitempty"` // name under --extract DIR
}

// summary lists the transfers kept, in time order.
func (o *ftpObjs) summary(digits int) FTP {
	o.applyHashes()
	objs := make([]FTPObject, len(o.objs))
	for i, r := range o.objs {
		dir := "download"
		if r.upload {
			dir = "upload"
		}
		objs[i] = FTPObject{Time: formatTime(r.t, digits), Client: r.client.String(), ClientPort: r.cport,
			Server: r.server.String(), ServerPort: r.sport, Passive: r.passive, DataPort: r.dataPort,
			Direction: dir, Command: r.command, Name: r.name, Reply: r.reply, Size: r.size,
			SniffedType: r.sniffed, Kind: r.kind, SHA256: hex.EncodeToString(r.sha256[:]),
			MD5: weakHex(r.weakHashes, r.md5[:]), SHA1: weakHex(r.weakHashes, r.sha1[:]),
			Incomplete: r.incomplete, File: r.file}
	}
	sortFTPObjects(objs)
	return FTP{Objects: objs, ObjectsTotal: o.objTotal, ObjectsSkipped: cutCounts(map[string]int64{
		"control_connections_given_up": o.skipped.ctls,
		"data_connections_given_up":    o.skipped.data,
		"gaps":                         o.skipped.lost,
		"objects_not_written":          o.skipped.notWritten,
		"without_command":              o.skipped.unmatched,
		"objects_not_listed":           o.objTotal - int64(len(o.objs)),
	})}
}

// warning says what the FTP lists left out, or "".
func (o *ftpObjs) warning() string {
	n := o.objTotal - int64(len(o.objs))
	if n == 0 && o.skipped.ctls == 0 && o.skipped.data == 0 {
		return ""
	}
	return fmt.Sprintf("FTP: %d transfers not listed (at most %d are kept), %d control and %d data connections given up for newer ones (at most %d and %d are followed at once)",
		n, maxFTPObjects, o.skipped.ctls, o.skipped.data, maxFTPControl, maxFTPData)
}

// sortFTPObjects orders transfers by time, then control connection,
// stably: one capture's list and an overview's alike.
func sortFTPObjects(objs []FTPObject) {
	slices.SortStableFunc(objs, func(a, b FTPObject) int {
		return cmp.Or(parseSummaryTime(a.Time).Compare(parseSummaryTime(b.Time)), strings.Compare(a.Client, b.Client),
			cmp.Compare(a.ClientPort, b.ClientPort), strings.Compare(a.Server, b.Server), cmp.Compare(a.ServerPort, b.ServerPort))
	})
}
