// The C# sample: prints the prompt and its greedy continuation exactly as
// `wisp generate -m MODEL -p PROMPT -n N --temperature 0` does (stdout: the
// prompt, each token's bytes as they come, a newline; stderr: speed).
//
//   mono WispGenerate.exe MODEL.wisp "Once upon a time" 40
using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using Wisp;

internal static class Generate
{
    private static int Main(string[] args)
    {
        int n;
        if (args.Length != 3 || !int.TryParse(args[2], out n) || n < 0)
        {
            Console.Error.WriteLine("usage: run-sample.sh MODEL.wisp PROMPT N");
            return 2;
        }
        try
        {
            Run(args[0], args[1], n);
            return 0;
        }
        catch (WispException e)
        {
            Console.Error.WriteLine("wisp: error: " + e.Message);
            return 1;
        }
    }

    private static void Run(string modelPath, string prompt, int n)
    {
        using (Model model = Model.Load(modelPath))
        using (Session session = model.CreateSession())
        {
            int[] ids = model.Tokenize(prompt, true);
            Stopwatch clock = Stopwatch.StartNew();
            session.Feed(ids);
            double prefill = clock.Elapsed.TotalSeconds;

            // Raw bytes, not Console.Write: a token may be part of a UTF-8
            // character, and the output must match the C tool byte for byte.
            Stream stdout = Console.OpenStandardOutput();
            byte[] promptBytes = Encoding.UTF8.GetBytes(prompt);
            stdout.Write(promptBytes, 0, promptBytes.Length);
            stdout.Flush();
            clock.Restart();
            GenerationResult result = session.Generate(
                n, SamplerParams.Greedy(), token => {
                    stdout.Write(token.Bytes, 0, token.Bytes.Length);
                    stdout.Flush();
                });
            double decode = clock.Elapsed.TotalSeconds;
            stdout.WriteByte((byte)'\n');
            stdout.Flush();

            int generated = result.Tokens.Length;
            Console.Error.WriteLine(
                "prefill: {0} tokens in {1:F2} ms ({2:F1} tokens/s)", ids.Length,
                prefill * 1e3, ids.Length / prefill);
            Console.Error.WriteLine(
                "decode: {0} tokens in {1:F2} ms ({2:F1} tokens/s){3}", generated,
                decode * 1e3, generated > 0 ? generated / decode : 0.0,
                result.StopReason == StopReason.EndOfText     ? " [end of text]"
                : result.StopReason == StopReason.ContextFull ? " [context full]"
                                                              : "");
        }
    }
}
