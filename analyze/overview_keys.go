package analyze

// SetKeys bounds the overview's heavy-hitter lists (sources,
// destinations, IP and transport conversations, DNS query names) to n
// keys, at least DefaultKeys, as NewOverview does for Options.Keys; a
// zero Overview keeps DefaultKeys. It keeps the overview's interval (a
// zero Overview still takes it from the first Summary added), and is
// meant to be called before any Summary is added.
func (o *Overview) SetKeys(n int) {
	if !o.ready {
		o.init()
	}
	o.keys = max(n, DefaultKeys)
}
