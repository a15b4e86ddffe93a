// Sessions: logits and greedy generation against the references, streaming,
// cancellation, the session's own sampler, and save/restore of its state.
using System;
using System.IO;
using System.Threading;

namespace Wisp.Tests
{
    internal static class SessionTests
    {
        private static readonly int[] OncePrompt = {1, 403, 407, 261, 378};

        [Test]
        public static void LogitsMatchTheReference()
        {
            float[] expected = References.Floats("logits_once.bin");
            using (Session s = Fixtures.Model.CreateSession())
            {
                float[] logits = s.FeedWithLogits(OncePrompt);
                Check.Equal(expected.Length, logits.Length, "logits size");
                // The shared README's tolerance for logits: 1e-4 absolute.
                for (int i = 0; i < expected.Length; ++i)
                {
                    Check.Near(expected[i], logits[i], 1e-4, "logit " + i);
                }
                float[] last = s.Logits();
                Check.Equal(512, last.Length, "last logits");
                for (int v = 0; v < 512; ++v)
                {
                    Check.Equal(logits[4 * 512 + v], last[v], "last logit " + v);
                }
                Check.Equal(5, s.Position, "position");
                s.Reset();
                Check.Equal(0, s.Position, "position after reset");
            }
        }

        // More threads than CPUs are reduced to the CPUs, so 512 and 1024
        // asked for come to the same count (Environment.ProcessorCount is
        // no reference: Mono may count CPUs outside the affinity mask, or
        // apply a cgroup quota the library does not).
        [Test]
        public static void ThreadsStopAtTheCpus()
        {
            using (Session one = Fixtures.Model.CreateSession())
            {
                Check.Equal(1, one.Threads, "default threads");
            }
            using (Session half = Fixtures.Model.CreateSession(
                       new SessionParams { Threads = 512 }))
            using (Session many = Fixtures.Model.CreateSession(
                       new SessionParams { Threads = 1024 }))
            {
                int threads = many.Threads;
                Check.True(threads >= 1 && threads < 512,
                           threads + " threads for 1024 asked");
                Check.Equal(threads, half.Threads, "512 and 1024 asked");
            }
        }

        [Test]
        public static void GreedyGenerationMatchesTheReference()
        {
            var greedy = References.Json("greedy.json");
            int[] generated = References.Ints(greedy["generated_ids"]);
            using (Session s = Fixtures.Model.CreateSession())
            {
                int[] prompt = Fixtures.Model.Tokenize((string)greedy["prompt"]);
                Check.Sequence(References.Ints(greedy["prompt_ids"]), prompt,
                               "prompt ids");
                s.Feed(prompt);
                var streamed = new MemoryStream();
                int calls = 0;
                GenerationResult r = s.Generate(
                    generated.Length, SamplerParams.Greedy(), token => {
                        ++calls;
                        streamed.Write(token.Bytes, 0, token.Bytes.Length);
                    });
                Check.Equal(StopReason.MaxTokens, r.StopReason, "stop reason");
                Check.Sequence(generated, r.Tokens, "generated ids");
                Check.Equal(generated.Length, calls, "callbacks");
                Check.Sequence(r.Bytes, streamed.ToArray(), "streamed bytes");
                Check.Equal((string)greedy["text"],
                            (string)greedy["prompt"] + r.Text, "text");
                Check.Equal(prompt.Length + generated.Length, s.Position,
                            "position");
            }
        }

        [Test]
        public static void SampleIsTheArgmaxWhenGreedy()
        {
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(OncePrompt);
                float[] logits = s.Logits();
                int best = 0;
                for (int v = 1; v < logits.Length; ++v)
                {
                    if (logits[v] > logits[best]) best = v;
                }
                Check.Equal(best, s.Sample(SamplerParams.Greedy()), "sample");
                Check.Equal(5, s.Position, "sample does not feed");
            }
        }

        [Test]
        public static void CancellationStopsGeneration()
        {
            using (Session s = Fixtures.Model.CreateSession())
            using (var cancel = new CancellationTokenSource())
            {
                s.Feed(OncePrompt);
                int seen = 0;
                GenerationResult r = s.Generate(100, null, token => {
                    if (++seen == 5) cancel.Cancel();
                }, cancel.Token);
                Check.Equal(StopReason.Cancelled, r.StopReason, "reason");
                Check.Equal(5, r.Tokens.Length, "tokens before stopping");
                Check.Equal(10, s.Position, "prompt + 5 tokens fed");
                // Already cancelled: nothing is generated.
                r = s.Generate(10, null, null, cancel.Token);
                Check.Equal(0, r.Tokens.Length, "no tokens when cancelled");
                Check.Equal(StopReason.Cancelled, r.StopReason, "reason");
            }
        }

        [Test]
        public static void CallbackExceptionsSurfaceAfterTheNativeCall()
        {
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(OncePrompt);
                int seen = 0;
                var e = Check.Throws<InvalidTimeZoneException>(
                    () => s.Generate(50, null, token => {
                        if (++seen == 3) throw new InvalidTimeZoneException("boom");
                    }), "exception from the callback");
                Check.Equal("boom", e.Message, "message");
                Check.Equal(3, seen, "stopped at the throwing token");
                // Re-entrant use from the callback is refused, not corrupting.
                Check.Throws<InvalidOperationException>(
                    () => s.Generate(5, null, token => { int p = s.Position; }),
                    "re-entrant use");
                Check.Equal(OncePrompt.Length + 4, s.Position, "usable after");
            }
        }

        [Test]
        public static void ContinueInBudgetsEqualsOneCall()
        {
            var sampler = new SamplerParams { Temperature = 0.9f, Seed = 42 };
            int[] whole;
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(OncePrompt);
                s.SetSampler(sampler);
                whole = s.Continue(24).Tokens;
            }
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(OncePrompt);
                s.SetSampler(sampler);
                var parts = new System.Collections.Generic.List<int>();
                foreach (int budget in new[] {1, 7, 3, 13})
                {
                    parts.AddRange(s.Continue(budget).Tokens);
                }
                Check.Sequence(whole, parts.ToArray(), "tokens in budgets");
            }
        }

        [Test]
        public static void RestoredStateContinuesExactly()
        {
            var sampler = new SamplerParams { Temperature = 0.8f, Seed = 7 };
            byte[] state;
            int[] expected;
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(OncePrompt);
                s.SetSampler(sampler);
                s.Continue(6);
                state = s.SaveState();
                expected = s.Continue(20).Tokens;
            }
            using (Session restored = Fixtures.Model.CreateSession())
            {
                restored.LoadState(state);
                Check.Equal(OncePrompt.Length + 6, restored.Position, "position");
                Check.Sequence(expected, restored.Continue(20).Tokens,
                               "continuation after restore");
            }
        }

        [Test]
        public static void DamagedOrForeignStateIsRefused()
        {
            byte[] state;
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(OncePrompt);
                state = s.SaveState();
            }
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(new[] {1, 403});
                byte[] damaged = (byte[])state.Clone();
                damaged[damaged.Length / 2] ^= 0x40;
                Check.Fails(Status.Corrupt, () => s.LoadState(damaged), "damaged");
                byte[] cut = new byte[state.Length / 3];
                Array.Copy(state, cut, cut.Length);
                Check.Fails(Status.Corrupt, () => s.LoadState(cut), "truncated");
                Check.Equal(2, s.Position, "unchanged after errors");
            }
            using (Model other = Model.Load(TrainerTests.FineTunedModel()))
            using (Session s = other.CreateSession())
            {
                Check.Fails(Status.Mismatch, () => s.LoadState(state),
                            "state of another model");
            }
        }
    }
}
