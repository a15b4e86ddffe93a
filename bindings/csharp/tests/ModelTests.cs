// Loading, configuration, tokenizer and evaluation against the shared
// stories260K references.
using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace Wisp.Tests
{
    internal static class ModelTests
    {
        [Test]
        public static void LibraryMatchesTheBindingsHeader()
        {
            Check.True(Library.IsCompatible, "library API version " +
                       Library.ApiVersion.ToString("x") + " fits the binding's " +
                       Library.BindingApiVersion.ToString("x"));
            Check.True(Library.Version.Length > 0, "a version string");
            // Every public Status names the C value with the same number.
            foreach (Status s in Enum.GetValues(typeof(Status)))
            {
                string expected = s == Status.Ok ? "WISP_OK" : "WISP_ERR_";
                Check.True(Library.StatusName(s).StartsWith(expected),
                           s + " is " + Library.StatusName(s));
            }
            Check.Equal("WISP_ERR_MISMATCH", Library.StatusName(Status.Mismatch),
                        "name of Mismatch");
            Check.Equal("WISP_ERR_BUFFER_TOO_SMALL",
                        Library.StatusName(Status.BufferTooSmall),
                        "name of BufferTooSmall");
        }

        [Test]
        public static void ConfigMatchesTheReference()
        {
            var expected = (Dictionary<string, object>)References.Json(
                "reference.json")["model_config"];
            ModelConfig c = Fixtures.Model.Config;
            Check.Equal(Convert.ToInt32(expected["dim"]), c.Dim, "dim");
            Check.Equal(Convert.ToInt32(expected["hidden_dim"]), c.HiddenDim,
                        "hidden_dim");
            Check.Equal(Convert.ToInt32(expected["n_layers"]), c.Layers, "layers");
            Check.Equal(Convert.ToInt32(expected["n_heads"]), c.Heads, "heads");
            Check.Equal(Convert.ToInt32(expected["n_kv_heads"]), c.KvHeads,
                        "kv heads");
            Check.Equal(Convert.ToInt32(expected["vocab_size"]), c.VocabSize,
                        "vocab");
            Check.Equal(Convert.ToInt32(expected["seq_len"]), c.MaxSeqLen,
                        "max_seq_len");
            Check.Equal(NormKind.Rms, c.Norm, "norm");
            Check.Equal(MlpKind.SwiGlu, c.Mlp, "mlp");
            Check.Equal(1, c.BosId, "bos");
            Check.Equal(2, c.EosId, "eos");
        }

        [Test]
        public static void TokenizerMatchesLlama2c()
        {
            object[] cases = References.List(
                new System.Web.Script.Serialization.JavaScriptSerializer()
                    .DeserializeObject(System.IO.File.ReadAllText(
                        Fixtures.Reference("tokenizer_cases.json"))));
            Check.True(cases.Length >= 20, "tokenizer cases present");
            foreach (object item in cases)
            {
                var c = (Dictionary<string, object>)item;
                string text = (string)c["text"];
                Check.Sequence(References.Ints(c["ids"]),
                               Fixtures.Model.Tokenize(text, true), "ids of '" + text + "'");
            }
        }

        [Test]
        public static void DetokenizeMatchesRunC()
        {
            var greedy = References.Json("greedy.json");
            Check.Equal((string)greedy["text"],
                        Fixtures.Model.Detokenize(References.Ints(greedy["all_ids"])),
                        "decoded all_ids");
        }

        [Test]
        public static void ByteTokensStreamAsValidText()
        {
            // "\U0001F600" is not in the 512-token vocabulary: after the
            // dummy-prefix space it is four byte tokens (byte b is id b + 3).
            Model model = Fixtures.Model;
            int[] ids = model.Tokenize("\U0001F600", false);
            Check.Sequence(new[] {410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3},
                           ids, "space then byte tokens");
            var decoder = new TokenTextDecoder();
            var pieces = new List<string>();
            int previous = -1;
            foreach (int id in ids)
            {
                pieces.Add(decoder.Push(model.TokenBytes(previous, id)));
                previous = id;
            }
            Check.Sequence(new[] {" ", "", "", "", "\U0001F600"},
                           pieces.ToArray(), "text completed per token");
            Check.Sequence(new byte[] {0xF0}, model.TokenBytes(410, 0xF0 + 3),
                           "a byte token's bytes");
            Check.Equal("", decoder.Flush(), "nothing pending");
            decoder.Push(new byte[] {0xE2, 0x82});
            Check.Equal("\ufffd", decoder.Flush(), "a cut sequence on flush");
        }

        [Test]
        public static void EvaluateEqualsCrossEntropyOfTheLogits()
        {
            // The reference: mean -log softmax(logits)[next id], computed here
            // from the session's logits, over one window (seq_len > tokens).
            const string text = "Once upon a time, there was a little girl.";
            Model model = Fixtures.Model;
            int[] ids = model.Tokenize(text, true);
            float[] logits;
            using (Session session = model.CreateSession())
            {
                logits = session.FeedWithLogits(ids);
            }
            int vocab = model.Config.VocabSize;
            double sum = 0;
            for (int t = 0; t + 1 < ids.Length; ++t)
            {
                double max = double.NegativeInfinity;
                for (int v = 0; v < vocab; ++v) max = Math.Max(max, logits[t * vocab + v]);
                double z = 0;
                for (int v = 0; v < vocab; ++v) z += Math.Exp(logits[t * vocab + v] - max);
                sum += Math.Log(z) + max - logits[t * vocab + ids[t + 1]];
            }
            double expected = sum / (ids.Length - 1);
            float loss = model.Evaluate(text, new EvalParams { SeqLen = 64 });
            // float32 sums over 512 logits: 1e-4 relative.
            Check.Near(expected, loss, 1e-4 * expected, "loss");
        }

        [Test]
        public static void ModelIsSharedAcrossThreads()
        {
            // Four threads, one session each, one model: identical greedy text.
            int[] prompt = Fixtures.Model.Tokenize("Once upon a time", true);
            string[] texts = new string[4];
            Thread[] threads = new Thread[texts.Length];
            for (int i = 0; i < threads.Length; ++i)
            {
                int slot = i;
                threads[i] = new Thread(() => {
                    try
                    {
                        using (Session s = Fixtures.Model.CreateSession())
                        {
                            s.Feed(prompt);
                            texts[slot] =
                                s.Generate(30, SamplerParams.Greedy()).Text;
                        }
                    }
                    catch (Exception e)
                    {
                        texts[slot] = "failed: " + e;
                    }
                });
                threads[i].Start();
            }
            foreach (Thread t in threads) t.Join();
            for (int i = 1; i < texts.Length; ++i)
            {
                Check.Equal(texts[0], texts[i], "thread " + i + " text");
            }
            Check.True(texts[0].Length > 30, "text generated");
        }

        // The setting round-trips on any model and CPU.
        [Test]
        public static void ExactBf16ProductsRoundTrip()
        {
            using (Model model = Model.Load(Fixtures.ModelPath))
            {
                Check.True(!model.ExactBf16Products, "off after Load");
                foreach (bool exact in new[] {true, false})
                {
                    model.SetExactBf16Products(exact);
                    Check.Equal(exact, model.ExactBf16Products, "after setting " + exact);
                }
            }
        }

        // The bf16 model the CMake build writes next to the default model,
        // whose prompts reach the bf16 dot-product instructions, and its twin
        // with those weights widened to f32: with exact products the bf16
        // model computes the twin's logits bit for bit, on every CPU.
        [Test]
        public static void ExactBf16ProductsComputeTheWidenedModelsLogits()
        {
            string dir = System.IO.Path.GetDirectoryName(Fixtures.ModelPath);
            float[] exact = PromptLogits(System.IO.Path.Combine(dir, "bf16_k256.wisp"), true);
            float[] widened = PromptLogits(
                System.IO.Path.Combine(dir, "bf16_k256_widened.wisp"), false);
            Check.True(widened.Length > 0, "logits");
            Check.Equal(widened.Length, exact.Length, "logits");
            for (int i = 0; i < widened.Length; ++i)
            {
                Check.Equal(BitConverter.ToInt32(BitConverter.GetBytes(widened[i]), 0),
                            BitConverter.ToInt32(BitConverter.GetBytes(exact[i]), 0),
                            "bits of logit " + i);
            }
        }

        private static float[] PromptLogits(string path, bool exactBf16Products)
        {
            using (Model model = Model.Load(path))
            {
                model.SetExactBf16Products(exactBf16Products);
                using (Session session = model.CreateSession())
                {
                    return session.FeedWithLogits(new[] {1, 7, 3, 30, 12, 5, 19, 2, 27, 8});
                }
            }
        }
    }
}
