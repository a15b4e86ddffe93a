/* Parsing and ordering of the scripted player's events. */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* copy_text(const char* text, size_t len) {
  char* copy = malloc(len + 1);
  if (copy == NULL) return NULL;
  memcpy(copy, text, len);
  copy[len] = '\0';
  return copy;
}

static const char* skip_spaces(const char* p) {
  while (*p == ' ' || *p == '\t') ++p;
  return p;
}

/* Length of the word at p (up to a space or the end). */
static size_t word_length(const char* p) {
  size_t len = 0;
  while (p[len] != '\0' && !isspace((unsigned char)p[len])) ++len;
  return len;
}

/* Length of p without trailing spaces and line ends. */
static size_t trimmed_length(const char* p) {
  size_t len = strlen(p);
  while (len > 0 && isspace((unsigned char)p[len - 1])) --len;
  return len;
}

static int parse_kind(const char* word, size_t len, script_event_kind* kind) {
  static const struct {
    const char* name;
    script_event_kind kind;
  } kinds[] = {{"talk", EVENT_TALK},
               {"leave", EVENT_LEAVE},
               {"save", EVENT_SAVE},
               {"load", EVENT_LOAD}};
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); ++i) {
    if (strlen(kinds[i].name) == len &&
        strncmp(word, kinds[i].name, len) == 0) {
      *kind = kinds[i].kind;
      return 0;
    }
  }
  return -1;
}

/* Inserts `event` after every event of the same or an earlier frame. */
static int insert_event(script* s, const script_event* event) {
  if (s->n_events == s->capacity) {
    size_t capacity = s->capacity == 0 ? 16 : 2 * s->capacity;
    script_event* grown = realloc(s->events, capacity * sizeof(*grown));
    if (grown == NULL) return -1;
    s->events = grown;
    s->capacity = capacity;
  }
  size_t at = s->n_events;
  while (at > 0 && s->events[at - 1].frame > event->frame) --at;
  memmove(s->events + at + 1, s->events + at,
          (s->n_events - at) * sizeof(*event));
  s->events[at] = *event;
  ++s->n_events;
  return 0;
}

int script_add(script* s, const char* text, char* error, size_t error_cap) {
  script_event event;
  memset(&event, 0, sizeof(event));
  const char* p = skip_spaces(text);
  char* end = NULL;
  errno = 0;
  event.frame = strtol(p, &end, 10);
  if (end == p || errno != 0 || event.frame < 0 || *end != ':') {
    snprintf(error, error_cap,
             "event \"%s\": expected FRAME:EVENT with FRAME >= 0", text);
    return -1;
  }
  p = skip_spaces(end + 1);
  size_t len = word_length(p);
  if (parse_kind(p, len, &event.kind) != 0) {
    snprintf(error, error_cap,
             "event \"%s\": unknown event \"%.*s\" (talk, leave, save, load)",
             text, (int)len, p);
    return -1;
  }
  p = skip_spaces(p + len);
  if (event.kind == EVENT_TALK || event.kind == EVENT_LEAVE) {
    len = word_length(p);
    event.target = copy_text(p, len);
    p = skip_spaces(p + len);
    event.words = copy_text(p, trimmed_length(p));
    if (event.kind == EVENT_LEAVE && event.words != NULL &&
        event.words[0] != '\0') {
      snprintf(error, error_cap, "event \"%s\": leave takes only a name", text);
      free(event.target);
      free(event.words);
      return -1;
    }
  } else {
    len = trimmed_length(p);
    event.target = copy_text(p, len);
    event.words = copy_text("", 0);
  }
  if (event.target == NULL || event.words == NULL || event.target[0] == '\0' ||
      insert_event(s, &event) != 0) {
    snprintf(error, error_cap, "event \"%s\": %s", text,
             event.target != NULL && event.target[0] == '\0'
                 ? "missing the NPC's name or the folder"
                 : "out of memory");
    free(event.target);
    free(event.words);
    return -1;
  }
  return 0;
}

int script_add_file(script* s, const char* path, char* error,
                    size_t error_cap) {
  FILE* file = fopen(path, "r");
  if (file == NULL) {
    snprintf(error, error_cap, "cannot open script %s: %s", path,
             strerror(errno));
    return -1;
  }
  char line[4096];
  char message[4096 + 256];
  int result = 0;
  for (long number = 1; result == 0 && fgets(line, sizeof(line), file) != NULL;
       ++number) {
    if (strchr(line, '\n') == NULL && !feof(file)) {
      snprintf(error, error_cap, "%s:%ld: line too long", path, number);
      result = -1;
      break;
    }
    line[trimmed_length(line)] = '\0';
    if (*skip_spaces(line) != '#' && trimmed_length(line) > 0 &&
        script_add(s, line, message, sizeof(message)) != 0) {
      snprintf(error, error_cap, "%s:%ld: %s", path, number, message);
      result = -1;
    }
  }
  if (result == 0 && ferror(file)) {
    snprintf(error, error_cap, "cannot read script %s", path);
    result = -1;
  }
  fclose(file);
  return result;
}

long script_last_frame(const script* s) {
  return s->n_events == 0 ? -1 : s->events[s->n_events - 1].frame;
}

void script_free(script* s) {
  for (size_t i = 0; i < s->n_events; ++i) {
    free(s->events[i].target);
    free(s->events[i].words);
  }
  free(s->events);
  memset(s, 0, sizeof(*s));
}
