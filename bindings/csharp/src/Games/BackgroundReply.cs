// Generation on a worker thread for a game loop: the frame never waits for
// the model. Text comes back through a thread-safe queue that the main
// thread drains once per frame (Unity's Update, Godot's _Process), and
// Cancel() stops the worker after the token in progress.
using System;
using System.Collections.Concurrent;
using System.Text;
using System.Threading;

namespace Wisp.Games
{
    /// <summary>One reply being generated on a worker thread.</summary>
    public sealed class BackgroundReply
    {
        private readonly ConcurrentQueue<string> pieces_ =
            new ConcurrentQueue<string>();
        private readonly CancellationTokenSource cancel_ =
            new CancellationTokenSource();
        private readonly ManualResetEvent finished_ = new ManualResetEvent(false);
        private StopReason? stop_reason_;
        private Exception error_;

        private BackgroundReply() {}

        /// <summary>Starts a worker thread that empties `session`, feeds
        /// `prompt` (BOS first) and generates up to maxTokens tokens. The
        /// session belongs to the worker until Wait(0) returns true: do not
        /// touch it from another thread meanwhile.</summary>
        public static BackgroundReply Start(Session session, string prompt,
                                            int maxTokens,
                                            SamplerParams sampler = null)
        {
            if (session == null) throw new ArgumentNullException("session");
            if (prompt == null) throw new ArgumentNullException("prompt");
            BackgroundReply reply = new BackgroundReply();
            Thread worker = new Thread(() => reply.Run(session, prompt,
                                                        maxTokens, sampler));
            // A background thread never keeps the game process alive.
            worker.IsBackground = true;
            worker.Name = "wisp reply";
            worker.Start();
            return reply;
        }

        private void Run(Session session, string prompt, int maxTokens,
                         SamplerParams sampler)
        {
            try
            {
                session.Reset();
                session.Feed(prompt, true);
                GenerationResult result = session.Generate(
                    maxTokens, sampler, token => {
                        if (token.Text.Length > 0) pieces_.Enqueue(token.Text);
                    }, cancel_.Token);
                stop_reason_ = result.StopReason;
            }
            catch (Exception e)
            {
                error_ = e;
            }
            finally
            {
                finished_.Set();
            }
        }

        /// <summary>Takes the next piece of text, if one has arrived.
        /// </summary>
        public bool TryTake(out string text)
        {
            return pieces_.TryDequeue(out text);
        }

        /// <summary>All the text that has arrived since the last call ("" if
        /// none): what a frame appends to the NPC's speech bubble.</summary>
        public string TakeText()
        {
            string piece;
            if (!pieces_.TryDequeue(out piece)) return string.Empty;
            StringBuilder text = new StringBuilder(piece);
            while (pieces_.TryDequeue(out piece)) text.Append(piece);
            return text.ToString();
        }

        /// <summary>True once the worker is done and all its text was taken:
        /// nothing more will arrive, and the session is free again.</summary>
        public bool IsFinished
        {
            // The worker enqueues everything before it signals, so once the
            // signal is seen an empty queue stays empty.
            get { return finished_.WaitOne(0) && pieces_.IsEmpty; }
        }

        /// <summary>Why generation stopped; null while running or after an
        /// error.</summary>
        public StopReason? StopReason
        {
            get { return finished_.WaitOne(0) ? stop_reason_ : null; }
        }

        /// <summary>What the worker threw (e.g. a WispException), or null.
        /// </summary>
        public Exception Error
        {
            get { return finished_.WaitOne(0) ? error_ : null; }
        }

        /// <summary>Asks the worker to stop after the current token; returns
        /// at once. Safe from any thread, any number of times.</summary>
        public void Cancel()
        {
            cancel_.Cancel();
        }

        /// <summary>Waits up to `milliseconds` for the worker to be done with
        /// the session (text may still wait to be taken).</summary>
        public bool Wait(int milliseconds)
        {
            return finished_.WaitOne(milliseconds);
        }
    }
}
