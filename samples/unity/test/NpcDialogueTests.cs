// NOT SHIPPED. Drives NpcDialogue the way Unity does (Start, then Update once
// per frame, OnDestroy), against the UnityEngine stub, with the real binding
// and model: CTest csharp_unity_sample.
//
//   mono UnitySampleTests.exe DIR_WITH_stories260K.wisp
using System;
using System.Reflection;
using System.Threading;
using UnityEngine;
using Wisp;
using Wisp.Games;

internal static class NpcDialogueTests
{
    private const BindingFlags Private =
        BindingFlags.Instance | BindingFlags.NonPublic;

    private static int Main(string[] args)
    {
        Application.streamingAssetsPath = args[0];
        string modelPath = System.IO.Path.Combine(args[0], "stories260K.wisp");
        try
        {
            RepliesStreamOverFramesOnTheMainThread(modelPath);
            WalkingAwayCancelsTheReply();
            AMissingModelDisablesTheNpc();
            Expect(SharedModel.Users(modelPath) == 0, "model released");
        }
        catch (Exception e)
        {
            Console.WriteLine("FAIL " + e.Message);
            return 1;
        }
        Console.WriteLine("PASS NpcDialogue under the UnityEngine stub");
        return 0;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new Exception(what);
    }

    private static NpcDialogue MakeNpc(Transform player, int maxTokens,
                                       string modelFile = "stories260K.wisp")
    {
        var npc = new NpcDialogue();
        typeof(NpcDialogue).GetField("player", Private).SetValue(npc, player);
        typeof(NpcDialogue).GetField("maxTokens", Private).SetValue(npc, maxTokens);
        typeof(NpcDialogue).GetField("temperature", Private).SetValue(npc, 0f);
        typeof(NpcDialogue).GetField("modelFile", Private).SetValue(npc, modelFile);
        return npc;
    }

    private static void Call(NpcDialogue npc, string message)
    {
        typeof(NpcDialogue).GetMethod(message, Private).Invoke(npc, null);
    }

    private static NpcConversation Conversation(NpcDialogue npc)
    {
        return (NpcConversation)typeof(NpcDialogue)
            .GetField("conversation_", Private).GetValue(npc);
    }

    private static bool Replying(NpcDialogue npc)
    {
        return Conversation(npc).IsReplying;
    }

    private static void RepliesStreamOverFramesOnTheMainThread(string modelPath)
    {
        var player = new Transform { position = new Vector3(1, 0, 0) };
        NpcDialogue npc = MakeNpc(player, 40);
        int mainThread = Thread.CurrentThread.ManagedThreadId;
        var lines = new System.Collections.Generic.List<string>();
        npc.LineChanged += line => {
            Expect(Thread.CurrentThread.ManagedThreadId == mainThread,
                   "LineChanged on the main thread");
            lines.Add(line);
        };
        Call(npc, "Start");
        Call(npc, "Update");
        Expect(Replying(npc), "the player in range starts a reply");
        for (int frame = 0; frame < 100000 && Replying(npc); ++frame)
        {
            Call(npc, "Update");
            Thread.Sleep(1);  // the rest of the frame
        }
        Expect(!Replying(npc), "the reply finished");
        // How many frames the text spreads over depends on the machine's
        // speed; each LineChanged must carry the line so far.
        Expect(lines.Count >= 1, "LineChanged raised");
        for (int i = 1; i < lines.Count; ++i)
        {
            Expect(lines[i].StartsWith(lines[i - 1]) && lines[i] != lines[i - 1],
                   "LineChanged " + i + " extends the line");
        }
        Expect(lines[lines.Count - 1] == npc.CurrentLine, "last = CurrentLine");

        // Greedy, so the NPC said what the model says for its persona.
        string persona =
            (string)typeof(NpcDialogue).GetField("persona", Private).GetValue(npc);
        using (Session s = SharedModel.Acquire(modelPath).CreateSession())
        {
            s.Feed(persona, true);
            string expected = s.Generate(40, SamplerParams.Greedy()).Text;
            Expect(npc.CurrentLine == expected,
                   "line '" + npc.CurrentLine + "' is '" + expected + "'");
        }
        SharedModel.Release(modelPath);
        Call(npc, "OnDestroy");
    }

    private static void WalkingAwayCancelsTheReply()
    {
        var player = new Transform { position = new Vector3(1, 0, 0) };
        NpcDialogue npc = MakeNpc(player, 400);
        Call(npc, "Start");
        Call(npc, "Update");
        player.position = new Vector3(50, 0, 0);  // walks away at once
        for (int frame = 0; frame < 100000 && Replying(npc); ++frame)
        {
            Call(npc, "Update");
            Thread.Sleep(1);
        }
        // Greedy without walking away, the reply would run this long.
        NpcConversation conversation = Conversation(npc);
        int prompt = conversation.Session.Model.Tokenize(conversation.Persona).Length;
        int uncancelled;
        using (Session s = conversation.Session.Model.CreateSession())
        {
            s.Feed(conversation.Persona, true);
            uncancelled = s.Generate(400, SamplerParams.Greedy()).Tokens.Length;
        }
        int said = conversation.Session.Position - prompt;
        Expect(said < uncancelled,
               "stopped early: " + said + " of " + uncancelled + " tokens");
        Call(npc, "OnDestroy");
    }

    private static void AMissingModelDisablesTheNpc()
    {
        NpcDialogue npc = MakeNpc(new Transform(), 10, "missing.wisp");
        npc.enabled = true;
        Call(npc, "Start");
        Expect(!npc.enabled, "disabled");
        lock (Debug.Errors)
        {
            Expect(Debug.Errors.Count == 1 &&
                       Debug.Errors[0].Contains("WISP_ERR_NOT_FOUND"),
                   "logged: " + string.Join("; ", Debug.Errors));
        }
        Call(npc, "OnDestroy");
    }
}
