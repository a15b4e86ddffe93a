package wisp

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func newTrainer(t *testing.T, m *Model, params *TrainerParams) *Trainer {
	t.Helper()
	tr, err := m.NewTrainer(params)
	if err != nil {
		t.Fatalf("NewTrainer: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func smallRun() *TrainerParams {
	p := DefaultTrainerParams()
	p.SeqLen = 32
	p.BatchSize = 2
	p.EvalFraction = 0
	p.LRSchedule = LRConstant
	return &p
}

// Before any step the trainer's weights are the model's: its loss on a text
// equals Model.Evaluate with the same windows; a few steps on that text
// lower it.
func TestTrainingLowersTheLoss(t *testing.T) {
	m := loadModel(t)
	text := greedy(t).Text
	params := smallRun()
	tr := newTrainer(t, m, params)
	if err := tr.SetDataText(text); err != nil {
		t.Fatal(err)
	}
	before, err := tr.EvaluateText(text)
	if err != nil {
		t.Fatal(err)
	}
	eval := DefaultEvalParams()
	eval.SeqLen, eval.BatchSize = params.SeqLen, params.BatchSize
	modelLoss, err := m.Evaluate(text, &eval)
	if err != nil {
		t.Fatal(err)
	}
	if rel := math.Abs(float64(before-modelLoss)) / float64(modelLoss); rel > 1e-5 {
		t.Errorf("trainer loss %g, model loss %g (rel %g > 1e-5)", before, modelLoss, rel)
	}
	var infos []StepInfo
	if err := tr.Train(bg, 8, func(info StepInfo) error {
		infos = append(infos, info)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(infos) != 8 || infos[7].Step != 8 || infos[0].Tokens <= 0 ||
		math.Abs(float64(infos[0].LearningRate-params.LearningRate)) > 1e-9 {
		t.Errorf("step infos %+v", infos)
	}
	after, err := tr.EvaluateText(text)
	if err != nil {
		t.Fatal(err)
	}
	if !(after < 0.9*before) {
		t.Errorf("loss %g -> %g after 8 steps", before, after)
	}
	if held, err := tr.Evaluate(); err != nil || math.Abs(float64(held-after)) > 0.5 {
		t.Errorf("Evaluate %g, %v", held, err)
	}
	if n, err := tr.Steps(); err != nil || n != 8 {
		t.Errorf("Steps %d, %v", n, err)
	}
	if n, err := tr.Threads(); err != nil || n != 1 {
		t.Errorf("Threads %d, %v; the default is 1", n, err)
	}
}

func TestTrainStopsOnCancelAndErrStop(t *testing.T) {
	m := loadModel(t)
	tr := newTrainer(t, m, smallRun())
	if err := tr.SetDataText(greedy(t).Text); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	err := tr.Train(ctx, 50, func(info StepInfo) error {
		if info.Step == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: %v", err)
	}
	err = tr.Train(bg, 50, func(info StepInfo) error {
		if info.Step == 3 {
			return ErrStop
		}
		return nil
	})
	if n, _ := tr.Steps(); err != nil || n != 3 {
		t.Errorf("ErrStop: %v after %d steps", err, n)
	}
}

// Save at step 3, resume in a new trainer, and steps 4..6 match an
// uninterrupted run bit for bit.
func TestCheckpointResumeMatchesAnUninterruptedRun(t *testing.T) {
	m := loadModel(t)
	text := greedy(t).Text
	losses := func(tr *Trainer, n int) []float32 {
		var out []float32
		for i := 0; i < n; i++ {
			info, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, info.Loss)
		}
		return out
	}
	whole := newTrainer(t, m, smallRun())
	if err := whole.SetDataText(text); err != nil {
		t.Fatal(err)
	}
	want := losses(whole, 6)[3:]

	first := newTrainer(t, m, smallRun())
	first.SetDataText(text)
	losses(first, 3)
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	if err := first.SaveCheckpoint(ckpt); err != nil {
		t.Fatal(err)
	}
	resumed := newTrainer(t, m, smallRun())
	resumed.SetDataText(text)
	if err := resumed.Resume(ckpt); err != nil {
		t.Fatal(err)
	}
	if n, _ := resumed.Steps(); n != 3 {
		t.Errorf("resumed at step %d", n)
	}
	got := losses(resumed, 3)
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("step %d: resumed loss %g, uninterrupted %g", i+4, got[i], want[i])
		}
	}
	if err := resumed.Resume(filepath.Join(t.TempDir(), "none.ckpt")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing checkpoint: %v", err)
	}
}

// The exported model loads and generates what the trainer's weights
// predict: after training on one sentence repeated, greedy decoding repeats
// it.
func TestExportedModelLoadsAndGenerates(t *testing.T) {
	m := loadModel(t)
	params := smallRun()
	params.LearningRate = 3e-3
	tr := newTrainer(t, m, params)
	if err := tr.SetDataText(repeat("I love New York Zoo. ", 40)); err != nil {
		t.Fatal(err)
	}
	if err := tr.Train(bg, 30, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "zoo.wisp")
	if err := tr.ExportModel(path); err != nil {
		t.Fatal(err)
	}
	tuned, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tuned.Close()
	s := newSession(t, tuned, nil)
	ids, _ := tuned.Tokenize("I love New York", true)
	if err := s.Feed(ids); err != nil {
		t.Fatal(err)
	}
	var out string
	s.Generate(bg, greedyParams(), 4, func(tok Token) error {
		out += tok.Text
		return nil
	})
	if !strings.HasPrefix(out, " Zoo.") {
		t.Errorf("the tuned model continues with %q, want \" Zoo.\"", out)
	}
}

func TestTrainerErrors(t *testing.T) {
	m := loadModel(t)
	tr := newTrainer(t, m, smallRun())
	if _, err := tr.Step(); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("step without data: %v", err)
	}
	if err := tr.SetDataIDs([]int32{1, 2, 700}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad id: %v", err)
	}
	if err := tr.SetDataIDs([]int32{1}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("one id: %v", err)
	}
	bad := smallRun()
	bad.SeqLen = 100000
	if _, err := m.NewTrainer(bad); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("seq_len above max_seq_len: %v", err)
	}
	if err := tr.SaveCheckpoint(filepath.Join(t.TempDir(), "no/such/dir/x.ckpt")); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
	// A NUL would cut the separator short in C: "|\x00zzz" trained as "|".
	nul := smallRun()
	nul.PrefixSeparator = "|\x00zzz"
	if _, err := m.NewTrainer(nul); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NUL in PrefixSeparator: %v", err)
	}
	if _, err := m.Evaluate("some text", &EvalParams{PrefixSeparator: "\x00"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("NUL in EvalParams.PrefixSeparator: %v", err)
	}
	if err := tr.SetDataIDs(greedy(t).AllIDs); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Step(); err != nil {
		t.Errorf("step on ids: %v", err)
	}
	tr.Close()
	if _, err := tr.Step(); !errors.Is(err, ErrClosed) {
		t.Errorf("Step after Close: %v", err)
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}
