// A Godot 4 (.NET) NPC that talks when the player comes near, with wisp
// generating its words on a worker thread so no frame waits for the model.
//
// Every NpcDialogue shares one loaded model and owns one session, wrapped by
// Wisp.Games.NpcConversation: when the player enters TalkRadius a reply
// starts on a worker thread, _Process() takes the text that arrived since the
// last frame on the main thread and emits LineChanged, and walking away
// mid-sentence cancels the reply.
using System;
using System.IO;
using Godot;
using Wisp;
using Wisp.Games;

public partial class NpcDialogue : Node3D
{
    /// <summary>The model: res:// while running in the editor; in an
    /// exported game, the same file name next to the executable (a .wisp is
    /// memory-mapped, so it cannot live inside the .pck).</summary>
    [Export] public string ModelFile = "res://models/stories260K.wisp";

    /// <summary>The start of the NPC's story; the model continues it.
    /// </summary>
    [Export(PropertyHint.MultilineText)]
    public string Persona =
        "Once upon a time, there was a kind old baker named Tom. " +
        "When a child came into his shop, Tom smiled and said";

    /// <summary>The node whose distance starts and stops the talk.</summary>
    [Export] public Node3D Player;
    /// <summary>How near the player must come, in metres.</summary>
    [Export] public float TalkRadius = 3f;
    /// <summary>Longest reply, in tokens.</summary>
    [Export] public int MaxTokens = 60;
    /// <summary>Sampling temperature of the replies.</summary>
    [Export] public float Temperature = 0.8f;

    /// <summary>Emitted on the main thread whenever CurrentLine grows.
    /// </summary>
    [Signal] public delegate void LineChangedEventHandler(string line);

    private NpcConversation conversation_;

    /// <summary>What the NPC has said so far in its current reply.</summary>
    public string CurrentLine
    {
        get { return conversation_ == null ? "" : conversation_.CurrentLine; }
    }

    public override void _Ready()
    {
        string path = OS.HasFeature("editor")
            ? ProjectSettings.GlobalizePath(ModelFile)
            : Path.Combine(Path.GetDirectoryName(OS.GetExecutablePath()),
                           Path.GetFileName(ModelFile));
        try
        {
            conversation_ = new NpcConversation(path, Persona);
        }
        catch (WispException e)
        {
            GD.PushError("NpcDialogue: " + e.StatusName + ": " + e.Message);
            SetProcess(false);
            return;
        }
        conversation_.MaxTokens = MaxTokens;
        conversation_.Sampler = new SamplerParams {
            Temperature = Temperature, Seed = (ulong)DateTime.Now.Ticks };
        conversation_.Failed += e => GD.PushError("NpcDialogue: " + e);
    }

    public override void _Process(double delta)
    {
        bool near = Player != null &&
                    GlobalPosition.DistanceTo(Player.GlobalPosition) <=
                        TalkRadius;
        if (conversation_.Tick(near).Length > 0)
        {
            EmitSignal(SignalName.LineChanged, conversation_.CurrentLine);
        }
    }

    public override void _ExitTree()
    {
        if (conversation_ != null) conversation_.Dispose();
        conversation_ = null;
    }
}
