// Command pcapreport turns a packet capture (pcap or pcapng) into one
// self-contained HTML report that opens offline in any browser, and
// optionally the same numbers as JSON. See README.md for the manual.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "pcapreport: %v\n", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for usage errors and 1 for everything else.
func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is the whole program, with its standard streams passed in so that
// tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	app := newApp(stdin, stdout, stderr)
	return app.Run(flagsFirst(app, args))
}
