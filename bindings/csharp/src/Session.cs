// A context (KV cache) on a shared Model. A Session is used by one thread at
// a time but may move between threads (e.g. created on Unity's main thread,
// generating on a worker); concurrent use throws InvalidOperationException.
using System;
using System.Runtime.InteropServices;
using System.Threading;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>A context (KV cache) on a shared Model (wisp_session); one thread at a time.</summary>
    public sealed class Session : IDisposable
    {
        private readonly Model model_;
        // The native model, which the session keeps alive (also after
        // model_ is disposed).
        private readonly ModelHandle model_handle_;
        private readonly SessionHandle handle_;
        private readonly UseGuard guard_ = new UseGuard("Session");
        // Carries an incomplete UTF-8 sequence from one Continue call to the
        // next; emptied whenever the context stops being one stream.
        private readonly TokenTextDecoder decoder_ = new TokenTextDecoder();

        internal Session(Model model, SessionParams parameters)
        {
            model_ = model;
            model_handle_ = model.Handle;
            wisp_session_params p = parameters.ToNative();
            SessionHandle handle;
            WispException.Check(
                NativeMethods.wisp_session_create(model.Handle, ref p, out handle),
                "wisp_session_create");
            handle.KeepAlive(model_handle_);
            handle_ = handle;
        }

        /// <summary>The model this session runs.</summary>
        public Model Model
        {
            get { return model_; }
        }

        /// <summary>Tokens in the context.</summary>
        public int Position
        {
            get
            {
                using (guard_.Enter())
                {
                    UIntPtr position;
                    WispException.Check(
                        NativeMethods.wisp_session_position(handle_, out position),
                        "wisp_session_position");
                    return checked((int)position.ToUInt64());
                }
            }
        }

        /// <summary>Threads the session computes with, the caller's
        /// included: SessionParams.Threads reduced to the CPUs the process may
        /// run on.</summary>
        public int Threads
        {
            get
            {
                using (guard_.Enter())
                {
                    int threads;
                    WispException.Check(
                        NativeMethods.wisp_session_threads(handle_, out threads),
                        "wisp_session_threads");
                    return threads;
                }
            }
        }

        /// <summary>Empties the context, keeping its memory.</summary>
        public void Reset()
        {
            using (guard_.Enter())
            {
                WispException.Check(NativeMethods.wisp_session_reset(handle_),
                                    "wisp_session_reset");
                decoder_.Reset();
            }
        }

        /// <summary>Appends ids to the context in one pass. OutOfRange if
        /// they do not fit (then nothing is fed).</summary>
        public void Feed(int[] ids)
        {
            FeedInto(ids, null);
        }

        /// <summary>Tokenizes text (BOS first if addBos) and feeds it.
        /// </summary>
        public void Feed(string text, bool addBos)
        {
            FeedInto(Model.Tokenize(model_handle_, Utf8.Bytes(text), addBos),
                     null);
        }

        /// <summary>Feeds ids and returns ids.Length * VocabSize logits: row
        /// t predicts the token after ids[t]. Errors as for Feed, and
        /// OutOfMemory if the logits do not fit in memory.</summary>
        public float[] FeedWithLogits(int[] ids)
        {
            if (ids == null) throw new ArgumentNullException("ids");
            // More ids than any context holds: the library's OutOfRange,
            // before asking for ids x vocab floats.
            if (ids.Length > model_.Config.MaxSeqLen)
            {
                FeedInto(ids, null);
                throw new WispException(Status.Internal,
                                        "fed more ids than max_seq_len");
            }
            float[] logits;
            try
            {
                logits = new float[checked(ids.Length * model_.Config.VocabSize)];
            }
            catch (Exception e) when (e is OutOfMemoryException ||
                                      e is OverflowException)
            {
                throw new WispException(
                    Status.OutOfMemory,
                    string.Format("no memory for the logits of {0} ids",
                                  ids.Length));
            }
            FeedInto(ids, logits);
            return logits;
        }

        private void FeedInto(int[] ids, float[] logits)
        {
            if (ids == null) throw new ArgumentNullException("ids");
            using (guard_.Enter())
            {
                WispException.Check(
                    NativeMethods.wisp_session_feed(
                        handle_, ids, new UIntPtr((uint)ids.Length), logits,
                        new UIntPtr(logits == null ? 0u : (uint)logits.Length)),
                    "wisp_session_feed");
                decoder_.Reset();
            }
        }

        /// <summary>The logits after the last fed token (VocabSize
        /// floats).</summary>
        public float[] Logits()
        {
            using (guard_.Enter())
            {
                return AskThenCopy.Fetch<float>(
                    delegate(float[] logits, UIntPtr capacity, out UIntPtr n) {
                        return NativeMethods.wisp_session_logits(
                            handle_, logits, capacity, out n);
                    },
                    model_.Config.VocabSize, "wisp_session_logits");
            }
        }

        /// <summary>Samples one token from the current logits without feeding
        /// it (each call restarts the random stream from the seed).</summary>
        public int Sample(SamplerParams sampler = null)
        {
            wisp_sampler_params p = (sampler ?? new SamplerParams()).ToNative();
            using (guard_.Enter())
            {
                int token;
                WispException.Check(
                    NativeMethods.wisp_session_sample(handle_, ref p, out token),
                    "wisp_session_sample");
                return token;
            }
        }

        /// <summary>Generates up to maxTokens tokens, feeding each back and
        /// passing it to onToken (on this thread) as it comes. Cancelling
        /// `cancellation` (from any thread) stops after the current token with
        /// StopReason.Cancelled; it is not an error. An exception thrown by
        /// onToken stops generation and is rethrown here.</summary>
        public GenerationResult Generate(
            int maxTokens, SamplerParams sampler = null,
            Action<GeneratedToken> onToken = null,
            CancellationToken cancellation = default(CancellationToken))
        {
            wisp_sampler_params p = (sampler ?? new SamplerParams()).ToNative();
            return Stream(maxTokens, onToken, cancellation,
                          delegate(IntPtr user_data, out UIntPtr n,
                                   out wisp_stop_reason reason) {
                              return NativeMethods.wisp_session_generate(
                                  handle_, ref p, new UIntPtr((uint)maxTokens),
                                  Callbacks.Token, user_data, out n, out reason);
                          },
                          "wisp_session_generate");
        }

        /// <summary>Gives the session its own sampler for Continue, restarting
        /// its random stream from sampler.Seed.</summary>
        public void SetSampler(SamplerParams sampler)
        {
            wisp_sampler_params p = (sampler ?? new SamplerParams()).ToNative();
            using (guard_.Enter())
            {
                WispException.Check(
                    NativeMethods.wisp_session_set_sampler(handle_, ref p),
                    "wisp_session_set_sampler");
            }
        }

        /// <summary>Generates like Generate with the session's own sampler
        /// (SetSampler), whose random stream goes on across calls: budgets a
        /// then b give the same tokens as one call with a + b (a per-frame
        /// token budget in a game).</summary>
        public GenerationResult Continue(
            int maxTokens, Action<GeneratedToken> onToken = null,
            CancellationToken cancellation = default(CancellationToken))
        {
            return Stream(maxTokens, onToken, cancellation,
                          delegate(IntPtr user_data, out UIntPtr n,
                                   out wisp_stop_reason reason) {
                              return NativeMethods.wisp_session_continue(
                                  handle_, new UIntPtr((uint)maxTokens),
                                  Callbacks.Token, user_data, out n, out reason);
                          },
                          "wisp_session_continue");
        }

        private delegate wisp_status StreamCall(IntPtr user_data, out UIntPtr n,
                                                out wisp_stop_reason reason);

        private GenerationResult Stream(int maxTokens,
                                        Action<GeneratedToken> onToken,
                                        CancellationToken cancellation,
                                        StreamCall call, string function)
        {
            if (maxTokens < 0) throw new ArgumentOutOfRangeException("maxTokens");
            using (guard_.Enter())
            {
                TokenSink sink = new TokenSink();
                sink.OnToken = onToken;
                sink.Cancellation = cancellation;
                sink.Decoder = decoder_;
                wisp_stop_reason reason = wisp_stop_reason.WISP_STOP_CALLBACK;
                if (!cancellation.IsCancellationRequested)
                {
                    GCHandle user_data = GCHandle.Alloc(sink);
                    try
                    {
                        UIntPtr n;
                        wisp_status status =
                            call(GCHandle.ToIntPtr(user_data), out n, out reason);
                        if (sink.Error != null) sink.Error.Throw();
                        WispException.Check(status, function);
                    }
                    finally
                    {
                        user_data.Free();
                    }
                }
                return new GenerationResult(sink.Ids.ToArray(),
                                            sink.Bytes.ToArray(),
                                            sink.Text.ToString(),
                                            (StopReason)reason);
            }
        }

        /// <summary>The session's state (tokens, KV cache, logits, own
        /// sampler): bytes for a save file, restorable with LoadState into a
        /// session on a model from an identical file.</summary>
        public byte[] SaveState()
        {
            using (guard_.Enter())
            {
                return AskThenCopy.Fetch<byte>(
                    delegate(byte[] buffer, UIntPtr capacity, out UIntPtr n) {
                        return NativeMethods.wisp_session_save_state(
                            handle_, buffer, capacity, out n);
                    },
                    0, "wisp_session_save_state");
            }
        }

        /// <summary>Replaces the context with a saved state; the session then
        /// continues exactly as the saved one would have. Throws Corrupt,
        /// Mismatch (another model) or OutOfRange; the session is unchanged on
        /// error.</summary>
        public void LoadState(byte[] state)
        {
            if (state == null) throw new ArgumentNullException("state");
            using (guard_.Enter())
            {
                WispException.Check(
                    NativeMethods.wisp_session_load_state(
                        handle_, state, new UIntPtr((uint)state.Length)),
                    "wisp_session_load_state");
                decoder_.Reset();
            }
        }

        /// <summary>Frees the native session (deferred until a call running
        /// on another thread returns).</summary>
        public void Dispose()
        {
            guard_.MarkDisposed();
            handle_.Dispose();
        }
    }
}
