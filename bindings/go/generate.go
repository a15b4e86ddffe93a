package wisp

// #include <wisp/wisp.h>
// #include "callbacks.h"
import "C"

import (
	"context"
	"errors"
)

// Token is one generated token.
type Token struct {
	ID int32
	// Piece is the token's text exactly as the library printed it; for a
	// byte-fallback token it may be part of a UTF-8 character. Writing the
	// Pieces in order reproduces the output byte for byte.
	Piece []byte
	// Text is the valid UTF-8 text this token completes: a partial
	// character is held back (Text "") until the token that completes it.
	Text string
}

// GenerateResult tells how many tokens a generation produced and why it
// stopped.
type GenerateResult struct {
	Tokens int
	Reason StopReason
}

// ErrStop, returned by a token or step callback, stops generation or
// training early without an error (Reason StopCallback).
var ErrStop = errors.New("wisp: stop requested by the callback")

// Generate samples up to maxTokens tokens after the current context with
// params (nil: defaults), feeding each one back and passing it to onToken
// (may be nil). The end-of-text token is neither fed nor passed on.
//
// Generation stops early when onToken returns an error (returned as is;
// ErrStop gives a nil error) or when ctx is done (returns ctx.Err()); the
// context is checked after each token. The result counts every token fed,
// all of which onToken has seen. The session must have been fed first
// (ErrOutOfRange otherwise).
func (s *Session) Generate(ctx context.Context, params *SamplerParams, maxTokens int, onToken func(Token) error) (GenerateResult, error) {
	if err := s.claim(); err != nil {
		return GenerateResult{}, err
	}
	defer s.leave()
	return s.generateClaimed(ctx, params, maxTokens, onToken)
}

// generateClaimed is Generate with the session already claimed.
func (s *Session) generateClaimed(ctx context.Context, params *SamplerParams, maxTokens int, onToken func(Token) error) (GenerateResult, error) {
	cparams := samplerParamsPtr(params)
	return s.generateLocked(ctx, maxTokens, onToken, func(handle C.uintptr_t, n *C.size_t, reason *C.wisp_stop_reason) C.wisp_status {
		return C.wisp_go_generate(s.ptr, cparams, C.size_t(maxTokens), handle, n, reason)
	})
}

// Continue generates like Generate but with the session's own sampler (see
// SetSampler), so that generation can be spread over many short calls: calls
// with budgets a and b give the same tokens as one call with a + b.
func (s *Session) Continue(ctx context.Context, maxTokens int, onToken func(Token) error) (GenerateResult, error) {
	if err := s.claim(); err != nil {
		return GenerateResult{}, err
	}
	defer s.leave()
	return s.generateLocked(ctx, maxTokens, onToken, func(handle C.uintptr_t, n *C.size_t, reason *C.wisp_stop_reason) C.wisp_status {
		return C.wisp_go_continue(s.ptr, C.size_t(maxTokens), handle, n, reason)
	})
}

// generateLocked runs one generating C call with the session claimed.
func (s *Session) generateLocked(ctx context.Context, maxTokens int, onToken func(Token) error,
	run func(handle C.uintptr_t, n *C.size_t, reason *C.wisp_stop_reason) C.wisp_status) (GenerateResult, error) {
	if maxTokens < 0 {
		return GenerateResult{}, invalidArgument("maxTokens is negative")
	}
	if err := ctx.Err(); err != nil {
		return GenerateResult{}, err
	}
	st := &callbackState{ctx: ctx, onToken: onToken, text: &s.text}
	var n C.size_t
	var reason C.wisp_stop_reason
	needed := onToken != nil || ctx.Done() != nil
	err := withCallback(st, needed, func(handle C.uintptr_t) error {
		return call(func() C.wisp_status { return run(handle, &n, &reason) })
	})
	st.rethrow()
	result := GenerateResult{Tokens: int(n), Reason: StopReason(reason)}
	if err != nil {
		return result, err
	}
	if st.err != nil && !errors.Is(st.err, ErrStop) {
		return result, st.err
	}
	return result, nil
}
