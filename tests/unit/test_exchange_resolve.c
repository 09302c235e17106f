/* The Exchange directory's containers and custom recipients, and the
 * resolver a logon's mailbox name goes through (issue 14 item 3): every
 * form (alias alone, DOMAIN\account alone, DOMAIN\account\alias and
 * DOMAIN/account/alias), ambiguous, custom recipient, case; and a
 * mailboxes.conf written before containers loads unchanged. */
#include "src/exchange/exchange.h"
#include "src/lib/afile.h"
#include "src/lib/str.h"
#include "src/mailstore/mail_logon.h"
#include "tests/unit/unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALICE "S-1-5-21-1-2-3-1001"
#define BOB "S-1-5-21-1-2-3-1002"
#define CAROL "S-1-5-21-1-2-3-1003"

static void put(struct exchange_directory *d, const char *container, const char *alias,
                const char *sid, int want)
{
    struct exchange_mailbox mb = {0};
    str_copy(mb.alias, sizeof mb.alias, alias);
    if (container)
        str_copy(mb.container, sizeof mb.container, container);
    str_copy(mb.owner, sizeof mb.owner, "CORP\\x");
    CU_ASSERT_FATAL(sid_parse(sid, &mb.owner_sid, NULL) == 0);
    CU_ASSERT_EQUAL(exchange_directory_add(d, &mb), want);
}

static void put_custom(struct exchange_directory *d, const char *container, const char *alias,
                       const char *address, int want)
{
    struct exchange_mailbox mb = {0};
    str_copy(mb.alias, sizeof mb.alias, alias);
    if (container)
        str_copy(mb.container, sizeof mb.container, container);
    mb.custom = true;
    str_copy(mb.address, sizeof mb.address, address);
    CU_ASSERT_EQUAL(exchange_directory_add(d, &mb), want);
}

static struct sid sid_of(const char *s)
{
    struct sid v;
    CU_ASSERT_FATAL(sid_parse(s, &v, NULL) == 0);
    return v;
}

/* The directory the resolver tests share: alice's mailbox "alice" and her
 * second one "amail"; "sales" in two containers (alice's in Recipients,
 * bob's in Sales); a custom recipient "ext" and one "bob" that shares an
 * alias with bob's mailbox; carol owns "cmail" and "cmail2". */
static struct exchange_directory *sample(void)
{
    struct exchange_directory *d = exchange_directory_new();
    CU_ASSERT_FATAL(d != NULL);
    put(d, NULL, "alice", ALICE, 0);
    put(d, NULL, "amail", ALICE, 0);
    put(d, NULL, "sales", ALICE, 0);
    put(d, "Sales", "SALES", BOB, 0);
    put(d, "Sales", "bob", BOB, 0);
    put_custom(d, "External", "ext", "SMTP:ext@example.com", 0);
    put_custom(d, "External", "BOB", "SMTP:bob@example.com", 0);
    put(d, NULL, "cmail", CAROL, 0);
    put(d, NULL, "cmail2", CAROL, 0);
    return d;
}

/* An alias is unique within a container, not per server; a custom
 * recipient needs an address and no owner or secret. */
static void test_directory_containers(void)
{
    struct exchange_directory *d = sample();
    CU_ASSERT(exchange_directory_count(d) == 9);
    put(d, NULL, "ALICE", BOB, EEXIST);               /* same (default) container */
    put(d, "recipients", "Alice", BOB, EEXIST);       /* its name, other case */
    put(d, "sales", "Sales", ALICE, EEXIST);          /* container without case */
    put(d, "Marketing", "alice", BOB, 0);             /* another container: fine */
    put(d, "bad name", "x", BOB, EINVAL);             /* container syntax */
    put_custom(d, "External", "EXT", "SMTP:x@y", EEXIST);
    put_custom(d, NULL, "noaddr", "", EINVAL);
    struct exchange_mailbox mb = {0};
    str_copy(mb.alias, sizeof mb.alias, "both");
    mb.custom = true;
    str_copy(mb.address, sizeof mb.address, "SMTP:a@b");
    str_copy(mb.owner, sizeof mb.owner, "CORP\\x");
    CU_ASSERT(exchange_directory_add(d, &mb) == EINVAL); /* custom with an owner */
    /* lookups */
    const struct exchange_mailbox *v[4];
    CU_ASSERT(exchange_directory_lookup(d, "ALICE", v, 4) == 2);
    CU_ASSERT_STRING_EQUAL(v[0]->container, EXCHANGE_DEFAULT_CONTAINER); /* order added */
    CU_ASSERT_STRING_EQUAL(v[1]->container, "Marketing");
    CU_ASSERT(exchange_directory_lookup(d, "bob", v, 1) == 2); /* count past max */
    CU_ASSERT(!v[0]->custom && v[1]->custom == false);
    CU_ASSERT(exchange_directory_lookup(d, "nosuch", v, 4) == 0);
    CU_ASSERT(exchange_directory_find_in(d, "SALES", "sales")->owner_sid.sub[4] == 1002);
    CU_ASSERT(exchange_directory_find_in(d, NULL, "sales")->owner_sid.sub[4] == 1001);
    CU_ASSERT(exchange_directory_find_in(d, "External", "alice") == NULL);
    exchange_directory_free(d);
}

static void test_resolve_forms(void)
{
    struct exchange_directory *d = sample();
    struct sid alice = sid_of(ALICE), bob = sid_of(BOB), carol = sid_of(CAROL);
    const struct exchange_mailbox *mb;
    static const struct {
        const char *user; /* as the client sent it */
        const char *who;  /* the logged-on account's SID */
        enum exchange_resolve want;
        const char *alias, *container; /* MAILBOX/CUSTOM: the entry */
    } v[] = {
        /* alias alone (the account of the same name logged on) */
        {"alice", ALICE, EXCHANGE_RESOLVE_MAILBOX, "alice", "Recipients"},
        {"ALICE", ALICE, EXCHANGE_RESOLVE_MAILBOX, "alice", "Recipients"},
        /* DOMAIN\account\alias and DOMAIN/account/alias, any case */
        {"CORP\\alice\\amail", ALICE, EXCHANGE_RESOLVE_MAILBOX, "amail", "Recipients"},
        {"CORP/alice/AMAIL", ALICE, EXCHANGE_RESOLVE_MAILBOX, "amail", "Recipients"},
        {"corp\\alice/amail", ALICE, EXCHANGE_RESOLVE_MAILBOX, "amail", "Recipients"},
        /* DOMAIN\account: the alias named like the account */
        {"CORP\\alice", ALICE, EXCHANGE_RESOLVE_MAILBOX, "alice", "Recipients"},
        /* an alias in two containers: ambiguous in every form */
        {"CORP\\alice\\sales", ALICE, EXCHANGE_RESOLVE_AMBIGUOUS, NULL, NULL},
        {"CORP/bob/Sales", BOB, EXCHANGE_RESOLVE_AMBIGUOUS, NULL, NULL},
        /* a mailbox and a custom recipient sharing an alias */
        {"CORP\\bob", BOB, EXCHANGE_RESOLVE_AMBIGUOUS, NULL, NULL},
        /* a custom recipient */
        {"CORP\\alice\\ext", ALICE, EXCHANGE_RESOLVE_CUSTOM, "ext", "External"},
        {"CORP/alice/EXT", ALICE, EXCHANGE_RESOLVE_CUSTOM, "ext", "External"},
        /* a named alias that does not exist */
        {"CORP\\alice\\nosuch", ALICE, EXCHANGE_RESOLVE_NONE, NULL, NULL},
        /* account alone: its name is the alias; no fallback to the
         * mailboxes the account owns (carol owns cmail and cmail2) */
        {"carol", CAROL, EXCHANGE_RESOLVE_NONE, NULL, NULL},
        {"CORP\\carol", CAROL, EXCHANGE_RESOLVE_NONE, NULL, NULL},
        {"CORP\\carol\\CMail2", CAROL, EXCHANGE_RESOLVE_MAILBOX, "cmail2", "Recipients"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct mail_logon_user u;
        CU_ASSERT_FATAL(mail_logon_split_user(v[i].user, MAIL_LOGON_SYNTAX_NT, &u));
        enum exchange_resolve r = exchange_directory_resolve(d, u.mailbox, &mb);
        if (r != v[i].want)
            fprintf(stderr, "\n  %s: got %d, want %d\n", v[i].user, (int)r, (int)v[i].want);
        CU_ASSERT_EQUAL(r, v[i].want);
        if (r != v[i].want)
            continue;
        if (v[i].alias) {
            CU_ASSERT_FATAL(mb != NULL);
            CU_ASSERT_STRING_EQUAL(mb->alias, v[i].alias);
            CU_ASSERT_STRING_EQUAL(mb->container, v[i].container);
        } else {
            CU_ASSERT(mb == NULL);
        }
    }
    /* the alias decides, not who logged on: "alice" is alice's mailbox
     * whoever asks (the store's owner check then denies another account) */
    CU_ASSERT(exchange_directory_resolve(d, "alice", &mb) == EXCHANGE_RESOLVE_MAILBOX);
    CU_ASSERT(mb && sid_equal(&mb->owner_sid, &alice));
    (void)bob;
    (void)carol;
    exchange_directory_free(d);
}

/* A file written before containers (no Container, no CustomRecipient)
 * loads unchanged into the default container, and saves byte for byte as
 * it was; the new keys round-trip and are checked. */
static void test_directory_file_compat(void)
{
    const char *dir = unit_tmpdir();
    char path[4200], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, EXCHANGE_DIR_FILE);
    const char *old = "# ntlab Exchange mailbox directory (see README). One [ALIAS] a mailbox;\n"
                      "# OwnerSid is the owning account's SID, resolved when it was added.\n"
                      "\n[alice]\nOwner = CORP\\alice\nOwnerSid = " ALICE "\n"
                      "\n[bob]\nOwner = CORP\\bob\nOwnerSid = " BOB "\nApopSecret = s3\n";
    CU_ASSERT_FATAL(afile_write(path, old, strlen(old), 0600) == 0);
    struct exchange_directory *d;
    CU_ASSERT_FATAL(exchange_directory_load(path, &d, err, sizeof err) == 0);
    CU_ASSERT(exchange_directory_count(d) == 2);
    CU_ASSERT_STRING_EQUAL(exchange_directory_at(d, 0)->container, EXCHANGE_DEFAULT_CONTAINER);
    CU_ASSERT(exchange_directory_save(d, path) == 0);
    char *back;
    size_t len;
    CU_ASSERT_FATAL(afile_read(path, 1 << 20, &back, &len) == 0);
    CU_ASSERT(len == strlen(old) && memcmp(back, old, len) == 0);
    free(back);
    /* new entries round-trip */
    put(d, "Sales", "alice", CAROL, 0);
    put_custom(d, "External", "ext", " SMTP:ext@example.com", 0);
    CU_ASSERT(exchange_directory_save(d, path) == 0);
    exchange_directory_free(d);
    CU_ASSERT_FATAL(exchange_directory_load(path, &d, err, sizeof err) == 0);
    CU_ASSERT(exchange_directory_count(d) == 4);
    const struct exchange_mailbox *c = exchange_directory_find_in(d, "external", "EXT");
    CU_ASSERT_FATAL(c != NULL);
    CU_ASSERT(c->custom && strcmp(c->address, " SMTP:ext@example.com") == 0 && !c->owner[0]);
    CU_ASSERT(exchange_directory_find_in(d, "Sales", "alice") != NULL);
    exchange_directory_free(d);
    /* malformed: each names its line */
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"[a]\nOwner = x\nOwnerSid = " ALICE "\n[A]\nOwner = y\nOwnerSid = " BOB "\n",
         ":4: duplicate mailbox alias in container Recipients"},
        {"[a]\nContainer = S\nContainer = S\n", ":3: duplicate Container"},
        {"[a]\nContainer = a b\n", ":2: Container must be"},
        {"[a]\nCustomRecipient = SMTP:a@b\nOwner = x\n", ":1: a custom recipient has no Owner"},
        {"[a]\nCustomRecipient = x\nCustomRecipient = y\n", ":3: duplicate CustomRecipient"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_FATAL(afile_write(path, bad[i].text, strlen(bad[i].text), 0600) == 0);
        err[0] = 0;
        CU_ASSERT(exchange_directory_load(path, &d, err, sizeof err) == EINVAL);
        if (!strstr(err, bad[i].want))
            fprintf(stderr, "\n  case %zu: %s\n", i, err);
        CU_ASSERT(strstr(err, bad[i].want) != NULL);
    }
    unit_rmtree(dir);
}

void suite_exchange_resolve(void)
{
    UNIT_SUITE("exchange_resolve", UNIT_TEST(test_directory_containers),
               UNIT_TEST(test_resolve_forms), UNIT_TEST(test_directory_file_compat));
}
