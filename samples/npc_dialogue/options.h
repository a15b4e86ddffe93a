/* The command line of npc_dialogue. */
#ifndef NPC_DIALOGUE_OPTIONS_H_
#define NPC_DIALOGUE_OPTIONS_H_

#include <stddef.h>

#include "npc.h"
#include "script.h"

#define MAX_NPCS 16

typedef struct npc_definition {
  const char* name;
  const char* persona;
} npc_definition;

typedef struct options {
  const char* model_path;
  npc_definition npcs[MAX_NPCS];
  size_t n_npcs;
  script script;
  npc_budget budget;
  float temperature;
  unsigned long long seed;
  size_t threads;
  long frames; /* -1: until the script is done and every NPC is idle */
  const char* load_folder;
  const char* only;
} options;

/* Fills `o` from argv (defaults for what is not given, the default NPCs if
 * none is). Returns 0, or -1 after printing the problem and the usage. */
int parse_options(int argc, char** argv, options* o);

#endif /* NPC_DIALOGUE_OPTIONS_H_ */
