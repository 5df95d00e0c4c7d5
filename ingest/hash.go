package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
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

// hashing is a SHA-256 being computed in the background.
type hashing struct {
	done chan struct{}
	sum  string
	err  error
}

func hashAsync(path string) *hashing {
	h := &hashing{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		hashSlots <- struct{}{}
		defer func() { <-hashSlots }()
		h.sum, h.err = sha256File(path)
	}()
	return h
}

// hashSlots bounds the files hashed at once: a batch (batch.go) starts the
// hashes of hundreds of small files before it loads them.
var hashSlots = make(chan struct{}, 4)

func (h *hashing) wait() (string, error) {
	<-h.done
	return h.sum, h.err
}
