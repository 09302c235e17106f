/* ntlab errmsg CODE: what NET HELPMSG / FormatMessage would say. */
#include "emulator/nterr.h"
#include "src/cli/cli.h"

int cmd_errmsg(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc != 2)
        return cli_error(ctx, CLI_USAGE, "usage: ntlab errmsg CODE");
    uint32_t code;
    if (!nterr_parse(argv[1], &code))
        return cli_error(ctx, CLI_FAIL, "unknown error code '%s'", argv[1]);
    char line[512];
    nterr_describe(code, line, sizeof line);
    fprintf(ctx->out, "%s\n", line);
    return CLI_OK;
}
