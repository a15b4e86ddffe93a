// The C API's "ask for the size, then copy" convention, once for every
// variable-size output: try a buffer of a likely size, and if the library
// answers BUFFER_TOO_SMALL, retry with the size it reported.
using System;
using Wisp.Interop;

namespace Wisp
{
    internal delegate wisp_status SizedCall<T>(T[] buffer, UIntPtr capacity,
                                               out UIntPtr size);

    internal static class AskThenCopy
    {
        internal static T[] Fetch<T>(SizedCall<T> call, int guess,
                                     string function)
        {
            T[] buffer = new T[guess];
            UIntPtr size;
            wisp_status status =
                call(buffer, new UIntPtr((uint)buffer.Length), out size);
            if (status == wisp_status.WISP_ERR_BUFFER_TOO_SMALL)
            {
                buffer = new T[checked((int)size.ToUInt64())];
                status =
                    call(buffer, new UIntPtr((uint)buffer.Length), out size);
            }
            WispException.Check(status, function);
            int length = checked((int)size.ToUInt64());
            if (length != buffer.Length) Array.Resize(ref buffer, length);
            return buffer;
        }
    }
}
