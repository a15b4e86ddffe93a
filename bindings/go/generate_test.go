package wisp

import (
	"context"
	"errors"
	"sync"
	"testing"
)

func TestCancellingTheContextStopsGeneration(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	ref := greedy(t)
	feedPrompt(t, s, ref)
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	seen := 0
	res, err := s.Generate(ctx, greedyParams(), 50, func(Token) error {
		seen++
		if seen == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if res.Tokens != 5 || seen != 5 || res.Reason != StopCallback {
		t.Errorf("result %+v after %d tokens seen", res, seen)
	}
	if pos, _ := s.Position(); pos != len(ref.PromptIDs)+5 {
		t.Errorf("position %d", pos)
	}
	if _, err := s.Generate(ctx, nil, 5, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("an already cancelled context: %v", err)
	}
}

func TestCallbackErrorsStopGeneration(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	ref := greedy(t)
	feedPrompt(t, s, ref)
	res, err := s.Generate(bg, greedyParams(), 50, func(tok Token) error {
		if tok.ID == ref.GeneratedIDs[2] {
			return ErrStop
		}
		return nil
	})
	if err != nil || res.Tokens != 3 || res.Reason != StopCallback {
		t.Errorf("ErrStop: %+v, %v", res, err)
	}
	mine := errors.New("mine")
	if _, err := s.Generate(bg, greedyParams(), 50, func(Token) error { return mine }); err != mine {
		t.Errorf("got %v, want the callback's error", err)
	}
}

func TestCallbackPanicReachesTheCaller(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	feedPrompt(t, s, greedy(t))
	defer func() {
		if v := recover(); v != "boom" {
			t.Errorf("recovered %v, want boom", v)
		}
		if _, err := s.Position(); err != nil {
			t.Errorf("session unusable after the panic: %v", err)
		}
	}()
	s.Generate(bg, greedyParams(), 10, func(Token) error { panic("boom") })
	t.Error("no panic")
}

// A call on the session from inside its own callback, or from another
// goroutine during a call, is refused instead of racing in C.
func TestOverlappingCallsAreRefused(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	feedPrompt(t, s, greedy(t))
	var inner error
	if _, err := s.Generate(bg, greedyParams(), 1, func(Token) error {
		_, inner = s.Position()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(inner, ErrBusy) {
		t.Errorf("call from the callback: %v", inner)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after the call: %v", err)
	}
}

func TestStreamDeliversTheSameTokens(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	ref := greedy(t)
	feedPrompt(t, s, ref)
	stream := s.Stream(bg, greedyParams(), 20)
	var ids []int32
	for tok := range stream.Tokens() {
		ids = append(ids, tok.ID)
	}
	res, err := stream.Wait()
	if err != nil || res.Tokens != 20 {
		t.Fatalf("%+v, %v", res, err)
	}
	if !equalIDs(ids, ref.GeneratedIDs[:20]) {
		t.Errorf("got %v", ids)
	}
}

func TestAbandonedStreamStopsOnCancel(t *testing.T) {
	s := newSession(t, loadModel(t), nil)
	feedPrompt(t, s, greedy(t))
	ctx, cancel := context.WithCancel(bg)
	stream := s.Stream(ctx, greedyParams(), 50)
	if _, err := s.Position(); !errors.Is(err, ErrBusy) {
		t.Errorf("session not busy during the stream: %v", err)
	}
	<-stream.Tokens()
	cancel() // and read no more
	res, err := stream.Wait()
	if !errors.Is(err, context.Canceled) || res.Tokens > 2 {
		t.Errorf("%+v, %v", res, err)
	}
	if _, err := s.Position(); err != nil {
		t.Errorf("session still busy: %v", err)
	}
}

// Continue with budgets 7 + 13 gives the tokens of one Continue of 20, with
// a sampler whose random stream runs across calls.
func TestContinueSplitsGenerationIntoBudgets(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	sampler := DefaultSamplerParams()
	sampler.Seed = 42
	run := func(budgets ...int) []int32 {
		s := newSession(t, m, nil)
		feedPrompt(t, s, ref)
		if err := s.SetSampler(&sampler); err != nil {
			t.Fatal(err)
		}
		var ids []int32
		for _, b := range budgets {
			if _, err := s.Continue(bg, b, func(tok Token) error {
				ids = append(ids, tok.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		return ids
	}
	whole, split := run(20), run(7, 13)
	if len(whole) != 20 || !equalIDs(whole, split) {
		t.Errorf("one call %v\nsplit    %v", whole, split)
	}
	if equalIDs(whole, ref.GeneratedIDs[:20]) {
		t.Error("temperature 0.8 gave the greedy tokens: the sampler was not used")
	}
}

// One model shared by goroutines, each with its own session (half of them
// computing on two threads, which must not change a bit).
func TestSessionsOnOneModelRunConcurrently(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	var wg sync.WaitGroup
	results := make([][]int32, 4)
	for g := range results {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s, err := m.NewSession(&SessionParams{Threads: int32(1 + g%2)})
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			if err := s.Feed(ref.PromptIDs); err != nil {
				t.Error(err)
				return
			}
			s.Generate(bg, greedyParams(), 30, func(tok Token) error {
				results[g] = append(results[g], tok.ID)
				return nil
			})
		}(g)
	}
	wg.Wait()
	for g, ids := range results {
		if !equalIDs(ids, ref.GeneratedIDs[:30]) {
			t.Errorf("goroutine %d: %v", g, ids)
		}
	}
}

// Token.Text is valid UTF-8 even when a character arrives one byte token at
// a time; Piece keeps the raw bytes.
func TestTokenTextAssemblesByteFallbackCharacters(t *testing.T) {
	m := loadModel(t)
	ids, err := m.Tokenize("héllo 😀", false)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var pieces []byte
	st := &callbackState{ctx: bg, text: &utf8Assembler{}, onToken: func(tok Token) error {
		text += tok.Text
		pieces = append(pieces, tok.Piece...)
		return nil
	}}
	prev := int32(-1)
	byteTokens := 0
	for _, id := range ids {
		piece, err := m.TokenText(prev, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(piece) == 1 && piece[0] >= 0x80 {
			byteTokens++
		}
		if st.deliverToken(id, piece) != 0 {
			t.Fatal("stopped")
		}
		prev = id
	}
	if byteTokens < 4 {
		t.Errorf("the emoji should be %d+ byte tokens; ids %v", 4, ids)
	}
	want, _ := m.Detokenize(ids)
	if text != want || string(pieces) != want {
		t.Errorf("text %q, pieces %q, want %q", text, pieces, want)
	}
}
