package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// mainArgsEnv makes the test binary run the program itself, as main does
// (signal handling included), with these JSON-encoded arguments.
const mainArgsEnv = "PCAPREPORT_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if enc := os.Getenv(mainArgsEnv); enc != "" {
		var args []string
		if err := json.Unmarshal([]byte(enc), &args); err != nil {
			os.Stderr.WriteString("bad " + mainArgsEnv + ": " + err.Error() + "\n")
			os.Exit(3)
		}
		handleSignals(os.Stderr)
		os.Exit(runMain(append([]string{"pcapreport"}, args...), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// program is the whole program as a child process (this test binary,
// started again, running main's code), in dir with args.
func program(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	return programAt(t, os.Args[0], dir, args...)
}

func programAt(t *testing.T, bin, dir string, args ...string) *exec.Cmd {
	t.Helper()
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+string(enc))
	return cmd
}

// copyFile copies src to dst with mode perm.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// exitStatus runs cmd and returns its exit status.
func exitStatus(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return cmd.ProcessState.ExitCode()
}
