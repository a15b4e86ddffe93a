/* Worker threads that run one frame's NPC work in parallel: the game loop
 * hands them the frame and waits until every NPC has done its share, so a
 * frame's output is the same whatever the number of threads. */
#ifndef NPC_DIALOGUE_FRAME_WORKERS_H_
#define NPC_DIALOGUE_FRAME_WORKERS_H_

#include <stddef.h>

typedef struct frame_workers frame_workers;

/* The work of one frame for item `index` (an NPC). */
typedef void (*frame_job)(void* context, size_t index);

/* Starts n_threads workers (0: none; frames then run on the caller's thread).
 * Returns NULL if a thread cannot be started. */
frame_workers* frame_workers_create(size_t n_threads);

/* Runs job(context, i) for every i < n_items, item i on worker i % n_threads
 * (so an NPC always stays on the same thread), and returns when all are
 * done. */
void frame_workers_run(frame_workers* workers, frame_job job, void* context,
                       size_t n_items);

/* Stops and joins the workers. NULL is ignored. */
void frame_workers_free(frame_workers* workers);

#endif /* NPC_DIALOGUE_FRAME_WORKERS_H_ */
