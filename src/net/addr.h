/* Listen addresses for the daemon: parsing "ADDR:PORT" specs and opening
 * non-blocking TCP listeners. */
#ifndef NTLAB_NET_ADDR_H
#define NTLAB_NET_ADDR_H
#include <stddef.h>
#include <stdint.h>
#include "src/lib/plat_sock.h"

#define NET_DEFAULT_ADDR "127.0.0.1"
#define NET_DEFAULT_PORT 1110
#define NET_ADDR_STR_MAX 64 /* "[ffff:...]:65535" */

struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* Parses "ADDR:PORT", "[IPV6]:PORT", "localhost:PORT", "*:PORT" (all IPv4
 * interfaces) or a bare "PORT" (on 127.0.0.1). ADDR is numeric. Port
 * 1-65535. Returns 0 or EINVAL. */
int net_addr_parse(const char *spec, struct net_addr *out);
/* Why net_addr_parse refuses spec, naming the bad part ("port '99999' is
 * not 1-65535", "empty address before ':'", ...), into why; 0 when it
 * parses, else EINVAL. */
int net_addr_check(const char *spec, char *why, size_t n);
/* "127.0.0.1:1110" / "[::1]:1110". */
void net_addr_format(const struct net_addr *a, char *out, size_t n);
/* Formats a peer from accept() the same way. */
void net_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *out, size_t n);
/* A peer address kept small (a connection holds one for the status):
 * family 0 when unknown. */
struct net_peer {
    uint8_t family; /* 4, 6 or 0 */
    uint8_t ip[16];
    uint16_t port; /* host order */
};
void net_peer_set(struct net_peer *p, const struct sockaddr *sa, socklen_t len);
/* Formatted as net_sockaddr_format does ("?" when unknown). */
void net_peer_format(const struct net_peer *p, char *out, size_t n);
/* Opens a listening TCP socket (SO_REUSEADDR; SO_EXCLUSIVEADDRUSE on
 * Windows: plat_sock_listen_opts; non-blocking, close-on-exec,
 * backlog 4096). Returns 0 and *fd, or the errno of socket/bind/listen (err
 * says which, and for EACCES on a port below 1024 that it needs privilege). */
int net_listen_tcp(const struct net_addr *a, int *fd, char *err, size_t errlen);

#endif
