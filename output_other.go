//go:build !linux

package main

import (
	"os"
	"path/filepath"
	"time"
)

// processAlive is true where it cannot be asked: a temporary file is then
// only removed by hand or by a run on Linux.
func processAlive(pid int) bool { return true }

func processStart(pid int) (time.Time, bool) { return time.Time{}, false }

// lockDirs does nothing here: a report and its JSON renamed by two runs at
// once may then come from different runs (both name the capture's SHA-256).
func lockDirs(dirs []string) (unlock func()) { return func() {} }

// fileKey identifies a file by its absolute path here, without links.
func fileKey(st os.FileInfo, path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	if p, err := filepath.Abs(path); err == nil {
		path = p
	}
	return path
}
