// The engine-independent part of a talking NPC, ticked once per frame by a
// thin engine component (samples/unity, samples/godot): start a reply on a
// worker when the player comes near, hand over the text that arrived since
// the last frame, cancel when the player walks away.
using System;

namespace Wisp.Games
{
    /// <summary>One NPC's dialogue: a session on a shared model, a persona
    /// prompt, and at most one reply in progress. Use from one thread (the
    /// game's main thread).</summary>
    public sealed class NpcConversation : IDisposable
    {
        private readonly string model_path_;
        private Session session_;
        private BackgroundReply reply_;
        private bool spoke_this_visit_;

        /// <summary>Loads (or shares) the model at modelPath and opens this
        /// NPC's session. Throws WispException, e.g. NotFound.</summary>
        public NpcConversation(string modelPath, string persona)
        {
            if (persona == null) throw new ArgumentNullException("persona");
            Model model = SharedModel.Acquire(modelPath);
            try
            {
                session_ = model.CreateSession();
            }
            catch
            {
                SharedModel.Release(modelPath);
                throw;
            }
            model_path_ = modelPath;
            Persona = persona;
            MaxTokens = 60;
            Sampler = new SamplerParams();
            CurrentLine = string.Empty;
        }

        /// <summary>The prompt each reply continues.</summary>
        public string Persona { get; set; }

        /// <summary>Longest reply, in tokens. Default 60.</summary>
        public int MaxTokens { get; set; }

        /// <summary>Sampling of the replies (library defaults).</summary>
        public SamplerParams Sampler { get; set; }

        /// <summary>What the NPC has said so far in its current or last
        /// reply.</summary>
        public string CurrentLine { get; private set; }

        /// <summary>True while a reply is being generated or its text is
        /// still waiting to be taken.</summary>
        public bool IsReplying
        {
            get { return reply_ != null; }
        }

        /// <summary>The NPC's session, free to use (e.g. SaveState for a game
        /// save) while IsReplying is false.</summary>
        public Session Session
        {
            get { return session_; }
        }

        /// <summary>Raised from Tick when a reply failed.</summary>
        public event Action<Exception> Failed;

        /// <summary>Call once per frame on the main thread. Starts a reply
        /// when the player arrives (once per visit), cancels it when the
        /// player leaves, and returns the text that arrived since the last
        /// call ("" if none), also appended to CurrentLine.</summary>
        public string Tick(bool playerNear)
        {
            if (session_ == null) throw new ObjectDisposedException("NpcConversation");
            if (!playerNear)
            {
                spoke_this_visit_ = false;
                if (reply_ != null) reply_.Cancel();
            }
            else if (reply_ == null && !spoke_this_visit_)
            {
                spoke_this_visit_ = true;
                CurrentLine = string.Empty;
                reply_ = BackgroundReply.Start(session_, Persona, MaxTokens,
                                               Sampler);
            }
            if (reply_ == null) return string.Empty;
            string text = reply_.TakeText();
            CurrentLine += text;
            if (reply_.IsFinished)
            {
                Exception error = reply_.Error;
                reply_ = null;
                if (error != null && Failed != null) Failed(error);
            }
            return text;
        }

        /// <summary>Cancels any reply, frees the session and releases the
        /// shared model.</summary>
        public void Dispose()
        {
            if (session_ == null) return;
            if (reply_ != null)
            {
                reply_.Cancel();
                // The worker stops after at most one token. Should it not,
                // the session is left to its finalizer rather than freed
                // while the worker uses it.
                if (reply_.Wait(1000)) session_.Dispose();
                reply_ = null;
            }
            else
            {
                session_.Dispose();
            }
            session_ = null;
            SharedModel.Release(model_path_);
        }
    }
}
