// A plain test runner (no NUnit console runner in Debian's mono): runs every
// static method marked [Test] in this assembly, prints one line per test and
// exits non-zero if any failed.
//
//   mono Wisp.Tests.exe [NAME_SUBSTRING]
// Environment: WISP_MODEL (stories260K.wisp), WISP_SHARED (../shared).
using System;
using System.Diagnostics;
using System.IO;
using System.Reflection;

namespace Wisp.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class TestAttribute : Attribute {}

    internal static class TestRunner
    {
        private static int Main(string[] args)
        {
            string filter = args.Length > 0 ? args[0] : "";
            int passed = 0, failed = 0;
            foreach (Type type in typeof(TestRunner).Assembly.GetTypes())
            {
                foreach (MethodInfo method in type.GetMethods(
                             BindingFlags.Static | BindingFlags.Public |
                             BindingFlags.NonPublic))
                {
                    if (method.GetCustomAttributes(typeof(TestAttribute), false)
                            .Length == 0)
                    {
                        continue;
                    }
                    string name = type.Name + "." + method.Name;
                    if (name.IndexOf(filter, StringComparison.Ordinal) < 0)
                    {
                        continue;
                    }
                    Stopwatch clock = Stopwatch.StartNew();
                    try
                    {
                        method.Invoke(null, null);
                        ++passed;
                        Console.WriteLine("PASS {0} ({1} ms)", name,
                                          clock.ElapsedMilliseconds);
                    }
                    catch (TargetInvocationException e)
                    {
                        ++failed;
                        Console.WriteLine("FAIL {0}: {1}", name, e.InnerException);
                    }
                }
            }
            Fixtures.Cleanup();
            Console.WriteLine("{0} passed, {1} failed", passed, failed);
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }

    // Assertions that say what differed.
    internal static class Check
    {
        internal static void True(bool condition, string what)
        {
            if (!condition) throw new Exception("expected: " + what);
        }

        internal static void Equal<T>(T expected, T actual, string what)
        {
            if (!Equals(expected, actual))
            {
                throw new Exception(string.Format(
                    "{0}: expected <{1}>, got <{2}>", what, expected, actual));
            }
        }

        internal static void Sequence<T>(T[] expected, T[] actual, string what)
        {
            Equal(expected.Length, actual.Length, what + " length");
            for (int i = 0; i < expected.Length; ++i)
            {
                Equal(expected[i], actual[i], what + "[" + i + "]");
            }
        }

        internal static void Near(double expected, double actual,
                                  double tolerance, string what)
        {
            if (!(Math.Abs(expected - actual) <= tolerance))
            {
                throw new Exception(string.Format(
                    "{0}: expected {1} +- {2}, got {3}", what, expected,
                    tolerance, actual));
            }
        }

        internal static TException Throws<TException>(Action action,
                                                      string what)
            where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            throw new Exception(what + ": expected " +
                                typeof(TException).Name + ", nothing thrown");
        }

        // A WispException with `status` and a non-empty message.
        internal static WispException Fails(Status status, Action action,
                                            string what)
        {
            WispException e = Throws<WispException>(action, what);
            Equal(status, e.Status, what + " status");
            True(e.Message.Length > "wisp_x: ".Length, what + " has a message");
            return e;
        }
    }

    // The model, references and a temp dir, shared by all tests.
    internal static class Fixtures
    {
        private static Model model_;
        private static string temp_;

        internal static string ModelPath
        {
            get { return Env("WISP_MODEL", "build/models/stories260K.wisp"); }
        }

        internal static string Shared
        {
            get { return Env("WISP_SHARED", "../shared"); }
        }

        internal static string Reference(string file)
        {
            return Path.Combine(Shared, "models/stories260K/reference/" + file);
        }

        // Loaded once: a Model is shareable.
        internal static Model Model
        {
            get
            {
                if (model_ == null) model_ = Model.Load(ModelPath);
                return model_;
            }
        }

        internal static string Temp(string name)
        {
            if (temp_ == null)
            {
                temp_ = Path.Combine(Path.GetTempPath(),
                                     "wisp-csharp-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(temp_);
            }
            return Path.Combine(temp_, name);
        }

        internal static void Cleanup()
        {
            if (model_ != null) model_.Dispose();
            if (temp_ != null) Directory.Delete(temp_, true);
        }

        private static string Env(string name, string fallback)
        {
            string value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? fallback : value;
        }
    }
}
