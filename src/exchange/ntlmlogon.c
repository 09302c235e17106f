/* AUTH NTLM in the Exchange store (Windows NT Challenge/Response, Q161116,
 * Q191558): NEGOTIATE -> CHALLENGE with a fresh random server challenge,
 * AUTHENTICATE -> the emulator's MSV1_0 network logon (emulator/msv1_0.h;
 * no SeTcbPrivilege asked of the store, unlike the clear-text path's
 * LogonUser), then SPA's alias rule: the mailbox is the one whose alias is
 * the account name (Q191558), which the account must own. Failures write
 * the store's MSExchangePOP3 logon-failure event as the clear-text path
 * does; a message that is not the one expected ends the exchange as a
 * failed logon (ERROR_LOGON_FAILURE: a choice, no capture of Exchange's
 * answer to a malformed message is at hand). */
#include "emulator/machine.h"
#include "emulator/msv1_0.h"
#include "emulator/nterr.h"
#include "src/exchange/store_int.h"
#include "src/lib/plat.h"
#include "src/lib/str.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The internal calls an SPA logon's events name (%4): the SSPI server's,
 * ntlab's choice of names like store.c's. */
#define NTLM_CALL_LOGON "AcceptSecurityContext"
#define NTLM_CALL_RESOLVE "IAddrBook::ResolveName"
#define NTLM_CALL_OPEN "IMAPISession::OpenMsgStore"

struct ntlm_state {
    bool challenged; /* the CHALLENGE went out: the next message is the AUTHENTICATE */
    uint8_t challenge[8];
};

static enum mail_logon_step done(void **state, struct mail_logon_result *res,
                                 enum mail_logon_outcome o, uint32_t code)
{
    if (o != MAIL_LOGON_OK)
        exchange_store_set_win32(res, o, code);
    if (*state) {
        plat_wipe(*state, sizeof(struct ntlm_state));
        free(*state);
        *state = NULL;
    }
    return MAIL_LOGON_DONE;
}

/* NEGOTIATE: answer with a CHALLENGE naming this server (its domain when it
 * is in one). */
static enum mail_logon_step negotiate(struct exchange_session *es, struct ntlm_state *ns,
                                      const struct ntlm_negotiate *ng,
                                      struct mail_logon_message *msg)
{
    struct machine *m = exchange_store_machine(es);
    const char *dom = *machine_domain(m) ? machine_domain(m) : machine_name(m);
    if (plat_random(ns->challenge, sizeof ns->challenge))
        return MAIL_LOGON_DONE;
    msg->outlen = ntlmmsg_build_challenge(ng->flags, ns->challenge, dom, machine_name(m),
                                          *machine_domain(m) != 0, msg->out, msg->outcap);
    if (!msg->outlen)
        return MAIL_LOGON_DONE;
    ns->challenged = true;
    return MAIL_LOGON_CONTINUE;
}

/* AUTHENTICATE: the network logon, then the mailbox named by the account. */
static void authenticate(struct exchange_session *es, const struct ntlm_state *ns,
                         const struct ntlm_authenticate *a, struct mail_logon_result *res)
{
    struct machine *m = exchange_store_machine(es);
    str_copy(res->domain, sizeof res->domain, a->domain);
    str_copy(res->account, sizeof res->account, a->user);
    str_copy(res->mailbox, sizeof res->mailbox, a->user);
    const struct mail_logon_credentials cred = {.mechanism = "NTLM",
                                                .user = a->user,
                                                .domain = a->domain,
                                                .account = a->user,
                                                .mailbox = a->user,
                                                .authzid = ""};
    const char *domain = a->domain[0] ? a->domain : machine_name(m);
    struct token tok;
    ntstatus s = msv1_0_network_logon(m, ns->challenge, a, NULL, &tok);
    if (s != STATUS_SUCCESS) {
        exchange_store_set_win32(res, MAIL_LOGON_WIN32, nterr_to_win32(s));
        exchange_store_fail(es, &cred, domain, PERSONA_EVENT_WIN32, NTLM_CALL_LOGON, res);
        return;
    }
    const struct exchange_mailbox *mb = exchange_store_mailbox(es, a->user);
    if (!mb) {
        res->outcome = MAIL_LOGON_NO_MAILBOX;
        exchange_store_fail(es, &cred, domain, PERSONA_EVENT_NO_MAILBOX, NTLM_CALL_RESOLVE, res);
    } else if (!sid_equal(&tok.user, &mb->owner_sid)) {
        exchange_store_set_win32(res, MAIL_LOGON_ACCESS_DENIED, ERROR_ACCESS_DENIED);
        exchange_store_fail(es, &cred, domain, PERSONA_EVENT_ACCESS_DENIED, NTLM_CALL_OPEN, res);
    } else {
        exchange_store_open(es, &cred, domain, mb, res);
    }
    plat_wipe(&tok, sizeof tok);
}

enum mail_logon_step exchange_ntlm_step(void *arg, void **state, struct mail_logon_message *msg,
                                        struct mail_logon_result *res)
{
    struct exchange_session *es = arg;
    if (!exchange_store_check_running(es, res))
        return done(state, res, res->outcome, res->win32);
    if (strcmp(msg->mechanism, "NTLM") != 0)
        return done(state, res, MAIL_LOGON_SYSTEM_ERROR, ERROR_INVALID_PARAMETER);
    if (!*state && !(*state = calloc(1, sizeof(struct ntlm_state))))
        return done(state, res, MAIL_LOGON_SYSTEM_ERROR, ERROR_NOT_ENOUGH_MEMORY);
    struct ntlm_state *ns = *state;
    if (!msg->in) { /* "AUTH NTLM" alone: an empty challenge asks for the NEGOTIATE */
        msg->outlen = 0;
        return MAIL_LOGON_CONTINUE;
    }
    uint32_t type = ntlmmsg_type(msg->in, msg->inlen);
    if (!ns->challenged && type == 1) {
        struct ntlm_negotiate ng;
        if (ntlmmsg_parse_negotiate(msg->in, msg->inlen, &ng) == 0 &&
            negotiate(es, ns, &ng, msg) == MAIL_LOGON_CONTINUE)
            return MAIL_LOGON_CONTINUE;
    } else if (ns->challenged && type == 3) {
        struct ntlm_authenticate a;
        if (ntlmmsg_parse_authenticate(msg->in, msg->inlen, &a) == 0) {
            authenticate(es, ns, &a, res);
            return done(state, res, res->outcome, res->win32);
        }
    }
    return done(state, res, MAIL_LOGON_WIN32, ERROR_LOGON_FAILURE);
}

void exchange_ntlm_end(void *arg, void *state)
{
    (void)arg;
    if (state) {
        plat_wipe(state, sizeof(struct ntlm_state));
        free(state);
    }
}
