// tlogcheck - checks uccn's checkpoints, inclusion proofs, consistency proofs and cosignatures
// with code nobody in uccn wrote: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (where the
// signed-note and checkpoint formats come from) and the standard library's crypto/ed25519 for
// cosignature/v1, read from the C2SP text. tests/tlog_check.sh drives it; it is no part of uccn.
//
//	tlogcheck note VKEY NOTE                    the note verifies under VKEY; prints size and root
//	tlogcheck inclusion VKEY PROOF              a uccn proof file: its leaf is in its checkpoint
//	tlogcheck consistency VKEY OLD NEW HASHES   NEW extends OLD by the proof in HASHES
//	tlogcheck cosigned NOTE WITNESS_HEX...      each witness cosigned the note (cosignature/v1)
//	tlogcheck cosigned-by NOTE NAME KEY_HEX     the witness NAME with that key cosigned it
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

// checkpoint is a tlog-checkpoint body: origin, size, base64 root hash.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func parseCheckpoint(text string) checkpoint {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("checkpoint body is not newline-terminated lines: %q", text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("bad checkpoint size %q", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("bad checkpoint root %q", lines[2])
	}
	var c checkpoint
	c.origin, c.size = lines[0], size
	copy(c.root[:], raw)
	return c
}

// openNote verifies msg's signature by the key vkey names and returns its checkpoint.
func openNote(vkey string, msg []byte) checkpoint {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note does not verify: %v", err)
	}
	c := parseCheckpoint(n.Text)
	if c.origin != v.Name() {
		fail("origin %q is not the key's name %q", c.origin, v.Name())
	}
	return c
}

func readFile(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

// A reader of the few MessagePack types a uccn proof file holds.
type mp struct {
	b []byte
	i int
}

func (m *mp) byte1() byte {
	if m.i >= len(m.b) {
		fail("proof: truncated")
	}
	m.i++
	return m.b[m.i-1]
}

func (m *mp) uint(n int) uint64 {
	var v uint64
	for k := 0; k < n; k++ {
		v = v<<8 | uint64(m.byte1())
	}
	return v
}

func (m *mp) bytes(n uint64) []byte {
	if uint64(len(m.b)-m.i) < n {
		fail("proof: truncated")
	}
	m.i += int(n)
	return m.b[m.i-int(n) : m.i]
}

func (m *mp) arrayLen() uint64 {
	t := m.byte1()
	switch {
	case t >= 0x90 && t <= 0x9f:
		return uint64(t & 0x0f)
	case t == 0xdc:
		return m.uint(2)
	}
	fail("proof: not an array (0x%02x)", t)
	return 0
}

func (m *mp) integer() uint64 {
	t := m.byte1()
	switch {
	case t <= 0x7f:
		return uint64(t)
	case t == 0xcc:
		return m.uint(1)
	case t == 0xcd:
		return m.uint(2)
	case t == 0xce:
		return m.uint(4)
	case t == 0xcf:
		return m.uint(8)
	}
	fail("proof: not an unsigned integer (0x%02x)", t)
	return 0
}

func (m *mp) str() []byte {
	t := m.byte1()
	switch {
	case t >= 0xa0 && t <= 0xbf:
		return m.bytes(uint64(t & 0x1f))
	case t == 0xd9:
		return m.bytes(m.uint(1))
	case t == 0xda:
		return m.bytes(m.uint(2))
	case t == 0xdb:
		return m.bytes(m.uint(4))
	}
	fail("proof: not a str (0x%02x)", t)
	return nil
}

func (m *mp) bin() []byte {
	switch t := m.byte1(); t {
	case 0xc4:
		return m.bytes(m.uint(1))
	case 0xc5:
		return m.bytes(m.uint(2))
	case 0xc6:
		return m.bytes(m.uint(4))
	default:
		fail("proof: not a bin (0x%02x)", t)
	}
	return nil
}

// inclusion checks a proof file (PROTOCOL.md §9.8, version 2): the checkpoint note in element
// 7 verifies, and the designation in element 3 is leaf element 4 of its tree by the path.
func inclusion(vkey, path string) {
	m := &mp{b: readFile(path)}
	if m.arrayLen() != 8 || string(m.str()) != "uccn-proof" || m.integer() != 2 {
		fail("not a version 2 uccn proof")
	}
	m.bin() // the network id: the verifier key names it
	leaf := m.bin()
	index := m.integer()
	m.bin() // the tree head change: uccn's own form of the checkpoint
	n := m.arrayLen()
	var proof tlog.RecordProof
	for k := uint64(0); k < n; k++ {
		var h tlog.Hash
		raw := m.bin()
		if len(raw) != tlog.HashSize {
			fail("proof: a path hash of %d bytes", len(raw))
		}
		copy(h[:], raw)
		proof = append(proof, h)
	}
	c := openNote(vkey, m.str())
	if m.i != len(m.b) {
		fail("proof: bytes after the array")
	}
	if err := tlog.CheckRecord(proof, c.size, c.root, int64(index), tlog.RecordHash(leaf)); err != nil {
		fail("inclusion proof of leaf %d in tree %d: %v", index, c.size, err)
	}
	fmt.Printf("inclusion ok: leaf %d of %d\n", index, c.size)
}

func consistency(vkey, oldPath, newPath, hashesPath string) {
	older := openNote(vkey, readFile(oldPath))
	newer := openNote(vkey, readFile(newPath))
	var proof tlog.TreeProof
	for _, line := range strings.Fields(string(readFile(hashesPath))) {
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != tlog.HashSize {
			fail("bad proof hash %q", line)
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	if err := tlog.CheckTree(proof, newer.size, newer.root, older.size, older.root); err != nil {
		fail("consistency %d -> %d: %v", older.size, newer.size, err)
	}
	fmt.Printf("consistency ok: %d -> %d\n", older.size, newer.size)
}

// cosigned checks, from the C2SP tlog-cosignature text alone, that each witness (an Ed25519
// key in hex, named "uccn-witness/<hex>") signed "cosignature/v1\ntime T\n" + the note's body.
func cosigned(notePath string, witnesses []string) {
	for _, w := range witnesses {
		cosignedBy(notePath, "uccn-witness/"+w, w)
	}
	fmt.Printf("cosigned by %d witnesses\n", len(witnesses))
}

// cosignedBy checks the cosignature of the witness named name whose key is w (hex).
func cosignedBy(notePath, name, w string) {
	msg := readFile(notePath)
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		fail("not a signed note")
	}
	body, sigs := msg[:split+1], string(msg[split+2:])
	{
		pk, err := hex.DecodeString(w)
		if err != nil || len(pk) != ed25519.PublicKeySize {
			fail("bad witness key %q", w)
		}
		sum := sha256.Sum256(append(append([]byte(name), '\n', 0x04), pk...))
		found := errors.New("no cosignature line")
		for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
			fields := strings.Fields(strings.TrimPrefix(line, "\u2014 "))
			if len(fields) != 2 || fields[0] != name {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(fields[1])
			if err != nil || len(raw) != 4+8+ed25519.SignatureSize || !bytes.Equal(raw[:4], sum[:4]) {
				found = errors.New("a malformed cosignature or key ID")
				continue
			}
			t := binary.BigEndian.Uint64(raw[4:12])
			signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), body...)
			if ed25519.Verify(ed25519.PublicKey(pk), signed, raw[12:]) {
				found = nil
				break
			}
			found = errors.New("a cosignature that does not verify")
		}
		if found != nil {
			fail("witness %s: %v", name, found)
		}
	}
}

func main() {
	a := os.Args
	switch {
	case len(a) == 4 && a[1] == "note":
		c := openNote(a[2], readFile(a[3]))
		fmt.Printf("note ok: %s %d %s\n", c.origin, c.size, base64.StdEncoding.EncodeToString(c.root[:]))
	case len(a) == 4 && a[1] == "inclusion":
		inclusion(a[2], a[3])
	case len(a) == 6 && a[1] == "consistency":
		consistency(a[2], a[3], a[4], a[5])
	case len(a) >= 3 && a[1] == "cosigned":
		cosigned(a[2], a[3:])
	case len(a) == 5 && a[1] == "cosigned-by":
		cosignedBy(a[2], a[3], a[4])
		fmt.Printf("cosigned by %s\n", a[3])
	default:
		fail("usage: tlogcheck note|inclusion|consistency|cosigned ...")
	}
}
