package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashing is a file's SHA-256. It is computed in the background (start),
// or by a reader that reads the whole file anyway (claim, then deliver):
// the Graph splitter hashes the parts it copies, so that a file too big for
// the page cache is not read from disk twice (issue 5). wait starts the
// background hash if nobody has.
type hashing struct {
	path string
	once sync.Once
	done chan struct{}
	sum  string
	err  error
}

// deferHash is path's hash, not started.
func deferHash(path string) *hashing {
	return &hashing{path: path, done: make(chan struct{})}
}

// hashAsync is path's hash, started in the background.
func hashAsync(path string) *hashing {
	h := deferHash(path)
	h.start()
	return h
}

// start computes the hash in the background unless it is computed already
// or claimed.
func (h *hashing) start() {
	h.once.Do(func() { go h.compute() })
}

func (h *hashing) compute() {
	defer close(h.done)
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	h.sum, h.err = sha256File(h.path)
}

// claim reserves the hash for the caller, who must then deliver it or
// abandon it; false when it is already started or claimed.
func (h *hashing) claim() bool {
	claimed := false
	h.once.Do(func() { claimed = true })
	return claimed
}

// deliver sets a claimed hash.
func (h *hashing) deliver(sum string) {
	h.sum = sum
	close(h.done)
}

// abandon computes a claimed hash in the background after all.
func (h *hashing) abandon() {
	go h.compute()
}

// hashSlots bounds the files hashed at once: a batch (batch.go) starts the
// hashes of hundreds of small files before it loads them.
var hashSlots = make(chan struct{}, 4)

func (h *hashing) wait() (string, error) {
	h.start()
	<-h.done
	return h.sum, h.err
}

// readerHashes says whether the reader of f (format fm, size bytes) takes
// its SHA-256 from the bytes it reads, so that a file too big for the page
// cache is not read from disk twice: the Graph splitter, and the audit
// log's JSON lines and CSV read in Go (ualGo), and the Log Analytics CSV
// and JSON lines read in Go (lago.go), each from a file of 256 MiB or more
// (splitGraphMin) read as it is (not transcoded).
func readerHashes(f inputFile, fm *format, sn *sniff, size int64) bool {
	return splitsGraph(fm, sn, size) ||
		(ualGoTakes(fm, sn) || laGoTakes(fm, sn)) && size >= splitGraphMin && sn.disk == f.disk
}
