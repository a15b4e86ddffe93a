// Ahead-of-time compilers (Unity's IL2CPP, Mono full AOT, Xamarin) must know
// which static methods native code calls back, so they can emit a
// reverse-P/Invoke wrapper for them; they look for an attribute named
// MonoPInvokeCallbackAttribute. Inside Unity the engine's own AOT attribute is
// used; everywhere else this definition (matched by name) stands in for it.
#if !UNITY_5_3_OR_NEWER
using System;

namespace Wisp.Interop
{
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        internal MonoPInvokeCallbackAttribute(Type delegateType)
        {
            DelegateType = delegateType;
        }

        internal Type DelegateType { get; private set; }
    }
}
#endif
