/* The store's credentials cache (KB Q166620): hits and misses, the idle
 * and age limits on the lab clock, names without case and passwords with
 * it, size 0, a full bucket replaced, the settings in exchange.conf (bad
 * values refused with the line, kept across a persona change), and the
 * running store: a changed password accepted from the cache, its counts,
 * emptied by a restart, a store that refuses to start on a bad setting. */
#include "emulator/lab.h"
#include "emulator/scm.h"
#include "src/exchange/credcache.h"
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/buf.h"
#include "src/pop3/pop3.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct token tok_named(const char *user)
{
    struct token t;
    memset(&t, 0, sizeof t);
    snprintf(t.user_name, sizeof t.user_name, "%s", user);
    snprintf(t.domain_name, sizeof t.domain_name, "CORP");
    t.logon_id = 4242;
    return t;
}

static struct credcache *new_cache(uint32_t age, uint32_t idle, uint32_t size)
{
    struct credcache_settings s = {age, idle, size};
    struct credcache *c = NULL;
    CU_ASSERT_FATAL(credcache_new(&s, &c) == 0);
    CU_ASSERT_FATAL(c != NULL);
    return c;
}

static void test_defaults_and_bounds(void)
{
    struct credcache_settings s;
    credcache_defaults(&s);
    CU_ASSERT_EQUAL(s.age_limit_min, 120);
    CU_ASSERT_EQUAL(s.idle_limit_min, 15);
    CU_ASSERT_EQUAL(s.size, 256);
    CU_ASSERT(credcache_settings_valid(&s));
    struct credcache *c = (struct credcache *)&s; /* overwritten on failure */
    s.size = CREDCACHE_SIZE_MAX + 1;
    CU_ASSERT(credcache_new(&s, &c) == EINVAL);
    CU_ASSERT(c == NULL);
    credcache_defaults(&s);
    s.idle_limit_min = CREDCACHE_MINUTES_MAX + 1;
    CU_ASSERT(!credcache_settings_valid(&s));
    CU_ASSERT(credcache_new(NULL, &c) == EINVAL);
    credcache_free(NULL);
}

static void test_hit_miss_and_names(void)
{
    struct credcache *c = new_cache(120, 15, 256);
    struct token t = tok_named("alice"), got;
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "Passw0rd", 1000, &got));
    credcache_insert(c, "CORP", "alice", "Passw0rd", 1000, &t);
    memset(&got, 0, sizeof got);
    CU_ASSERT(credcache_lookup(c, "corp", "ALICE", "Passw0rd", 1001, &got)); /* names: no case */
    CU_ASSERT_STRING_EQUAL(got.user_name, "alice");
    CU_ASSERT_EQUAL(got.logon_id, 4242);
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "passw0rd", 1002, &got)); /* password: case */
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "Passw0rd!", 1002, &got));
    CU_ASSERT(!credcache_lookup(c, "OTHER", "alice", "Passw0rd", 1002, &got));
    /* the separator keeps "AB"+"C" apart from "A"+"BC" */
    credcache_insert(c, "AB", "C", "pw", 1000, &t);
    CU_ASSERT(!credcache_lookup(c, "A", "BC", "pw", 1002, &got));
    CU_ASSERT(credcache_lookup(c, NULL, "", "", 1002, &got) == false); /* NULL reads as "" */
    struct credcache_stats st;
    credcache_stats(c, 1003, &st);
    CU_ASSERT_EQUAL(st.entries, 2);
    CU_ASSERT_EQUAL(st.hits, 1);
    CU_ASSERT_EQUAL(st.misses, 6);
    CU_ASSERT_EQUAL(st.size, 256);
    credcache_free(c);
}

static void test_idle_and_age_limits(void)
{
    struct credcache *c = new_cache(120, 15, 256);
    struct token t = tok_named("alice"), got;
    credcache_insert(c, "CORP", "alice", "pw", 0, &t);
    CU_ASSERT(credcache_lookup(c, "CORP", "alice", "pw", 15 * 60 - 1, &got)); /* used again */
    CU_ASSERT(credcache_lookup(c, "CORP", "alice", "pw", 2 * 15 * 60 - 2, &got));
    /* idle for exactly the limit: gone */
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "pw", 3 * 15 * 60 - 2, &got));
    struct credcache_stats st;
    credcache_stats(c, 3 * 15 * 60, &st);
    CU_ASSERT_EQUAL(st.entries, 0);
    /* the age limit ends an entry in use */
    credcache_insert(c, "CORP", "alice", "pw", 0, &t);
    for (int64_t now = 600; now < 120 * 60; now += 600)
        CU_ASSERT(credcache_lookup(c, "CORP", "alice", "pw", now, &got));
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "pw", 120 * 60, &got));
    credcache_stats(c, 0, &st);
    CU_ASSERT_EQUAL(st.entries, 0); /* the expired entry was dropped, not only skipped */
    credcache_free(c);
}

static void test_off_and_one_bucket(void)
{
    struct credcache *c = new_cache(120, 15, 0);
    struct token t = tok_named("alice"), got;
    credcache_insert(c, "CORP", "alice", "pw", 0, &t);
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "pw", 1, &got));
    struct credcache_stats st;
    credcache_stats(c, 1, &st);
    CU_ASSERT_EQUAL(st.size, 0);
    CU_ASSERT_EQUAL(st.entries + st.hits + st.misses, 0); /* off: counts nothing */
    credcache_free(c);
    /* one bucket: the newer entry replaces the older */
    c = new_cache(120, 15, 1);
    credcache_insert(c, "CORP", "alice", "old", 0, &t);
    credcache_insert(c, "CORP", "alice", "new", 1, &t);
    CU_ASSERT(credcache_lookup(c, "CORP", "alice", "new", 2, &got));
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "old", 2, &got));
    /* idle limit 0: nothing stays */
    credcache_free(c);
    c = new_cache(120, 0, 16);
    credcache_insert(c, "CORP", "alice", "pw", 5, &t);
    CU_ASSERT(!credcache_lookup(c, "CORP", "alice", "pw", 5, &got));
    credcache_free(c);
}

/* --- exchange.conf and the running store ------------------------------- */

struct lone {
    const char *dir;
    struct lab *lab;
    struct machine *m;
};

/* A standalone NT 4.0 server EXCH whose store runs as local exchsvc (with
 * the Q189732 fix: SeTcbPrivilege), user alice with mailbox alice. */
static void lone_up(struct lone *l, bool boot)
{
    memset(l, 0, sizeof *l);
    l->dir = unit_tmpdir();
    char err[512];
    UNIT_ASSERT_STATUS_FATAL(lab_open(l->dir, true, &l->lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(l->lab, "EXCH", ROLE_STANDALONE, OSVER_NT4, NULL, "Adm1n!", &l->m),
        STATUS_SUCCESS);
    struct sam *sam = machine_sam(l->m);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(sam, "exchsvc", "svc-pw", machine_now(l->m), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(sam_user_add(sam, "alice", "Passw0rd", machine_now(l->m), NULL),
                             STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(machine_save_sam(l->m), STATUS_SUCCESS);
    struct sid svc;
    UNIT_ASSERT_STATUS_FATAL(machine_resolve(l->m, "exchsvc", &svc), STATUS_SUCCESS);
    struct lsa_handle h;
    UNIT_ASSERT_STATUS_FATAL(lsa_open_policy(machine_lsa(l->m), sid_wellknown(SID_WK_SYSTEM), 1,
                                             POLICY_ALL_ACCESS, &h),
                             STATUS_SUCCESS);
    const char *r[2] = {"SeServiceLogonRight", "SeTcbPrivilege"};
    UNIT_ASSERT_STATUS_FATAL(lsa_add_account_rights(&h, &svc, r, 2), STATUS_SUCCESS);
    lsa_close(&h);
    CU_ASSERT_FATAL(exchange_register(l->m) == 0);
    struct scm_config cfg = {0};
    cfg.name = "MSExchangeIS";
    cfg.image = EXCHANGE_IMAGE;
    cfg.account = ".\\exchsvc";
    cfg.password = "svc-pw";
    cfg.start = SCM_AUTO;
    UNIT_ASSERT_WIN32_FATAL(scm_add(l->m, &cfg), ERROR_SUCCESS);
    CU_ASSERT_FATAL(exchange_mailbox_add(l->m, "alice", "alice", NULL, err, sizeof err) == 0);
    if (boot)
        UNIT_ASSERT_STATUS_FATAL(lab_boot_all(l->lab, err, sizeof err), STATUS_SUCCESS);
}

static void lone_down(struct lone *l)
{
    lab_free(l->lab);
    unit_rmtree(l->dir);
}

static void write_conf(struct lone *l, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", machine_dir(l->m), EXCHANGE_CONF_FILE);
    CU_ASSERT_FATAL(afile_write(path, text, strlen(text), 0644) == 0);
}

static void test_settings_file(void)
{
    struct lone l;
    lone_up(&l, false);
    struct credcache_settings s;
    char err[512];
    CU_ASSERT(exchange_settings_credcache(l.m, &s, err, sizeof err) == 0); /* no file */
    CU_ASSERT_EQUAL(s.size, 256);
    write_conf(&l, "persona = q189732\ncredentials cache idle limit = 5\n"
                   "Credentials Cache Size = 0\n");
    CU_ASSERT(exchange_settings_credcache(l.m, &s, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(s.idle_limit_min, 5);
    CU_ASSERT_EQUAL(s.size, 0);
    CU_ASSERT_EQUAL(s.age_limit_min, 120);
    /* a persona change keeps the cache keys, and the reverse */
    CU_ASSERT(exchange_set_persona(l.m, "exchange-5.0.1457.10") == 0);
    CU_ASSERT(exchange_settings_credcache(l.m, &s, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(s.idle_limit_min, 5);
    s.age_limit_min = 30;
    CU_ASSERT(exchange_set_credcache(l.m, &s) == 0);
    char name[64];
    CU_ASSERT(exchange_settings_persona(l.m, name, sizeof name, err, sizeof err) == 0);
    CU_ASSERT_STRING_EQUAL(name, "exchange-5.0.1457.10");
    CU_ASSERT(exchange_settings_credcache(l.m, &s, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(s.age_limit_min, 30);
    s.size = CREDCACHE_SIZE_MAX + 1;
    CU_ASSERT(exchange_set_credcache(l.m, &s) == EINVAL);
    /* bad values: the line and the bound */
    static const char *const bad[] = {"Credentials Cache Size = 65537\n",
                                      "Credentials Cache Size = -1\n",
                                      "Credentials Cache Age Limit = 12m\n",
                                      "Credentials Cache Idle Limit =\n",
                                      "Credentials Cache Size = 99999999999999\n",
                                      "Credentials Cache Size = 1\nCredentials Cache Size = 2\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_conf(&l, bad[i]);
        CU_ASSERT(exchange_settings_credcache(l.m, &s, err, sizeof err) == EINVAL);
        CU_ASSERT(strstr(err, "exchange.conf:") != NULL);
    }
    CU_ASSERT(strstr(err, ":2: Credentials Cache Size given twice") != NULL);
    write_conf(&l, "Credentials Cache Size = x\n");
    CU_ASSERT(exchange_settings_credcache(l.m, &s, err, sizeof err) == EINVAL);
    CU_ASSERT(strstr(err, ":1: Credentials Cache Size: expected a number from 0 to 65536") != NULL);
    lone_down(&l);
}

/* One USER/PASS logon through the store; returns whether it was +OK. */
static bool pop3_logon(struct machine *m, const char *pw)
{
    struct exchange_session *es;
    CU_ASSERT_FATAL(exchange_session_open(m, &es) == 0);
    struct pop3_config cfg;
    pop3_config_default(&cfg);
    const struct pop3_backend be = {&exchange_logon_ops, es, NULL, NULL};
    struct pop3_session *ps =
        pop3_session_new(exchange_session_persona(es), &be, &cfg, machine_now(m), 1);
    CU_ASSERT_FATAL(ps != NULL);
    char line[128];
    snprintf(line, sizeof line, "USER alice\r\nPASS %s\r\nQUIT\r\n", pw);
    size_t n = strlen(line);
    CU_ASSERT(pop3_session_input(ps, line, n, machine_now(m)) == n);
    struct buf out = BUF_INIT;
    size_t len;
    const char *p;
    while ((p = pop3_session_output(ps, &len)) && len) {
        CU_ASSERT_FATAL(buf_append(&out, p, len) == 0);
        pop3_session_consume(ps, len, machine_now(m));
    }
    bool ok = out.p && strstr(out.p, "successfully logged on") != NULL;
    buf_free(&out);
    pop3_session_drop(ps);
    exchange_session_close(es);
    return ok;
}

static void test_store_uses_cache(void)
{
    struct lone l;
    lone_up(&l, true);
    CU_ASSERT_FATAL(exchange_running(l.m));
    CU_ASSERT(pop3_logon(l.m, "Passw0rd"));
    UNIT_ASSERT_STATUS_FATAL(sam_set_password(machine_sam(l.m), "alice", "N3w", machine_now(l.m)),
                             STATUS_SUCCESS);
    CU_ASSERT(pop3_logon(l.m, "Passw0rd")); /* cached: LogonUser not asked */
    CU_ASSERT(!pop3_logon(l.m, "Wrong"));
    struct credcache_stats st;
    CU_ASSERT(exchange_credcache_stats(l.m, &st));
    CU_ASSERT_EQUAL(st.entries, 1);
    CU_ASSERT_EQUAL(st.hits, 1);
    CU_ASSERT_EQUAL(st.misses, 2);
    UNIT_ASSERT_WIN32_FATAL(scm_restart(l.m, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(exchange_credcache_stats(l.m, &st));
    CU_ASSERT_EQUAL(st.entries + st.hits + st.misses, 0); /* a restart empties it */
    CU_ASSERT(!pop3_logon(l.m, "Passw0rd"));
    CU_ASSERT(pop3_logon(l.m, "N3w"));
    /* size 0 after the next start: every logon asks LogonUser */
    struct credcache_settings cs = {120, 15, 0};
    CU_ASSERT(exchange_set_credcache(l.m, &cs) == 0);
    UNIT_ASSERT_WIN32_FATAL(scm_restart(l.m, "MSExchangeIS"), ERROR_SUCCESS);
    CU_ASSERT(pop3_logon(l.m, "N3w"));
    CU_ASSERT(exchange_credcache_stats(l.m, &st));
    CU_ASSERT_EQUAL(st.size + st.hits + st.misses, 0);
    /* a bad setting: the store does not start, and no store, no counts */
    write_conf(&l, "Credentials Cache Size = lots\n");
    CU_ASSERT(scm_restart(l.m, "MSExchangeIS") != ERROR_SUCCESS);
    CU_ASSERT(!exchange_running(l.m));
    CU_ASSERT(!exchange_credcache_stats(l.m, &st));
    lone_down(&l);
}

void suite_credcache(void)
{
    UNIT_SUITE("credcache", UNIT_TEST(test_defaults_and_bounds),
               UNIT_TEST(test_hit_miss_and_names), UNIT_TEST(test_idle_and_age_limits),
               UNIT_TEST(test_off_and_one_bucket), UNIT_TEST(test_settings_file),
               UNIT_TEST(test_store_uses_cache));
}
