// Native code calls back into C# through two static methods (IL2CPP and other
// AOT compilers can only call static methods marked MonoPInvokeCallback). The
// per-call state travels through the C API's user_data as a GCHandle, and an
// exception thrown by user code is caught here (it must not unwind through C
// frames), stops the native loop, and is rethrown by the caller afterwards.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
#if UNITY_5_3_OR_NEWER
using MonoPInvokeCallbackAttribute = AOT.MonoPInvokeCallbackAttribute;
#endif

namespace Wisp.Interop
{
    // State of one Generate/Continue call.
    internal sealed class TokenSink
    {
        internal Action<GeneratedToken> OnToken;
        internal CancellationToken Cancellation;
        internal TokenTextDecoder Decoder;
        internal readonly List<int> Ids = new List<int>();
        internal readonly MemoryStream Bytes = new MemoryStream();
        internal readonly StringBuilder Text = new StringBuilder();
        internal ExceptionDispatchInfo Error;
    }

    // State of one Train call.
    internal sealed class StepSink
    {
        internal Action<StepInfo> OnStep;
        internal CancellationToken Cancellation;
        internal ExceptionDispatchInfo Error;
    }

    internal static class Callbacks
    {
        // Held in static fields so the delegates (and the native thunks made
        // for them) live as long as the program.
        internal static readonly wisp_token_callback Token = OnToken;
        internal static readonly wisp_train_callback Step = OnStep;

        [MonoPInvokeCallback(typeof(wisp_token_callback))]
        private static int OnToken(int token, IntPtr text, UIntPtr text_len,
                                   IntPtr user_data)
        {
            TokenSink sink = (TokenSink)GCHandle.FromIntPtr(user_data).Target;
            try
            {
                byte[] bytes = Utf8.Copy(text, text_len);
                string chars = sink.Decoder.Push(bytes);
                sink.Ids.Add(token);
                sink.Bytes.Write(bytes, 0, bytes.Length);
                sink.Text.Append(chars);
                if (sink.OnToken != null)
                {
                    sink.OnToken(new GeneratedToken(token, bytes, chars));
                }
                return sink.Cancellation.IsCancellationRequested ? 1 : 0;
            }
            catch (Exception e)
            {
                sink.Error = ExceptionDispatchInfo.Capture(e);
                return 1;
            }
        }

        [MonoPInvokeCallback(typeof(wisp_train_callback))]
        private static int OnStep(ref wisp_step_info info, IntPtr user_data)
        {
            StepSink sink = (StepSink)GCHandle.FromIntPtr(user_data).Target;
            try
            {
                if (sink.OnStep != null) sink.OnStep(new StepInfo(info));
                return sink.Cancellation.IsCancellationRequested ? 1 : 0;
            }
            catch (Exception e)
            {
                sink.Error = ExceptionDispatchInfo.Capture(e);
                return 1;
            }
        }
    }
}
