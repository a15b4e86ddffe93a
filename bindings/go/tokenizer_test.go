package wisp

import (
	"errors"
	"testing"
)

// tokenizer_cases.json: llama2.c's encode(text, bos=1, eos=0) of 24 strings
// (spaces, digits, accents, CJK, emoji through byte fallback, ...).
func TestTokenizeMatchesLlama2c(t *testing.T) {
	m := loadModel(t)
	var cases []struct {
		Text string  `json:"text"`
		IDs  []int32 `json:"ids"`
	}
	readJSON(t, "tokenizer_cases.json", &cases)
	if len(cases) < 20 {
		t.Fatalf("only %d tokenizer cases", len(cases))
	}
	for _, c := range cases {
		got, err := m.Tokenize(c.Text, true)
		if err != nil {
			t.Errorf("%q: %v", c.Text, err)
			continue
		}
		if !equalIDs(got, c.IDs) {
			t.Errorf("%q: got %v, want %v", c.Text, got, c.IDs)
		}
	}
}

func TestTokenizeWithoutBOS(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	got, err := m.Tokenize(ref.Prompt, false)
	if err != nil {
		t.Fatal(err)
	}
	if !equalIDs(got, ref.PromptIDs[1:]) {
		t.Errorf("got %v, want %v", got, ref.PromptIDs[1:])
	}
}

func TestDetokenizeMatchesLlama2cOutput(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	got, err := m.Detokenize(ref.AllIDs)
	if err != nil {
		t.Fatal(err)
	}
	if got != ref.Text {
		t.Errorf("got %q\nwant %q", got, ref.Text)
	}
	if text, err := m.Detokenize(nil); err != nil || text != "" {
		t.Errorf("no ids: %q, %v", text, err)
	}
}

func TestTokenTextStreamsTheSameBytes(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	// A stream starts after the prompt's BOS, which drops the space after it.
	var out []byte
	prev := ref.AllIDs[0]
	for _, id := range ref.AllIDs[1:] {
		piece, err := m.TokenText(prev, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, piece...)
		prev = id
	}
	if string(out) != ref.Text {
		t.Errorf("got %q\nwant %q", out, ref.Text)
	}
	if bos, err := m.TokenText(-1, ref.AllIDs[0]); err != nil || string(bos) != "\n<s>\n" {
		t.Errorf("BOS on its own prints %q, %v; llama2.c prints \"\\n<s>\\n\"", bos, err)
	}
}

func TestBadTokenIDs(t *testing.T) {
	m := loadModel(t)
	if _, err := m.Detokenize([]int32{1, 512}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Detokenize: %v", err)
	}
	if _, err := m.TokenText(-1, -5); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("TokenText: %v", err)
	} else if err.(*Error).Message == "" {
		t.Error("no message")
	}
}
