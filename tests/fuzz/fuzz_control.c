/* The control channel's readers, as a TCP client reaches them (ctltcp.h:
 * the daemon can serve control over TCP): the auth frame check
 * (ctltcp_auth_check) and then the request parser (control_request_parse)
 * on the bytes after it; plus the address and endpoint parsers on the same
 * bytes as text (net_addr_parse, ctltcp_spec_parse).
 *
 * Properties: a frame is accepted only when it carries the daemon's secret
 * and *used is its exact length; an accepted request encodes back
 * (control_request_encode_files, its files too) to bytes that parse to the same request, and
 * every proper prefix of those bytes asks for more (EAGAIN); a rejected one
 * leaves nothing allocated. */
#include "src/lib/buf.h"
#include "src/net/addr.h"
#include "src/net/control.h"
#include "src/net/ctltcp.h"
#include "tests/fuzz/fuzz.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "fuzz-secret-0123456789"

static bool same_request(const struct control_request *a, const struct control_request *b)
{
    if ((a->machine == NULL) != (b->machine == NULL) ||
        (a->machine && strcmp(a->machine, b->machine) != 0) || a->argc != b->argc)
        return false;
    for (int i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], b->argv[i]) != 0)
            return false;
    if (a->nfiles != b->nfiles)
        return false;
    for (size_t i = 0; i < a->nfiles; i++)
        if (a->files[i].arg != b->files[i].arg || a->files[i].len != b->files[i].len ||
            memcmp(a->files[i].data, b->files[i].data, a->files[i].len) != 0)
            return false;
    return a->argv[a->argc] == NULL && b->argv[b->argc] == NULL;
}

static void check_request(const uint8_t *data, size_t size)
{
    struct control_request req;
    int rc = control_request_parse(data, size, &req);
    if (rc != 0) {
        if (rc != EAGAIN && rc != EPROTO && rc != E2BIG && rc != ENOMEM)
            fuzz_fail("control_request_parse returned %d", rc);
        if (req.argv || req.machine || req.nfiles)
            fuzz_fail("a rejected request left memory behind");
        return;
    }
    if (req.argc < 1 || (unsigned)req.argc > CONTROL_ARGC_MAX)
        fuzz_fail("accepted argc %d", req.argc);
    struct buf b = BUF_INIT;
    if (req.nfiles > CONTROL_FILES_MAX)
        fuzz_fail("accepted %zu files", req.nfiles);
    if (control_request_encode_files(&b, req.machine, req.argc, req.argv, req.files, req.nfiles))
        fuzz_fail("an accepted request does not encode");
    struct control_request again;
    if (control_request_parse(b.p, b.len, &again))
        fuzz_fail("an encoded request does not parse");
    if (!same_request(&req, &again))
        fuzz_fail("the request changed through encode and parse");
    control_request_free(&again);
    size_t cuts[] = {0, 1, 4, 8, 9, 12, b.len / 2, b.len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        if (cuts[i] >= b.len)
            continue;
        struct control_request part;
        int prc = control_request_parse(b.p, cuts[i], &part);
        if (prc != EAGAIN)
            fuzz_fail("a %zu-byte prefix of a %zu-byte request gives %d", cuts[i], b.len, prc);
    }
    buf_free(&b);
    control_request_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CONTROL_REQUEST_MAX + 64)
        return 0;
    struct ctltcp_secret secret;
    memset(&secret, 0, sizeof secret);
    memcpy(secret.s, SECRET, sizeof SECRET);
    secret.len = sizeof SECRET - 1;

    size_t used = 0;
    int rc = ctltcp_auth_check(data, size, &secret, &used);
    if (rc == 0) {
        if (used != CTLTCP_AUTH_HEADER + secret.len || used > size ||
            memcmp(data + CTLTCP_AUTH_HEADER, SECRET, secret.len) != 0)
            fuzz_fail("auth frame accepted with used=%zu of %zu", used, size);
        check_request(data + used, size - used);
    } else if (rc != EAGAIN && rc != EACCES && rc != EPROTO) {
        fuzz_fail("ctltcp_auth_check returned %d", rc);
    }
    /* the same bytes straight to the Unix socket's parser */
    check_request(data, size);

    /* and as an address or endpoint spec */
    if (size < 512) {
        char *s = malloc(size + 1);
        if (!s)
            return 0;
        memcpy(s, data, size);
        s[size] = 0;
        struct net_addr a;
        if (net_addr_parse(s, &a) == 0) {
            char f[NET_ADDR_STR_MAX];
            net_addr_format(&a, f, sizeof f);
            struct net_addr b;
            if (net_addr_parse(f, &b) != 0)
                fuzz_fail("formatted address \"%s\" does not parse", f);
        }
        (void)ctltcp_spec_parse(s, &a);
        free(s);
    }
    return 0;
}
