// Strings cross the C boundary as UTF-8 bytes. .NET Standard 2.0 has no
// Marshal.PtrToStringUTF8, so the conversions are spelled out here once.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Wisp.Interop
{
    internal static class Utf8
    {
        // Strict: a .NET string with a lone surrogate is a caller bug, not
        // something to replace silently with '?'.
        private static readonly UTF8Encoding Strict =
            new UTF8Encoding(false, true);

        internal static byte[] Bytes(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            return Strict.GetBytes(text);
        }

        // NUL-terminated, for `const char*` paths. Rejects embedded NULs,
        // which would silently cut the path short in C.
        internal static byte[] NulTerminated(string text, string argument)
        {
            if (text == null) throw new ArgumentNullException(argument);
            if (text.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("contains a NUL character",
                                            argument);
            }
            byte[] bytes = new byte[Strict.GetByteCount(text) + 1];
            Strict.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        // Decodes a NUL-terminated C string (invalid bytes become U+FFFD).
        internal static string FromNative(IntPtr text)
        {
            if (text == IntPtr.Zero) return string.Empty;
            int length = 0;
            while (Marshal.ReadByte(text, length) != 0) ++length;
            byte[] bytes = new byte[length];
            Marshal.Copy(text, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        internal static byte[] Copy(IntPtr data, UIntPtr length)
        {
            byte[] bytes = new byte[checked((int)length.ToUInt64())];
            if (bytes.Length > 0) Marshal.Copy(data, bytes, 0, bytes.Length);
            return bytes;
        }

        // A NUL-terminated copy in unmanaged memory, for `const char*` fields
        // of parameter structs; free it with Marshal.FreeHGlobal.
        internal static IntPtr AllocNative(string text)
        {
            if (string.IsNullOrEmpty(text)) return IntPtr.Zero;
            byte[] bytes = NulTerminated(text, "text");
            IntPtr native = Marshal.AllocHGlobal(bytes.Length);
            Marshal.Copy(bytes, 0, native, bytes.Length);
            return native;
        }
    }
}
