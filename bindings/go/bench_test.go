package wisp

import (
	"context"
	"testing"
)

// What the Go layer costs per generated token: the same greedy generation
// with no callback (C alone), with a Go callback (a cgo round trip, a
// handle lookup and the UTF-8 assembly per token), and with a cancellable
// context. Compare the ns/op (64 tokens) of the three in one run.
func benchmarkGenerate(b *testing.B, ctx context.Context, withCallback bool) {
	m, err := Load(modelPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ids, _ := m.Tokenize("Once upon a time", true)
	greedy := GreedySamplerParams()
	var onToken func(Token) error
	if withCallback {
		onToken = func(Token) error { return nil }
	}
	const tokens = 64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s.Reset()
		s.Feed(ids)
		b.StartTimer()
		if res, err := s.Generate(ctx, &greedy, tokens, onToken); err != nil || res.Tokens != tokens {
			b.Fatal(res, err)
		}
	}
}

func BenchmarkGenerateNoCallback(b *testing.B) { benchmarkGenerate(b, context.Background(), false) }

func BenchmarkGenerateGoCallback(b *testing.B) { benchmarkGenerate(b, context.Background(), true) }

func BenchmarkGenerateCancellable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	benchmarkGenerate(b, ctx, true)
}
