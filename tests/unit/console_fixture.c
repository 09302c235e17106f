/* The console suites' shared fixture (console_fixture.h). */
#include "tests/unit/console_fixture.h"
#if NTLAB_CONSOLE
#include "emulator/scm.h"
#include "tests/unit/unit.h"
#include <string.h>

void cfx_corp(struct cfx_lab *q)
{
    memset(q, 0, sizeof *q);
    q->dir = unit_tmpdir();
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_open(q->dir, true, &q->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(q->lab, "CORPDC", ROLE_PDC, OSVER_NT4, "CORP", "Adm1n!", &q->dc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(q->lab, "SRV", ROLE_MEMBER, OSVER_NT4, "CORP", "Adm1n!", &q->srv),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(scm_attach(q->srv, err, sizeof err), STATUS_SUCCESS);
    q->con.lab = q->lab;
    q->con.port = CFX_PORT;
    strcpy(q->con.secret, CFX_SECRET);
}

void cfx_add_svc(struct cfx_lab *q)
{
    struct scm_config c = {.name = "Svc", .image = "null", .start = SCM_DEMAND};
    UNIT_ASSERT_WIN32_FATAL(scm_add(q->srv, &c), ERROR_SUCCESS);
}

void cfx_free(struct cfx_lab *q)
{
    lab_free(q->lab);
    unit_rmtree(q->dir);
}

struct console_request cfx_req(const char *method, const char *path, const char *body)
{
    struct console_request rq = {.method = method, .path = path, .token = CFX_SECRET,
                                 .host = CFX_HOST, .origin = CFX_ORIGIN, .peer_loopback = true,
                                 .body = body ? body : "", .body_len = body ? strlen(body) : 0};
    return rq;
}

int cfx_json(struct console *con, const struct console_request *rq, json_t **out,
             const char *const *never)
{
    struct console_response rs;
    CU_ASSERT_EQUAL_FATAL(console_handle(con, rq, &rs), 0);
    CU_ASSERT_STRING_EQUAL(rs.type, "application/json");
    json_t *v = json_loadb(rs.body, rs.len, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL(v);
    for (size_t i = 0; never && never[i]; i++)
        CU_ASSERT_PTR_NULL(strstr(rs.body, never[i])); /* json_dumps ends it with a NUL */
    int st = rs.status;
    console_response_free(&rs);
    if (out)
        *out = v;
    else
        json_decref(v);
    return st;
}
#endif
