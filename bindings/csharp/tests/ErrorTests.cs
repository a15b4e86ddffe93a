// Bad input: each failure is a WispException with the C status and message,
// or a .NET argument/dispose exception before anything reaches C.
using System;
using System.IO;

namespace Wisp.Tests
{
    internal static class ErrorTests
    {
        [Test]
        public static void MissingFileIsNotFound()
        {
            string path = Fixtures.Temp("no-such-model.wisp");
            WispException e = Check.Fails(Status.NotFound, () => Model.Load(path),
                                          "missing file");
            Check.True(e.Message.Contains("no-such-model.wisp"),
                       "message names the file: " + e.Message);
            Check.Equal("WISP_ERR_NOT_FOUND", e.StatusName, "status name");
        }

        [Test]
        public static void CorruptFilesAreRefused()
        {
            byte[] model = File.ReadAllBytes(Fixtures.ModelPath);
            string truncated = Fixtures.Temp("truncated.wisp");
            byte[] half = new byte[model.Length / 2];
            Array.Copy(model, half, half.Length);
            File.WriteAllBytes(truncated, half);
            Check.Fails(Status.Corrupt, () => Model.Load(truncated), "truncated");

            string garbage = Fixtures.Temp("garbage.wisp");
            File.WriteAllBytes(garbage, new byte[4096]);
            Check.Fails(Status.Corrupt, () => Model.Load(garbage), "zeros");

            // A flipped weight byte is caught by the checksums at load.
            string flipped = Fixtures.Temp("flipped.wisp");
            byte[] copy = (byte[])model.Clone();
            copy[copy.Length - 100] ^= 0x55;
            File.WriteAllBytes(flipped, copy);
            Check.Fails(Status.Corrupt, () => Model.Load(flipped), "bad checksum");
        }

        [Test]
        public static void BadTokenIdsAreInvalidArguments()
        {
            using (Session s = Fixtures.Model.CreateSession())
            {
                WispException e = Check.Fails(
                    Status.InvalidArgument, () => s.Feed(new[] {1, 99999}),
                    "id outside the vocabulary");
                Check.True(e.Message.Contains("99999"), "message: " + e.Message);
                Check.Fails(Status.InvalidArgument, () => s.Feed(new[] {-1}),
                            "negative id");
                Check.Equal(0, s.Position, "nothing fed");
                Check.Fails(Status.InvalidArgument,
                            () => Fixtures.Model.Detokenize(new[] {512}),
                            "detokenize of a bad id");
                Check.Fails(Status.InvalidArgument,
                            () => Fixtures.Model.TokenToText(-1, 100000),
                            "token text of a bad id");
            }
        }

        [Test]
        public static void MisuseOfASessionIsReported()
        {
            using (Session s = Fixtures.Model.CreateSession(
                       new SessionParams { ContextLength = 8 }))
            {
                Check.Fails(Status.OutOfRange, () => s.Logits(), "logits before feed");
                Check.Fails(Status.OutOfRange, () => s.Generate(3), "generate before feed");
                Check.Fails(Status.OutOfRange, () => s.Feed(new int[9]),
                            "more than the context");
                // 32 Mi ids with logits asked for 64 GB of them (an
                // OutOfMemoryException) before the library could refuse.
                Check.Fails(Status.OutOfRange,
                            () => s.FeedWithLogits(new int[513]),
                            "more ids than max_seq_len, with logits");
                Check.Fails(Status.OutOfRange,
                            () => s.FeedWithLogits(new int[1 << 25]),
                            "32 Mi ids with logits");
                s.Feed(new[] {1, 403, 407});
                GenerationResult r = s.Generate(20, SamplerParams.Greedy());
                Check.Equal(StopReason.ContextFull, r.StopReason, "context full");
                Check.Equal(5, r.Tokens.Length, "tokens that fit");
            }
            Check.Fails(Status.InvalidArgument,
                        () => Fixtures.Model.CreateSession(
                            new SessionParams { Threads = 0 }),
                        "zero threads");
            Check.Fails(Status.InvalidArgument,
                        () => Fixtures.Model.CreateSession(
                            new SessionParams { ContextLength = 100000 }),
                        "context longer than the model's");
            using (Trainer t = Fixtures.Model.CreateTrainer())
            {
                Check.Fails(Status.InvalidArgument, () => t.Step(), "step without data");
                Check.Fails(Status.InvalidArgument, () => t.SetData(new[] {1}),
                            "one id of data");
                t.SetData("I love New York Zoo.");
                Check.Fails(Status.NotFound,
                            () => t.Resume(Fixtures.Temp("no.ckpt")),
                            "missing checkpoint");
            }
        }

        [Test]
        public static void NullAndDisposedObjectsFailInDotNet()
        {
            Check.Throws<ArgumentNullException>(() => Model.Load(null), "null path");
            Check.Throws<ArgumentException>(() => Model.Load("a\0b"), "NUL in path");
            Check.Throws<ArgumentNullException>(
                () => Fixtures.Model.Tokenize((string)null), "null text");
            Session s = Fixtures.Model.CreateSession();
            Check.Throws<ArgumentNullException>(() => s.Feed(null), "null ids");
            Check.Throws<ArgumentOutOfRangeException>(() => s.Generate(-1),
                                                      "negative count");
            s.Dispose();
            ObjectDisposedException e = Check.Throws<ObjectDisposedException>(
                () => s.Feed(new[] {1}), "use after Dispose");
            Check.Equal("Session", e.ObjectName, "the disposed object's name");
            s.Dispose();  // twice is harmless
            Trainer t = Fixtures.Model.CreateTrainer();
            t.Dispose();
            e = Check.Throws<ObjectDisposedException>(() => t.Step(),
                                                      "step after Dispose");
            Check.Equal("Trainer", e.ObjectName, "the disposed object's name");
        }

        [Test]
        public static void SessionsOutliveADisposedModel()
        {
            // The session's handle keeps the native model alive.
            Model model = Model.Load(Fixtures.ModelPath);
            Session s = model.CreateSession();
            model.Dispose();
            Check.Throws<ObjectDisposedException>(() => model.CreateSession(),
                                                  "disposed model");
            s.Feed(new[] {1, 403, 407, 261, 378});
            Check.Equal(10, s.Generate(5, SamplerParams.Greedy()).Tokens.Length + 5,
                        "generation after the model's Dispose");
            s.Reset();
            s.Feed("Once upon", true);  // tokenizes on the session's model
            Check.Equal(true, s.Position > 1, "text fed after the model's Dispose");
            s.Dispose();
        }
    }
}
