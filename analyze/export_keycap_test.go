package analyze

// SetOverviewKeys bounds the heavy-hitter lists of o to n keys (tests of
// package analyze_test: a real overview keeps at least DefaultKeys).
func SetOverviewKeys(o *Overview, n int) { o.keys = n }
