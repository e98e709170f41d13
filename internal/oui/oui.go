// Package oui names the organisation an IEEE MA-L block (the first three
// bytes of a MAC address, its OUI) is assigned to.
//
// The table is the IEEE Registration Authority's MA-L listing as Debian's
// ieee-data package 20220827.1 ships it (/usr/share/ieee-data/oui.csv,
// fetched from IEEE on 2022-08-27), turned into oui.tsv.gz by gen.go
// (`go generate`). IEEE asserts no copyright in the listing and does not
// restrict its distribution (LICENSE-IEEE, beside this file). Only the
// 24-bit MA-L blocks are in it: an address from a 28-bit MA-M or 36-bit
// MA-S block is named by the MA-L block those belong to (the IEEE
// Registration Authority itself), and an address with the locally
// administered bit set (random MACs of phones, virtual machines) has no
// vendor.
package oui

//go:generate go run gen.go

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sort"
	"strconv"
	"sync"
)

//go:embed oui.tsv.gz
var table []byte

var (
	once    sync.Once
	keys    []uint32
	names   []string
	loadErr error
)

// load unpacks the table, once, on first use (about 1 MB).
func load() {
	r, err := gzip.NewReader(bytes.NewReader(table))
	if err != nil {
		loadErr = err
		return
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		loadErr = err
		return
	}
	n := bytes.Count(raw, []byte{'\n'})
	keys, names = make([]uint32, 0, n), make([]string, 0, n)
	for len(raw) > 0 {
		line, rest, _ := bytes.Cut(raw, []byte{'\n'})
		raw = rest
		hex, name, ok := bytes.Cut(line, []byte{'\t'})
		v, err := strconv.ParseUint(string(hex), 16, 32)
		if !ok || err != nil {
			continue
		}
		keys = append(keys, uint32(v))
		names = append(names, string(name))
	}
}

// Vendor returns the organisation the OUI of mac is assigned to, or ""
// when the table has none or mac is locally administered or a group
// address.
func Vendor(mac [6]byte) string {
	if mac[0]&0x03 != 0 { // group (I/G) or locally administered (U/L) bit
		return ""
	}
	once.Do(load)
	k := uint32(mac[0])<<16 | uint32(mac[1])<<8 | uint32(mac[2])
	i := sort.Search(len(keys), func(i int) bool { return keys[i] >= k })
	if i < len(keys) && keys[i] == k {
		return names[i]
	}
	return ""
}

// Len is the number of OUIs in the table (0 if it failed to load, which
// only a corrupt build can cause).
func Len() int {
	once.Do(load)
	return len(keys)
}
