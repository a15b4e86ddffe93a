/* One non-player character: a session of its own on the shared model, a
 * persona prompt, and the per-frame work of hearing and replying within a
 * token budget. */
#ifndef NPC_DIALOGUE_NPC_H_
#define NPC_DIALOGUE_NPC_H_

#include <stddef.h>
#include <stdint.h>
#include <wisp/wisp.h>

#define NPC_NAME_MAX 32

/* How much work one NPC may do in one frame. */
typedef struct npc_budget {
  size_t feed_tokens;     /* prompt tokens fed per frame */
  size_t generate_tokens; /* reply tokens generated per frame */
  size_t reply_tokens;    /* longest reply, in tokens */
} npc_budget;

/* What happened to an NPC in the frame just run (read by the game loop). */
typedef struct npc_frame_result {
  size_t fed;    /* prompt tokens fed */
  size_t spoken; /* reply tokens generated */
  char* text;    /* text of those reply tokens, text_len bytes */
  size_t text_len;
  size_t text_cap;
  int line_ended;    /* the reply reached a line break */
  const char* ended; /* why the reply ended this frame, or NULL */
} npc_frame_result;

typedef struct npc {
  char name[NPC_NAME_MAX];
  const wisp_model* model;
  wisp_session* session;
  size_t context_length;
  int32_t* persona; /* persona prompt tokens, BOS first */
  size_t n_persona;
  /* Tokens heard but not fed yet (fed a chunk per frame). */
  int32_t* pending;
  size_t n_pending;
  size_t pending_cap;
  int reply_wanted;    /* speak once everything heard is fed */
  size_t reply_tokens; /* tokens of the reply so far */
  npc_frame_result frame;
  /* The first failure, copied because wisp_last_error is per thread. */
  wisp_status error;
  char error_message[256];
} npc;

/* Creates an NPC with a fresh session on `model`, its own sampler (`sampler`,
 * whose seed the caller chose) and the persona queued to be fed. On failure
 * returns the status with npc->error_message set; npc_free still applies. */
wisp_status npc_init(npc* n, const wisp_model* model, const char* name,
                     const char* persona, const wisp_sampler_params* sampler);

/* Releases the NPC's session and buffers. */
void npc_free(npc* n);

/* The player says `text` (may be empty) to the NPC, which replies once it
 * has heard it. A reply in progress is cut off first (kept in the NPC's
 * memory). If the context could not hold the words and a whole reply, the
 * NPC forgets the conversation (its session restarts from the persona);
 * returns 1 then, else 0, or -1 on failure (npc->error set). */
int npc_hear(npc* n, const char* text, size_t text_len,
             const npc_budget* budget);

/* The player walks away: the reply stops at once; the tokens already spoken
 * stay in the NPC's memory (words heard but not fed yet are still fed, so
 * the NPC remembers what the player said). Returns the tokens of the reply
 * that was cut off (0 if the NPC was not replying). */
size_t npc_walk_away(npc* n);

/* Runs one frame of the NPC: feeds up to budget->feed_tokens heard tokens,
 * or, when all is heard and a reply is wanted, generates up to
 * budget->generate_tokens of it. Fills n->frame. Safe to call for different
 * NPCs on different threads at once. Returns WISP_OK or the error (also kept
 * in n->error / n->error_message). */
wisp_status npc_run_frame(npc* n, const npc_budget* budget);

/* 1 while the NPC still has words to hear or a reply to give. */
int npc_busy(const npc* n);

/* Replaces the NPC's session with `session` (which it now owns). */
void npc_replace_session(npc* n, wisp_session* session);

/* Appends `ids` to the heard-but-not-fed queue. Returns 0, or -1 when out of
 * memory. */
int npc_queue(npc* n, const int32_t* ids, size_t n_ids);

#endif /* NPC_DIALOGUE_NPC_H_ */
