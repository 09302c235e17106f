/* Where a machine's SAM is written: its own directory, or its domain's. */
#include "emulator/lab.h"
#include "emulator/machine.h"
#include <stdio.h>

ntstatus machine_save_sam(struct machine *m)
{
    if (!m->dir[0])
        return STATUS_SUCCESS;
    char path[PATH_MAX + 32];
    bool domain_db = machine_is_dc(m) && m->lab && !m->owns_db;
    if (domain_db)
        snprintf(path, sizeof path, "%s/domains/%s/sam.txt", lab_dir(m->lab), m->domain);
    else
        snprintf(path, sizeof path, "%s/sam.txt", m->dir);
    ntstatus st = sam_save(m->sam, path);
    if (st != STATUS_SUCCESS)
        return st;
    if (domain_db)
        lab_domain_note_sam_saved(m->lab, m->domain);
    else
        machine_note_sam_saved(m);
    return STATUS_SUCCESS;
}
