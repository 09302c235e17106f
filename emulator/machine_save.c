/* Where a machine's SAM is written: its own directory, or its domain's
 * (the file the SAM was loaded from or saved to). */
#include "emulator/machine.h"

ntstatus machine_save_sam(struct machine *m)
{
    return m->dir[0] && m->sam ? sam_flush(m->sam) : STATUS_SUCCESS;
}
