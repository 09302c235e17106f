/* A lab: several machines in one directory, one shared virtual clock
 * setting, and the domains they form. Domain accounts and the domain policy
 * live in the domain's database (LAB/domains/NAME/{sam.txt,policy.inf}),
 * which all DCs of the domain share; member and standalone servers keep
 * their own. Layout:
 *   LAB/lab.conf               machine list (name = subdirectory)
 *   LAB/NAME/                  one machine's state directory (machine.h)
 *   LAB/domains/DOMAIN/        a domain's SAM and policy
 * (Full API owned by the machine/SCM engineer; this is the part logon.c
 * relies on.) */
#ifndef NTLAB_EMULATOR_LAB_H
#define NTLAB_EMULATOR_LAB_H
#include "emulator/machine.h"

/* A running (booted) domain controller of `domain` in m's lab, preferring
 * the PDC, or NULL when m has no lab or no DC of that domain is running.
 * This is how a member server passes a DOMAIN\user logon through. */
struct machine *lab_domain_controller(struct lab *lab, const char *domain);

#endif
