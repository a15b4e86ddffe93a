// Parameter objects of loading, sessions and sampling. Each starts from the
// library's own defaults (wisp_*_default_params) so that
// `new SamplerParams { Temperature = 0 }` changes one field and keeps the rest.
using System;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>How a model file is loaded.</summary>
    public sealed class ModelParams
    {
        /// <summary>The library defaults.</summary>
        public ModelParams()
        {
            wisp_model_params d = NativeMethods.wisp_model_default_params();
            VerifyChecksums = d.verify_checksums != 0;
        }

        /// <summary>Check every tensor's CRC-32C at load. Default true.</summary>
        public bool VerifyChecksums { get; set; }

        internal wisp_model_params ToNative()
        {
            wisp_model_params p = NativeMethods.wisp_model_default_params();
            p.verify_checksums = VerifyChecksums ? 1 : 0;
            return p;
        }
    }

    /// <summary>How a session computes.</summary>
    public sealed class SessionParams
    {
        /// <summary>The library defaults.</summary>
        public SessionParams()
        {
            wisp_session_params d = NativeMethods.wisp_session_default_params();
            Threads = d.n_threads;
            ContextLength = d.context_length;
        }

        /// <summary>Threads including the caller's; 1 (default): no worker
        /// threads.</summary>
        public int Threads { get; set; }

        /// <summary>Maximum tokens in the context; 0 (default): the model's
        /// max_seq_len.</summary>
        public int ContextLength { get; set; }

        internal wisp_session_params ToNative()
        {
            wisp_session_params p = NativeMethods.wisp_session_default_params();
            p.n_threads = Threads;
            p.context_length = ContextLength;
            return p;
        }
    }

    /// <summary>How the next token is chosen from the logits.</summary>
    public sealed class SamplerParams
    {
        /// <summary>The library defaults (temperature 0.8, top-k 40, top-p 0.95).</summary>
        public SamplerParams()
        {
            wisp_sampler_params d = NativeMethods.wisp_sampler_default_params();
            Temperature = d.temperature;
            TopK = d.top_k;
            TopP = d.top_p;
            RepetitionPenalty = d.repetition_penalty;
            RepetitionLastN = d.repetition_last_n;
            Seed = d.seed;
        }

        /// <summary>Argmax decoding: what `wisp generate --temperature 0`
        /// does.</summary>
        public static SamplerParams Greedy()
        {
            return new SamplerParams { Temperature = 0f };
        }

        /// <summary>&lt;= 0: greedy (argmax). Default 0.8.</summary>
        public float Temperature { get; set; }
        /// <summary>&lt;= 0: no top-k cut. Default 40.</summary>
        public int TopK { get; set; }
        /// <summary>&gt;= 1: no nucleus cut. Default 0.95.</summary>
        public float TopP { get; set; }
        /// <summary>1: off (default); &gt; 1 discourages repeats.</summary>
        public float RepetitionPenalty { get; set; }
        /// <summary>Tokens the penalty looks back. Default 64.</summary>
        public int RepetitionLastN { get; set; }
        /// <summary>Same seed, same model: same output. Default 0.</summary>
        public ulong Seed { get; set; }

        internal wisp_sampler_params ToNative()
        {
            wisp_sampler_params p = NativeMethods.wisp_sampler_default_params();
            p.temperature = Temperature;
            p.top_k = TopK;
            p.top_p = TopP;
            p.repetition_penalty = RepetitionPenalty;
            p.repetition_last_n = RepetitionLastN;
            p.seed = Seed;
            return p;
        }
    }
}
