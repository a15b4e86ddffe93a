package wisp

// The C enumerations besides wisp_status. The line comment of each constant
// names the C enumerator it mirrors; internal/headercheck compares names and
// values with include/wisp/wisp.h.

// NormKind is a wisp_norm_kind: the model's normalisation.
type NormKind int32

const (
	NormRMS   NormKind = 0 // WISP_NORM_RMS
	NormLayer NormKind = 1 // WISP_NORM_LAYER
)

// PositionKind is a wisp_position_kind: how positions enter the model.
type PositionKind int32

const (
	PositionsRotary  PositionKind = 0 // WISP_POSITIONS_ROTARY
	PositionsLearned PositionKind = 1 // WISP_POSITIONS_LEARNED
)

// MLPKind is a wisp_mlp_kind: the feed-forward block's activation.
type MLPKind int32

const (
	MLPSwiGLU   MLPKind = 0 // WISP_MLP_SWIGLU
	MLPGeLUTanh MLPKind = 1 // WISP_MLP_GELU_TANH
	MLPGeLUErf  MLPKind = 2 // WISP_MLP_GELU_ERF
)

// MaskKind is a wisp_mask_kind: the attention mask the model was built for.
type MaskKind int32

const (
	MaskCausal        MaskKind = 0 // WISP_MASK_CAUSAL
	MaskBidirectional MaskKind = 1 // WISP_MASK_BIDIRECTIONAL
	MaskPrefix        MaskKind = 2 // WISP_MASK_PREFIX
)

// StopReason is a wisp_stop_reason: why generation stopped.
type StopReason int32

const (
	StopMaxTokens   StopReason = 0 // WISP_STOP_MAX_TOKENS
	StopEndOfText   StopReason = 1 // WISP_STOP_END_OF_TEXT
	StopContextFull StopReason = 2 // WISP_STOP_CONTEXT_FULL
	StopCallback    StopReason = 3 // WISP_STOP_CALLBACK
)

// Objective is a wisp_objective: the training and evaluation objective.
type Objective int32

const (
	ObjectiveCausal Objective = 0 // WISP_OBJECTIVE_CAUSAL
	ObjectiveMasked Objective = 1 // WISP_OBJECTIVE_MASKED
	ObjectivePrefix Objective = 2 // WISP_OBJECTIVE_PREFIX
)

// LRSchedule is a wisp_lr_schedule: the learning rate after warm-up.
type LRSchedule int32

const (
	LRConstant LRSchedule = 0 // WISP_LR_CONSTANT
	LRCosine   LRSchedule = 1 // WISP_LR_COSINE
)
