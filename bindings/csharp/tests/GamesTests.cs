// The game helpers: one shared model, replies generated on worker threads.
using System;
using System.Text;
using Wisp.Games;

namespace Wisp.Tests
{
    internal static class GamesTests
    {
        private const string Persona =
            "Once upon a time, there was a kind baker named Tom. Tom said";

        [Test]
        public static void SharedModelIsLoadedOnceAndFreedByTheLastUser()
        {
            string path = Fixtures.ModelPath;
            Model first = SharedModel.Acquire(path);
            Model second = SharedModel.Acquire(path);
            Check.True(ReferenceEquals(first, second), "one model per path");
            Check.Equal(2, SharedModel.Users(path), "users");
            SharedModel.Release(path);
            using (Session s = first.CreateSession()) {}
            SharedModel.Release(path);
            Check.Equal(0, SharedModel.Users(path), "users after release");
            Check.Throws<ObjectDisposedException>(() => first.CreateSession(),
                                                  "model disposed by the last Release");
        }

        [Test]
        public static void BackgroundReplyDeliversTheSameTextAsGenerate()
        {
            string expected;
            using (Session s = Fixtures.Model.CreateSession())
            {
                s.Feed(Persona, true);
                expected = s.Generate(40, SamplerParams.Greedy()).Text;
            }
            using (Session s = Fixtures.Model.CreateSession())
            {
                BackgroundReply reply =
                    BackgroundReply.Start(s, Persona, 40, SamplerParams.Greedy());
                var text = new StringBuilder();
                // A frame loop: take whatever has arrived, never block long.
                for (int frame = 0; frame < 100000 && !reply.IsFinished; ++frame)
                {
                    text.Append(reply.TakeText());
                    reply.Wait(1);
                }
                Check.True(reply.IsFinished, "finished");
                Check.True(reply.Error == null, "no error: " + reply.Error);
                Check.Equal(StopReason.MaxTokens, reply.StopReason.Value, "reason");
                Check.Equal(expected, text.ToString(), "text");
            }
        }

        [Test]
        public static void BackgroundReplyStopsWhenCancelled()
        {
            using (Session s = Fixtures.Model.CreateSession())
            {
                BackgroundReply reply = BackgroundReply.Start(s, Persona, 400);
                reply.Cancel();
                Check.True(reply.Wait(60000), "worker finished");
                Check.Equal(StopReason.Cancelled, reply.StopReason.Value, "reason");
                Check.True(s.Position < 400, "stopped early at " + s.Position);
            }
        }

        [Test]
        public static void BackgroundReplyReportsErrors()
        {
            Session s = Fixtures.Model.CreateSession();
            s.Dispose();
            BackgroundReply reply = BackgroundReply.Start(s, Persona, 5);
            Check.True(reply.Wait(60000), "worker finished");
            Check.True(reply.Error is ObjectDisposedException,
                       "error: " + reply.Error);
            Check.True(reply.StopReason == null, "no stop reason");
        }

        // Ticks with the player near until the reply is over; returns the
        // text the ticks handed out.
        private static string Visit(NpcConversation npc)
        {
            var said = new StringBuilder(npc.Tick(true));
            for (int frame = 0; frame < 100000 && npc.IsReplying; ++frame)
            {
                System.Threading.Thread.Sleep(1);
                said.Append(npc.Tick(true));
            }
            Check.True(!npc.IsReplying, "reply finished");
            return said.ToString();
        }

        [Test]
        public static void ConversationSpeaksOncePerVisit()
        {
            using (var npc = new NpcConversation(Fixtures.ModelPath, Persona))
            {
                npc.MaxTokens = 12;
                npc.Sampler = SamplerParams.Greedy();
                Check.Equal(1, SharedModel.Users(Fixtures.ModelPath), "users");
                Check.Equal("", npc.Tick(false), "nothing while away");
                Check.True(!npc.IsReplying, "no reply while away");
                string first = Visit(npc);
                Check.True(first.Length > 0, "the NPC said something");
                Check.Equal(first, npc.CurrentLine, "line = text of the ticks");
                Check.Equal(12,
                            npc.Session.Position -
                                Fixtures.Model.Tokenize(Persona).Length,
                            "tokens generated");
                Check.Equal("", npc.Tick(true), "nothing more this visit");
                Check.True(!npc.IsReplying, "no second reply in one visit");
                npc.Tick(false);
                Check.Equal(first, Visit(npc), "a new visit, a new (greedy) reply");
            }
            Check.Equal(0, SharedModel.Users(Fixtures.ModelPath),
                        "Dispose released the model");
            Check.Throws<WispException>(
                () => new NpcConversation(Fixtures.Temp("none.wisp"), Persona),
                "missing model");
            Check.Equal(0, SharedModel.Users(Fixtures.Temp("none.wisp")),
                        "nothing cached for a failed load");
        }
    }
}
