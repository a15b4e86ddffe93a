package wisp

import (
	"strings"
	"unicode/utf8"
)

// utf8Assembler turns a stream of token bytes, in which a byte-fallback
// token may carry only part of a character, into valid UTF-8 strings: an
// incomplete character at the end is held back until its remaining bytes
// arrive, and bytes that can never form a character become U+FFFD.
type utf8Assembler struct {
	pending []byte
}

// push appends piece and returns the text completed so far.
func (a *utf8Assembler) push(piece []byte) string {
	buf := append(a.pending, piece...)
	cut := len(buf) - incompleteTail(buf)
	a.pending = append([]byte(nil), buf[cut:]...)
	return strings.ToValidUTF8(string(buf[:cut]), string(utf8.RuneError))
}

// reset drops a held-back partial character (the context it belonged to is
// gone).
func (a *utf8Assembler) reset() { a.pending = nil }

// incompleteTail returns the length of the partial character that ends b:
// the bytes from the last character start, if they are a valid prefix of a
// longer encoding; 0 otherwise.
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return 0
			}
			return len(b) - i
		}
	}
	return 0
}
