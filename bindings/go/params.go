package wisp

// Go mirrors of the C parameter and result structs. The `wisp` tag of each
// field names the C field it mirrors (struct_size is the binding's business
// and has no mirror); internal/headercheck compares them with the header.
// Start from the matching Default*Params function: the zero value of a
// params struct is not the library's default.

// ModelParams is a wisp_model_params: how a model file is loaded.
type ModelParams struct {
	// Check every tensor's CRC-32C at load (reads the whole file once).
	VerifyChecksums bool `wisp:"verify_checksums"`
}

// ModelConfig is a wisp_model_config: a loaded model's shape.
type ModelConfig struct {
	Dim            int32        `wisp:"dim"`
	HiddenDim      int32        `wisp:"hidden_dim"`
	Layers         int32        `wisp:"n_layers"`
	Heads          int32        `wisp:"n_heads"`
	KVHeads        int32        `wisp:"n_kv_heads"`
	VocabSize      int32        `wisp:"vocab_size"`
	MaxSeqLen      int32        `wisp:"max_seq_len"`
	NormEps        float32      `wisp:"norm_eps"`
	RopeTheta      float32      `wisp:"rope_theta"`
	Norm           NormKind     `wisp:"norm"`
	Positions      PositionKind `wisp:"positions"`
	MLP            MLPKind      `wisp:"mlp"`
	Mask           MaskKind     `wisp:"mask"`
	TiedEmbeddings bool         `wisp:"tied_embeddings"`
	BOSID          int32        `wisp:"bos_id"` // -1 if the tokenizer has none
	EOSID          int32        `wisp:"eos_id"` // -1 if the tokenizer has none
}

// SessionParams is a wisp_session_params: a session's threads and context.
type SessionParams struct {
	// Threads computing for the session, including the caller's (1: none).
	Threads int32 `wisp:"n_threads"`
	// Maximum tokens in the context; 0 means the model's MaxSeqLen.
	ContextLength int32 `wisp:"context_length"`
}

// SamplerParams is a wisp_sampler_params: how the next token is chosen.
type SamplerParams struct {
	Temperature       float32 `wisp:"temperature"`        // <= 0: greedy
	TopK              int32   `wisp:"top_k"`              // <= 0: no cut
	TopP              float32 `wisp:"top_p"`              // >= 1: no cut
	RepetitionPenalty float32 `wisp:"repetition_penalty"` // 1: off
	RepetitionLastN   int32   `wisp:"repetition_last_n"`
	Seed              uint64  `wisp:"seed"`
}

// EvalParams is a wisp_eval_params: how Model.Evaluate measures a text.
type EvalParams struct {
	SeqLen    int32     `wisp:"seq_len"`
	BatchSize int32     `wisp:"batch_size"`
	Threads   int32     `wisp:"n_threads"`
	Objective Objective `wisp:"objective"`
	// Masked LM: the mask token; -1: the tokenizer's [MASK] or end-of-text.
	MaskToken int32 `wisp:"mask_token"`
	// Prefix LM: each line holding it is one example; "": random prefixes.
	PrefixSeparator string `wisp:"prefix_separator"`
}

// TrainerParams is a wisp_trainer_params: a fine-tuning run's settings.
type TrainerParams struct {
	LearningRate    float32    `wisp:"learning_rate"`
	LRSchedule      LRSchedule `wisp:"lr_schedule"`
	WarmupSteps     int32      `wisp:"warmup_steps"`
	TotalSteps      int32      `wisp:"total_steps"`
	MinLRRatio      float32    `wisp:"min_lr_ratio"`
	BatchSize       int32      `wisp:"batch_size"`
	SeqLen          int32      `wisp:"seq_len"`
	GradAccum       int32      `wisp:"grad_accum"`
	WeightDecay     float32    `wisp:"weight_decay"`
	Beta1           float32    `wisp:"beta1"`
	Beta2           float32    `wisp:"beta2"`
	Eps             float32    `wisp:"eps"`
	GradClip        float32    `wisp:"grad_clip"`
	Seed            uint64     `wisp:"seed"`
	Threads         int32      `wisp:"n_threads"`
	EvalFraction    float32    `wisp:"eval_fraction"`
	Objective       Objective  `wisp:"objective"`
	MaskProbability float32    `wisp:"mask_probability"`
	MaskToken       int32      `wisp:"mask_token"`
	PrefixSeparator string     `wisp:"prefix_separator"`
}

// StepInfo is a wisp_step_info: what one optimizer step did.
type StepInfo struct {
	Step         int64   `wisp:"step"` // 1-based
	Loss         float32 `wisp:"loss"`
	LearningRate float32 `wisp:"learning_rate"`
	GradNorm     float32 `wisp:"grad_norm"` // before clipping
	Tokens       int64   `wisp:"tokens"`
}
