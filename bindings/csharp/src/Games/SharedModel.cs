// Games load a model once and give every NPC its own session on it. This
// reference-counted cache makes the first Acquire of a path load it and the
// last Release dispose it, whichever object comes or goes first.
using System;
using System.Collections.Generic;

namespace Wisp.Games
{
    /// <summary>A process-wide cache of loaded models, one per path.
    /// Thread-safe.</summary>
    public static class SharedModel
    {
        private sealed class Entry
        {
            internal Model Model;
            internal int Users;
        }

        private static readonly Dictionary<string, Entry> entries_ =
            new Dictionary<string, Entry>();

        /// <summary>The model loaded from `path`, loading it on first use.
        /// Pair every Acquire with a Release.</summary>
        public static Model Acquire(string path)
        {
            if (path == null) throw new ArgumentNullException("path");
            lock (entries_)
            {
                Entry entry;
                if (!entries_.TryGetValue(path, out entry))
                {
                    // Loading under the lock: two NPCs never load it twice.
                    entry = new Entry { Model = Model.Load(path) };
                    entries_.Add(path, entry);
                }
                ++entry.Users;
                return entry.Model;
            }
        }

        /// <summary>Gives back one Acquire of `path`; the last one disposes
        /// the model (sessions still open on it keep it alive natively).
        /// </summary>
        public static void Release(string path)
        {
            lock (entries_)
            {
                Entry entry;
                if (path == null || !entries_.TryGetValue(path, out entry))
                {
                    return;
                }
                if (--entry.Users == 0)
                {
                    entries_.Remove(path);
                    entry.Model.Dispose();
                }
            }
        }

        /// <summary>How many Acquires of `path` are outstanding (0: not
        /// loaded).</summary>
        public static int Users(string path)
        {
            lock (entries_)
            {
                Entry entry;
                return entries_.TryGetValue(path, out entry) ? entry.Users : 0;
            }
        }
    }
}
