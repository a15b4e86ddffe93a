// What streaming generation hands out: each token as it is produced, and a
// summary when the call returns.
using System.Text;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>Why a Generate or Continue call returned.</summary>
    public enum StopReason
    {
        /// <summary>Generated the requested number of tokens.</summary>
        MaxTokens = wisp_stop_reason.WISP_STOP_MAX_TOKENS,
        /// <summary>The model produced end-of-text (not fed, not
        /// streamed).</summary>
        EndOfText = wisp_stop_reason.WISP_STOP_END_OF_TEXT,
        /// <summary>The context has no room left.</summary>
        ContextFull = wisp_stop_reason.WISP_STOP_CONTEXT_FULL,
        /// <summary>The CancellationToken was cancelled
        /// (WISP_STOP_CALLBACK).</summary>
        Cancelled = wisp_stop_reason.WISP_STOP_CALLBACK,
    }

    /// <summary>One streamed token.</summary>
    public struct GeneratedToken
    {
        internal GeneratedToken(int id, byte[] bytes, string text)
        {
            Id = id;
            Bytes = bytes;
            Text = text;
        }

        /// <summary>The token id.</summary>
        public int Id { get; private set; }

        /// <summary>The token's bytes as printed after the previous token;
        /// possibly part of a UTF-8 sequence.</summary>
        public byte[] Bytes { get; private set; }

        /// <summary>The characters this token completes: valid text, "" while
        /// a multi-byte character is still incomplete.</summary>
        public string Text { get; private set; }
    }

    /// <summary>The outcome of one Generate or Continue call.</summary>
    public sealed class GenerationResult
    {
        internal GenerationResult(int[] tokens, byte[] bytes, string text,
                                  StopReason reason)
        {
            Tokens = tokens;
            Bytes = bytes;
            Text = text;
            StopReason = reason;
        }

        /// <summary>The ids generated and fed, in order.</summary>
        public int[] Tokens { get; private set; }

        /// <summary>Their bytes, concatenated.</summary>
        public byte[] Bytes { get; private set; }

        /// <summary>The concatenated GeneratedToken.Text of the call.</summary>
        public string Text { get; private set; }

        /// <summary>Why the call returned.</summary>
        public StopReason StopReason { get; private set; }
    }
}
