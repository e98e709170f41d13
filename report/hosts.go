package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pcapreport/pcapreport/analyze"
	"github.com/pcapreport/pcapreport/internal/show"
)

// hostsSection is the host inventory (analyze.Summary.Hosts): one row per
// address, busiest first. Every string but the addresses and numbers is
// the capture's (names) or the OUI registry's (vendors): shown as text.
func hostsSection(hs analyze.Hosts, loc *time.Location, top int) section {
	n := limit(len(hs.List), top)
	sec := section{
		ID: "hosts", Title: "Hosts",
		Intro: fmt.Sprintf("%s IP addresses, by bytes sent and received. MACs are the Ethernet source addresses of the frames an address sent "+
			"(an address behind a router has the router's MAC), with the vendor the IEEE registry names; "+
			"the OS hint is a guess from the highest TTL seen (initial TTL 64, 128 or 255), not an identification; "+
			"services are the TCP ports it answered a SYN on and the UDP ports it replied from.", thousands(hs.Total)),
	}
	if hs.Truncated {
		sec.Notes = append(sec.Notes, "Some MACs or services were not kept: more than 50,000 addresses, 8 MACs or 64 services for one address, or 100,000 services in all.")
	}
	t := &table{
		Caption: "Hosts by bytes sent and received",
		Columns: []column{{"#", true}, {"IP address", false}, {"Names seen in the capture", false}, {"MACs (vendor)", false},
			{"OS hint (TTL)", false}, {"Services", false}, {"Packets sent", true}, {"Bytes sent", true},
			{"Packets received", true}, {"Bytes received", true}, {"Peers", true}, {"First", false}, {"Last", false}},
		More: moreNote(n, len(hs.List), "hosts"),
	}
	if len(hs.List) < int(hs.Total) && n == len(hs.List) {
		t.More = fmt.Sprintf("Showing the busiest %s of %s addresses (the JSON lists %s).", thousands(int64(n)), thousands(hs.Total), thousands(int64(len(hs.List))))
	}
	for i, h := range hs.List[:n] {
		names := make([]string, len(h.Names))
		for j, x := range h.Names {
			names[j] = show.Printable(x, 0)
		}
		shownNames := names[:min(len(names), 3)]
		nameText := strings.Join(shownNames, ", ")
		if len(names) > 3 {
			nameText += fmt.Sprintf(" +%d more", len(names)-3)
		}
		macs := make([]string, len(h.MACs))
		for j, m := range h.MACs {
			macs[j] = m.MAC
			if m.Vendor != "" {
				macs[j] += " (" + show.Printable(m.Vendor, 60) + ")"
			}
		}
		hint := ""
		if h.TTL > 0 {
			hint = fmt.Sprintf("%s (TTL %d, initial %d)", h.OSHint, h.TTL, h.InitialTTL)
		}
		services := make([]string, len(h.Services))
		for j, s := range h.Services {
			services[j] = s.Proto + "/" + strconv.Itoa(int(s.Port))
			if s.Name != "" {
				services[j] += " " + s.Name
			}
		}
		t.Rows = append(t.Rows, []cell{
			num(int64(i + 1)), {Text: show.Printable(h.IP, 60)}, {Text: show.Printable(nameText, 200), Title: strings.Join(names, ", ")},
			{Text: strings.Join(macs, ", ")}, {Text: hint}, {Text: strings.Join(services, ", ")},
			num(h.PacketsSent), bytesCell(h.BytesSent), num(h.PacketsReceived), bytesCell(h.BytesReceived), num(h.Peers),
			{Text: showTime(h.First, loc)}, {Text: showTime(h.Last, loc)},
		})
	}
	sec.Tables = append(sec.Tables, t)
	return sec
}
