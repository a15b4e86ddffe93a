package wisp

import (
	"errors"
	"path/filepath"
	"testing"
)

// A session restored from saved bytes continues exactly as the original,
// random stream included.
func TestSavedStateContinuesLikeTheOriginal(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	sampler := DefaultSamplerParams()
	sampler.Seed = 7
	collect := func(s *Session, n int) []int32 {
		var ids []int32
		if _, err := s.Continue(bg, n, func(tok Token) error {
			ids = append(ids, tok.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	original := newSession(t, m, nil)
	feedPrompt(t, original, ref)
	if err := original.SetSampler(&sampler); err != nil {
		t.Fatal(err)
	}
	collect(original, 10)
	state, err := original.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	want := collect(original, 20)

	restored := newSession(t, m, nil)
	if err := restored.LoadState(state); err != nil {
		t.Fatal(err)
	}
	if pos, _ := restored.Position(); pos != len(ref.PromptIDs)+10 {
		t.Errorf("restored position %d", pos)
	}
	if got := collect(restored, 20); !equalIDs(got, want) {
		t.Errorf("restored %v\noriginal %v", got, want)
	}
}

// promptState is the saved state of a session fed greedy.json's prompt.
func promptState(t *testing.T, m *Model) []byte {
	t.Helper()
	s := newSession(t, m, nil)
	feedPrompt(t, s, greedy(t))
	state, err := s.SaveState()
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func TestDamagedStatesAreRefused(t *testing.T) {
	m := loadModel(t)
	state := promptState(t, m)
	target := newSession(t, m, nil)
	flipped := append([]byte(nil), state...)
	flipped[len(flipped)/2] ^= 1
	for name, data := range map[string][]byte{
		"truncated": state[:len(state)-9],
		"flipped":   flipped,
		"garbage":   []byte("definitely not a session state"),
		"empty":     nil,
	} {
		err := target.LoadState(data)
		if !errors.Is(err, ErrCorrupt) && !(name == "empty" && errors.Is(err, ErrInvalidArgument)) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
	if pos, _ := target.Position(); pos != 0 {
		t.Errorf("a refused state changed the session (position %d)", pos)
	}
	short := newSession(t, m, &SessionParams{Threads: 1, ContextLength: 3})
	if err := short.LoadState(state); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("state longer than the context: %v", err)
	}
}

// A state belongs to the weights it was computed with: a session on a
// fine-tuned copy of the model refuses it.
func TestStateFromAnotherModelIsAMismatch(t *testing.T) {
	m := loadModel(t)
	state := promptState(t, m)
	tr, err := m.NewTrainer(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.SetDataText(greedy(t).Text); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tuned.wisp")
	if err := tr.ExportModel(path); err != nil {
		t.Fatal(err)
	}
	other, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = newSession(t, other, nil).LoadState(state)
	if !errors.Is(err, ErrMismatch) || err.(*Error).Message == "" {
		t.Errorf("got %v, want ErrMismatch with a message", err)
	}
}
