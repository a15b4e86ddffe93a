// A model's shape and tokenizer ids (wisp_model_config), read-only.
using System;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>The normalisation layers (wisp_norm_kind).</summary>
    public enum NormKind
    {
        /// <summary>RMSNorm (LLaMA).</summary>
        Rms = wisp_norm_kind.WISP_NORM_RMS,
        /// <summary>LayerNorm (GPT-2, BERT).</summary>
        Layer = wisp_norm_kind.WISP_NORM_LAYER,
    }

    /// <summary>How positions are encoded (wisp_position_kind).</summary>
    public enum PositionKind
    {
        /// <summary>Rotary embeddings (RoPE).</summary>
        Rotary = wisp_position_kind.WISP_POSITIONS_ROTARY,
        /// <summary>A learned position embedding table.</summary>
        Learned = wisp_position_kind.WISP_POSITIONS_LEARNED,
    }

    /// <summary>The feed-forward block (wisp_mlp_kind).</summary>
    public enum MlpKind
    {
        /// <summary>SwiGLU (LLaMA).</summary>
        SwiGlu = wisp_mlp_kind.WISP_MLP_SWIGLU,
        /// <summary>GELU, tanh approximation (GPT-2).</summary>
        GeluTanh = wisp_mlp_kind.WISP_MLP_GELU_TANH,
        /// <summary>GELU, exact erf (BERT).</summary>
        GeluErf = wisp_mlp_kind.WISP_MLP_GELU_ERF,
    }

    /// <summary>The attention mask (wisp_mask_kind).</summary>
    public enum MaskKind
    {
        /// <summary>Each position sees the ones before it.</summary>
        Causal = wisp_mask_kind.WISP_MASK_CAUSAL,
        /// <summary>Every position sees every other.</summary>
        Bidirectional = wisp_mask_kind.WISP_MASK_BIDIRECTIONAL,
        /// <summary>Bidirectional over a prefix, causal after it.</summary>
        Prefix = wisp_mask_kind.WISP_MASK_PREFIX,
    }

    /// <summary>A model's shape and tokenizer ids (wisp_model_config).
    /// </summary>
    public sealed class ModelConfig
    {
        internal ModelConfig(wisp_model_config c)
        {
            Dim = c.dim;
            HiddenDim = c.hidden_dim;
            Layers = c.n_layers;
            Heads = c.n_heads;
            KvHeads = c.n_kv_heads;
            VocabSize = c.vocab_size;
            MaxSeqLen = c.max_seq_len;
            NormEps = c.norm_eps;
            RopeTheta = c.rope_theta;
            Norm = (NormKind)c.norm;
            Positions = (PositionKind)c.positions;
            Mlp = (MlpKind)c.mlp;
            Mask = (MaskKind)c.mask;
            TiedEmbeddings = c.tied_embeddings != 0;
            BosId = c.bos_id;
            EosId = c.eos_id;
        }

        /// <summary>Width of the residual stream.</summary>
        public int Dim { get; private set; }
        /// <summary>Width of the feed-forward layer.</summary>
        public int HiddenDim { get; private set; }
        /// <summary>Transformer blocks.</summary>
        public int Layers { get; private set; }
        /// <summary>Query heads.</summary>
        public int Heads { get; private set; }
        /// <summary>Key/value heads (fewer than Heads: grouped-query attention).</summary>
        public int KvHeads { get; private set; }
        /// <summary>Tokens in the vocabulary (logits per position).</summary>
        public int VocabSize { get; private set; }
        /// <summary>Longest context the model supports.</summary>
        public int MaxSeqLen { get; private set; }
        /// <summary>Epsilon of the normalisation layers.</summary>
        public float NormEps { get; private set; }
        /// <summary>RoPE base frequency.</summary>
        public float RopeTheta { get; private set; }
        /// <summary>The normalisation layers.</summary>
        public NormKind Norm { get; private set; }
        /// <summary>The position encoding.</summary>
        public PositionKind Positions { get; private set; }
        /// <summary>The feed-forward block.</summary>
        public MlpKind Mlp { get; private set; }
        /// <summary>The attention mask.</summary>
        public MaskKind Mask { get; private set; }
        /// <summary>True if the classifier shares the token embedding.</summary>
        public bool TiedEmbeddings { get; private set; }
        /// <summary>-1 if the tokenizer has no BOS.</summary>
        public int BosId { get; private set; }
        /// <summary>-1 if the tokenizer has no EOS.</summary>
        public int EosId { get; private set; }
    }
}
