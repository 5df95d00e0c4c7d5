package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal: what the program writes to term, a
// terminal to it, is read back from master.
func openPTY(t *testing.T) (master, term *os.File) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the terminal: %v", err)
	}
	return m, s
}

// TestProgressOnTerminal runs ingest with a terminal for stderr, as a user
// does, and reads what the terminal got: the display redraws one line
// (carriage return, erase to the end), and a file name holding an escape
// and a bidi override shows neither. Through a writer that cleaned
// everything written to it, the returns and erases were taken out and every
// redraw ran on along one line.
func TestProgressOnTerminal(t *testing.T) {
	master, term := openPTY(t)
	dir := t.TempDir()
	b, err := os.ReadFile("../../testdata/exports/contoso/InteractiveSignIns_2025-03-01_2025-03-08.csv")
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "InteractiveSignIns_\x1b[31mred\u202evsc.csv")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		var buf bytes.Buffer
		io.Copy(&buf, master) // until the terminal side is closed
		got <- buf.Bytes()
	}()
	var stdout bytes.Buffer
	code := run([]string{"mfagap", "ingest", name}, &stdout, term)
	term.Close()
	out := string(<-got)
	if code != 0 {
		t.Fatalf("exit %d: %q", code, out)
	}
	if !strings.Contains(out, "\ringest  [1/1]") || !strings.Contains(out, "\x1b[K") {
		t.Errorf("no one-line display (carriage return, erase to the end) on the terminal: %q", out)
	}
	if strings.Contains(out, "\x1b[31m") || strings.Contains(out, "\u202e") {
		t.Errorf("the file name's escape or bidi override reached the terminal: %q", out)
	}
	if !strings.Contains(out, "[31mredvsc.csv") {
		t.Errorf("the file name is not shown, cleaned: %q", out)
	}
}
