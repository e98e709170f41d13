// Command pcapreport turns a packet capture (pcap or pcapng) into one
// self-contained HTML report that opens offline in any browser, and
// optionally the same numbers as JSON. See README.md for the manual.
package main

import (
	"io"
	"os"
)

func main() {
	handleSignals(os.Stderr)
	os.Exit(runMain(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// runMain runs the program and prints its error, if any, as one line on
// stderr, prefixed with the program name; it returns the exit status.
func runMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := run(args, stdin, stdout, stderr)
	if err == nil {
		return 0
	}
	printLine(stderr, "pcapreport: %v", err)
	return exitCode(err)
}

// exitCode is 2 for usage errors and 1 for everything else.
func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}
