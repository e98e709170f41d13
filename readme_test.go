package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readmeExample is one "$ go run . ARGS" example of README.md, with the
// output it shows and the exit status an "echo $?" after it shows.
type readmeExample struct {
	line   int
	args   []string
	output []string // the lines shown, up to a "..." that abridges the rest
	status int      // -1: not shown
}

// readmeExamples finds the examples in README.md's code blocks.
func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeExample
	var cur *readmeExample
	inBlock := false
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "```"):
			inBlock = !inBlock
			cur = nil
		case !inBlock:
		case strings.HasPrefix(line, "$ go run . "):
			out = append(out, readmeExample{line: i + 1, args: strings.Fields(strings.TrimPrefix(line, "$ go run . ")), status: -1})
			cur = &out[len(out)-1]
		case line == "$ echo $?" && cur != nil:
			cur.output = append(cur.output, "$ echo $?")
		case cur == nil:
		case line == "...":
			cur = nil
		default:
			cur.output = append(cur.output, line)
		}
	}
	for i := range out {
		e := &out[i]
		if k := len(e.output); k >= 2 && e.output[k-2] == "$ echo $?" {
			e.status, _ = strconv.Atoi(e.output[k-1])
			e.output = e.output[:k-2]
		}
	}
	return out
}

// TestREADMEExamples runs every "$ go run . ..." example of README.md with
// the real binary, from the repository root, and checks that the output
// shown is the output printed, line for line (up to a "..." where the
// README abridges), and the exit status shown is the one returned.
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	examples := readmeExamples(t)
	if len(examples) < 2 {
		t.Fatalf("found %d examples in README.md, want the report and summary ones at least", len(examples))
	}
	bin := buildCommand(t)
	dir := t.TempDir()
	for _, e := range examples {
		args := make([]string, len(e.args))
		for i, a := range e.args {
			// Outputs go to a temporary folder, not the clone.
			if i > 0 && (e.args[i-1] == "-o" || e.args[i-1] == "--json") && a != "-" {
				a = filepath.Join(dir, a)
			}
			args[i] = a
		}
		cmd := exec.Command(bin, args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		status := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("README.md:%d: %v", e.line, err)
		}
		if e.status >= 0 && status != e.status {
			t.Errorf("README.md:%d: %v exits %d, the README says %d", e.line, e.args, status, e.status)
		}
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		for i, want := range e.output {
			if i >= len(got) || got[i] != want {
				g := "(nothing)"
				if i < len(got) {
					g = got[i]
				}
				t.Errorf("README.md:%d: %v: output line %d is\n\t%s\nthe README shows\n\t%s", e.line, e.args, i+1, g, want)
				break
			}
		}
	}
}
