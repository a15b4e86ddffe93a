// The C types of include/wisp/wisp.h, spelled exactly as in the header so that
// tools/check_header.py can compare the two field by field. Nothing here is
// public: applications use the idiomatic classes in the Wisp namespace.
using System;
using System.Runtime.InteropServices;

namespace Wisp.Interop
{
    internal static class HeaderVersion
    {
        // The header version these declarations were written against.
        internal const int WISP_API_VERSION_MAJOR = 0;
        internal const int WISP_API_VERSION_MINOR = 4;
    }

    internal enum wisp_status
    {
        WISP_OK = 0,
        WISP_ERR_INVALID_ARGUMENT = 1,
        WISP_ERR_NOT_FOUND = 2,
        WISP_ERR_CORRUPT = 3,
        WISP_ERR_UNSUPPORTED = 4,
        WISP_ERR_OUT_OF_RANGE = 5,
        WISP_ERR_BUFFER_TOO_SMALL = 6,
        WISP_ERR_CANCELLED = 7,
        WISP_ERR_OUT_OF_MEMORY = 8,
        WISP_ERR_IO = 9,
        WISP_ERR_INTERNAL = 10,
        WISP_ERR_MISMATCH = 11,
    }

    internal enum wisp_norm_kind
    {
        WISP_NORM_RMS = 0,
        WISP_NORM_LAYER = 1,
    }

    internal enum wisp_position_kind
    {
        WISP_POSITIONS_ROTARY = 0,
        WISP_POSITIONS_LEARNED = 1,
    }

    internal enum wisp_mlp_kind
    {
        WISP_MLP_SWIGLU = 0,
        WISP_MLP_GELU_TANH = 1,
        WISP_MLP_GELU_ERF = 2,
    }

    internal enum wisp_mask_kind
    {
        WISP_MASK_CAUSAL = 0,
        WISP_MASK_BIDIRECTIONAL = 1,
        WISP_MASK_PREFIX = 2,
    }

    internal enum wisp_stop_reason
    {
        WISP_STOP_MAX_TOKENS = 0,
        WISP_STOP_END_OF_TEXT = 1,
        WISP_STOP_CONTEXT_FULL = 2,
        WISP_STOP_CALLBACK = 3,
    }

    internal enum wisp_objective
    {
        WISP_OBJECTIVE_CAUSAL = 0,
        WISP_OBJECTIVE_MASKED = 1,
        WISP_OBJECTIVE_PREFIX = 2,
    }

    internal enum wisp_lr_schedule
    {
        WISP_LR_CONSTANT = 0,
        WISP_LR_COSINE = 1,
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_model_params
    {
        public UIntPtr struct_size;
        public int verify_checksums;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_model_config
    {
        public UIntPtr struct_size;
        public int dim;
        public int hidden_dim;
        public int n_layers;
        public int n_heads;
        public int n_kv_heads;
        public int vocab_size;
        public int max_seq_len;
        public float norm_eps;
        public float rope_theta;
        public int norm;
        public int positions;
        public int mlp;
        public int mask;
        public int tied_embeddings;
        public int bos_id;
        public int eos_id;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_session_params
    {
        public UIntPtr struct_size;
        public int n_threads;
        public int context_length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_sampler_params
    {
        public UIntPtr struct_size;
        public float temperature;
        public int top_k;
        public float top_p;
        public float repetition_penalty;
        public int repetition_last_n;
        public ulong seed;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_eval_params
    {
        public UIntPtr struct_size;
        public int seq_len;
        public int batch_size;
        public int n_threads;
        public int objective;
        public int mask_token;
        public IntPtr prefix_separator;  // const char*, borrowed for the call
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_trainer_params
    {
        public UIntPtr struct_size;
        public float learning_rate;
        public int lr_schedule;
        public int warmup_steps;
        public int total_steps;
        public float min_lr_ratio;
        public int batch_size;
        public int seq_len;
        public int grad_accum;
        public float weight_decay;
        public float beta1;
        public float beta2;
        public float eps;
        public float grad_clip;
        public ulong seed;
        public int n_threads;
        public float eval_fraction;
        public int objective;
        public float mask_probability;
        public int mask_token;
        public IntPtr prefix_separator;  // const char*, copied at creation
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct wisp_step_info
    {
        public UIntPtr struct_size;
        public long step;
        public float loss;
        public float learning_rate;
        public float grad_norm;
        public long tokens;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int wisp_token_callback(int token, IntPtr text,
                                              UIntPtr text_len,
                                              IntPtr user_data);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int wisp_train_callback(ref wisp_step_info info,
                                              IntPtr user_data);
}
