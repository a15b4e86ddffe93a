package wisp

import (
	"testing"
	"unicode/utf8"
)

func TestUTF8AssemblerHoldsBackPartialCharacters(t *testing.T) {
	emoji := []byte("😀") // F0 9F 98 80
	cases := []struct {
		name   string
		pieces [][]byte
		want   []string
	}{
		{"ascii", [][]byte{[]byte("ab"), []byte(" c")}, []string{"ab", " c"}},
		{"two-byte split", [][]byte{{0xC3}, {0xA9, 'x'}}, []string{"", "éx"}},
		{"emoji byte by byte", [][]byte{emoji[:1], emoji[1:2], emoji[2:3], emoji[3:]},
			[]string{"", "", "", "😀"}},
		{"emoji 2+2 after text", [][]byte{append([]byte("hi "), emoji[:2]...), emoji[2:]},
			[]string{"hi ", "😀"}},
		{"invalid byte", [][]byte{{'a', 0xFF, 'b'}}, []string{"a\uFFFDb"}},
		{"lone continuation", [][]byte{{0x80}, {'z'}}, []string{"\uFFFD", "z"}},
		{"interrupted sequence", [][]byte{{0xE2, 0x82}, {'a'}}, []string{"", "\uFFFDa"}},
	}
	for _, c := range cases {
		var a utf8Assembler
		for i, p := range c.pieces {
			got := a.push(p)
			if got != c.want[i] || !utf8.ValidString(got) {
				t.Errorf("%s: piece %d gave %q, want %q", c.name, i, got, c.want[i])
			}
		}
	}
	var a utf8Assembler
	a.push([]byte{0xE2})
	a.reset()
	if got := a.push([]byte("ok")); got != "ok" {
		t.Errorf("after reset: %q", got)
	}
}
