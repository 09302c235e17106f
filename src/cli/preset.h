/* Ready-made labs for `ntlab init LAB --preset NAME`. */
#ifndef NTLAB_CLI_PRESET_H
#define NTLAB_CLI_PRESET_H
#include "src/cli/cli.h"

/* Creates the lab dir (which must hold no lab yet) as preset name
 * describes (names are case-insensitive: "Q189732" as the KB spells it), printing what it made to ctx->out. Presets:
 *   q189732  KB Q189732's lab: domain CORP (PDC CORPDC, NT 4.0), member
 *            server EXCHSRV (NT 4.0, persona q189732) running the store
 *            MSExchangeIS as CORP\EXCHSVC without "Act as part of the
 *            operating system", user CORP\alice (Passw0rd) with mailbox
 *            alice holding three messages. README: "make run".
 * Returns a CLI exit code (CLI_USAGE for an unknown preset). */
int preset_create(struct cli_ctx *ctx, const char *dir, const char *name);

#endif
