package wisp

// #include <stdlib.h>
// #include <wisp/wisp.h>
import "C"

import (
	"strings"
	"unsafe"
)

// Conversions between the Go mirrors and the C structs. Each toC starts from
// the C defaults so struct_size is always right.

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// cStringOrNil returns a malloc'ed copy of s, or NULL for "". A NUL byte
// would silently cut the string short in C, so it is refused (what names
// the field in the error).
func cStringOrNil(s, what string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalidArgument(what + " contains a NUL byte")
	}
	if s == "" {
		return nil, nil
	}
	return C.CString(s), nil
}

// DefaultModelParams returns the library's default ModelParams.
func DefaultModelParams() ModelParams {
	return modelParamsFromC(C.wisp_model_default_params())
}

func modelParamsFromC(c C.wisp_model_params) ModelParams {
	return ModelParams{VerifyChecksums: c.verify_checksums != 0}
}

func (p *ModelParams) toC() C.wisp_model_params {
	c := C.wisp_model_default_params()
	c.verify_checksums = cBool(p.VerifyChecksums)
	return c
}

func modelConfigFromC(c *C.wisp_model_config) ModelConfig {
	return ModelConfig{
		Dim:            int32(c.dim),
		HiddenDim:      int32(c.hidden_dim),
		Layers:         int32(c.n_layers),
		Heads:          int32(c.n_heads),
		KVHeads:        int32(c.n_kv_heads),
		VocabSize:      int32(c.vocab_size),
		MaxSeqLen:      int32(c.max_seq_len),
		NormEps:        float32(c.norm_eps),
		RopeTheta:      float32(c.rope_theta),
		Norm:           NormKind(c.norm),
		Positions:      PositionKind(c.positions),
		MLP:            MLPKind(c.mlp),
		Mask:           MaskKind(c.mask),
		TiedEmbeddings: c.tied_embeddings != 0,
		BOSID:          int32(c.bos_id),
		EOSID:          int32(c.eos_id),
	}
}

// DefaultSessionParams returns the library's default SessionParams.
func DefaultSessionParams() SessionParams {
	return sessionParamsFromC(C.wisp_session_default_params())
}

func sessionParamsFromC(c C.wisp_session_params) SessionParams {
	return SessionParams{
		Threads:       int32(c.n_threads),
		ContextLength: int32(c.context_length),
	}
}

func (p *SessionParams) toC() C.wisp_session_params {
	c := C.wisp_session_default_params()
	c.n_threads = C.int32_t(p.Threads)
	c.context_length = C.int32_t(p.ContextLength)
	return c
}

// DefaultSamplerParams returns the library's default SamplerParams.
func DefaultSamplerParams() SamplerParams {
	return samplerParamsFromC(C.wisp_sampler_default_params())
}

// GreedySamplerParams returns the defaults with temperature 0: argmax
// decoding, what `wisp generate --temperature 0` does.
func GreedySamplerParams() SamplerParams {
	p := DefaultSamplerParams()
	p.Temperature = 0
	return p
}

func samplerParamsFromC(c C.wisp_sampler_params) SamplerParams {
	return SamplerParams{
		Temperature:       float32(c.temperature),
		TopK:              int32(c.top_k),
		TopP:              float32(c.top_p),
		RepetitionPenalty: float32(c.repetition_penalty),
		RepetitionLastN:   int32(c.repetition_last_n),
		Seed:              uint64(c.seed),
	}
}

func (p *SamplerParams) toC() C.wisp_sampler_params {
	c := C.wisp_sampler_default_params()
	c.temperature = C.float(p.Temperature)
	c.top_k = C.int32_t(p.TopK)
	c.top_p = C.float(p.TopP)
	c.repetition_penalty = C.float(p.RepetitionPenalty)
	c.repetition_last_n = C.int32_t(p.RepetitionLastN)
	c.seed = C.uint64_t(p.Seed)
	return c
}

// DefaultEvalParams returns the library's default EvalParams.
func DefaultEvalParams() EvalParams {
	return evalParamsFromC(C.wisp_eval_default_params())
}

func evalParamsFromC(c C.wisp_eval_params) EvalParams {
	return EvalParams{
		SeqLen:          int32(c.seq_len),
		BatchSize:       int32(c.batch_size),
		Threads:         int32(c.n_threads),
		Objective:       Objective(c.objective),
		MaskToken:       int32(c.mask_token),
		PrefixSeparator: C.GoString(c.prefix_separator),
	}
}

// toC returns the C struct and a function releasing its C string.
func (p *EvalParams) toC() (C.wisp_eval_params, func(), error) {
	c := C.wisp_eval_default_params()
	c.seq_len = C.int32_t(p.SeqLen)
	c.batch_size = C.int32_t(p.BatchSize)
	c.n_threads = C.int32_t(p.Threads)
	c.objective = C.int32_t(p.Objective)
	c.mask_token = C.int32_t(p.MaskToken)
	sep, err := cStringOrNil(p.PrefixSeparator, "PrefixSeparator")
	if err != nil {
		return c, func() {}, err
	}
	c.prefix_separator = sep
	return c, func() { C.free(unsafe.Pointer(sep)) }, nil
}

// DefaultTrainerParams returns the library's default TrainerParams.
func DefaultTrainerParams() TrainerParams {
	return trainerParamsFromC(C.wisp_trainer_default_params())
}

func trainerParamsFromC(c C.wisp_trainer_params) TrainerParams {
	return TrainerParams{
		LearningRate:    float32(c.learning_rate),
		LRSchedule:      LRSchedule(c.lr_schedule),
		WarmupSteps:     int32(c.warmup_steps),
		TotalSteps:      int32(c.total_steps),
		MinLRRatio:      float32(c.min_lr_ratio),
		BatchSize:       int32(c.batch_size),
		SeqLen:          int32(c.seq_len),
		GradAccum:       int32(c.grad_accum),
		WeightDecay:     float32(c.weight_decay),
		Beta1:           float32(c.beta1),
		Beta2:           float32(c.beta2),
		Eps:             float32(c.eps),
		GradClip:        float32(c.grad_clip),
		Seed:            uint64(c.seed),
		Threads:         int32(c.n_threads),
		EvalFraction:    float32(c.eval_fraction),
		Objective:       Objective(c.objective),
		MaskProbability: float32(c.mask_probability),
		MaskToken:       int32(c.mask_token),
		PrefixSeparator: C.GoString(c.prefix_separator),
	}
}

// toC returns the C struct and a function releasing its C string.
func (p *TrainerParams) toC() (C.wisp_trainer_params, func(), error) {
	c := C.wisp_trainer_default_params()
	c.learning_rate = C.float(p.LearningRate)
	c.lr_schedule = C.int32_t(p.LRSchedule)
	c.warmup_steps = C.int32_t(p.WarmupSteps)
	c.total_steps = C.int32_t(p.TotalSteps)
	c.min_lr_ratio = C.float(p.MinLRRatio)
	c.batch_size = C.int32_t(p.BatchSize)
	c.seq_len = C.int32_t(p.SeqLen)
	c.grad_accum = C.int32_t(p.GradAccum)
	c.weight_decay = C.float(p.WeightDecay)
	c.beta1 = C.float(p.Beta1)
	c.beta2 = C.float(p.Beta2)
	c.eps = C.float(p.Eps)
	c.grad_clip = C.float(p.GradClip)
	c.seed = C.uint64_t(p.Seed)
	c.n_threads = C.int32_t(p.Threads)
	c.eval_fraction = C.float(p.EvalFraction)
	c.objective = C.int32_t(p.Objective)
	c.mask_probability = C.float(p.MaskProbability)
	c.mask_token = C.int32_t(p.MaskToken)
	sep, err := cStringOrNil(p.PrefixSeparator, "PrefixSeparator")
	if err != nil {
		return c, func() {}, err
	}
	c.prefix_separator = sep
	return c, func() { C.free(unsafe.Pointer(sep)) }, nil
}

func stepInfoFromC(c *C.wisp_step_info) StepInfo {
	return StepInfo{
		Step:         int64(c.step),
		Loss:         float32(c.loss),
		LearningRate: float32(c.learning_rate),
		GradNorm:     float32(c.grad_norm),
		Tokens:       int64(c.tokens),
	}
}
