package main

// Writing the outputs without destroying anything.
//
// A report or JSON file is written to a temporary file next to its target,
// named .NAME.pcapreport-PID-RANDOM.tmp, created before the analysis (so a
// folder that is missing or cannot be written is found at once), flushed
// and renamed into place when complete. A character device or a FIFO
// (/dev/stdout, /dev/null, a named pipe) is written to in place; a symbolic
// link to a file is written through (its target is replaced); the
// program's own standard output, when it is a regular file, is written
// through the open descriptor. SIGINT and SIGTERM remove the temporary
// files; those a killed run left behind are removed by the next run that
// writes in the same folder.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// tempMarker is in the name of every temporary file, between the target's
// name and the writing process's id: .NAME.pcapreport-PID-RANDOM.tmp.
const tempMarker = ".pcapreport-"

// temps are this process's temporary files, so that a signal can remove
// them. Holding the lock keeps a signal from ending the process between the
// renames of a report and its JSON.
var temps = struct {
	sync.Mutex
	files map[string]bool
}{files: map[string]bool{}}

// started is when this process started, for telling stale temporary files.
var started = time.Now()

// handleSignals removes the temporary files and ends the program on SIGINT
// or SIGTERM, with the shells' status 128+signal (130, 143), after a line
// on stderr.
func handleSignals(stderr io.Writer) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-ch
		temps.Lock() // never released: no file is renamed into place after this
		for name := range temps.files {
			os.Remove(name)
		}
		name := "SIGTERM"
		if sig == os.Interrupt {
			name = "SIGINT"
		}
		fmt.Fprintf(stderr, "pcapreport: stopped by %s; its temporary files are removed, no output is half-written\n", name)
		code := 1
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		os.Exit(code)
	}()
}

// createTemp creates the temporary file for target, registered for removal
// on a signal.
func createTemp(target string) (*os.File, error) {
	temps.Lock()
	defer temps.Unlock()
	pattern := "." + filepath.Base(target) + tempMarker + strconv.Itoa(os.Getpid()) + "-*.tmp"
	f, err := os.CreateTemp(filepath.Dir(target), pattern)
	if err != nil {
		return nil, err
	}
	temps.files[f.Name()] = true
	return f, nil
}

// dropTemp removes a temporary file that will not be renamed.
func dropTemp(f *os.File) {
	f.Close()
	temps.Lock()
	defer temps.Unlock()
	os.Remove(f.Name())
	delete(temps.files, f.Name())
}

// cleaned are the folders whose stale temporary files this run removed.
var cleaned sync.Map

// removeStaleTemps removes, once per run and folder, the temporary files
// that a pcapreport killed while writing in dir left behind: those whose
// process has ended, or was started after the file was last written (its
// id was reused). The files of a run still going are kept.
func removeStaleTemps(dir string) {
	if _, done := cleaned.LoadOrStore(filepath.Clean(dir), true); done {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".tmp") || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, name)
		info, err := e.Info()
		if err != nil || !staleTemp(p, info) {
			continue
		}
		os.Remove(p)
	}
}

// staleTemp reports whether path is a temporary file of a pcapreport run
// that can no longer finish it.
func staleTemp(path string, info fs.FileInfo) bool {
	name := filepath.Base(path)
	i := strings.LastIndex(name, tempMarker)
	if i < 0 {
		return false
	}
	pidText, _, ok := strings.Cut(name[i+len(tempMarker):], "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 {
		return false
	}
	temps.Lock()
	ours := temps.files[path]
	temps.Unlock()
	if ours {
		return false
	}
	if !processAlive(pid) {
		return true
	}
	// Written before its process started: the id belongs to another
	// process now. (Our own id included: an earlier run had it.)
	start, ok := processStart(pid)
	return ok && info.ModTime().Before(start.Add(-2*time.Second))
}

// output is a file that a run writes: a report or a JSON.
type output struct {
	name string // as given, for messages
	// path is the file replaced: name, or the file a symbolic link names.
	path string
	info fs.FileInfo // the file as it was before the run; nil if new
	// direct: a character device or a FIFO, written to in place.
	direct bool
	// stdout: name is the program's standard output, a regular file,
	// written through the open descriptor.
	stdout io.Writer
	tmp    *os.File // until renamed or dropped
	// written is set once the content is complete.
	written bool
}

// openOutput checks the output name and, for a file, creates its temporary
// file next to it, before any analysis, so that a folder that is missing
// or cannot be written is reported at once. stdout is the program's
// standard output.
func openOutput(name string, stdout io.Writer) (*output, error) {
	o := &output{name: name, path: name}
	st, err := os.Stat(name) // follows symbolic links
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if lst, err := os.Lstat(name); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s: a symbolic link to a file that does not exist; not replaced (name a file, or the link's target)", name)
		}
		dir := filepath.Dir(name)
		dst, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s: the folder %s does not exist", name, dir)
		case err != nil:
			return nil, fmt.Errorf("%s: the folder %s: %w", name, dir, unwrapPath(err))
		case !dst.IsDir():
			return nil, fmt.Errorf("%s: %s is not a folder", name, dir)
		}
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, unwrapPath(err))
	case st.IsDir():
		return nil, fmt.Errorf("%s: is a folder, not a file (to write a report of every capture into a folder, give several captures or a folder as input)", name)
	case st.Mode()&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		o.direct, o.info = true, st
		return o, nil
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file, character device or FIFO; refusing to write to it", name)
	default:
		o.info = st
		if f, ok := stdout.(*os.File); ok {
			if fst, err := f.Stat(); err == nil && os.SameFile(fst, st) {
				o.stdout = f
				return o, nil
			}
		}
		if lst, err := os.Lstat(name); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
			if o.path, err = filepath.EvalSymlinks(name); err != nil {
				return nil, fmt.Errorf("%s: %w", name, unwrapPath(err))
			}
		}
	}
	dir := filepath.Dir(o.path)
	removeStaleTemps(dir)
	if o.tmp, err = createTemp(o.path); err != nil {
		return nil, fmt.Errorf("%s: cannot write in the folder %s: %w", name, dir, unwrapPath(err))
	}
	return o, nil
}

// sameFile reports whether a and b would write the same file. Two writes
// to one character device (/dev/null, a terminal) do not overwrite each
// other and are allowed.
func (o *output) sameFile(b *output) bool {
	if o.info != nil && b.info != nil {
		return os.SameFile(o.info, b.info) && o.info.Mode()&fs.ModeCharDevice == 0
	}
	if o.info != nil || b.info != nil {
		return false
	}
	return resolvedPath(o.path) == resolvedPath(b.path)
}

// resolvedPath is where a file that does not exist yet will be: its
// folder's absolute path without symbolic links, plus its name.
func resolvedPath(p string) string {
	dir := filepath.Dir(p)
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	if a, err := filepath.Abs(dir); err == nil {
		dir = a
	}
	return filepath.Join(dir, filepath.Base(p))
}

// is reports whether st is the same regular file or FIFO as o's.
func (o *output) is(st fs.FileInfo) bool {
	return o.info != nil && st != nil && os.SameFile(o.info, st) && o.info.Mode()&fs.ModeCharDevice == 0
}

// write writes the content: into the temporary file, flushed to disk, or
// straight to a device, FIFO or standard output. The temporary file is
// renamed into place by commit. The flush matters: without it, a crash or
// power cut soon after the run can leave the new name on an empty or
// partial file on file systems that write the rename first (ext4's delayed
// allocation, XFS), and on NFS or a full quota a write error may only show
// at the flush, which must fail the run rather than be lost.
func (o *output) write(fill func(io.Writer) error) error {
	wrap := func(err error) error { return fmt.Errorf("%s: %w", o.name, unwrapPath(err)) }
	switch {
	case o.stdout != nil:
		if err := fill(o.stdout); err != nil {
			return wrap(err)
		}
	case o.direct:
		f, err := os.OpenFile(o.name, os.O_WRONLY, 0)
		if err != nil {
			return wrap(err)
		}
		if err := fill(f); err != nil {
			f.Close()
			return wrap(err)
		}
		if err := f.Close(); err != nil {
			return wrap(err)
		}
	default:
		if err := fill(o.tmp); err != nil {
			return wrap(err)
		}
		if err := o.tmp.Chmod(0o644); err != nil {
			return wrap(err)
		}
		if err := o.tmp.Sync(); err != nil {
			return wrap(err)
		}
		if err := o.tmp.Close(); err != nil {
			return wrap(err)
		}
	}
	o.written = true
	return nil
}

// discard removes the temporary file of an output that is not committed.
func (o *output) discard() {
	if o != nil && o.tmp != nil {
		dropTemp(o.tmp)
		o.tmp = nil
	}
}

// commit renames the written outputs into place, in the order given, with
// signals held off and the folders locked against other pcapreport runs
// between the first rename and the last, so that a report and its JSON
// are always those of one run, unless the machine stops in between (both
// name the capture's SHA-256). Outputs not written are discarded.
func commit(outs ...*output) error {
	var dirs []string
	for _, o := range outs {
		if o != nil && o.tmp != nil && o.written {
			dirs = append(dirs, filepath.Dir(o.path))
		}
	}
	unlock := lockDirs(dirs)
	temps.Lock()
	var err error
	for _, o := range outs {
		if o == nil || o.tmp == nil {
			continue
		}
		name := o.tmp.Name()
		if err == nil && o.written {
			if rerr := os.Rename(name, o.path); rerr != nil {
				err = fmt.Errorf("%s: %w", o.name, unwrapPath(rerr))
			} else {
				delete(temps.files, name)
				o.tmp = nil
				continue
			}
		}
		o.tmp.Close()
		os.Remove(name)
		delete(temps.files, name)
		o.tmp = nil
	}
	temps.Unlock()
	unlock()
	for _, d := range dirs {
		syncDir(d)
	}
	return err
}

// writeFile writes one output.
func writeFile(o *output, fill func(io.Writer) error) error {
	if err := o.write(fill); err != nil {
		o.discard()
		return err
	}
	return commit(o)
}

// syncDir flushes dir, making a rename in it durable where the system
// allows: Linux and the BSDs flush a directory with fsync, Windows cannot
// open one for it, and some file systems refuse. The file is complete and
// in place either way, so a failure here is not the run's.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
