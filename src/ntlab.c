/* ntlab: the one command-line program. Subcommands live in src/cli/. */
#include "src/cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
