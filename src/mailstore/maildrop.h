/* A maildrop on one Maildir (tmp/ new/ cur/), as one session of a mail
 * protocol sees it (POP3 today; the SMTP receiver delivers with
 * maildrop_deliver, and an IMAP4 engine would open it the same way). The
 * mail store room (src/mailstore) knows no protocol and no NT: it uses
 * src/lib only.
 *
 * Opening takes an exclusive lock: an open-file-description fcntl lock on
 * DIR/.ntlab-pop3.lock (src/lib/filelock.h; the name is kept from when only
 * POP3 opened maildrops, so a daemon of either version excludes the
 * other's sessions on one lab). The kernel drops it when the
 * holder closes it or dies, so a crashed server leaves no stale lock to
 * clean up; the empty lock file itself is harmless and reused. A second
 * open of the same maildrop, from this process or another, gets EBUSY.
 *
 * The scan at open is a snapshot: messages are numbered 1..count in
 * delivery order (Maildir names start with the delivery time in seconds;
 * ties sort by the rest of the name, which maildrop_deliver makes
 * increase within a second; a name without a leading time counts as 0).
 * Deliveries during a session show up in the
 * next one. Messages live in new/ or cur/ and are never moved.
 *
 * Sizes are the octets a POP3 server sends for the message (RFC 1939 §11;
 * also IMAP4's RFC822.SIZE, RFC 3501 §2.3.4):
 * every line ends in CRLF (a bare LF counts two octets), a final line
 * without LF gets a CRLF added, and dot-stuffing is not counted. A name
 * carrying Courier's ",W=<octets>" field is trusted (maildrop_deliver
 * writes it); otherwise the file is read once at scan. The sizes are kept
 * in memory for the session, so STAT is O(1) and LIST/UIDL are linear.
 *
 * UIDL: the Maildir base name (the name before ':'), which never changes
 * while the message exists; when it is not 1-70 characters of 0x21-0x7E,
 * the 32 hex digits of its MD5 instead. Both are stable across sessions. */
#ifndef NTLAB_MAILSTORE_MAILDROP_H
#define NTLAB_MAILSTORE_MAILDROP_H
#include <stddef.h>
#include <stdint.h>

struct maildrop;

/* Most messages one scan accepts (memory bound; EFBIG beyond). */
#define MAILDROP_MAX_MESSAGES 1000000u
/* Longest UIDL (RFC 1939 §7). */
#define MAILDROP_UID_MAX 70

/* Creates dir (and parents) with tmp/ new/ cur/, mode 0700; existing ones
 * are fine. Returns 0 or an errno value. */
int maildrop_create(const char *dir);

/* Locks and scans the Maildir at dir. On success *out is owned by the caller
 * (maildrop_close). Fails with EBUSY (another session holds the lock),
 * ENOENT (dir, new/ or cur/ missing), EFBIG (too many messages), ENOMEM, or
 * another errno value; the lock is not held after a failure. */
int maildrop_open(const char *dir, struct maildrop **out);
/* A cache of maildrop listings for one server (the Exchange store owns
 * one): a Maildir whose new/ and cur/ are as they were at an earlier scan
 * (same device, inode, modification and change times) is not listed
 * again; the listing is copied. A listing is kept only when every size came
 * from a name (",W=": a file's content can change without its directory
 * changing) and both directories had not changed for 2 s when the scan
 * began (so that no later change can carry the same time stamps, whatever
 * the file system's granularity). Bounded: 4,096 listings, 64 MiB. Not on
 * Windows. */
struct maildrop_cache;
/* A new, empty cache (caller-owned), or NULL without memory. */
struct maildrop_cache *maildrop_cache_new(void);
/* Frees c and its listings (NULL is fine). */
void maildrop_cache_free(struct maildrop_cache *c);
/* Listings c holds (for tests and status). */
size_t maildrop_cache_count(const struct maildrop_cache *c);
/* maildrop_open, taking the listing from c when it is still valid and
 * keeping a new one there (c NULL: no cache). Same errors. */
int maildrop_open_cached(const char *dir, struct maildrop_cache *c, struct maildrop **out);
/* Releases the lock and frees md (NULL is fine). Removes nothing. */
void maildrop_close(struct maildrop *md);

size_t maildrop_count(const struct maildrop *md);
/* Sum of all message sizes. */
uint64_t maildrop_total(const struct maildrop *md);
/* Size as sent of message i (0-based, i < count). */
uint64_t maildrop_size(const struct maildrop *md, size_t i);
/* UIDL of message i: NUL-terminated, owned by md. */
const char *maildrop_uid(const struct maildrop *md, size_t i);
/* File name of message i within new/ or cur/ (for logs and tests). */
const char *maildrop_name(const struct maildrop *md, size_t i);

/* Reads up to cap stored (raw) bytes of message i starting at offset off;
 * *got = 0 means end of message. The last message read stays open so that
 * chunked reads cost one pread each. Returns 0 or an errno value (ENOENT
 * when the file vanished). */
int maildrop_read(struct maildrop *md, size_t i, uint64_t off, void *buf, size_t cap,
                  size_t *got);
/* Closes the message file maildrop_read keeps open, if any (a transfer
 * ended); the next read reopens it. */
void maildrop_read_done(struct maildrop *md);
/* Descriptors md holds now: its lock, and the open message file during a
 * transfer (for the daemon's descriptor accounting). */
unsigned maildrop_fds(const struct maildrop *md);

/* Unlinks message i (the UPDATE state). A file already gone counts as
 * removed. Not durable until maildrop_sync. Returns 0 or an errno value. */
int maildrop_remove(struct maildrop *md, size_t i);
/* fsyncs new/ and cur/ so that removals survive a crash. */
int maildrop_sync(struct maildrop *md);

/* Delivers one message to the Maildir at dir: writes tmp/NAME, fsyncs it,
 * renames it to new/NAME and fsyncs new/. NAME is
 * "<now>.N<16 hex>R<8 hex>.ntlab,S=<stored octets>,W=<octets as sent>":
 * now orders deliveries by the machine's clock; the N part (real-time
 * nanoseconds) keeps deliveries inside one second in order, R is random.
 * The name is written to name_out (capacity name_cap, may be NULL/0).
 * Returns 0, ENOENT (not a Maildir), or an errno value; on failure no file
 * is left in tmp/ or new/. */
int maildrop_deliver(const char *dir, const void *data, size_t len, int64_t now, char *name_out,
                     size_t name_cap);

/* Delivers count copies of one message to the Maildir at dir, named as
 * maildrop_deliver names them (consecutive N parts keep them in order),
 * in rounds of 4096: each round's files are written to tmp/, their data
 * flushed at once (plat_sync_fs; an fsync each where that is ENOSYS),
 * then renamed to new/; new/ is fsynced at the end. For setting up large
 * maildrops (maildrop_bulk.c). *delivered (may be NULL) says how many
 * reached new/, also on failure (a failed round leaves nothing in tmp/).
 * Returns 0, EINVAL, ENOENT (not a Maildir), or an errno value. */
int maildrop_deliver_copies(const char *dir, const void *data, size_t len, int64_t now,
                            uint64_t count, uint64_t *delivered);

/* Size as sent of a stored message, by the rule above. For a message read
 * in pieces, feed them to maildrop_size_add with one state (zeroed first)
 * and finish with maildrop_size_end. */
struct maildrop_sizer {
    uint64_t octets;
    int last; /* last byte fed, -1 before any */
};
void maildrop_size_init(struct maildrop_sizer *z);
void maildrop_size_add(struct maildrop_sizer *z, const void *data, size_t n);
uint64_t maildrop_size_end(const struct maildrop_sizer *z);
uint64_t maildrop_sent_size(const void *data, size_t len);

#endif
