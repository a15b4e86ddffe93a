// Every status other than WISP_OK becomes a WispException carrying the status
// and wisp_last_error()'s message, read on the failing call's thread right
// after the call (the message is thread-local and overwritten by the next
// wisp call on that thread).
using System;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>The C API's wisp_status, one member per WISP_* value.</summary>
    public enum Status
    {
        /// <summary>Success (never thrown).</summary>
        Ok = wisp_status.WISP_OK,
        /// <summary>A bad parameter, handle or token id.</summary>
        InvalidArgument = wisp_status.WISP_ERR_INVALID_ARGUMENT,
        /// <summary>A file that does not exist.</summary>
        NotFound = wisp_status.WISP_ERR_NOT_FOUND,
        /// <summary>A truncated or corrupt file or session state.</summary>
        Corrupt = wisp_status.WISP_ERR_CORRUPT,
        /// <summary>Valid but not supported by this build.</summary>
        Unsupported = wisp_status.WISP_ERR_UNSUPPORTED,
        /// <summary>Context full, nothing fed yet, or an index out of range.</summary>
        OutOfRange = wisp_status.WISP_ERR_OUT_OF_RANGE,
        /// <summary>Handled inside the binding; not normally thrown.</summary>
        BufferTooSmall = wisp_status.WISP_ERR_BUFFER_TOO_SMALL,
        /// <summary>A callback asked to stop.</summary>
        Cancelled = wisp_status.WISP_ERR_CANCELLED,
        /// <summary>An allocation failed.</summary>
        OutOfMemory = wisp_status.WISP_ERR_OUT_OF_MEMORY,
        /// <summary>Reading or writing a file failed.</summary>
        Io = wisp_status.WISP_ERR_IO,
        /// <summary>A bug or a non-finite gradient.</summary>
        Internal = wisp_status.WISP_ERR_INTERNAL,
        /// <summary>Data made for another model (a session state).</summary>
        Mismatch = wisp_status.WISP_ERR_MISMATCH,
    }

    /// <summary>A wisp call failed: <see cref="Status"/> says how, the
    /// message (from wisp_last_error) says why.</summary>
    public class WispException : Exception
    {
        /// <summary>An exception for a failed call with its status and message.</summary>
        public WispException(Status status, string message)
            : base(message)
        {
            Status = status;
        }

        /// <summary>The failing call's status (never Status.Ok).</summary>
        public Status Status { get; private set; }

        /// <summary>The status's C name, e.g. "WISP_ERR_CORRUPT".</summary>
        public string StatusName
        {
            get { return Library.StatusName(Status); }
        }

        // Throws for any status but WISP_OK. Must run on the thread that made
        // the call, before any other wisp call.
        internal static void Check(wisp_status status, string function)
        {
            if (status == wisp_status.WISP_OK) return;
            string detail = Utf8.FromNative(NativeMethods.wisp_last_error());
            throw new WispException(
                (Status)status,
                function + ": " + (detail.Length > 0 ? detail
                                                     : status.ToString()));
        }
    }
}
