/* A game save: every NPC's session state (wisp_session_save_state) in
 * FOLDER/NAME.state, and the game's own part (the frame to resume at, each
 * NPC's unheard words and reply progress) in FOLDER/game.txt, written last.
 * Every file is written to a temporary name and renamed into place, so a
 * crash while saving leaves the previous save intact. */
#ifndef NPC_DIALOGUE_SAVE_GAME_H_
#define NPC_DIALOGUE_SAVE_GAME_H_

#include <stddef.h>
#include <wisp/wisp.h>

#include "npc.h"

/* Saves the NPCs (none may be mid-frame) and `next_frame` to `folder`,
 * creating it if needed. Returns WISP_OK, or WISP_ERR_IO / the wisp error
 * with a message in `error`. */
wisp_status save_game(const char* folder, const npc* npcs, size_t n_npcs,
                      long next_frame, char* error, size_t error_cap);

/* Restores every NPC from `folder` into a NEW session on its model, and
 * writes the frame to resume at to *out_next_frame. All or nothing: on any
 * error the NPCs are unchanged and the status says why (NOT_FOUND: no save
 * there; CORRUPT: a damaged or truncated file; MISMATCH: saved with another
 * model), with a message in `error`. NPCs in the save that the game does not
 * have are ignored. */
wisp_status load_game(const char* folder, npc* npcs, size_t n_npcs,
                      long* out_next_frame, char* error, size_t error_cap);

#endif /* NPC_DIALOGUE_SAVE_GAME_H_ */
