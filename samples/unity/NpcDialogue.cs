// An NPC that talks when the player comes near, with wisp generating its
// words on a worker thread so no frame waits for the model.
//
// Every NpcDialogue shares one loaded model and owns one session, wrapped by
// Wisp.Games.NpcConversation: when the player enters talkRadius a reply
// starts on a worker thread (persona prompt in, tokens out through a queue),
// Update() takes the text that arrived since the last frame on the main
// thread, and walking away mid-sentence cancels the reply.
using System;
using System.IO;
using UnityEngine;
using Wisp;
using Wisp.Games;

public sealed class NpcDialogue : MonoBehaviour
{
    [Tooltip("Model file in Assets/StreamingAssets.")]
    [SerializeField] private string modelFile = "stories260K.wisp";

    [Tooltip("The start of the NPC's story; the model continues it.")]
    [TextArea]
    [SerializeField] private string persona =
        "Once upon a time, there was a kind old baker named Tom. " +
        "When a child came into his shop, Tom smiled and said";

    [SerializeField] private Transform player;
    [SerializeField] private float talkRadius = 3f;
    [SerializeField] private int maxTokens = 60;
    [SerializeField] private float temperature = 0.8f;

    private NpcConversation conversation_;

    /// <summary>What the NPC has said so far in its current reply.</summary>
    public string CurrentLine
    {
        get { return conversation_ == null ? "" : conversation_.CurrentLine; }
    }

    /// <summary>Raised on the main thread whenever CurrentLine grows.
    /// </summary>
    public event Action<string> LineChanged;

    private void Start()
    {
        try
        {
            conversation_ = new NpcConversation(
                Path.Combine(Application.streamingAssetsPath, modelFile), persona);
        }
        catch (WispException e)
        {
            // e.g. NotFound: the .wisp file is not in StreamingAssets.
            Debug.LogError("NpcDialogue: " + e.StatusName + ": " + e.Message);
            enabled = false;
            return;
        }
        conversation_.MaxTokens = maxTokens;
        conversation_.Sampler = new SamplerParams {
            Temperature = temperature, Seed = (ulong)DateTime.Now.Ticks };
        conversation_.Failed += e => Debug.LogError("NpcDialogue: " + e);
    }

    private void Update()
    {
        bool near = player != null &&
                    Vector3.Distance(player.position, transform.position) <=
                        talkRadius;
        if (conversation_.Tick(near).Length > 0 && LineChanged != null)
        {
            LineChanged(conversation_.CurrentLine);
        }
    }

    private void OnDestroy()
    {
        if (conversation_ != null) conversation_.Dispose();
        conversation_ = null;
    }
}
