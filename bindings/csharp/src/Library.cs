// Facts about the loaded native library.
using Wisp.Interop;

namespace Wisp
{
    /// <summary>Version facts and status names of the loaded native library.</summary>
    public static class Library
    {
        /// <summary>The library's version string, e.g. "0.1.0".</summary>
        public static string Version
        {
            get { return Utf8.FromNative(NativeMethods.wisp_version()); }
        }

        /// <summary>WISP_API_VERSION of the loaded library:
        /// (major &lt;&lt; 16) | minor.</summary>
        public static int ApiVersion
        {
            get { return NativeMethods.wisp_api_version(); }
        }

        /// <summary>WISP_API_VERSION of the header this binding was written
        /// against.</summary>
        public static int BindingApiVersion
        {
            get
            {
                return (HeaderVersion.WISP_API_VERSION_MAJOR << 16) |
                       HeaderVersion.WISP_API_VERSION_MINOR;
            }
        }

        /// <summary>True if the loaded library has this binding's major API
        /// version and at least its minor one.</summary>
        public static bool IsCompatible
        {
            get
            {
                int loaded = ApiVersion;
                return (loaded >> 16) == (BindingApiVersion >> 16) &&
                       (loaded & 0xffff) >= (BindingApiVersion & 0xffff);
            }
        }

        /// <summary>The C name of a status, e.g. "WISP_ERR_CORRUPT".</summary>
        public static string StatusName(Status status)
        {
            return Utf8.FromNative(
                NativeMethods.wisp_status_name((wisp_status)status));
        }
    }
}
