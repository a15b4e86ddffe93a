/* A fork-join pool on POSIX threads, one frame at a time. */
#include "frame_workers.h"

#include <pthread.h>
#include <stdlib.h>

struct frame_workers {
  size_t n_threads;
  pthread_t* threads;
  pthread_mutex_t lock;
  pthread_cond_t frame_ready; /* a new frame (or shutdown) for the workers */
  pthread_cond_t frame_done;  /* the last worker finished the frame */
  unsigned long frame;        /* frames handed out so far */
  size_t busy;                /* workers still in the current frame */
  int stopping;
  frame_job job;
  void* context;
  size_t n_items;
};

typedef struct worker_start {
  frame_workers* workers;
  size_t index;
  size_t stride; /* the number of workers */
} worker_start;

static void* worker_main(void* arg) {
  worker_start start = *(worker_start*)arg;
  free(arg);
  frame_workers* w = start.workers;
  unsigned long seen = 0;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    while (!w->stopping && w->frame == seen) {
      pthread_cond_wait(&w->frame_ready, &w->lock);
    }
    if (w->stopping) break;
    seen = w->frame;
    frame_job job = w->job;
    void* context = w->context;
    const size_t n_items = w->n_items;
    pthread_mutex_unlock(&w->lock);
    for (size_t i = start.index; i < n_items; i += start.stride) {
      job(context, i);
    }
    pthread_mutex_lock(&w->lock);
    if (--w->busy == 0) pthread_cond_signal(&w->frame_done);
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

frame_workers* frame_workers_create(size_t n_threads) {
  frame_workers* w = calloc(1, sizeof(*w));
  if (w == NULL) return NULL;
  w->threads = calloc(n_threads + 1, sizeof(pthread_t));
  if (w->threads == NULL) {
    free(w);
    return NULL;
  }
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->frame_ready, NULL);
  pthread_cond_init(&w->frame_done, NULL);
  for (size_t i = 0; i < n_threads; ++i) {
    worker_start* start = malloc(sizeof(*start));
    if (start != NULL) {
      start->workers = w;
      start->index = i;
      start->stride = n_threads;
    }
    if (start == NULL ||
        pthread_create(&w->threads[i], NULL, worker_main, start) != 0) {
      free(start);
      frame_workers_free(w); /* joins the ones already started */
      return NULL;
    }
    w->n_threads = i + 1;
  }
  return w;
}

void frame_workers_run(frame_workers* w, frame_job job, void* context,
                       size_t n_items) {
  if (w->n_threads == 0) {
    for (size_t i = 0; i < n_items; ++i) job(context, i);
    return;
  }
  pthread_mutex_lock(&w->lock);
  w->job = job;
  w->context = context;
  w->n_items = n_items;
  w->busy = w->n_threads;
  ++w->frame;
  pthread_cond_broadcast(&w->frame_ready);
  while (w->busy > 0) pthread_cond_wait(&w->frame_done, &w->lock);
  pthread_mutex_unlock(&w->lock);
}

void frame_workers_free(frame_workers* w) {
  if (w == NULL) return;
  pthread_mutex_lock(&w->lock);
  w->stopping = 1;
  pthread_cond_broadcast(&w->frame_ready);
  pthread_mutex_unlock(&w->lock);
  for (size_t i = 0; i < w->n_threads; ++i) pthread_join(w->threads[i], NULL);
  pthread_cond_destroy(&w->frame_done);
  pthread_cond_destroy(&w->frame_ready);
  pthread_mutex_destroy(&w->lock);
  free(w->threads);
  free(w);
}
