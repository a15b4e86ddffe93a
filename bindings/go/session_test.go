package wisp

import (
	"errors"
	"math"
	"runtime"
	"testing"
)

// Logits of BOS + "Once upon a time" against llama2.c's (logits_once.bin),
// to the reference README's suggested 1e-4 absolute.
func TestFeedLogitsMatchLlama2c(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	want := readFloats(t, "logits_once.bin")
	got, err := newSession(t, m, nil).FeedLogits(ref.PromptIDs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d logits, reference has %d", len(got), len(want))
	}
	worst := 0.0
	for i := range got {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	if worst > 1e-4 {
		t.Errorf("max abs diff %g > 1e-4", worst)
	}
}

func TestSampleGreedyIsArgmaxOfLogits(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	ref := greedy(t)
	feedPrompt(t, s, ref)
	logits, err := s.Logits()
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.Sample(greedyParams())
	if err != nil {
		t.Fatal(err)
	}
	if token != argmax(logits) || token != ref.GeneratedIDs[0] {
		t.Errorf("sampled %d, argmax %d, reference %d", token, argmax(logits), ref.GeneratedIDs[0])
	}
	if pos, err := s.Position(); err != nil || pos != len(ref.PromptIDs) {
		t.Errorf("position %d, %v (Sample must not feed)", pos, err)
	}
}

func TestGreedyGenerationMatchesReference(t *testing.T) {
	m := loadModel(t)
	s := newSession(t, m, nil)
	ref := greedy(t)
	feedPrompt(t, s, ref)
	var ids []int32
	var pieces []byte
	res, err := s.Generate(bg, greedyParams(), len(ref.GeneratedIDs), func(tok Token) error {
		ids = append(ids, tok.ID)
		pieces = append(pieces, tok.Piece...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tokens != len(ref.GeneratedIDs) || res.Reason != StopMaxTokens {
		t.Errorf("result %+v", res)
	}
	if !equalIDs(ids, ref.GeneratedIDs) {
		t.Errorf("ids\n got %v\nwant %v", ids, ref.GeneratedIDs)
	}
	// run.c prints the prompt as decoded, then the pieces.
	prompt, err := m.Detokenize(ref.PromptIDs)
	if err != nil {
		t.Fatal(err)
	}
	if prompt+string(pieces) != ref.Text {
		t.Errorf("text\n got %q\nwant %q", prompt+string(pieces), ref.Text)
	}
}

func TestSessionErrors(t *testing.T) {
	m := loadModel(t)
	s := newSession(t, m, &SessionParams{Threads: 1, ContextLength: 8})
	if _, err := s.Generate(bg, nil, 3, nil); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("generate before feed: %v", err)
	}
	if _, err := s.Logits(); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("logits before feed: %v", err)
	}
	err := s.Feed([]int32{1, 9999})
	if !errors.Is(err, ErrInvalidArgument) || err.(*Error).Message == "" {
		t.Errorf("bad token id: %v", err)
	}
	if err := s.Feed(make([]int32, 9)); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("overflowing the context: %v", err)
	}
	// 32 Mi ids with logits asked for 64 GB of them, a fatal error in Go,
	// before the library could say they do not fit.
	for _, n := range []int{513, 1 << 25} {
		if _, err := s.FeedLogits(make([]int32, n)); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("FeedLogits of %d ids: %v", n, err)
		}
	}
	if pos, _ := s.Position(); pos != 0 {
		t.Errorf("a failed feed fed %d tokens", pos)
	}
	if err := s.Feed([]int32{1, 403, 407, 261, 378, 432}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Generate(bg, greedyParams(), 10, nil)
	if err != nil || res.Reason != StopContextFull || res.Tokens != 2 {
		t.Errorf("full context: %+v, %v", res, err)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if pos, _ := s.Position(); pos != 0 {
		t.Errorf("position %d after Reset", pos)
	}
	if _, err := s.Generate(bg, nil, -1, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative maxTokens: %v", err)
	}
	if _, err := m.NewSession(&SessionParams{Threads: 0}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("zero threads: %v", err)
	}
	if _, err := m.NewSession(&SessionParams{Threads: 1, ContextLength: 100000}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("context longer than the model's: %v", err)
	}
	s.Close()
	if err := s.Feed([]int32{1}); !errors.Is(err, ErrClosed) {
		t.Errorf("Feed after Close: %v", err)
	}
}

// A session runs with the threads asked for, at most one per CPU the
// process may run on (runtime.NumCPU reads the affinity mask too).
func TestSessionThreadsStopAtTheCpus(t *testing.T) {
	m := loadModel(t)
	for _, asked := range []int{1, 2, 1024} {
		threads, err := newSession(t, m, &SessionParams{Threads: int32(asked)}).Threads()
		want := asked
		if runtime.NumCPU() < want {
			want = runtime.NumCPU()
		}
		if err != nil || threads != want {
			t.Errorf("asked for %d: %d threads (%v), want %d", asked, threads, err, want)
		}
	}
	var s *Session
	if _, err := s.Threads(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Session Threads: %v", err)
	}
}

// Methods on the nil handle a failed constructor returns are errors, not
// crashes.
func TestNilHandlesAreRefused(t *testing.T) {
	var m *Model
	var s *Session
	var tr *Trainer
	if _, err := m.Tokenize("x", true); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Model: %v", err)
	}
	if _, err := m.NewSession(nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Model: %v", err)
	}
	if _, err := s.Generate(bg, nil, 1, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Session: %v", err)
	}
	if _, err := s.Stream(bg, nil, 1).Wait(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Session stream: %v", err)
	}
	if _, err := s.Logits(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Session Logits: %v", err)
	}
	if _, err := s.FeedLogits([]int32{1}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Session FeedLogits: %v", err)
	}
	if s.Model() != nil {
		t.Error("nil Session has a model")
	}
	if _, err := tr.Step(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil Trainer: %v", err)
	}
	if m.Close() != nil || s.Close() != nil || tr.Close() != nil {
		t.Error("closing nil handles")
	}
}
