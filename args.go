package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// flagsFirst lets flags follow the capture argument, as in
// "pcapreport report x.pcap -o x.html". urfave/cli v2 stops reading flags
// at the first argument that is not one, so the command's flags (with
// their values) are moved in front of its arguments. "--" ends the flags,
// and "-" alone is an argument (standard input).
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	var cmd *cli.Command
	i := 1
	for ; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			cmd = app.Command(args[i])
			break
		}
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	out := append([]string{}, args[:i+1]...)
	var positional []string
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		switch {
		case a == "--":
			positional = append(positional, rest[j+1:]...)
			j = len(rest)
		case a == "-" || !strings.HasPrefix(a, "-"):
			positional = append(positional, a)
		default:
			out = append(out, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] {
				if j+1 == len(rest) {
					// The last argument is a flag without its value: left
					// last, so that the flag parser says so ("-o needs a
					// value"), rather than take "--" for the value.
					return out
				}
				j++
				out = append(out, rest[j])
			}
		}
	}
	out = append(out, "--")
	return append(out, positional...)
}
