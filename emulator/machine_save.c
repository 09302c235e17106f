/* Where a machine's SAM is written: its own directory, or its domain's
 * (through the lab's machine_host_ops, machine.h). */
#include "emulator/machine.h"

ntstatus machine_save_sam(struct machine *m)
{
    return machine_dir(m)[0] && machine_sam(m) ? sam_flush(machine_sam(m)) : STATUS_SUCCESS;
}
