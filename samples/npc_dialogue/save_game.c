/* Game saves (POSIX: mkdir, fsync, rename). */
#define _POSIX_C_SOURCE 200809L
#include "save_game.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAVE_MAGIC "wisp-npc-save"
#define SAVE_VERSION 1
#define PATH_CAP 4096
/* Folder names up to this long leave room for "/NAME.state.tmp". */
#define FOLDER_MAX (PATH_CAP - NPC_NAME_MAX - 16)
#define TMP_CAP (PATH_CAP + 8)

/* Opens `tmp` (path + ".tmp") for writing; the data becomes `path` only once
 * commit_temp has flushed it to disk and renamed it. */
static FILE* open_temp(const char* path, char* tmp, char* error,
                       size_t error_cap) {
  snprintf(tmp, TMP_CAP, "%s.tmp", path);
  FILE* file = fopen(tmp, "wb");
  if (file == NULL) {
    snprintf(error, error_cap, "cannot write %s: %s", tmp, strerror(errno));
  }
  return file;
}

static wisp_status commit_temp(FILE* file, const char* tmp, const char* path,
                               char* error, size_t error_cap) {
  int failed = ferror(file) || fflush(file) != 0 || fsync(fileno(file)) != 0;
  failed |= fclose(file) != 0;
  if (failed || rename(tmp, path) != 0) {
    snprintf(error, error_cap, "cannot write %s: %s", path, strerror(errno));
    remove(tmp);
    return WISP_ERR_IO;
  }
  return WISP_OK;
}

static wisp_status save_session(const char* path, const npc* n, char* error,
                                size_t error_cap) {
  size_t size = 0;
  wisp_status status = wisp_session_save_state(n->session, NULL, 0, &size);
  void* bytes = status == WISP_ERR_BUFFER_TOO_SMALL ? malloc(size) : NULL;
  if (bytes != NULL) {
    status = wisp_session_save_state(n->session, bytes, size, &size);
  } else if (status == WISP_ERR_BUFFER_TOO_SMALL) {
    status = WISP_ERR_OUT_OF_MEMORY;
  }
  if (status != WISP_OK) {
    snprintf(error, error_cap, "saving %s: %s (%s)", n->name, wisp_last_error(),
             wisp_status_name(status));
    free(bytes);
    return status;
  }
  char tmp[TMP_CAP];
  FILE* file = open_temp(path, tmp, error, error_cap);
  if (file == NULL) {
    free(bytes);
    return WISP_ERR_IO;
  }
  fwrite(bytes, 1, size, file);
  free(bytes);
  return commit_temp(file, tmp, path, error, error_cap);
}

wisp_status save_game(const char* folder, const npc* npcs, size_t n_npcs,
                      long next_frame, char* error, size_t error_cap) {
  if (strlen(folder) > FOLDER_MAX) {
    snprintf(error, error_cap, "the folder name is too long");
    return WISP_ERR_INVALID_ARGUMENT;
  }
  if (mkdir(folder, 0777) != 0 && errno != EEXIST) {
    snprintf(error, error_cap, "cannot create %s: %s", folder, strerror(errno));
    return WISP_ERR_IO;
  }
  char path[PATH_CAP];
  for (size_t i = 0; i < n_npcs; ++i) {
    snprintf(path, sizeof(path), "%s/%s.state", folder, npcs[i].name);
    wisp_status status = save_session(path, &npcs[i], error, error_cap);
    if (status != WISP_OK) return status;
  }
  /* game.txt last: a save is complete once it names the frame. */
  snprintf(path, sizeof(path), "%s/game.txt", folder);
  char tmp[TMP_CAP];
  FILE* file = open_temp(path, tmp, error, error_cap);
  if (file == NULL) return WISP_ERR_IO;
  fprintf(file, "%s %d\nnext_frame %ld\n", SAVE_MAGIC, SAVE_VERSION,
          next_frame);
  for (size_t i = 0; i < n_npcs; ++i) {
    const npc* n = &npcs[i];
    fprintf(file, "npc %s reply_wanted %d reply_tokens %zu pending %zu",
            n->name, n->reply_wanted, n->reply_tokens, n->n_pending);
    for (size_t t = 0; t < n->n_pending; ++t)
      fprintf(file, " %d", n->pending[t]);
    fputc('\n', file);
  }
  return commit_temp(file, tmp, path, error, error_cap);
}

/* Reads a whole file into a new buffer (NUL-terminated for text). */
static wisp_status read_file(const char* path, char** out, size_t* out_size,
                             char* error, size_t error_cap) {
  FILE* file = fopen(path, "rb");
  if (file == NULL) {
    snprintf(error, error_cap, "cannot open %s: %s", path, strerror(errno));
    return errno == ENOENT ? WISP_ERR_NOT_FOUND : WISP_ERR_IO;
  }
  char* data = NULL;
  long size = -1;
  if (fseek(file, 0, SEEK_END) == 0) size = ftell(file);
  if (size >= 0 && fseek(file, 0, SEEK_SET) == 0)
    data = malloc((size_t)size + 1);
  int ok = data != NULL && fread(data, 1, (size_t)size, file) == (size_t)size;
  fclose(file);
  if (!ok) {
    snprintf(error, error_cap, "cannot read %s", path);
    free(data);
    return WISP_ERR_IO;
  }
  data[size] = '\0';
  *out = data;
  *out_size = (size_t)size;
  return WISP_OK;
}

/* The game's part of one NPC's save. */
typedef struct saved_npc {
  int found;
  int reply_wanted;
  size_t reply_tokens;
  int32_t* pending;
  size_t n_pending;
  wisp_session* session;
} saved_npc;

static const char* next_word(void) { return strtok(NULL, " \t\r\n"); }

static int read_number(long min, long max, long* out) {
  const char* word = next_word();
  char* end = NULL;
  if (word == NULL) return -1;
  errno = 0;
  long value = strtol(word, &end, 10);
  if (*end != '\0' || errno != 0 || value < min || value > max) return -1;
  *out = value;
  return 0;
}

static int expect_word(const char* expected) {
  const char* word = next_word();
  return word != NULL && strcmp(word, expected) == 0 ? 0 : -1;
}

/* Parses one "npc NAME ..." record (after "npc") into saved[] if the game has
 * an NPC of that name; the record is read either way. */
static int parse_npc(const npc* npcs, size_t n_npcs, saved_npc* saved) {
  const char* name = next_word();
  long reply_wanted, reply_tokens, n_pending;
  if (name == NULL || expect_word("reply_wanted") != 0 ||
      read_number(0, 1, &reply_wanted) != 0 ||
      expect_word("reply_tokens") != 0 ||
      read_number(0, 1L << 30, &reply_tokens) != 0 ||
      expect_word("pending") != 0 ||
      read_number(0, 1L << 24, &n_pending) != 0) {
    return -1;
  }
  saved_npc* slot = NULL;
  for (size_t i = 0; i < n_npcs; ++i) {
    if (strcmp(npcs[i].name, name) == 0) slot = &saved[i];
  }
  int32_t* pending = malloc(((size_t)n_pending + 1) * sizeof(int32_t));
  if (pending == NULL) return -1;
  for (long t = 0; t < n_pending; ++t) {
    long id;
    if (read_number(0, INT32_MAX, &id) != 0) {
      free(pending);
      return -1;
    }
    pending[t] = (int32_t)id;
  }
  if (slot == NULL || slot->found) {
    free(pending);
    return slot == NULL ? 0 : -1; /* a name twice is a damaged save */
  }
  slot->found = 1;
  slot->reply_wanted = (int)reply_wanted;
  slot->reply_tokens = (size_t)reply_tokens;
  slot->pending = pending;
  slot->n_pending = (size_t)n_pending;
  return 0;
}

/* Parses game.txt's text (modified by strtok). */
static int parse_game(char* text, const npc* npcs, size_t n_npcs,
                      saved_npc* saved, long* next_frame) {
  const char* magic = strtok(text, " \t\r\n");
  long version;
  if (magic == NULL || strcmp(magic, SAVE_MAGIC) != 0 ||
      read_number(SAVE_VERSION, SAVE_VERSION, &version) != 0 ||
      expect_word("next_frame") != 0 ||
      read_number(0, 1L << 30, next_frame) != 0) {
    return -1;
  }
  for (const char* word = next_word(); word != NULL; word = next_word()) {
    if (strcmp(word, "npc") != 0 || parse_npc(npcs, n_npcs, saved) != 0) {
      return -1;
    }
  }
  return 0;
}

/* Creates a new session on the NPC's model and loads FOLDER/NAME.state. */
static wisp_status restore_session(const char* folder, const npc* n,
                                   wisp_session** out, char* error,
                                   size_t error_cap) {
  char path[PATH_CAP];
  snprintf(path, sizeof(path), "%s/%s.state", folder, n->name);
  char* bytes = NULL;
  size_t size = 0;
  wisp_status status = read_file(path, &bytes, &size, error, error_cap);
  if (status != WISP_OK) return status;
  status = wisp_session_create(n->model, NULL, out);
  if (status == WISP_OK) {
    status = wisp_session_load_state(*out, bytes, size);
    if (status != WISP_OK) {
      snprintf(error, error_cap, "loading %s: %s (%s)", path, wisp_last_error(),
               wisp_status_name(status));
      wisp_session_free(*out);
      *out = NULL;
    }
  } else {
    snprintf(error, error_cap, "new session for %s: %s (%s)", n->name,
             wisp_last_error(), wisp_status_name(status));
  }
  free(bytes);
  return status;
}

wisp_status load_game(const char* folder, npc* npcs, size_t n_npcs,
                      long* out_next_frame, char* error, size_t error_cap) {
  if (strlen(folder) > FOLDER_MAX) {
    snprintf(error, error_cap, "the folder name is too long");
    return WISP_ERR_INVALID_ARGUMENT;
  }
  char path[PATH_CAP];
  snprintf(path, sizeof(path), "%s/game.txt", folder);
  char* text = NULL;
  size_t size = 0;
  wisp_status status = read_file(path, &text, &size, error, error_cap);
  if (status != WISP_OK) return status;
  saved_npc* saved = calloc(n_npcs + 1, sizeof(saved_npc));
  long next_frame = 0;
  if (saved == NULL) {
    status = WISP_ERR_OUT_OF_MEMORY;
    snprintf(error, error_cap, "out of memory loading %s", folder);
  } else if (parse_game(text, npcs, n_npcs, saved, &next_frame) != 0) {
    status = WISP_ERR_CORRUPT;
    snprintf(error, error_cap, "%s is not a valid game save", path);
  }
  for (size_t i = 0; status == WISP_OK && i < n_npcs; ++i) {
    if (!saved[i].found) {
      status = WISP_ERR_CORRUPT;
      snprintf(error, error_cap, "%s has no NPC named %s", path, npcs[i].name);
    } else {
      status = restore_session(folder, &npcs[i], &saved[i].session, error,
                               error_cap);
    }
  }
  for (size_t i = 0; saved != NULL && i < n_npcs; ++i) {
    npc* n = &npcs[i];
    if (status == WISP_OK) { /* commit: nothing below can fail */
      npc_replace_session(n, saved[i].session);
      free(n->pending);
      n->pending = saved[i].pending;
      n->n_pending = n->pending_cap = saved[i].n_pending;
      n->reply_wanted = saved[i].reply_wanted;
      n->reply_tokens = saved[i].reply_tokens;
    } else {
      wisp_session_free(saved[i].session);
      free(saved[i].pending);
    }
  }
  if (status == WISP_OK) *out_next_frame = next_frame;
  free(saved);
  free(text);
  return status;
}
