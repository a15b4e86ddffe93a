// Every function of include/wisp/wisp.h as a P/Invoke declaration, with the
// header's names for functions and parameters so that tools/check_header.py
// can compare them (and `@params` only because `params` is a C# keyword).
//
// Type mapping: size_t is UIntPtr; int32_t/int are int; handles are SafeHandle
// subclasses; strings cross as NUL-terminated UTF-8 byte[] (paths) or byte[]
// plus length (text), never as .NET strings, so that no marshaller guesses an
// encoding; returned `const char*` are IntPtr decoded by Utf8.FromNative.
using System;
using System.Runtime.InteropServices;

namespace Wisp.Interop
{
    internal static class NativeMethods
    {
        // "wisp" resolves to libwisp.so / libwisp.dylib / wisp.dll; see README.
        internal const string Library = "wisp";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wisp_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int wisp_api_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wisp_last_error();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr wisp_status_name(wisp_status status);

        // Models

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_model_params wisp_model_default_params();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_model_load(
            byte[] path, ref wisp_model_params @params,
            out ModelHandle out_model);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void wisp_model_free(IntPtr model);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_model_set_exact_bf16_products(
            ModelHandle model, int exact);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int wisp_model_exact_bf16_products(ModelHandle model);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_model_get_config(
            ModelHandle model, ref wisp_model_config out_config);

        // Tokenizer

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_tokenize(
            ModelHandle model, byte[] text, UIntPtr text_len, int add_bos,
            [Out] int[] ids, UIntPtr capacity, out UIntPtr out_n_ids);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_detokenize(
            ModelHandle model, int[] ids, UIntPtr n_ids, [Out] byte[] text,
            UIntPtr capacity, out UIntPtr out_len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_token_to_text(
            ModelHandle model, int prev_token, int token, [Out] byte[] text,
            UIntPtr capacity, out UIntPtr out_len);

        // Sessions

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_session_params wisp_session_default_params();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_create(
            ModelHandle model, ref wisp_session_params @params,
            out SessionHandle out_session);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void wisp_session_free(IntPtr session);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_reset(
            SessionHandle session);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_position(
            SessionHandle session, out UIntPtr out_position);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_threads(
            SessionHandle session, out int out_threads);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_feed(
            SessionHandle session, int[] ids, UIntPtr n_ids,
            [Out] float[] logits, UIntPtr logits_capacity);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_logits(
            SessionHandle session, [Out] float[] logits, UIntPtr capacity,
            out UIntPtr out_n);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_sampler_params wisp_sampler_default_params();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_sample(
            SessionHandle session, ref wisp_sampler_params @params,
            out int out_token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_generate(
            SessionHandle session, ref wisp_sampler_params @params,
            UIntPtr max_tokens, wisp_token_callback callback, IntPtr user_data,
            out UIntPtr out_n_generated, out wisp_stop_reason out_reason);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_set_sampler(
            SessionHandle session, ref wisp_sampler_params @params);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_continue(
            SessionHandle session, UIntPtr max_tokens,
            wisp_token_callback callback, IntPtr user_data,
            out UIntPtr out_n_generated, out wisp_stop_reason out_reason);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_save_state(
            SessionHandle session, [Out] byte[] buffer, UIntPtr capacity,
            out UIntPtr out_size);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_session_load_state(
            SessionHandle session, byte[] data, UIntPtr size);

        // Evaluation

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_eval_params wisp_eval_default_params();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_model_evaluate(
            ModelHandle model, byte[] text, UIntPtr text_len,
            ref wisp_eval_params @params, out float out_loss);

        // Fine-tuning

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_trainer_params wisp_trainer_default_params();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_create(
            ModelHandle model, ref wisp_trainer_params @params,
            out TrainerHandle out_trainer);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void wisp_trainer_free(IntPtr trainer);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_set_data_text(
            TrainerHandle trainer, byte[] text, UIntPtr text_len);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_set_data_ids(
            TrainerHandle trainer, int[] ids, UIntPtr n_ids);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_step(
            TrainerHandle trainer, ref wisp_step_info out_info);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_train(
            TrainerHandle trainer, UIntPtr n_steps,
            wisp_train_callback callback, IntPtr user_data);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_evaluate(
            TrainerHandle trainer, out float out_loss);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_evaluate_text(
            TrainerHandle trainer, byte[] text, UIntPtr text_len,
            out float out_loss);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_get_step(
            TrainerHandle trainer, out long out_step);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_threads(
            TrainerHandle trainer, out int out_threads);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_save_checkpoint(
            TrainerHandle trainer, byte[] path);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_resume(
            TrainerHandle trainer, byte[] path);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern wisp_status wisp_trainer_export_model(
            TrainerHandle trainer, byte[] path);
    }
}
