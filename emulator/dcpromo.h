/* Role changes of one machine (dcpromo.c): the lab's lab_machine_promote and
 * lab_machine_demote (lab.h, which documents them) find the machine and
 * hand over its domain's database; the machine never reaches its lab. */
#ifndef NTLAB_EMULATOR_DCPROMO_H
#define NTLAB_EMULATOR_DCPROMO_H
#include "emulator/machine.h"
#include <stddef.h>

/* m becomes an additional DC on the domain's dsam and dlsa (NULL: the
 * domain has no database in the lab, STATUS_OBJECT_NAME_NOT_FOUND). */
ntstatus dcpromo_promote(struct machine *m, struct sam *dsam, struct lsa *dlsa, char *err,
                         size_t errlen);
/* m, an additional DC of the domain whose SAM is dsam, becomes a member
 * server with a fresh local SAM and policy. */
ntstatus dcpromo_demote(struct machine *m, struct sam *dsam, const char *admin_password,
                        char *err, size_t errlen);

#endif
