package wisp

import (
	"reflect"
	"testing"
)

// fillDistinct sets every field of the struct v points to a different
// non-default value, so that a conversion that drops or swaps a field shows.
func fillDistinct(v any) {
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.Int32, reflect.Int64:
			f.SetInt(int64(101 + i))
		case reflect.Uint64:
			f.SetUint(uint64(1)<<40 + uint64(i))
		case reflect.Float32:
			f.SetFloat(0.25 + float64(i))
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.String:
			f.SetString("sep" + string(rune('A'+i)))
		default:
			panic("unhandled field kind " + f.Kind().String())
		}
	}
}

func TestParamsSurviveTheTripThroughC(t *testing.T) {
	sampler := SamplerParams{}
	fillDistinct(&sampler)
	if got := samplerParamsFromC(sampler.toC()); got != sampler {
		t.Errorf("sampler %+v -> %+v", sampler, got)
	}
	session := SessionParams{}
	fillDistinct(&session)
	if got := sessionParamsFromC(session.toC()); got != session {
		t.Errorf("session %+v -> %+v", session, got)
	}
	model := DefaultModelParams()
	fillDistinct(&model)
	if got := modelParamsFromC(model.toC()); got != model {
		t.Errorf("model %+v -> %+v", model, got)
	}
	eval := EvalParams{}
	fillDistinct(&eval)
	c, free, err := eval.toC()
	if err != nil {
		t.Fatal(err)
	}
	if got := evalParamsFromC(c); got != eval {
		t.Errorf("eval %+v -> %+v", eval, got)
	}
	free()
	trainer := TrainerParams{}
	fillDistinct(&trainer)
	ct, freeT, err := trainer.toC()
	if err != nil {
		t.Fatal(err)
	}
	if got := trainerParamsFromC(ct); got != trainer {
		t.Errorf("trainer %+v -> %+v", trainer, got)
	}
	freeT()
}

// The defaults documented in wisp.h.
func TestDefaultsAreTheLibrarys(t *testing.T) {
	s := DefaultSamplerParams()
	if s.Temperature != 0.8 || s.TopK != 40 || s.TopP != 0.95 || s.RepetitionPenalty != 1 || s.RepetitionLastN != 64 || s.Seed != 0 {
		t.Errorf("sampler defaults %+v", s)
	}
	if p := DefaultSessionParams(); p.Threads != 1 || p.ContextLength != 0 {
		t.Errorf("session defaults %+v", p)
	}
	if !DefaultModelParams().VerifyChecksums {
		t.Error("checksums are verified by default")
	}
	e := DefaultEvalParams()
	if e.SeqLen != 256 || e.BatchSize != 8 || e.Threads != 1 || e.Objective != ObjectiveCausal || e.MaskToken != -1 || e.PrefixSeparator != "" {
		t.Errorf("eval defaults %+v", e)
	}
	tr := DefaultTrainerParams()
	if tr.LearningRate != 1e-3 || tr.LRSchedule != LRCosine || tr.BatchSize != 8 || tr.SeqLen != 64 ||
		tr.GradAccum != 1 || tr.Beta2 != 0.95 || tr.EvalFraction != 0.1 || tr.MaskToken != -1 {
		t.Errorf("trainer defaults %+v", tr)
	}
}
