package analyze

import "net/netip"

// dhcpName learns the host name (option 12) a DHCP message gives, for the
// address it is about: the client's address (ciaddr) when it has one, else
// the address it asks for (option 50), else the one the server gives it
// (yiaddr). A message about no address (a first DISCOVER) teaches nothing.
// Called for UDP between ports 67 and 68: once per DHCP message.
func (a *analyzer) dhcpName(b []byte) {
	const fixed = 236 // BOOTP header up to the options' magic cookie
	if len(b) < fixed+4 || b[fixed] != 99 || b[fixed+1] != 130 || b[fixed+2] != 83 || b[fixed+3] != 99 {
		return
	}
	ip := netip.AddrFrom4([4]byte(b[12:16])) // ciaddr
	var requested netip.Addr
	var name []byte
	for o := b[fixed+4:]; len(o) > 0; {
		code := o[0]
		if code == 0 { // pad
			o = o[1:]
			continue
		}
		if code == 255 || len(o) < 2 || len(o) < 2+int(o[1]) { // end, or cut short
			break
		}
		v := o[2 : 2+int(o[1])]
		switch {
		case code == 12:
			name = v
		case code == 50 && len(v) == 4:
			requested = netip.AddrFrom4([4]byte(v))
		}
		o = o[2+int(o[1]):]
	}
	if len(name) == 0 {
		return
	}
	if ip.IsUnspecified() {
		ip = requested
	}
	if !ip.IsValid() || ip.IsUnspecified() {
		ip = netip.AddrFrom4([4]byte(b[16:20])) // yiaddr
	}
	if ip.IsUnspecified() {
		return
	}
	a.names.add(ip, name)
}
