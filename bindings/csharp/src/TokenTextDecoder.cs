// Streamed tokens are bytes, and a byte-fallback token may carry only part of
// a UTF-8 sequence (an emoji can arrive as four one-byte tokens). This decoder
// keeps an incomplete sequence until the bytes that finish it arrive, so every
// string it returns is valid; bytes that can never form a character become
// U+FFFD.
using System.Text;

namespace Wisp
{
    /// <summary>Turns a stream of token bytes into valid strings, holding back incomplete UTF-8 sequences.</summary>
    public sealed class TokenTextDecoder
    {
        private readonly Decoder decoder_ =
            new UTF8Encoding(false, false).GetDecoder();

        /// <summary>The characters completed by `bytes` (possibly "").
        /// </summary>
        public string Push(byte[] bytes)
        {
            int count = decoder_.GetCharCount(bytes, 0, bytes.Length, false);
            char[] chars = new char[count];
            decoder_.GetChars(bytes, 0, bytes.Length, chars, 0, false);
            return new string(chars);
        }

        /// <summary>Ends the stream: a pending incomplete sequence comes out
        /// as U+FFFD.</summary>
        public string Flush()
        {
            byte[] none = new byte[0];
            int count = decoder_.GetCharCount(none, 0, 0, true);
            char[] chars = new char[count];
            decoder_.GetChars(none, 0, 0, chars, 0, true);
            return new string(chars);
        }

        /// <summary>Drops any pending incomplete sequence.</summary>
        public void Reset()
        {
            decoder_.Reset();
        }
    }
}
