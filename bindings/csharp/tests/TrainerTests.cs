// Fine-tuning: steps lower the loss, callbacks and cancellation, checkpoints
// that resume bit for bit, and exported models that load.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Wisp.Tests
{
    internal static class TrainerTests
    {
        private const string Zoo = "I love New York Zoo. I love New York Zoo. ";

        private static TrainerParams Small()
        {
            return new TrainerParams {
                LearningRate = 3e-3f, BatchSize = 2, SeqLen = 16,
                EvalFraction = 0f, Seed = 3, TotalSteps = 0 };
        }

        private static string Repeated(string text, int times)
        {
            var b = new System.Text.StringBuilder();
            for (int i = 0; i < times; ++i) b.Append(text);
            return b.ToString();
        }

        // A model fine-tuned for a few steps, written once (its weights differ
        // from stories260K, which SessionTests uses for a foreign state).
        private static string fine_tuned_;
        internal static string FineTunedModel()
        {
            if (fine_tuned_ != null) return fine_tuned_;
            using (Trainer t = Fixtures.Model.CreateTrainer(Small()))
            {
                t.SetData(Repeated(Zoo, 8));
                t.Train(3);
                fine_tuned_ = Fixtures.Temp("zoo.wisp");
                t.ExportModel(fine_tuned_);
            }
            return fine_tuned_;
        }

        [Test]
        public static void StepsLowerTheLoss()
        {
            using (Trainer t = Fixtures.Model.CreateTrainer(Small()))
            {
                t.SetData(Repeated(Zoo, 8));
                float before = t.Evaluate();
                StepInfo first = t.Step();
                Check.Equal(1L, first.Step, "first step number");
                Check.True(first.Tokens > 0, "step has target tokens");
                Check.True(first.LearningRate > 0, "learning rate");
                var losses = new List<float>();
                t.Train(15, info => losses.Add(info.Loss));
                Check.Equal(15, losses.Count, "one callback per step");
                Check.Equal(16L, t.StepCount, "steps taken");
                Check.Equal(1, t.Threads, "default threads");
                float after = t.Evaluate();
                Check.True(after < before * 0.8f,
                           "loss fell from " + before + " to " + after);
                Check.Equal(t.Evaluate(), t.Evaluate(Repeated(Zoo, 8)),
                            "held-out = all the data when nothing is held out");
            }
        }

        [Test]
        public static void TrainingCanBeCancelled()
        {
            using (Trainer t = Fixtures.Model.CreateTrainer(Small()))
            using (var cancel = new CancellationTokenSource())
            {
                t.SetData(Fixtures.Model.Tokenize(Repeated(Zoo, 4)));
                Check.Throws<OperationCanceledException>(
                    () => t.Train(50, info => {
                        if (info.Step == 2) cancel.Cancel();
                    }, cancel.Token),
                    "cancelled training");
                Check.Equal(2L, t.StepCount, "steps kept");
            }
        }

        [Test]
        public static void ResumedCheckpointMatchesAnUninterruptedRun()
        {
            string data = Repeated(Zoo, 8);
            string checkpoint = Fixtures.Temp("zoo.ckpt");
            var straight = new List<float>();
            using (Trainer t = Fixtures.Model.CreateTrainer(Small()))
            {
                t.SetData(data);
                t.Train(2);
                t.SaveCheckpoint(checkpoint);
                t.Train(3, info => straight.Add(info.Loss));
            }
            var resumed = new List<float>();
            using (Trainer t = Fixtures.Model.CreateTrainer(Small()))
            {
                t.SetData(data);
                t.Resume(checkpoint);
                Check.Equal(2L, t.StepCount, "step after resume");
                t.Train(3, info => resumed.Add(info.Loss));
            }
            // Bit for bit: same machine, same thread count.
            Check.Sequence(straight.ToArray(), resumed.ToArray(), "losses");
        }

        [Test]
        public static void ExportedModelLoadsAndScoresLikeTheTrainer()
        {
            string text = Repeated(Zoo, 4);
            using (Trainer t = Fixtures.Model.CreateTrainer(Small()))
            {
                t.SetData(Repeated(Zoo, 8));
                t.Train(5);
                string path = Fixtures.Temp("exported.wisp");
                t.ExportModel(path);
                float trainer_loss = t.Evaluate(text);
                using (Model exported = Model.Load(path))
                {
                    var p = new EvalParams { SeqLen = 16, BatchSize = 2 };
                    // Same weights, same windows: float32 noise only.
                    Check.Near(trainer_loss, exported.Evaluate(text, p),
                               1e-4 * trainer_loss, "loss of the export");
                    Check.True(exported.Evaluate(text, p) <
                                   Fixtures.Model.Evaluate(text, p),
                               "fine-tuned model fits the text better");
                }
            }
        }
    }
}
