// Owners of the three native handles. SafeHandle gives what the C API asks
// for: the handle is freed exactly once (Dispose or finalizer), never while a
// P/Invoke call is using it, and sessions and trainers hold a reference on
// their model's handle so the model is freed only after the last of them,
// whatever order the garbage collector finalizes them in.
using System;
using System.Runtime.InteropServices;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>An owned <c>wisp_model*</c>.</summary>
    public sealed class ModelHandle : SafeHandle
    {
        private ModelHandle() : base(IntPtr.Zero, true) {}

        /// <summary>True for the NULL handle.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        /// <summary>Frees the native object; called once by SafeHandle.</summary>
        protected override bool ReleaseHandle()
        {
            NativeMethods.wisp_model_free(handle);
            return true;
        }
    }

    /// <summary>
    /// A handle that keeps its model's handle alive until it is released.
    /// </summary>
    public abstract class ModelDependentHandle : SafeHandle
    {
        private ModelHandle model_;

        /// <summary>An invalid handle, filled in by P/Invoke.</summary>
        protected ModelDependentHandle() : base(IntPtr.Zero, true) {}

        /// <summary>True for the NULL handle.</summary>
        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        // Called right after creation succeeds.
        internal void KeepAlive(ModelHandle model)
        {
            bool added = false;
            model.DangerousAddRef(ref added);
            if (added) model_ = model;
        }

        /// <summary>Frees the native object; called once by SafeHandle.</summary>
        protected override bool ReleaseHandle()
        {
            Free(handle);
            if (model_ != null) model_.DangerousRelease();
            return true;
        }

        /// <summary>Frees the native object.</summary>
        protected abstract void Free(IntPtr native);
    }

    /// <summary>An owned <c>wisp_session*</c>.</summary>
    public sealed class SessionHandle : ModelDependentHandle
    {
        private SessionHandle() {}

        /// <summary>Frees the native object.</summary>
        protected override void Free(IntPtr native)
        {
            NativeMethods.wisp_session_free(native);
        }
    }

    /// <summary>An owned <c>wisp_trainer*</c>.</summary>
    public sealed class TrainerHandle : ModelDependentHandle
    {
        private TrainerHandle() {}

        /// <summary>Frees the native object.</summary>
        protected override void Free(IntPtr native)
        {
            NativeMethods.wisp_trainer_free(native);
        }
    }
}
