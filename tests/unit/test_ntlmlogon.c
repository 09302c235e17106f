/* AUTH NTLM through the POP3 engine into the Exchange store and the
 * emulator's MSV1_0 check, on Q189732's unfixed lab (the store's account
 * lacks SeTcbPrivilege): clear text fails with the article's line while
 * NTLM for the same user succeeds; SPA's alias rule; wrong password with
 * the persona's line, the audit and the lockout counter; hostile exchanges
 * (bad base64, cancel, messages out of order, AUTH restarted); the
 * switched-off persona's Q191558 line. The client side is built here from
 * MS-NLMP, independently of the store's code paths. */
#include "emulator/lab.h"
#include "emulator/msv1_0.h"
#include "emulator/scm.h"
#include "src/exchange/exchange.h"
#include "src/lib/base64.h"
#include "src/lib/buf.h"
#include "src/lib/hmac_md5.h"
#include "src/lib/str.h"
#include "src/pop3/pop3.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <string.h>

#define ADMIN_PW "Adm1n!"
#define SVC_PW "svc-pw"

struct lab1 {
    const char *dir;
    struct lab *lab;
    struct machine *pdc, *exch;
};

static void add_user(struct lab1 *l, const char *name, const char *pw)
{
    struct sam *sam = lab_domain_sam(l->lab, "CORP");
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(sam, name, pw, lab_clock_now(l->lab), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(l->pdc), STATUS_SUCCESS);
}

/* CORP: PDC and member EXCHSRV running the store as CORP\exchsvc without
 * SeTcbPrivilege; users alice, bob; mailboxes alice (alice's) and amail
 * (alice's: alias != account). */
static void lab_up(struct lab1 *l)
{
    memset(l, 0, sizeof *l);
    l->dir = unit_tmpdir();
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_open(l->dir, true, &l->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(l->lab, "CORPDC", ROLE_PDC, OSVER_NT4, "CORP", ADMIN_PW, &l->pdc),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(l->lab, "EXCHSRV", ROLE_MEMBER, OSVER_NT4, "CORP", ADMIN_PW, &l->exch),
        STATUS_SUCCESS);
    CU_ASSERT_FATAL(exchange_set_persona(l->exch, "q189732") == 0);
    add_user(l, "exchsvc", SVC_PW);
    add_user(l, "alice", "Passw0rd");
    add_user(l, "bob", "b0bpw");
    struct sid svc;
    CU_ASSERT_FATAL(machine_resolve(l->exch, "CORP\\exchsvc", &svc) == STATUS_SUCCESS);
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(machine_lsa(l->exch), sid_wellknown(SID_WK_SYSTEM), 1,
                                             POLICY_ALL_ACCESS, &h),
                             STATUS_SUCCESS);
    const char *r[1] = {"SeServiceLogonRight"};
    UNIT_ASSERT_STATUS_FATAL(lsa_add_account_rights(&h, &svc, r, 1), STATUS_SUCCESS);
    lsa_close(&h);
    CU_ASSERT_FATAL(exchange_register(l->exch) == 0);
    struct scm_config cfg = {0};
    cfg.name = "MSExchangeIS";
    cfg.image = EXCHANGE_IMAGE;
    cfg.account = "CORP\\exchsvc";
    cfg.password = SVC_PW;
    cfg.start = SCM_AUTO;
    UNIT_ASSERT_WIN32_FATAL(scm_add(l->exch, &cfg), ERROR_SUCCESS);
    CU_ASSERT_FATAL(exchange_mailbox_add(l->exch, "alice", "CORP\\alice", NULL, err,
                                         sizeof err) == 0);
    CU_ASSERT_FATAL(exchange_mailbox_add(l->exch, "amail", "CORP\\alice", NULL, err,
                                         sizeof err) == 0);
    UNIT_ASSERT_STATUS_FATAL(lab_boot_all(l->lab, err, sizeof err), STATUS_SUCCESS);
}

struct cl {
    struct exchange_session *es;
    struct pop3_session *ps;
    struct pop3_config cfg;
    struct persona *own; /* a persona of the test's, or NULL: the store's */
    struct buf got;
    struct machine *m;
};

static const char *drain(struct cl *c)
{
    buf_reset(&c->got);
    size_t len;
    const char *p;
    while ((p = pop3_session_output(c->ps, &len)) && len) {
        CU_ASSERT_FATAL(buf_append(&c->got, p, len) == 0);
        pop3_session_consume(c->ps, len, machine_now(c->m));
    }
    return c->got.p ? c->got.p : "";
}

static void cl_open(struct lab1 *l, struct cl *c, struct persona *own)
{
    memset(c, 0, sizeof *c);
    c->m = l->exch;
    c->own = own;
    CU_ASSERT_FATAL(exchange_session_open(l->exch, &c->es) == 0);
    const struct pop3_backend be = {&exchange_logon_ops, c->es, NULL, NULL};
    pop3_config_default(&c->cfg);
    c->cfg.host = machine_name(l->exch);
    c->ps = pop3_session_new(own ? own : exchange_session_persona(c->es), &be, &c->cfg,
                             machine_now(l->exch), 1);
    CU_ASSERT_FATAL(c->ps != NULL);
    drain(c);
}

static const char *say(struct cl *c, const char *line)
{
    size_t n = strlen(line);
    CU_ASSERT(pop3_session_input(c->ps, line, n, machine_now(c->m)) == n);
    return drain(c);
}

static void cl_close(struct cl *c)
{
    pop3_session_drop(c->ps);
    exchange_session_close(c->es);
    persona_free(c->own);
    buf_free(&c->got);
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static size_t utf16(const char *s, uint8_t *out)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = (uint8_t)s[i];
        out[2 * i + 1] = 0;
    }
    return 2 * n;
}

/* "LINE\r\n" of the base64 of n bytes. */
static const char *b64line(const uint8_t *d, size_t n)
{
    static char line[4096];
    CU_ASSERT_FATAL(base64_encoded_len(n) + 3 < sizeof line);
    base64_encode(d, n, line);
    strcat(line, "\r\n");
    return line;
}

static const char *type1_line(void)
{
    uint8_t t1[16] = "NTLMSSP";
    put_le(t1 + 8, 1, 4);
    put_le(t1 + 12, NTLM_NEG_UNICODE | NTLM_NEG_NTLM | NTLM_REQUEST_TARGET, 4);
    return b64line(t1, sizeof t1);
}

/* From the server's "+ BASE64" line: the Type 2's challenge and target
 * info; then the NTLMv2 Type 3 for dom\user with password pw. */
static const char *type3_line(const char *chal_line, const char *dom, const char *user,
                              const char *pw)
{
    static uint8_t t2[1024], msg[2048];
    size_t n2 = 0;
    CU_ASSERT_FATAL(strncmp(chal_line, "+ ", 2) == 0);
    size_t ll = strcspn(chal_line + 2, "\r");
    CU_ASSERT_FATAL(base64_decode(chal_line + 2, ll, t2, sizeof t2, &n2) == 0);
    CU_ASSERT_FATAL(ntlmmsg_type(t2, n2) == 2 && n2 >= 48);
    size_t til = (size_t)(t2[40] | t2[41] << 8), tio = (size_t)(t2[44] | t2[45] << 8);
    CU_ASSERT_FATAL(tio + til <= n2);
    uint8_t nthash[16], v2[16], u[128], d[128], nt[1024];
    sam_nthash(pw, nthash);
    size_t ul = utf16(user, u), dl = utf16(dom, d);
    CU_ASSERT_FATAL(msv1_0_ntowf_v2(nthash, u, ul, d, dl, 1, v2) == 0);
    uint8_t *blob = nt + 16;
    memset(blob, 0, 28);
    blob[0] = blob[1] = 1;
    memset(blob + 16, 0x5a, 8); /* client challenge */
    memcpy(blob + 28, t2 + tio, til);
    memset(blob + 28 + til, 0, 4);
    size_t bl = 28 + til + 4;
    struct hmac_md5_ctx h;
    hmac_md5_init(&h, v2, 16);
    hmac_md5_update(&h, t2 + 24, 8);
    hmac_md5_update(&h, blob, bl);
    hmac_md5_final(&h, nt);
    /* Type 3: lm (24 zero bytes), nt, domain, user, workstation */
    uint8_t ws[32], lm[24] = {0};
    size_t wl = utf16("CLIENT1", ws);
    const uint8_t *parts[5] = {lm, nt, d, u, ws};
    size_t lens[5] = {24, 16 + bl, dl, ul, wl}, off = 64;
    memset(msg, 0, 64);
    memcpy(msg, "NTLMSSP", 8);
    put_le(msg + 8, 3, 4);
    for (int i = 0; i < 5; i++) {
        put_le(msg + 12 + 8 * i, (uint32_t)lens[i], 2);
        put_le(msg + 14 + 8 * i, (uint32_t)lens[i], 2);
        put_le(msg + 16 + 8 * i, (uint32_t)off, 4);
        memcpy(msg + off, parts[i], lens[i]);
        off += lens[i];
    }
    put_le(msg + 56, (uint32_t)off, 4);
    put_le(msg + 60, NTLM_NEG_UNICODE | NTLM_NEG_NTLM, 4);
    return b64line(msg, off);
}

/* AUTH NTLM, Type 1, Type 3: the server's last line. */
static const char *ntlm_logon(struct cl *c, const char *dom, const char *user, const char *pw)
{
    CU_ASSERT_STRING_EQUAL(say(c, "AUTH NTLM\r\n"), "+ \r\n");
    char chal[4096];
    str_copy(chal, sizeof chal, say(c, type1_line()));
    return say(c, type3_line(chal, dom, user, pw));
}

static void test_ntlm_bypasses_tcb(void)
{
    struct lab1 l;
    lab_up(&l);
    struct cl c;
    cl_open(&l, &c, NULL);
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH\r\n"), "+OK\r\nNTLM\r\n.\r\n");
    say(&c, "USER CORP\\alice\r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "PASS Passw0rd\r\n"),
                           "-Err A required privilege is not held by the client\r\n");
    CU_ASSERT_STRING_EQUAL(ntlm_logon(&c, "CORP", "alice", "Passw0rd"),
                           "+OK User successfully logged on\r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "STAT\r\n"), "+OK 0 0\r\n");
    cl_close(&c);
    /* the network logon's audit on EXCHSRV names NtLmSsp and NTLM */
    struct evtlog *ev = machine_evtlog(l.exch);
    const struct evtlog_record *r =
        evtlog_at(ev, EVTLOG_SECURITY, evtlog_count(ev, EVTLOG_SECURITY) - 1);
    CU_ASSERT_FATAL(r != NULL);
    CU_ASSERT_EQUAL(r->event_id, 528);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Logon Process: NtLmSsp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->description, "Authentication Package: NTLM"));

    /* the initial response on the AUTH line (RFC 1734 allows none, clients
     * send it anyway) */
    cl_open(&l, &c, NULL);
    char line[4096];
    snprintf(line, sizeof line, "AUTH NTLM %s", type1_line());
    char chal[4096];
    str_copy(chal, sizeof chal, say(&c, line));
    CU_ASSERT_STRING_EQUAL(say(&c, type3_line(chal, "", "ALICE", "Passw0rd")),
                           "+OK User successfully logged on\r\n");
    cl_close(&c);
    lab_free(l.lab);
    unit_rmtree(l.dir);
}

static void test_ntlm_failures(void)
{
    struct lab1 l;
    lab_up(&l);
    struct lsa_sysaccess sa = *lsa_sysaccess(machine_lsa(l.pdc));
    sa.lockout_bad_count = 5;
    sa.reset_lockout_count = 30;
    sa.lockout_duration = 30;
    UNIT_ASSERT_STATUS_FATAL(lsa_set_sysaccess(machine_lsa(l.pdc), &sa), STATUS_SUCCESS);
    struct cl c;
    cl_open(&l, &c, NULL);
    /* wrong password: the persona's win32 line, the store's event, the
     * DC's lockout counter */
    CU_ASSERT_STRING_EQUAL(ntlm_logon(&c, "CORP", "alice", "nope"),
                           "-Err Logon failure: unknown user name or bad password\r\n");
    struct sam_user *u = sam_user_find(lab_domain_sam(l.lab, "CORP"), "alice");
    CU_ASSERT_FATAL(u != NULL);
    CU_ASSERT_EQUAL(u->bad_count, 1u);
    /* SPA's alias rule: bob has no mailbox named bob */
    CU_ASSERT_STRING_EQUAL(ntlm_logon(&c, "CORP", "bob", "b0bpw"),
                           "-Err The mailbox does not exist\r\n");
    /* cancel, bad base64, out-of-order and repeated messages */
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "+ \r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "*\r\n"), "-Err Authentication cancelled\r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "+ \r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "!!notbase64\r\n"), "-Err Authentication failed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "+ \r\n");
    const char *t1 = type1_line();
    char chal[4096];
    str_copy(chal, sizeof chal, say(&c, t1));
    CU_ASSERT(strncmp(chal, "+ ", 2) == 0);
    CU_ASSERT_STRING_EQUAL(say(&c, type1_line()),
                           "-Err Logon failure: unknown user name or bad password\r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "+ \r\n");
    str_copy(chal, sizeof chal, say(&c, type1_line()));
    /* AUTH restarted mid-exchange is the answer line, and not base64 */
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "-Err Authentication failed\r\n");
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "+ \r\n");
    str_copy(chal, sizeof chal, say(&c, type1_line()));
    cl_close(&c); /* drops an exchange in progress: its state is freed */
    /* a Type 3 first, with no challenge sent */
    cl_open(&l, &c, NULL);
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH NTLM\r\n"), "+ \r\n");
    uint8_t junk[60] = "NTLMSSP";
    put_le(junk + 8, 3, 4);
    CU_ASSERT_STRING_EQUAL(say(&c, b64line(junk, sizeof junk)),
                           "-Err Logon failure: unknown user name or bad password\r\n");
    /* every failure wrote the store's event naming the mechanism */
    size_t n = 0;
    struct evtlog *ev = machine_evtlog(l.exch);
    for (size_t i = evtlog_first(ev, EVTLOG_APPLICATION); i < evtlog_count(ev, EVTLOG_APPLICATION);
         i++) {
        const struct evtlog_record *r = evtlog_at(ev, EVTLOG_APPLICATION, i);
        if (r && r->event_id == 1010 /* the default table's logon failure */ && strstr(r->description, "NTLM"))
            n++;
    }
    CU_ASSERT_EQUAL(n, 2u); /* wrong password, no mailbox */
    cl_close(&c);

    /* the persona with NTLM switched off: Q191558's line */
    struct persona *p;
    char err[256];
    const char *text = "persona 1\ninherit exchange-5.0.1457.10\nsasl\n";
    CU_ASSERT_FATAL(persona_parse("spa-off", text, strlen(text), NULL, &p, err, sizeof err) == 0);
    cl_open(&l, &c, p);
    CU_ASSERT_STRING_EQUAL(say(&c, "AUTH\r\n"), "+OK\r\n.\r\n");
    CU_ASSERT_STRING_EQUAL(
        say(&c, "AUTH NTLM\r\n"),
        "-ERR The NTLM Authentication package has been disabled for this protocol.\r\n");
    cl_close(&c);
    lab_free(l.lab);
    unit_rmtree(l.dir);
}

void suite_ntlmlogon(void)
{
    UNIT_SUITE("ntlmlogon", UNIT_TEST(test_ntlm_bypasses_tcb), UNIT_TEST(test_ntlm_failures));
}
