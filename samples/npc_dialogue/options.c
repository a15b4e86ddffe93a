/* Command-line parsing for npc_dialogue. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Personas in the style of the TinyStories data that stories260K knows. */
static const npc_definition kDefaultNpcs[] = {
    {"baker", "Once upon a time, there was an old baker. The old baker said"},
    {"girl", "Once upon a time, there was a little girl named Lily. Lily said"},
    {"dog", "Once upon a time, there was a big dog. The big dog said"},
};

static void print_usage(const char* program) {
  fprintf(stderr,
          "usage: %s MODEL.wisp [options]\n"
          "  --npc NAME=PERSONA  add an NPC (repeatable; default: baker, girl, "
          "dog)\n"
          "  --script FILE       player events, one \"FRAME:EVENT ARGS\" a "
          "line\n"
          "  --event EVENT       one event, e.g. \"3:talk baker\" "
          "(repeatable)\n"
          "  --budget N          reply tokens per NPC per frame (4)\n"
          "  --feed N            prompt tokens per NPC per frame (8)\n"
          "  --reply N           longest reply in tokens (48)\n"
          "  --temperature T     sampling temperature (0.8)\n"
          "  --seed S            base seed; each NPC mixes in its name (1)\n"
          "  --threads N         worker threads for the NPCs, 0: main thread "
          "(2)\n"
          "  --frames N          frames to run (default: until the script is "
          "done and all NPCs are idle)\n"
          "  --load FOLDER       start from a game save\n"
          "  --only NAME         keep only this NPC; events for others are "
          "ignored\n"
          "events: talk NPC [WORDS] | leave NPC | save FOLDER | load FOLDER\n",
          program);
}

static int parse_count(const char* flag, const char* text, long min,
                       long* out) {
  char* end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || value < min) {
    fprintf(stderr, "%s: expected a whole number >= %ld, got \"%s\"\n", flag,
            min, text);
    return -1;
  }
  *out = value;
  return 0;
}

static int add_npc(options* o, char* definition) {
  char* equals = strchr(definition, '=');
  const char* space = strchr(definition, ' ');
  if (equals == NULL || equals == definition || equals[1] == '\0' ||
      equals - definition >= NPC_NAME_MAX ||
      (space != NULL && space < equals)) {
    fprintf(stderr,
            "--npc: expected NAME=PERSONA (a name of 1 to %d "
            "characters without spaces), got \"%s\"\n",
            NPC_NAME_MAX - 1, definition);
    return -1;
  }
  if (o->n_npcs == MAX_NPCS) {
    fprintf(stderr, "--npc: at most %d NPCs\n", MAX_NPCS);
    return -1;
  }
  *equals = '\0'; /* argv's strings are ours to modify */
  o->npcs[o->n_npcs].name = definition;
  o->npcs[o->n_npcs].persona = equals + 1;
  ++o->n_npcs;
  return 0;
}

/* Handles one flag and its value; returns 0 or -1. */
static int parse_flag(options* o, const char* flag, char* value) {
  char error[4096 + 256];
  long number = 0;
  if (strcmp(flag, "--npc") == 0) return add_npc(o, value);
  if (strcmp(flag, "--load") == 0) {
    o->load_folder = value;
    return 0;
  }
  if (strcmp(flag, "--only") == 0) {
    o->only = value;
    return 0;
  }
  if (strcmp(flag, "--script") == 0 || strcmp(flag, "--event") == 0) {
    int result = strcmp(flag, "--script") == 0
                     ? script_add_file(&o->script, value, error, sizeof(error))
                     : script_add(&o->script, value, error, sizeof(error));
    if (result != 0) fprintf(stderr, "%s\n", error);
    return result;
  }
  if (strcmp(flag, "--temperature") == 0) {
    char* end = NULL;
    o->temperature = strtof(value, &end);
    if (end == value || *end != '\0' || !(o->temperature >= 0.0f)) {
      fprintf(stderr, "--temperature: expected a number >= 0, got \"%s\"\n",
              value);
      return -1;
    }
    return 0;
  }
  static const struct {
    const char* flag;
    long min;
  } counts[] = {{"--budget", 1}, {"--feed", 1},    {"--reply", 1},
                {"--seed", 0},   {"--threads", 0}, {"--frames", 0}};
  for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); ++i) {
    if (strcmp(flag, counts[i].flag) != 0) continue;
    if (parse_count(flag, value, counts[i].min, &number) != 0) return -1;
    switch (i) {
      case 0:
        o->budget.generate_tokens = (size_t)number;
        break;
      case 1:
        o->budget.feed_tokens = (size_t)number;
        break;
      case 2:
        o->budget.reply_tokens = (size_t)number;
        break;
      case 3:
        o->seed = (unsigned long long)number;
        break;
      case 4:
        o->threads = (size_t)number;
        break;
      default:
        o->frames = number;
        break;
    }
    return 0;
  }
  fprintf(stderr, "unknown option %s\n", flag);
  return -1;
}

int parse_options(int argc, char** argv, options* o) {
  memset(o, 0, sizeof(*o));
  o->budget.generate_tokens = 4;
  o->budget.feed_tokens = 8;
  o->budget.reply_tokens = 48;
  o->temperature = 0.8f;
  o->seed = 1;
  o->threads = 2;
  o->frames = -1;
  if (argc < 2 || argv[1][0] == '-') {
    print_usage(argv[0]);
    return -1;
  }
  o->model_path = argv[1];
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) {
      fprintf(stderr, "%s needs a value\n", argv[i]);
      print_usage(argv[0]);
      return -1;
    }
    if (parse_flag(o, argv[i], argv[i + 1]) != 0) {
      print_usage(argv[0]);
      return -1;
    }
  }
  if (o->n_npcs == 0) {
    o->n_npcs = sizeof(kDefaultNpcs) / sizeof(kDefaultNpcs[0]);
    memcpy(o->npcs, kDefaultNpcs, sizeof(kDefaultNpcs));
  }
  return 0;
}
