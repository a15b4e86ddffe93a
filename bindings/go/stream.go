package wisp

import "context"

// TokenStream is a generation running in its own goroutine, delivering its
// tokens on a channel.
type TokenStream struct {
	tokens <-chan Token
	done   chan struct{}
	result GenerateResult
	err    error
}

// Stream starts Generate in a new goroutine and returns at once. Range over
// Tokens() until it is closed, then call Wait. To abandon the stream, cancel
// ctx (the generating goroutine stops at the next token); a stream that is
// neither read to the end nor cancelled keeps the session busy.
func (s *Session) Stream(ctx context.Context, params *SamplerParams, maxTokens int) *TokenStream {
	tokens := make(chan Token)
	ts := &TokenStream{tokens: tokens, done: make(chan struct{})}
	// Claimed here rather than in the goroutine so that the session is busy
	// as soon as Stream returns.
	if err := s.claim(); err != nil {
		ts.err = err
		close(tokens)
		close(ts.done)
		return ts
	}
	go func() {
		defer close(ts.done)
		defer close(tokens)
		defer s.leave()
		send := func(t Token) error {
			select {
			case tokens <- t:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		ts.result, ts.err = s.generateClaimed(ctx, params, maxTokens, send)
	}()
	return ts
}

// Tokens returns the channel of generated tokens, closed at the end.
func (ts *TokenStream) Tokens() <-chan Token { return ts.tokens }

// Wait blocks until the generation has ended and returns its outcome, as
// Generate would have.
func (ts *TokenStream) Wait() (GenerateResult, error) {
	<-ts.done
	return ts.result, ts.err
}
