// A loaded model: immutable but for SetExactBf16Products (thread-safe), so
// one Model may be shared by any number of threads, sessions and trainers at
// once. Dispose it when done; the native
// model is actually freed once the last session and trainer on it is too.
using System;
using System.Runtime.InteropServices;
using System.Text;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>A loaded model (wisp_model), immutable but for
    /// SetExactBf16Products; thread-safe.</summary>
    public sealed class Model : IDisposable
    {
        private readonly ModelHandle handle_;
        private readonly ModelConfig config_;
        private volatile bool disposed_;

        private Model(ModelHandle handle)
        {
            handle_ = handle;
            wisp_model_config c = new wisp_model_config();
            c.struct_size = new UIntPtr((uint)Marshal.SizeOf(typeof(wisp_model_config)));
            WispException.Check(NativeMethods.wisp_model_get_config(handle_, ref c),
                                "wisp_model_get_config");
            config_ = new ModelConfig(c);
        }

        /// <summary>Loads a .wisp file (memory-mapped). Throws WispException:
        /// NotFound, Corrupt, Unsupported (also for a libwisp of an
        /// incompatible API version), InvalidArgument.</summary>
        public static Model Load(string path, ModelParams parameters = null)
        {
            byte[] native_path = Utf8.NulTerminated(path, "path");
            // A library of another major version lays out its structs
            // differently: refuse it here rather than misread memory later.
            if (!Library.IsCompatible)
            {
                throw new WispException(
                    Status.Unsupported,
                    string.Format("libwisp API version {0:x} loaded; this " +
                                  "binding needs {1:x} (same major, minor at " +
                                  "least)", Library.ApiVersion,
                                  Library.BindingApiVersion));
            }
            wisp_model_params p = (parameters ?? new ModelParams()).ToNative();
            ModelHandle handle;
            wisp_status status =
                NativeMethods.wisp_model_load(native_path, ref p, out handle);
            WispException.Check(status, "wisp_model_load");
            return new Model(handle);
        }

        /// <summary>The native handle, for sessions and trainers.</summary>
        public ModelHandle Handle
        {
            get { return Live; }
        }

        // The handle, unless this Model was disposed: sessions keep the
        // native model alive after Dispose, so the SafeHandle alone would not
        // notice.
        private ModelHandle Live
        {
            get
            {
                if (disposed_) throw new ObjectDisposedException("Model");
                return handle_;
            }
        }

        /// <summary>The model's shape and tokenizer ids.</summary>
        public ModelConfig Config
        {
            get { return config_; }
        }

        /// <summary>Chooses how the model's bf16 weight matrices multiply
        /// activations. true: always exactly, each weight widened to f32 and
        /// multiplied by the f32 activations, so a prompt's logits are the
        /// same on every CPU up to f32 summation order. false, the setting
        /// after Load: prompts may round the activations to bf16 for the
        /// CPU's bf16 dot-product instructions (AVX512_BF16), about 1.8x
        /// faster prefill. WISP_BF16_DOT=0 in the environment makes every
        /// model exact; f32 models are unaffected. Takes effect for forward
        /// passes that start after it returns, also in sessions created
        /// before (each pass reads the setting once at its start); callable
        /// from any thread, also while sessions on the model run.</summary>
        public void SetExactBf16Products(bool exact)
        {
            WispException.Check(
                NativeMethods.wisp_model_set_exact_bf16_products(Live, exact ? 1 : 0),
                "wisp_model_set_exact_bf16_products");
        }

        /// <summary>The SetExactBf16Products setting.</summary>
        public bool ExactBf16Products
        {
            get { return NativeMethods.wisp_model_exact_bf16_products(Live) != 0; }
        }

        /// <summary>Token ids of UTF-8 text, BOS first if addBos.</summary>
        public int[] Tokenize(string text, bool addBos = true)
        {
            return Tokenize(Utf8.Bytes(text), addBos);
        }

        /// <summary>Token ids of raw bytes (invalid UTF-8 becomes byte
        /// tokens), BOS first if addBos.</summary>
        public int[] Tokenize(byte[] text, bool addBos = true)
        {
            if (text == null) throw new ArgumentNullException("text");
            return Tokenize(Live, text, addBos);
        }

        // Tokenize on a native handle: sessions keep theirs alive and use it
        // after this Model was disposed.
        internal static int[] Tokenize(ModelHandle handle, byte[] text,
                                       bool addBos)
        {
            UIntPtr length = new UIntPtr((uint)text.Length);
            return AskThenCopy.Fetch<int>(
                delegate(int[] ids, UIntPtr capacity, out UIntPtr n) {
                    return NativeMethods.wisp_tokenize(handle, text, length,
                                                       addBos ? 1 : 0, ids,
                                                       capacity, out n);
                },
                text.Length + 2, "wisp_tokenize");
        }

        /// <summary>The bytes of ids, printed the way llama2.c prints them
        /// (BOS dropped with the space after it; byte tokens as raw
        /// bytes). The bytes may not be valid UTF-8.</summary>
        public byte[] DetokenizeBytes(int[] ids)
        {
            if (ids == null) throw new ArgumentNullException("ids");
            UIntPtr n_ids = new UIntPtr((uint)ids.Length);
            return AskThenCopy.Fetch<byte>(
                delegate(byte[] text, UIntPtr capacity, out UIntPtr n) {
                    return NativeMethods.wisp_detokenize(Live, ids, n_ids,
                                                         text, capacity, out n);
                },
                ids.Length * 8, "wisp_detokenize");
        }

        /// <summary>DetokenizeBytes as a string (invalid UTF-8 becomes
        /// U+FFFD).</summary>
        public string Detokenize(int[] ids)
        {
            return Encoding.UTF8.GetString(DetokenizeBytes(ids));
        }

        /// <summary>The bytes of `token` as printed after `previous` (-1: no
        /// previous token); possibly part of a UTF-8 sequence.</summary>
        public byte[] TokenBytes(int previous, int token)
        {
            return AskThenCopy.Fetch<byte>(
                delegate(byte[] text, UIntPtr capacity, out UIntPtr n) {
                    return NativeMethods.wisp_token_to_text(
                        Live, previous, token, text, capacity, out n);
                },
                16, "wisp_token_to_text");
        }

        /// <summary>TokenBytes as a string (a partial UTF-8 sequence becomes
        /// U+FFFD; use a TokenTextDecoder for streams).</summary>
        public string TokenToText(int previous, int token)
        {
            return Encoding.UTF8.GetString(TokenBytes(previous, token));
        }

        /// <summary>Mean cross-entropy (natural log) of the model over text;
        /// perplexity is Math.Exp of it. Thread-safe.</summary>
        public float Evaluate(string text, EvalParams parameters = null)
        {
            byte[] bytes = Utf8.Bytes(text);
            wisp_eval_params p = (parameters ?? new EvalParams()).ToNative();
            try
            {
                float loss;
                WispException.Check(
                    NativeMethods.wisp_model_evaluate(
                        Live, bytes, new UIntPtr((uint)bytes.Length), ref p,
                        out loss),
                    "wisp_model_evaluate");
                return loss;
            }
            finally
            {
                Marshal.FreeHGlobal(p.prefix_separator);
            }
        }

        /// <summary>A new context on this model (see Session).</summary>
        public Session CreateSession(SessionParams parameters = null)
        {
            return new Session(this, parameters ?? new SessionParams());
        }

        /// <summary>A trainer fine-tuning a copy of this model's weights.
        /// </summary>
        public Trainer CreateTrainer(TrainerParams parameters = null)
        {
            return new Trainer(this, parameters ?? new TrainerParams());
        }

        /// <summary>Releases the model once no session or trainer uses it.</summary>
        public void Dispose()
        {
            disposed_ = true;
            handle_.Dispose();
        }
    }
}
