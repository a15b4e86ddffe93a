// Full fine-tuning of a copy of a Model's weights. Like a Session, a Trainer
// is used by one thread at a time and may move between threads.
using System;
using System.Runtime.InteropServices;
using System.Threading;
using Wisp.Interop;

namespace Wisp
{
    /// <summary>What one optimizer step did.</summary>
    public struct StepInfo
    {
        internal StepInfo(wisp_step_info info)
        {
            Step = info.step;
            Loss = info.loss;
            LearningRate = info.learning_rate;
            GradNorm = info.grad_norm;
            Tokens = info.tokens;
        }

        /// <summary>1-based number of the step just taken.</summary>
        public long Step { get; private set; }
        /// <summary>Mean loss over the step's target tokens.</summary>
        public float Loss { get; private set; }
        /// <summary>Learning rate used for this step.</summary>
        public float LearningRate { get; private set; }
        /// <summary>Global gradient norm before clipping.</summary>
        public float GradNorm { get; private set; }
        /// <summary>Target tokens in the step.</summary>
        public long Tokens { get; private set; }
    }

    /// <summary>Fine-tunes a copy of every weight of a Model (wisp_trainer); one thread at a time.</summary>
    public sealed class Trainer : IDisposable
    {
        private readonly TrainerHandle handle_;
        private readonly UseGuard guard_ = new UseGuard("Trainer");

        internal Trainer(Model model, TrainerParams parameters)
        {
            wisp_trainer_params p = parameters.ToNative();
            try
            {
                TrainerHandle handle;
                WispException.Check(NativeMethods.wisp_trainer_create(
                                        model.Handle, ref p, out handle),
                                    "wisp_trainer_create");
                handle.KeepAlive(model.Handle);
                handle_ = handle;
            }
            finally
            {
                Marshal.FreeHGlobal(p.prefix_separator);
            }
        }

        /// <summary>Training text: tokenized with a leading BOS and cut into
        /// windows; replaces earlier data.</summary>
        public void SetData(string text)
        {
            byte[] bytes = Utf8.Bytes(text);
            using (guard_.Enter())
            {
                WispException.Check(
                    NativeMethods.wisp_trainer_set_data_text(
                        handle_, bytes, new UIntPtr((uint)bytes.Length)),
                    "wisp_trainer_set_data_text");
            }
        }

        /// <summary>Training data as token ids (no BOS added).</summary>
        public void SetData(int[] ids)
        {
            if (ids == null) throw new ArgumentNullException("ids");
            using (guard_.Enter())
            {
                WispException.Check(
                    NativeMethods.wisp_trainer_set_data_ids(
                        handle_, ids, new UIntPtr((uint)ids.Length)),
                    "wisp_trainer_set_data_ids");
            }
        }

        /// <summary>One optimizer step.</summary>
        public StepInfo Step()
        {
            wisp_step_info info = new wisp_step_info();
            info.struct_size =
                new UIntPtr((uint)Marshal.SizeOf(typeof(wisp_step_info)));
            using (guard_.Enter())
            {
                WispException.Check(
                    NativeMethods.wisp_trainer_step(handle_, ref info),
                    "wisp_trainer_step");
            }
            return new StepInfo(info);
        }

        /// <summary>Runs `steps` steps, calling onStep after each. Cancelling
        /// `cancellation` stops after the current step (the steps taken are
        /// kept) and throws OperationCanceledException; an exception thrown
        /// by onStep stops training and is rethrown here.</summary>
        public void Train(int steps, Action<StepInfo> onStep = null,
                          CancellationToken cancellation =
                              default(CancellationToken))
        {
            if (steps < 0) throw new ArgumentOutOfRangeException("steps");
            cancellation.ThrowIfCancellationRequested();
            StepSink sink = new StepSink();
            sink.OnStep = onStep;
            sink.Cancellation = cancellation;
            using (guard_.Enter())
            {
                GCHandle user_data = GCHandle.Alloc(sink);
                try
                {
                    wisp_status status = NativeMethods.wisp_trainer_train(
                        handle_, new UIntPtr((uint)steps), Callbacks.Step,
                        GCHandle.ToIntPtr(user_data));
                    if (sink.Error != null) sink.Error.Throw();
                    if (status == wisp_status.WISP_ERR_CANCELLED)
                    {
                        throw new OperationCanceledException(cancellation);
                    }
                    WispException.Check(status, "wisp_trainer_train");
                }
                finally
                {
                    user_data.Free();
                }
            }
        }

        /// <summary>Mean loss on the held-out part of the data.</summary>
        public float Evaluate()
        {
            using (guard_.Enter())
            {
                float loss;
                WispException.Check(
                    NativeMethods.wisp_trainer_evaluate(handle_, out loss),
                    "wisp_trainer_evaluate");
                return loss;
            }
        }

        /// <summary>Mean loss of the current weights on text.</summary>
        public float Evaluate(string text)
        {
            byte[] bytes = Utf8.Bytes(text);
            using (guard_.Enter())
            {
                float loss;
                WispException.Check(
                    NativeMethods.wisp_trainer_evaluate_text(
                        handle_, bytes, new UIntPtr((uint)bytes.Length),
                        out loss),
                    "wisp_trainer_evaluate_text");
                return loss;
            }
        }

        /// <summary>Optimizer steps taken, including those before a Resume.
        /// </summary>
        public long StepCount
        {
            get
            {
                using (guard_.Enter())
                {
                    long step;
                    WispException.Check(
                        NativeMethods.wisp_trainer_get_step(handle_, out step),
                        "wisp_trainer_get_step");
                    return step;
                }
            }
        }

        /// <summary>Threads the trainer computes with, the caller's
        /// included, reduced to the CPUs as a session's are
        /// (Session.Threads).</summary>
        public int Threads
        {
            get
            {
                using (guard_.Enter())
                {
                    int threads;
                    WispException.Check(
                        NativeMethods.wisp_trainer_threads(handle_, out threads),
                        "wisp_trainer_threads");
                    return threads;
                }
            }
        }

        /// <summary>Writes a checkpoint (atomically) to path.</summary>
        public void SaveCheckpoint(string path)
        {
            WithPath(path,
                     (h, p) => NativeMethods.wisp_trainer_save_checkpoint(h, p),
                     "wisp_trainer_save_checkpoint");
        }

        /// <summary>Continues from a checkpoint; call after SetData with the
        /// same data.</summary>
        public void Resume(string path)
        {
            WithPath(path,
                     (h, p) => NativeMethods.wisp_trainer_resume(h, p),
                     "wisp_trainer_resume");
        }

        /// <summary>Writes the current weights as a model file (atomically).
        /// </summary>
        public void ExportModel(string path)
        {
            WithPath(path,
                     (h, p) => NativeMethods.wisp_trainer_export_model(h, p),
                     "wisp_trainer_export_model");
        }

        private void WithPath(string path,
                              Func<TrainerHandle, byte[], wisp_status> call,
                              string function)
        {
            byte[] native_path = Utf8.NulTerminated(path, "path");
            using (guard_.Enter())
            {
                WispException.Check(call(handle_, native_path), function);
            }
        }

        /// <summary>Frees the native trainer (deferred until a running call returns).</summary>
        public void Dispose()
        {
            guard_.MarkDisposed();
            handle_.Dispose();
        }
    }
}
