package analyze

import (
	"strconv"
	"strings"
	"testing"
)

// TestOverviewKeepsRequestBounds merges 40 Summaries of 1,000 distinct
// requests with 2 KiB targets each (about 84 MB of text): the overview
// keeps what one capture may, 16 MiB of request text, says it left some
// out, and keeps its hosts to maxDistinctNames.
func TestOverviewKeepsRequestBounds(t *testing.T) {
	o := NewOverview(Options{})
	var total int64
	for c := range 40 {
		s := &Summary{}
		s.Capture = Capture{Path: "c" + strconv.Itoa(c) + ".pcap", SHA256: strings.Repeat("0", 63) + strconv.Itoa(c%10), Captures: 1}
		for i := range 1000 {
			tag := strconv.Itoa(c*1000 + i)
			r := HTTPRequest{Method: "GET", Host: "h" + tag + ".example", Path: "/" + tag + strings.Repeat("p", MaxTargetLen), Count: 1,
				Clients: []IPCount{{"10.0.0.1", 1}}, ClientsTotal: 1}
			r.URL = requestURL(r.Host, r.Path)
			s.HTTP.Requests = append(s.HTTP.Requests, r)
			s.HTTP.Hosts = append(s.HTTP.Hosts, Count{r.Host, 1})
		}
		s.HTTP.TotalRequests = 1000
		total += 1000
		if err := o.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	m := o.Summary()
	var text int64
	for _, r := range m.HTTP.Requests {
		text += int64(len(r.Method) + len(r.Host) + len(r.Path))
	}
	if !m.HTTP.RequestsTruncated || text > maxRequestBytes || text < maxRequestBytes-4096 || m.HTTP.TotalRequests != total {
		t.Errorf("%d requests, %d bytes of text, truncated %v, total %d; want at most %d bytes, truncated, total %d",
			len(m.HTTP.Requests), text, m.HTTP.RequestsTruncated, m.HTTP.TotalRequests, maxRequestBytes, total)
	}
	if len(m.HTTP.Hosts) != maxDistinctNames {
		t.Errorf("%d hosts, want %d", len(m.HTTP.Hosts), maxDistinctNames)
	}
}
