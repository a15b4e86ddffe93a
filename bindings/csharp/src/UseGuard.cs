// A session or trainer must be used by one thread at a time (it may move
// between threads). The C API cannot detect a violation, which would corrupt
// memory; this guard turns it, and re-entrant use from inside a callback,
// into an InvalidOperationException instead. It costs one interlocked
// exchange per call.
using System;
using System.Threading;

namespace Wisp
{
    internal sealed class UseGuard
    {
        private readonly string owner_;
        private int busy_;
        // Set by the owner's Dispose: later calls then name the object
        // instead of failing on its closed SafeHandle ("Safe handle has
        // been closed").
        private volatile bool disposed_;

        internal UseGuard(string owner)
        {
            owner_ = owner;
        }

        internal Scope Enter()
        {
            if (Interlocked.Exchange(ref busy_, 1) != 0)
            {
                throw new InvalidOperationException(
                    owner_ + " is already in use (by another thread, or by " +
                    "this one from inside a callback); use it from one " +
                    "thread at a time");
            }
            if (disposed_)
            {
                Volatile.Write(ref busy_, 0);
                throw new ObjectDisposedException(owner_);
            }
            return new Scope(this);
        }

        internal void MarkDisposed()
        {
            disposed_ = true;
        }

        internal struct Scope : IDisposable
        {
            private readonly UseGuard guard_;

            internal Scope(UseGuard guard)
            {
                guard_ = guard;
            }

            public void Dispose()
            {
                Volatile.Write(ref guard_.busy_, 0);
            }
        }
    }
}
