/* ntlab: the one command-line program. Subcommands live in src/cli/. */
#include "src/cli/cli.h"
#include "src/lib/plat.h"

int main(int argc, char **argv)
{
    int e = plat_init();
    if (e) {
        fprintf(stderr, "ntlab: cannot start: error %d\n", e);
        return 1;
    }
    return cli_main(argc, argv);
}
