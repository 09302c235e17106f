/* Ready-made labs (preset.h). A preset is a short script of the same admin
 * commands a user would type, run against the new lab, so it exercises and
 * documents the CLI rather than bypassing it. */
#include "src/cli/preset.h"
#include "emulator/lab.h"
#include "src/exchange/exchange.h"
#include "src/exchange/ims.h"
#include "src/lib/afile.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define Q_DOMAIN "CORP"
#define Q_PDC "CORPDC"
#define Q_SERVER "EXCHSRV"
#define Q_ADMIN_PASSWORD "Admin1"
#define Q_SERVICE_PASSWORD "Exch4nge!"
#define Q_USER_PASSWORD "Passw0rd"

/* One admin command of a preset: its machine (--machine) and argv. */
struct preset_step {
    const char *machine;
    const char *argv[16];
};

static const struct preset_step q189732_steps[] = {
    {Q_PDC, {"user", "add", "EXCHSVC", "--password", Q_SERVICE_PASSWORD}},
    {Q_PDC, {"user", "set", "EXCHSVC", "--fullname", "Exchange service account",
             "--password-never-expires", "on"}},
    {Q_PDC, {"user", "add", "alice", "--password", Q_USER_PASSWORD}},
    {Q_PDC, {"user", "set", "alice", "--fullname", "Alice", "--password-never-expires", "on"}},
    /* "Log on as a service" where the service runs: EXCHSRV's own policy.
     * The article's missing right, SeTcbPrivilege, is deliberately not
     * granted. */
    {NULL, {"ntrights", "+r", "SeServiceLogonRight", "-u", Q_DOMAIN "\\EXCHSVC", "-m",
            "\\\\" Q_SERVER}},
    {Q_SERVER, {"service", "add", "MSExchangeIS", "--image", EXCHANGE_IMAGE, "--account",
                Q_DOMAIN "\\EXCHSVC", "--password", Q_SERVICE_PASSWORD, "--start", "auto",
                "--display", "Microsoft Exchange Information Store"}},
    {Q_SERVER, {"mailbox", "add", "alice", "--owner", Q_DOMAIN "\\alice"}},
    /* The Internet Mail Service (issue 18): its own account, which also
     * lacks SeTcbPrivilege, so SMTP AUTH fails as POP3 logons do (Q235627
     * event 4183) until the grant and the IMS's restart. */
    {Q_PDC, {"user", "add", "IMSSVC", "--password", Q_SERVICE_PASSWORD}},
    {Q_PDC, {"user", "set", "IMSSVC", "--fullname", "Internet Mail Service account",
             "--password-never-expires", "on"}},
    {NULL, {"ntrights", "+r", "SeServiceLogonRight", "-u", Q_DOMAIN "\\IMSSVC", "-m",
            "\\\\" Q_SERVER}},
    {Q_SERVER, {"service", "add", IMS_SERVICE, "--image", IMS_IMAGE, "--account",
                Q_DOMAIN "\\IMSSVC", "--password", Q_SERVICE_PASSWORD, "--start", "auto",
                "--depends", "MSExchangeIS", "--display",
                "Microsoft Exchange Internet Mail Service"}},
};

/* Three small messages; the second has a line starting with '.', which
 * RETR must send dot-stuffed. */
static const char *const q189732_messages[] = {
    "From: Administrator <administrator@corp.example>\r\n"
    "To: Alice <alice@corp.example>\r\n"
    "Subject: Welcome to CORP\r\n"
    "Date: Wed, 01 Jul 1998 09:00:00 +0000\r\n"
    "Message-ID: <welcome.1@exchsrv.corp.example>\r\n"
    "\r\n"
    "Your mailbox on EXCHSRV is ready.\r\n",

    "From: Helpdesk <helpdesk@corp.example>\r\n"
    "To: Alice <alice@corp.example>\r\n"
    "Subject: POP3 settings\r\n"
    "Date: Wed, 01 Jul 1998 09:05:00 +0000\r\n"
    "Message-ID: <pop3.2@exchsrv.corp.example>\r\n"
    "\r\n"
    "Server: EXCHSRV, port 110. User name: CORP\\alice\\alice\r\n"
    ".signature lines start with a dot and are sent as '..'\r\n"
    "Regards, Helpdesk\r\n",

    "From: Bob <bob@corp.example>\r\n"
    "To: Alice <alice@corp.example>\r\n"
    "Subject: Lunch?\r\n"
    "Date: Wed, 01 Jul 1998 11:30:00 +0000\r\n"
    "Message-ID: <lunch.3@exchsrv.corp.example>\r\n"
    "\r\n"
    "Noon at the usual place?\r\n",
};

/* Printed by `ntlab up --foreground` (make run), with the lab's path and
 * the listener's address filled in (src/net/welcome.h). */
static const char q189732_welcome[] =
    "KB Q189732 lab: EXCHSRV runs the Exchange store as CORP\\EXCHSVC, which lacks\n"
    "\"Act as part of the operating system\" (SeTcbPrivilege).\n"
    "\n"
    "See the symptom (in another terminal):\n"
    "  telnet ${HOST:EXCHSRV} ${PORT:EXCHSRV}\n"
    "  USER CORP\\alice\\alice\n"
    "  PASS Passw0rd\n"
    "  -> -Err A required privilege is not held by the client\n"
    "\n"
    "Apply the article's fix (the grant in EXCHSRV's own policy, then reboot;\n"
    "in the source tree the program is build/ntlab):\n"
    "  ntlab -C ${LAB} ntrights +r SeTcbPrivilege -u 'CORP\\EXCHSVC' -m '\\\\EXCHSRV'\n"
    "  ntlab -C ${LAB} reboot --machine EXCHSRV\n"
    "Then log on again: +OK, and STAT/LIST/RETR/DELE/QUIT work.\n"
    "'ntlab -C ${LAB} status' shows the service's token; Ctrl-C here stops the lab.\n";

static int run_step(struct cli_ctx *ctx, struct lab *lab, const char *dir,
                    const struct preset_step *st)
{
    char *out = NULL;
    size_t outlen = 0;
    struct plat_memstream ms;
    FILE *fo = plat_memstream_open(&ms, &out, &outlen); /* the steps' chatter: only errors matter */
    if (!fo)
        return cli_error(ctx, CLI_FAIL, "init: out of memory");
    struct cli_ctx sub = {.labdir = dir, .machine = st->machine, .lab = lab, .live = true,
                          .out = fo, .err = ctx->err};
    int argc = 0;
    while (argc < 16 && st->argv[argc])
        argc++;
    int rc = cli_dispatch(&sub, argc, (char **)st->argv);
    plat_memstream_close(&ms);
    free(out);
    if (rc != CLI_OK) {
        fprintf(ctx->err, "ntlab: init: preset step failed: ntlab");
        for (int i = 0; i < argc; i++)
            fprintf(ctx->err, " %s", st->argv[i]);
        if (st->machine)
            fprintf(ctx->err, " --machine %s", st->machine);
        fputc('\n', ctx->err);
    }
    return rc;
}

static int create_q189732(struct cli_ctx *ctx, const char *dir)
{
    struct lab *lab;
    if (cli_lab_create(ctx, dir, &lab) != CLI_OK)
        return CLI_FAIL;
    ntstatus s;
    int rc = CLI_FAIL;
    struct machine *srv = NULL;
    s = lab_machine_add(lab, Q_PDC, ROLE_PDC, OSVER_NT4, Q_DOMAIN, Q_ADMIN_PASSWORD, NULL);
    if (s == STATUS_SUCCESS)
        s = lab_machine_add(lab, Q_SERVER, ROLE_MEMBER, OSVER_NT4, Q_DOMAIN, Q_ADMIN_PASSWORD,
                            &srv);
    if (s == STATUS_SUCCESS) {
        s = nterr_from_errno(exchange_set_persona(srv, "q189732"));
    }
    if (s != STATUS_SUCCESS) {
        const char *sym = nterr_status_symbol(s);
        cli_error(ctx, CLI_FAIL, "init: cannot create the machines of preset q189732: %s",
                  sym ? sym : "error");
        goto out;
    }
    for (size_t i = 0; i < lab_machine_count(lab); i++)
        if (exchange_register(lab_machine_at(lab, i))) {
            cli_error(ctx, CLI_FAIL, "init: cannot register the Exchange store image");
            goto out;
        }
    for (size_t i = 0; i < sizeof q189732_steps / sizeof q189732_steps[0]; i++)
        if (run_step(ctx, lab, dir, &q189732_steps[i]) != CLI_OK)
            goto out;
    for (size_t i = 0; i < sizeof q189732_messages / sizeof q189732_messages[0]; i++) {
        int e = exchange_deliver(srv, "alice", q189732_messages[i], strlen(q189732_messages[i]),
                                 NULL, 0);
        if (e) {
            cli_error(ctx, CLI_FAIL, "init: cannot deliver message %zu to alice: %s", i + 1,
                      strerror(e));
            goto out;
        }
    }
    char wp[4200];
    snprintf(wp, sizeof wp, "%s/welcome.txt", dir);
    int e = afile_write(wp, q189732_welcome, sizeof q189732_welcome - 1, 0644);
    if (e) {
        cli_error(ctx, CLI_FAIL, "init: cannot write %s: %s", wp, strerror(e));
        goto out;
    }
    fprintf(ctx->out,
            "created lab %s from preset q189732 (KB Q189732):\n"
            "  %s  PDC of domain %s, Windows NT 4.0 (Administrator password %s)\n"
            "  %s member server of %s, Windows NT 4.0, POP3 persona q189732\n"
            "    service MSExchangeIS (image %s, start auto) as %s\\EXCHSVC, password %s;\n"
            "    %s\\EXCHSVC holds \"Log on as a service\" on \\\\%s but not SeTcbPrivilege\n"
            "  user %s\\alice, password %s; mailbox alice on %s with %zu messages\n"
            "    service MSExchangeIMC (image msexchangeimc) as CORP\\IMSSVC:"
            " SMTP for corp.example\n"
            "Start it with: ntlab -C %s up\n",
            dir, Q_PDC, Q_DOMAIN, Q_ADMIN_PASSWORD, Q_SERVER, Q_DOMAIN, EXCHANGE_IMAGE, Q_DOMAIN,
            Q_SERVICE_PASSWORD, Q_DOMAIN, Q_SERVER, Q_DOMAIN, Q_USER_PASSWORD, Q_SERVER,
            sizeof q189732_messages / sizeof q189732_messages[0], dir);
    rc = CLI_OK;
out:
    lab_free(lab);
    return rc;
}

int preset_create(struct cli_ctx *ctx, const char *dir, const char *name)
{
    /* Case-insensitive: the KB spells it Q189732. */
    if (str_ieq(name, "q189732"))
        return create_q189732(ctx, dir);
    return cli_error(ctx, CLI_USAGE, "init: unknown preset '%s' (q189732)", name);
}
