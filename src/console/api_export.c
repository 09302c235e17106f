/* /api/v1/export: File -> Save as scenario (issue 19): the lab as
 * `ntlab export` writes it at that moment, through the daemon's command
 * (console.h command: export sits in src/scenario, a room above the
 * console). The export writes nothing into the lab. The one answer that
 * carries secrets (README "Threat model"): the service accounts' passwords
 * and the users' NT hashes, each declared once as a `secret` line, since
 * the file must rebuild the lab. */
#include "src/console/api.h"
#if NTLAB_CONSOLE
#include "emulator/lab.h"
#include "src/lib/plat.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The download's name: the lab directory's last component, LAB.scn, with
 * what is not a letter, digit, '.', '-' or '_' made '_' (a header value). */
static void file_name(const char *dir, char *out, size_t n)
{
    const char *slash = strrchr(dir, '/');
    const char *base = slash && slash[1] ? slash + 1 : dir;
    size_t k = 0;
    for (; *base && k + 5 < n && k < 64; base++, k++) {
        char ch = *base;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        out[k] = ok ? ch : '_';
    }
    snprintf(out + k, n - k, ".scn");
}

/* The command's error text, without "ntlab: " and the line end. */
static const char *trim(char *s)
{
    if (!s)
        return "no output";
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        s[--len] = 0;
    return strncmp(s, "ntlab: ", 7) == 0 ? s + 7 : s;
}

static int export_lab(struct api_call *a)
{
    if (!a->c->command)
        return reply_error(a->rs, 501, "this console runs no ntlab commands: export needs the "
                                       "daemon (ntlab up --http)");
    char *out = NULL, *err = NULL;
    size_t outlen = 0, errlen = 0;
    struct plat_memstream mo, me;
    FILE *fo = plat_memstream_open(&mo, &out, &outlen);
    FILE *fe = plat_memstream_open(&me, &err, &errlen);
    char *argv[] = {"export", NULL};
    int rc = fo && fe ? a->c->command(a->c->command_arg, 1, argv, fo, fe) : -1;
    /* a stream that could not be closed holds no text: never a 200 empty file */
    if (plat_memstream_close(&mo) | plat_memstream_close(&me))
        rc = -1;
    int e = 0;
    if (rc == -1) {
        e = reply_error(a->rs, 500, "out of memory");
    } else if (rc != 0) {
        /* a corrupt lab file: the export's FILE:LINE, and no file */
        e = reply_error(a->rs, 409, "%s", trim(err));
    } else {
        console_response_free(a->rs);
        a->rs->status = 200;
        a->rs->type = "text/plain; charset=utf-8";
        a->rs->body = out ? out : strdup("");
        a->rs->len = out ? outlen : 0;
        out = NULL;
        file_name(lab_dir(a->c->lab), a->rs->attachment, sizeof a->rs->attachment);
        e = a->rs->body ? 0 : ENOMEM;
    }
    free(out);
    free(err);
    return e;
}

int api_export(struct api_call *a)
{
    if (a->n != 1)
        return reply_error(a->rs, 404, "no such API path");
    if (strcmp(a->rq->method, "GET") != 0)
        return api_method(a, "GET");
    return export_lab(a);
}
#endif
