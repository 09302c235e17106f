/* The names of one exercise instance: seed 0 is KB Q189732's lab, any
 * other seed picks names from small lists with splitmix64, so two
 * students' labs differ and the same seed rebuilds the same lab. The lists
 * are our choice (NetBIOS-safe: letters and digits, at most 15). */
#include "src/exercise/exercise.h"
#include "src/lib/buf.h"
#include "src/lib/str.h"
#include <stdio.h>
#include <string.h>

static const char *const var_names[EX_VAR_COUNT] = {
    "DOMAIN", "DC", "SERVER", "SVC", "SVCPASS", "USER", "PASSWORD", "MAILBOX",
};

static const char *const defaults[EX_VAR_COUNT] = {
    "CORP", "CORPDC", "EXCHSRV", "EXCHSVC", "Exch4nge!", "alice", "Passw0rd", "alice",
};

static const char *const domains[] = {"ACME", "GLOBEX", "INITECH", "HOOLI", "UMBRELLA",
                                      "STARK", "WAYNE", "TYRELL", "SOYLENT", "ORIGIN",
                                      "VANDELAY", "NORTHWND", "CONTOSO", "FABRIKAM", "LITWARE",
                                      "WINGTIP"};
static const char *const users[] = {"bob", "carol", "dave", "erin", "frank", "grace",
                                    "heidi", "ivan", "judy", "mallory", "oscar", "peggy",
                                    "rupert", "sybil", "trent", "victor"};
static const char *const svcs[] = {"EXSVC", "MAILSVC", "EXADMIN", "MSXSVC",
                                   "XCHGSVC", "STORESVC", "EXSERVICE", "SVCEXCH"};

const char *ex_var_name(enum ex_var v)
{
    return v < EX_VAR_COUNT ? var_names[v] : "?";
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define PICK(list, r) (list[(r) % (sizeof list / sizeof list[0])])

/* A password that meets any complexity rule the lab might set: upper,
 * lower, digits and a sign. */
static void password(char *out, size_t n, uint64_t *st)
{
    static const char alnum[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    char p[12];
    p[0] = (char)('A' + splitmix64(st) % 26);
    for (int i = 1; i < 8; i++)
        p[i] = alnum[splitmix64(st) % (sizeof alnum - 1)];
    p[8] = (char)('0' + splitmix64(st) % 10);
    p[9] = '!';
    p[10] = 0;
    str_copy(out, n, p);
}

void ex_vars_init(struct ex_vars *vars, uint64_t seed)
{
    memset(vars, 0, sizeof *vars);
    vars->seed = seed;
    if (seed == 0) {
        for (int i = 0; i < EX_VAR_COUNT; i++)
            str_copy(vars->v[i], sizeof vars->v[i], defaults[i]);
        return;
    }
    uint64_t st = seed;
    unsigned num = (unsigned)(splitmix64(&st) % 100);
    const char *dom = PICK(domains, splitmix64(&st));
    snprintf(vars->v[EX_VAR_DOMAIN], sizeof vars->v[0], "%s", dom);
    snprintf(vars->v[EX_VAR_DC], sizeof vars->v[0], "%.10sDC%02u", dom, num);
    snprintf(vars->v[EX_VAR_SERVER], sizeof vars->v[0], "MAIL%02u", (num + 37) % 100);
    snprintf(vars->v[EX_VAR_SVC], sizeof vars->v[0], "%s", PICK(svcs, splitmix64(&st)));
    password(vars->v[EX_VAR_SVCPASS], sizeof vars->v[0], &st);
    const char *u = PICK(users, splitmix64(&st));
    snprintf(vars->v[EX_VAR_USER], sizeof vars->v[0], "%s", u);
    password(vars->v[EX_VAR_PASSWORD], sizeof vars->v[0], &st);
    /* the alias differs from the account, as Exchange admins often chose */
    snprintf(vars->v[EX_VAR_MAILBOX], sizeof vars->v[0], "%s%c", u,
             (char)('a' + splitmix64(&st) % 26));
}

/* The variable named by text[0..len), or -1. */
static int lookup(const char *s, size_t len)
{
    for (int i = 0; i < EX_VAR_COUNT; i++)
        if (strlen(var_names[i]) == len && memcmp(var_names[i], s, len) == 0)
            return i;
    return -1;
}

char *ex_expand(const char *text, const struct ex_vars *vars)
{
    struct buf b = BUF_INIT;
    int rc = 0;
    const char *p = text;
    while (*p && !rc) {
        const char *d = strstr(p, "${");
        const char *e = d ? strchr(d + 2, '}') : NULL;
        if (!d || !e) {
            rc = buf_puts(&b, p);
            break;
        }
        int v = lookup(d + 2, (size_t)(e - d - 2));
        rc = buf_append(&b, p, (size_t)(d - p));
        if (!rc)
            rc = v >= 0 ? buf_puts(&b, vars->v[v]) : buf_append(&b, d, (size_t)(e + 1 - d));
        p = e + 1;
    }
    if (!rc && !b.p)
        rc = buf_puts(&b, "");
    if (rc) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b);
}

bool ex_vars_known(const char *text, char *bad, size_t n)
{
    for (const char *d = strstr(text, "${"); d; d = strstr(d + 2, "${")) {
        const char *e = strchr(d + 2, '}');
        if (!e || lookup(d + 2, (size_t)(e - d - 2)) < 0) {
            size_t l = e ? (size_t)(e + 1 - d) : strlen(d);
            snprintf(bad, n, "%.*s", (int)(l > 40 ? 40 : l), d);
            return false;
        }
    }
    return true;
}
