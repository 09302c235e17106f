/* Where a machine's SAM is written: its own directory, or its domain's
 * (through the lab's machine_host_ops, machine.h). */
#include "emulator/machine.h"

ntstatus machine_save_sam(struct machine *m)
{
    return m->dir[0] && m->sam ? sam_flush(m->sam) : STATUS_SUCCESS;
}
