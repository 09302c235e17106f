/* Where a machine's SAM is written: its own directory, or its domain's
 * (through the lab's machine_host_ops, machine.h). */
#include "emulator/machine.h"
#include <stdio.h>

ntstatus machine_save_sam(struct machine *m)
{
    if (!m->dir[0])
        return STATUS_SUCCESS;
    char path[PATH_MAX + 32];
    bool domain_db = machine_is_dc(m) && m->host.ops && !m->owns_db;
    if (domain_db) {
        const char *p = m->host.ops->domain_sam_path(m->host.ctx, m->domain);
        if (!p)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        snprintf(path, sizeof path, "%s", p);
    } else {
        snprintf(path, sizeof path, "%s/sam.txt", m->dir);
    }
    ntstatus st = sam_save(m->sam, path);
    if (st != STATUS_SUCCESS)
        return st;
    if (domain_db)
        m->host.ops->domain_sam_saved(m->host.ctx, m->domain);
    else
        machine_note_sam_saved(m);
    return STATUS_SUCCESS;
}
