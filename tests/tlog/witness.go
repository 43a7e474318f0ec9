// witness - a transparency-log witness written for the tests from the C2SP tlog-witness text
// (add-checkpoint over HTTP) and tlog-cosignature (cosignature/v1), with Go's sumdb/note and
// sumdb/tlog for the log's signature and the consistency proofs. It trusts one log, keeps its
// state in memory, and serves on 127.0.0.1 until killed. No part of uccn.
//
//	witness LOG_VKEY        prints "port N" and "vkey <its verifier key>", then serves
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const name = "witness.test/w1"

type witness struct {
	mu     sync.Mutex
	log    note.Verifier
	key    ed25519.PrivateKey
	keyID  []byte
	size   int64
	root   tlog.Hash
	signed bool
}

func (w *witness) addCheckpoint(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	// An old size line, proof lines, an empty line, then the checkpoint.
	split := bytes.Index(body, []byte("\n\n"))
	if split < 0 {
		http.Error(rw, "no empty line", http.StatusBadRequest)
		return
	}
	head := strings.Split(string(body[:split]), "\n")
	msg := body[split+2:]
	if !strings.HasPrefix(head[0], "old ") {
		http.Error(rw, "no old size line", http.StatusBadRequest)
		return
	}
	old, err := strconv.ParseInt(strings.TrimPrefix(head[0], "old "), 10, 64)
	if err != nil || old < 0 || len(head)-1 > 63 {
		http.Error(rw, "bad old size or proof", http.StatusBadRequest)
		return
	}
	var proof tlog.TreeProof
	for _, line := range head[1:] {
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != tlog.HashSize {
			http.Error(rw, "bad proof line", http.StatusBadRequest)
			return
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	n, err := note.Open(msg, note.VerifierList(w.log))
	if err != nil {
		if _, ok := err.(*note.UnverifiedNoteError); ok {
			http.Error(rw, "no trusted signature", http.StatusForbidden)
		} else {
			http.Error(rw, "unknown log", http.StatusNotFound)
		}
		return
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != w.log.Name() {
		http.Error(rw, "unknown origin", http.StatusNotFound)
		return
	}
	size, err1 := strconv.ParseInt(lines[1], 10, 64)
	raw, err2 := base64.StdEncoding.DecodeString(lines[2])
	if err1 != nil || err2 != nil || len(raw) != tlog.HashSize || old > size {
		http.Error(rw, "bad checkpoint", http.StatusBadRequest)
		return
	}
	var root tlog.Hash
	copy(root[:], raw)

	// Checking the old size and recording the new checkpoint happen under one lock.
	w.mu.Lock()
	defer w.mu.Unlock()
	if old != w.size {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", w.size)
		return
	}
	switch {
	case old == size:
		if w.signed && root != w.root || len(proof) != 0 {
			http.Error(rw, "same size, another root", http.StatusConflict)
			return
		}
	case old == 0:
		if len(proof) != 0 {
			http.Error(rw, "a proof from nothing", http.StatusBadRequest)
			return
		}
	default:
		if tlog.CheckTree(proof, size, root, old, w.root) != nil {
			http.Error(rw, "not consistent", http.StatusUnprocessableEntity)
			return
		}
	}
	w.size, w.root, w.signed = size, root, true

	t := uint64(time.Now().Unix())
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), n.Text...)
	sig := make([]byte, 0, 4+8+ed25519.SignatureSize)
	sig = append(sig, w.keyID...)
	sig = binary.BigEndian.AppendUint64(sig, t)
	sig = append(sig, ed25519.Sign(w.key, signed)...)
	fmt.Fprintf(rw, "\u2014 %s %s\n", name, base64.StdEncoding.EncodeToString(sig))
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: witness LOG_VKEY")
		os.Exit(2)
	}
	logKey, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "witness:", err)
		os.Exit(1)
	}
	seed := sha256.Sum256([]byte("the tests' witness"))
	key := ed25519.NewKeyFromSeed(seed[:])
	pub := key.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(append(append([]byte(name), '\n', 0x04), pub...))
	w := &witness{log: logKey, key: key, keyID: sum[:4]}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "witness:", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "port %d\n", ln.Addr().(*net.TCPAddr).Port)
	vkey := append([]byte{0x04}, pub...)
	fmt.Fprintf(out, "vkey %s+%x+%s\n", name, sum[:4], base64.StdEncoding.EncodeToString(vkey))
	out.Flush()
	mux := http.NewServeMux()
	mux.HandleFunc("/add-checkpoint", w.addCheckpoint)
	fmt.Fprintln(os.Stderr, http.Serve(ln, mux))
}
