/* An NPC's per-frame work. Hearing (feeding) and speaking (generating) are
 * both cut into per-frame chunks, so no frame waits for a whole prompt or a
 * whole reply. */
#include "npc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records the first failure: what failed and why (`detail`, or when NULL
 * the calling thread's wisp message). */
static wisp_status npc_fail_because(npc* n, wisp_status status,
                                    const char* what, const char* detail) {
  if (n->error == WISP_OK) {
    n->error = status;
    snprintf(n->error_message, sizeof(n->error_message), "%s: %s: %s (%s)",
             n->name, what, detail != NULL ? detail : wisp_last_error(),
             wisp_status_name(status));
  }
  return status;
}

/* Records the failure of a wisp call. */
static wisp_status npc_fail(npc* n, wisp_status status, const char* what) {
  return npc_fail_because(n, status, what, NULL);
}

static wisp_status npc_out_of_memory(npc* n, const char* what) {
  return npc_fail_because(n, WISP_ERR_OUT_OF_MEMORY, what, "out of memory");
}

/* Token ids of `text` (with BOS if add_bos) in a new array; NULL on error. */
static int32_t* tokenize(npc* n, const char* text, size_t len, int add_bos,
                         size_t* out_n) {
  size_t count = 0;
  wisp_status status =
      wisp_tokenize(n->model, text, len, add_bos, NULL, 0, &count);
  if (status != WISP_OK && status != WISP_ERR_BUFFER_TOO_SMALL) {
    npc_fail(n, status, "wisp_tokenize");
    return NULL;
  }
  int32_t* ids = malloc((count > 0 ? count : 1) * sizeof(int32_t));
  if (ids == NULL) {
    npc_out_of_memory(n, "tokens");
    return NULL;
  }
  status = wisp_tokenize(n->model, text, len, add_bos, ids, count, out_n);
  if (status != WISP_OK) {
    npc_fail(n, status, "wisp_tokenize");
    free(ids);
    return NULL;
  }
  return ids;
}

int npc_queue(npc* n, const int32_t* ids, size_t n_ids) {
  if (n_ids == 0) return 0;
  if (n->n_pending + n_ids > n->pending_cap) {
    size_t cap = 2 * (n->n_pending + n_ids);
    int32_t* grown = realloc(n->pending, cap * sizeof(int32_t));
    if (grown == NULL) return -1;
    n->pending = grown;
    n->pending_cap = cap;
  }
  memcpy(n->pending + n->n_pending, ids, n_ids * sizeof(int32_t));
  n->n_pending += n_ids;
  return 0;
}

wisp_status npc_init(npc* n, const wisp_model* model, const char* name,
                     const char* persona, const wisp_sampler_params* sampler) {
  memset(n, 0, sizeof(*n));
  n->model = model;
  snprintf(n->name, sizeof(n->name), "%s", name);
  wisp_model_config config;
  memset(&config, 0, sizeof(config));
  config.struct_size = sizeof(config);
  wisp_status status = wisp_model_get_config(model, &config);
  if (status != WISP_OK) return npc_fail(n, status, "wisp_model_get_config");
  n->context_length = (size_t)config.max_seq_len;
  status = wisp_session_create(model, NULL, &n->session);
  if (status != WISP_OK) return npc_fail(n, status, "wisp_session_create");
  status = wisp_session_set_sampler(n->session, sampler);
  if (status != WISP_OK) return npc_fail(n, status, "wisp_session_set_sampler");
  n->persona = tokenize(n, persona, strlen(persona), 1, &n->n_persona);
  if (n->persona == NULL) return n->error;
  if (npc_queue(n, n->persona, n->n_persona) != 0) {
    return npc_out_of_memory(n, "persona");
  }
  return WISP_OK;
}

void npc_free(npc* n) {
  wisp_session_free(n->session);
  free(n->persona);
  free(n->pending);
  free(n->frame.text);
  memset(n, 0, sizeof(*n));
}

void npc_replace_session(npc* n, wisp_session* session) {
  wisp_session_free(n->session);
  n->session = session;
}

size_t npc_walk_away(npc* n) {
  const size_t cut = n->reply_tokens;
  n->reply_wanted = 0;
  n->reply_tokens = 0;
  return cut;
}

int npc_hear(npc* n, const char* text, size_t text_len,
             const npc_budget* budget) {
  npc_walk_away(n); /* a new line from the player interrupts a reply */
  size_t n_ids = 0;
  int32_t* ids = NULL;
  if (text_len > 0) {
    ids = tokenize(n, text, text_len, 0, &n_ids);
    if (ids == NULL) return -1;
  }
  size_t position = 0;
  wisp_status status = wisp_session_position(n->session, &position);
  if (status != WISP_OK) {
    free(ids);
    npc_fail(n, status, "wisp_session_position");
    return -1;
  }
  int forgot = 0;
  if (position + n->n_pending + n_ids + budget->reply_tokens >
      n->context_length) {
    /* No room for these words and a reply: start over from the persona. */
    status = wisp_session_reset(n->session);
    if (status != WISP_OK) {
      free(ids);
      npc_fail(n, status, "wisp_session_reset");
      return -1;
    }
    n->n_pending = 0;
    forgot = 1;
  }
  int queued = forgot ? npc_queue(n, n->persona, n->n_persona) : 0;
  if (queued == 0) queued = npc_queue(n, ids, n_ids);
  free(ids);
  if (queued != 0) {
    npc_out_of_memory(n, "the words heard");
    return -1;
  }
  if (n->n_pending + budget->reply_tokens > n->context_length) {
    npc_fail_because(n, WISP_ERR_OUT_OF_RANGE, "the words heard",
                     "the persona, these words and a reply do not fit in the "
                     "context");
    return -1;
  }
  n->reply_wanted = 1;
  return forgot;
}

int npc_busy(const npc* n) { return n->n_pending > 0 || n->reply_wanted; }

/* Streaming callback: collects this frame's reply text, and ends the reply
 * after a line break (an NPC says one paragraph at a time). */
static int collect_text(int32_t token, const char* text, size_t len,
                        void* user_data) {
  (void)token;
  npc_frame_result* frame = user_data;
  if (frame->text_len + len > frame->text_cap) {
    size_t cap = 2 * (frame->text_len + len) + 16;
    char* grown = realloc(frame->text, cap);
    if (grown == NULL) return 1; /* stop: the frame shows what fitted */
    frame->text = grown;
    frame->text_cap = cap;
  }
  memcpy(frame->text + frame->text_len, text, len);
  frame->text_len += len;
  frame->line_ended = memchr(text, '\n', len) != NULL;
  return frame->line_ended;
}

static wisp_status feed_chunk(npc* n, const npc_budget* budget) {
  size_t chunk = n->n_pending;
  if (chunk > budget->feed_tokens) chunk = budget->feed_tokens;
  wisp_status status =
      wisp_session_feed(n->session, n->pending, chunk, NULL, 0);
  if (status != WISP_OK) return npc_fail(n, status, "wisp_session_feed");
  memmove(n->pending, n->pending + chunk,
          (n->n_pending - chunk) * sizeof(int32_t));
  n->n_pending -= chunk;
  n->frame.fed = chunk;
  return WISP_OK;
}

static wisp_status speak_chunk(npc* n, const npc_budget* budget) {
  size_t allowed = budget->reply_tokens - n->reply_tokens;
  if (allowed > budget->generate_tokens) allowed = budget->generate_tokens;
  size_t generated = 0;
  wisp_stop_reason reason = WISP_STOP_MAX_TOKENS;
  wisp_status status = wisp_session_continue(n->session, allowed, collect_text,
                                             &n->frame, &generated, &reason);
  if (status != WISP_OK) return npc_fail(n, status, "wisp_session_continue");
  n->frame.spoken = generated;
  n->reply_tokens += generated;
  if (reason == WISP_STOP_END_OF_TEXT) {
    n->frame.ended = "end of text";
  } else if (reason == WISP_STOP_CONTEXT_FULL) {
    n->frame.ended = "context full";
  } else if (reason == WISP_STOP_CALLBACK) {
    n->frame.ended = n->frame.line_ended ? "end of line" : "out of memory";
  } else if (n->reply_tokens >= budget->reply_tokens) {
    n->frame.ended = "reply limit";
  }
  if (n->frame.ended != NULL) npc_walk_away(n);
  return WISP_OK;
}

wisp_status npc_run_frame(npc* n, const npc_budget* budget) {
  n->frame.fed = 0;
  n->frame.spoken = 0;
  n->frame.text_len = 0;
  n->frame.ended = NULL;
  n->frame.line_ended = 0;
  if (n->error != WISP_OK) return n->error;
  if (n->n_pending > 0) return feed_chunk(n, budget);
  if (n->reply_wanted) return speak_chunk(n, budget);
  return WISP_OK;
}
