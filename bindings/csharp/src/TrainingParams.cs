// Parameters of evaluation and fine-tuning, starting from the library's
// defaults like those in Params.cs.
using System;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>The training (and evaluation) objective.</summary>
    public enum Objective
    {
        /// <summary>Next-token prediction with causal attention.</summary>
        Causal = wisp_objective.WISP_OBJECTIVE_CAUSAL,
        /// <summary>BERT's masked LM with bidirectional attention.</summary>
        Masked = wisp_objective.WISP_OBJECTIVE_MASKED,
        /// <summary>Bidirectional over a prefix, causal after it.</summary>
        Prefix = wisp_objective.WISP_OBJECTIVE_PREFIX,
    }

    /// <summary>How <see cref="Model.Evaluate"/> measures the loss.</summary>
    public sealed class EvalParams
    {
        /// <summary>The library defaults.</summary>
        public EvalParams()
        {
            wisp_eval_params d = NativeMethods.wisp_eval_default_params();
            SeqLen = d.seq_len;
            BatchSize = d.batch_size;
            Threads = d.n_threads;
            Objective = (Objective)d.objective;
            MaskToken = d.mask_token;
        }

        /// <summary>Tokens per window (default from the library).</summary>
        public int SeqLen { get; set; }
        /// <summary>Sequences (windows) per forward pass.</summary>
        public int BatchSize { get; set; }
        /// <summary>Threads including the caller's.</summary>
        public int Threads { get; set; }
        /// <summary>The objective (default causal).</summary>
        public Objective Objective { get; set; }
        /// <summary>Masked LM's mask token; -1: the tokenizer's.</summary>
        public int MaskToken { get; set; }
        /// <summary>Prefix LM: the separator ending each line's prefix;
        /// null (default): a seeded random prefix per window.</summary>
        public string PrefixSeparator { get; set; }

        // The caller frees prefix_separator with Marshal.FreeHGlobal.
        internal wisp_eval_params ToNative()
        {
            wisp_eval_params p = NativeMethods.wisp_eval_default_params();
            p.seq_len = SeqLen;
            p.batch_size = BatchSize;
            p.n_threads = Threads;
            p.objective = (int)Objective;
            p.mask_token = MaskToken;
            p.prefix_separator = Utf8.AllocNative(PrefixSeparator);
            return p;
        }
    }

    /// <summary>The learning-rate schedule.</summary>
    public enum LrSchedule
    {
        /// <summary>The learning rate after warm-up.</summary>
        Constant = wisp_lr_schedule.WISP_LR_CONSTANT,
        /// <summary>Cosine decay to MinLrRatio * LearningRate over TotalSteps.</summary>
        Cosine = wisp_lr_schedule.WISP_LR_COSINE,
    }

    /// <summary>Fine-tuning hyper-parameters (see wisp_trainer_params).</summary>
    public sealed class TrainerParams
    {
        /// <summary>The library defaults.</summary>
        public TrainerParams()
        {
            wisp_trainer_params d = NativeMethods.wisp_trainer_default_params();
            LearningRate = d.learning_rate;
            LrSchedule = (LrSchedule)d.lr_schedule;
            WarmupSteps = d.warmup_steps;
            TotalSteps = d.total_steps;
            MinLrRatio = d.min_lr_ratio;
            BatchSize = d.batch_size;
            SeqLen = d.seq_len;
            GradAccum = d.grad_accum;
            WeightDecay = d.weight_decay;
            Beta1 = d.beta1;
            Beta2 = d.beta2;
            Eps = d.eps;
            GradClip = d.grad_clip;
            Seed = d.seed;
            Threads = d.n_threads;
            EvalFraction = d.eval_fraction;
            Objective = (Objective)d.objective;
            MaskProbability = d.mask_probability;
            MaskToken = d.mask_token;
        }

        /// <summary>Peak learning rate.</summary>
        public float LearningRate { get; set; }
        /// <summary>The schedule (default cosine).</summary>
        public LrSchedule LrSchedule { get; set; }
        /// <summary>Linear warm-up steps.</summary>
        public int WarmupSteps { get; set; }
        /// <summary>Steps the cosine spans; 0: constant after warm-up.</summary>
        public int TotalSteps { get; set; }
        /// <summary>Cosine floor as a fraction of the learning rate.</summary>
        public float MinLrRatio { get; set; }
        /// <summary>Sequences (windows) per forward pass.</summary>
        public int BatchSize { get; set; }
        /// <summary>Tokens per window (default from the library).</summary>
        public int SeqLen { get; set; }
        /// <summary>Micro-batches per optimizer step.</summary>
        public int GradAccum { get; set; }
        /// <summary>AdamW decay on matrices, not norms.</summary>
        public float WeightDecay { get; set; }
        /// <summary>AdamW beta1.</summary>
        public float Beta1 { get; set; }
        /// <summary>AdamW beta2.</summary>
        public float Beta2 { get; set; }
        /// <summary>AdamW epsilon.</summary>
        public float Eps { get; set; }
        /// <summary>Max global gradient norm; 0: off.</summary>
        public float GradClip { get; set; }
        /// <summary>Seed of the data shuffling.</summary>
        public ulong Seed { get; set; }
        /// <summary>Threads including the caller's.</summary>
        public int Threads { get; set; }
        /// <summary>Held-out tail of the data, 0..0.5.</summary>
        public float EvalFraction { get; set; }
        /// <summary>The objective (default causal).</summary>
        public Objective Objective { get; set; }
        /// <summary>Masked LM: share of positions chosen.</summary>
        public float MaskProbability { get; set; }
        /// <summary>Masked LM's mask token; -1: the tokenizer's.</summary>
        public int MaskToken { get; set; }
        /// <summary>Prefix LM separator, as in EvalParams (copied at creation).</summary>
        public string PrefixSeparator { get; set; }

        // The caller frees prefix_separator with Marshal.FreeHGlobal.
        internal wisp_trainer_params ToNative()
        {
            wisp_trainer_params p = NativeMethods.wisp_trainer_default_params();
            p.learning_rate = LearningRate;
            p.lr_schedule = (int)LrSchedule;
            p.warmup_steps = WarmupSteps;
            p.total_steps = TotalSteps;
            p.min_lr_ratio = MinLrRatio;
            p.batch_size = BatchSize;
            p.seq_len = SeqLen;
            p.grad_accum = GradAccum;
            p.weight_decay = WeightDecay;
            p.beta1 = Beta1;
            p.beta2 = Beta2;
            p.eps = Eps;
            p.grad_clip = GradClip;
            p.seed = Seed;
            p.n_threads = Threads;
            p.eval_fraction = EvalFraction;
            p.objective = (int)Objective;
            p.mask_probability = MaskProbability;
            p.mask_token = MaskToken;
            p.prefix_separator = Utf8.AllocNative(PrefixSeparator);
            return p;
        }
    }
}
