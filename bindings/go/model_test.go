package wisp

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestConfigOfTheDefaultModel(t *testing.T) {
	// reference.json's model_config for stories260K.
	got := loadModel(t).Config()
	want := ModelConfig{Dim: 64, HiddenDim: 172, Layers: 5, Heads: 8, KVHeads: 4,
		VocabSize: 512, MaxSeqLen: 512, Norm: NormRMS, Positions: PositionsRotary,
		MLP: MLPSwiGLU, Mask: MaskCausal, TiedEmbeddings: true, BOSID: 1, EOSID: 2}
	got.NormEps, got.RopeTheta = 0, 0 // floats checked below
	if got != want {
		t.Errorf("config\n got %+v\nwant %+v", got, want)
	}
	c := loadModel(t).Config()
	if c.NormEps <= 0 || c.NormEps > 1e-4 || c.RopeTheta != 10000 {
		t.Errorf("norm_eps %g rope_theta %g", c.NormEps, c.RopeTheta)
	}
}

func TestLoadMissingFileIsNotFound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.wisp")
	_, err := Load(path)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	var we *Error
	if !errors.As(err, &we) || !strings.Contains(we.Message, "absent.wisp") {
		t.Errorf("the message does not name the file: %v", err)
	}
}

func TestLoadCorruptFiles(t *testing.T) {
	whole, err := os.ReadFile(modelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"truncated.wisp": whole[:len(whole)/2],
		"garbage.wisp":   []byte(strings.Repeat("not a model ", 100)),
		"empty.wisp":     nil,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		} else if err.(*Error).Message == "" {
			t.Errorf("%s: no message", name)
		}
	}
}

func TestLoadChecksumCatchesAFlippedWeight(t *testing.T) {
	whole, err := os.ReadFile(modelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	// A byte well inside the weights (the file is mostly weights).
	whole[len(whole)*3/4] ^= 0x40
	path := filepath.Join(t.TempDir(), "flipped.wisp")
	if err := os.WriteFile(path, whole, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); !errors.Is(err, ErrCorrupt) {
		t.Errorf("with checksums: got %v, want ErrCorrupt", err)
	}
	m, err := LoadWithParams(path, ModelParams{VerifyChecksums: false})
	if err != nil {
		t.Fatalf("without checksums the structure is still valid: %v", err)
	}
	m.Close()
}

func TestPathWithNulIsRefused(t *testing.T) {
	if _, err := Load("model\x00.wisp"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
}

func TestClosedModelRefusesCalls(t *testing.T) {
	m, err := Load(modelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := m.Tokenize("x", true); !errors.Is(err, ErrClosed) {
		t.Errorf("Tokenize after Close: %v", err)
	}
	if _, err := m.NewSession(nil); !errors.Is(err, ErrClosed) {
		t.Errorf("NewSession after Close: %v", err)
	}
}

// Closing the model under a live session defers the release: the session
// keeps working, and the model is freed with the last session.
func TestModelCloseWaitsForItsSessions(t *testing.T) {
	ref := greedy(t)
	m, err := Load(modelPath(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.NewSession(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	feedPrompt(t, s, ref)
	var ids []int32
	if _, err := s.Generate(bg, greedyParams(), 5, func(tok Token) error {
		ids = append(ids, tok.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !equalIDs(ids, ref.GeneratedIDs[:5]) {
		t.Errorf("got %v, want %v", ids, ref.GeneratedIDs[:5])
	}
	s.Close()
	if m.ptr != nil {
		t.Error("the model was not freed with its last session")
	}
}

func TestEvaluateMatchesCrossEntropyOfTheLogits(t *testing.T) {
	m := loadModel(t)
	ref := greedy(t)
	text := ref.Text[:120]
	ids, err := m.Tokenize(text, true)
	if err != nil {
		t.Fatal(err)
	}
	params := DefaultEvalParams()
	params.SeqLen = 256 // one window holds the whole text
	loss, err := m.Evaluate(text, &params)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: mean -log softmax(logits[t])[ids[t+1]], computed here
	// from the session's logits.
	logits, err := newSession(t, m, nil).FeedLogits(ids)
	if err != nil {
		t.Fatal(err)
	}
	want := meanCrossEntropy(logits, ids, int(m.Config().VocabSize))
	if rel := abs64(float64(loss)-want) / want; rel > 1e-4 {
		t.Errorf("Evaluate %g, cross-entropy of the logits %g (rel diff %g > 1e-4)", loss, want, rel)
	}
	if _, err := m.Evaluate("", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty text: %v", err)
	}
}

// Sessions and trainers never closed are freed by their finalizers, which
// release their hold on the model.
func TestFinalizersFreeForgottenHandles(t *testing.T) {
	m := loadModel(t)
	for i := 0; i < 3; i++ {
		if _, err := m.NewSession(nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.NewTrainer(nil); err != nil {
		t.Fatal(err)
	}
	children := func() int {
		m.mu.RLock()
		defer m.mu.RUnlock()
		return m.children
	}
	for i := 0; i < 100 && children() > 0; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := children(); n != 0 {
		t.Errorf("%d sessions/trainers still hold the model after GC", n)
	}
}

// The setting round-trips on any model and CPU; a closed or nil Model
// refuses the setter and reads as false.
func TestExactBf16ProductsRoundTrip(t *testing.T) {
	m := loadModel(t)
	if m.ExactBf16Products() {
		t.Error("a loaded model may use the bf16 instructions by default")
	}
	for _, exact := range []bool{true, false} {
		if err := m.SetExactBf16Products(exact); err != nil {
			t.Fatal(err)
		}
		if got := m.ExactBf16Products(); got != exact {
			t.Errorf("set %v, got %v", exact, got)
		}
	}
	var none *Model
	if err := none.SetExactBf16Products(true); !errors.Is(err, ErrInvalidArgument) || none.ExactBf16Products() {
		t.Errorf("nil Model: %v", err)
	}
}

// The bf16 model the CMake build writes next to the default model, whose
// prompts reach the bf16 dot-product instructions, and its twin with those
// weights widened to f32: with exact products the bf16 model computes the
// twin's logits bit for bit, on every CPU.
func TestExactBf16ProductsComputeTheWidenedModelsLogits(t *testing.T) {
	dir := filepath.Dir(modelPath(t))
	logits := func(name string, exact bool) []float32 {
		t.Helper()
		m, err := Load(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s (written by the bf16_test_models target): %v", name, err)
		}
		defer m.Close()
		if err := m.SetExactBf16Products(exact); err != nil {
			t.Fatal(err)
		}
		s, err := m.NewSession(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		out, err := s.FeedLogits([]int32{1, 7, 3, 30, 12, 5, 19, 2, 27, 8})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := logits("bf16_k256.wisp", true)
	want := logits("bf16_k256_widened.wisp", false)
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d logits with exact bf16 products, %d widened", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("logit %d: %v with exact bf16 products, %v widened", i, got[i], want[i])
		}
	}
}
