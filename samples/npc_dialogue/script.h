/* The scripted player: timed events ("FRAME:EVENT ARGS") read from a file or
 * from the command line, kept in frame order. */
#ifndef NPC_DIALOGUE_SCRIPT_H_
#define NPC_DIALOGUE_SCRIPT_H_

#include <stddef.h>

typedef enum script_event_kind {
  EVENT_TALK,  /* talk NPC [WORDS]: the player speaks, the NPC replies */
  EVENT_LEAVE, /* leave NPC: the player walks away, the reply stops */
  EVENT_SAVE,  /* save FOLDER: every NPC's state to files */
  EVENT_LOAD   /* load FOLDER: every NPC restored into a new session */
} script_event_kind;

typedef struct script_event {
  long frame;
  script_event_kind kind;
  char* target; /* the NPC's name, or the save folder */
  char* words;  /* talk: what the player says, possibly "" */
} script_event;

typedef struct script {
  script_event* events; /* ordered by frame, then by the order given */
  size_t n_events;
  size_t capacity;
} script;

/* Parses one event such as "12:talk baker Hello there." and inserts it after
 * the events of the same or earlier frames. Returns 0, or -1 with a message
 * in `error`. */
int script_add(script* s, const char* event, char* error, size_t error_cap);

/* Adds every line of a script file; blank lines and lines starting with '#'
 * are skipped. Returns 0, or -1 with a message naming the line. */
int script_add_file(script* s, const char* path, char* error, size_t error_cap);

/* The frame of the last event, or -1 for an empty script. */
long script_last_frame(const script* s);

void script_free(script* s);

#endif /* NPC_DIALOGUE_SCRIPT_H_ */
