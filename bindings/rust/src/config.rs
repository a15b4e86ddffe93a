//! A model's configuration (wisp_model_config) with its kinds as enums.
use crate::sys;

/// Normalisation layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormKind {
    /// RMSNorm (LLaMA).
    Rms,
    /// LayerNorm (GPT-2, BERT).
    Layer,
    /// A value this binding does not know (a newer library).
    Other(i32),
}

/// How positions enter the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionKind {
    /// Rotary embeddings (LLaMA).
    Rotary,
    /// Learned position embeddings (GPT-2, BERT).
    Learned,
    /// A value this binding does not know (a newer library).
    Other(i32),
}

/// The feed-forward block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MlpKind {
    /// SwiGLU (LLaMA).
    SwiGlu,
    /// GELU, tanh approximation (GPT-2).
    GeluTanh,
    /// GELU, exact (BERT).
    GeluErf,
    /// A value this binding does not know (a newer library).
    Other(i32),
}

/// The attention mask the model was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskKind {
    /// Each token sees the ones before it.
    Causal,
    /// Every token sees every token (BERT).
    Bidirectional,
    /// Bidirectional over a prefix, causal after it.
    Prefix,
    /// A value this binding does not know (a newer library).
    Other(i32),
}

/// The shape and kinds of a loaded model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelConfig {
    /// Width of the residual stream.
    pub dim: i32,
    /// Width of the feed-forward block.
    pub hidden_dim: i32,
    /// Transformer blocks.
    pub n_layers: i32,
    /// Query heads.
    pub n_heads: i32,
    /// Key/value heads (fewer than n_heads with grouped-query attention).
    pub n_kv_heads: i32,
    /// Tokens in the vocabulary.
    pub vocab_size: i32,
    /// Longest context.
    pub max_seq_len: i32,
    /// Epsilon of the norms.
    pub norm_eps: f32,
    /// Base of the rotary embedding.
    pub rope_theta: f32,
    /// Normalisation layers.
    pub norm: NormKind,
    /// How positions enter the model.
    pub positions: PositionKind,
    /// The feed-forward block.
    pub mlp: MlpKind,
    /// The attention mask.
    pub mask: MaskKind,
    /// Whether the output layer shares the token embedding's weights.
    pub tied_embeddings: bool,
    /// Beginning-of-text token, if the tokenizer has one.
    pub bos_id: Option<i32>,
    /// End-of-text token, if the tokenizer has one.
    pub eos_id: Option<i32>,
}

fn optional_id(id: i32) -> Option<i32> {
    (id >= 0).then_some(id)
}

impl ModelConfig {
    pub(crate) fn from_raw(raw: &sys::wisp_model_config) -> Self {
        ModelConfig {
            dim: raw.dim,
            hidden_dim: raw.hidden_dim,
            n_layers: raw.n_layers,
            n_heads: raw.n_heads,
            n_kv_heads: raw.n_kv_heads,
            vocab_size: raw.vocab_size,
            max_seq_len: raw.max_seq_len,
            norm_eps: raw.norm_eps,
            rope_theta: raw.rope_theta,
            norm: match raw.norm {
                sys::WISP_NORM_RMS => NormKind::Rms,
                sys::WISP_NORM_LAYER => NormKind::Layer,
                other => NormKind::Other(other),
            },
            positions: match raw.positions {
                sys::WISP_POSITIONS_ROTARY => PositionKind::Rotary,
                sys::WISP_POSITIONS_LEARNED => PositionKind::Learned,
                other => PositionKind::Other(other),
            },
            mlp: match raw.mlp {
                sys::WISP_MLP_SWIGLU => MlpKind::SwiGlu,
                sys::WISP_MLP_GELU_TANH => MlpKind::GeluTanh,
                sys::WISP_MLP_GELU_ERF => MlpKind::GeluErf,
                other => MlpKind::Other(other),
            },
            mask: match raw.mask {
                sys::WISP_MASK_CAUSAL => MaskKind::Causal,
                sys::WISP_MASK_BIDIRECTIONAL => MaskKind::Bidirectional,
                sys::WISP_MASK_PREFIX => MaskKind::Prefix,
                other => MaskKind::Other(other),
            },
            tied_embeddings: raw.tied_embeddings != 0,
            bos_id: optional_id(raw.bos_id),
            eos_id: optional_id(raw.eos_id),
        }
    }
}
