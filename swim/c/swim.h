/* swim's C ABI: one SWIM member as a sans-IO state machine, for any
 * language with a C foreign-function interface (docs/c_api.md).
 *
 * This is the C++ core (swim/core/node.h) behind an opaque handle. It does
 * no I/O, reads no clock and starts no thread: the caller owns the sockets
 * and the timer, and drives the node with what arrives. Driving it:
 *
 *   1. Create it: swim_config_init, set the identity fields, swim_node_new.
 *   2. After creating it, and after every input (swim_node_handle_*) and
 *      every command (swim_node_join, _leave, _set_metadata, _broadcast,
 *      _remove, key rotation):
 *        a. call swim_node_poll_transmit until it returns 0, sending each
 *           transmit on its channel;
 *        b. call swim_node_poll_event until it returns 0, handing each
 *           event to the application;
 *        c. arm one timer at swim_node_next_deadline (replacing the
 *           previous one) and call swim_node_handle_timeout when it fires
 *           (late is fine; early is harmless).
 *   3. When done, swim_node_leave, keep driving until swim_node_lifecycle
 *      is SWIM_LIFECYCLE_LEFT (bounded by a timeout of your choice), then
 *      swim_node_free.
 *
 * Outputs change only through those calls: the deadline, the transmit and
 * event queues and the views (swim_node_local, _find, _members, counters)
 * may change after any input or command and never between them.
 *
 * Time: every `now` is nanoseconds of one monotonic clock of the caller's
 * (CLOCK_MONOTONIC, or a virtual clock), never going backwards between
 * calls; its origin is arbitrary. The node reports times (deadlines, a
 * member's last change) on that clock.
 *
 * Results: every function that can fail returns an int: SWIM_OK (0), a
 * positive count where documented (the poll functions: 1 = one item, 0 =
 * none), or a negative swim_result. An error changes nothing in the node
 * unless its result says otherwise (NO_MEMORY and INTERNAL from a call
 * that changes the node break it: see those), and swim_node_last_error
 * gives its message; an output parameter may be cleared (a list pointer
 * set to NULL). No function throws, aborts or reads past a size it was
 * given on bad arguments: a null pointer, a wrong struct size, text that
 * is not UTF-8 or a value out of range is SWIM_ERR_INVALID_ARGUMENT.
 *
 * Text: names, metadata keys and the cluster label are UTF-8, checked on
 * the way in. Text coming out (names from other members, who may run
 * older or other software) is passed as bytes with a size, NUL-terminated
 * as a convenience; it is UTF-8 unless a peer sent otherwise. A name that
 * is not (or holds a NUL) is looked up and removed by its size:
 * swim_node_find_n, swim_node_remove_n.
 *
 * Threads: a node is not thread-safe; one thread at a time may call
 * functions on a handle, const ones included (they set the last error).
 * Different handles are independent, a swim_members list is independent
 * of its node, and the functions that take no node (swim_config_init,
 * swim_keys_from_secret, swim_address_*, the *_name functions) may be
 * called from any thread. No function sets or reads errno.
 *
 * Language: this header is C99 (or later) and C++11 (or later).
 *
 * Compatibility: the exported symbols carry the version SWIM_C_1 (a linker
 * version script). Every struct that may gain fields begins with
 * struct_size:
 *   - the ones the caller passes (swim_config, swim_event, swim_member,
 *     swim_transmit): the caller sets it to sizeof as it was compiled. A
 *     library newer than the caller fills in only the fields the caller
 *     knows (and defaults for the config's others); an older one zeroes
 *     the fields it does not know in what it fills, and refuses a larger
 *     config only if the fields it does not know are set (not zero).
 *   - the ones the library hands out by pointer (swim_event's member and
 *     cause): the library sets it to its own sizeof; a field that does not
 *     end within it is one the library predates.
 * A field added later begins at or after the sizeof of the struct before
 * it (never in its tail padding), so both checks see it. Enums may gain
 * values within SWIM_C_1 (event types, statuses, verdict reasons,
 * results): a caller skips an event type it does not know and treats an
 * unknown negative result as an error; the *_name functions say
 * "unknown". The counters (swim_node_counters) may gain names and change
 * order between releases: look them up by name.
 * The small structs (swim_address, swim_metadata_entry, swim_bytes,
 * swim_confirmation, swim_counter) are fixed: what they lack comes as new
 * functions. */
#ifndef SWIM_C_SWIM_H_
#define SWIM_C_SWIM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SWIM_C_EXPORT __attribute__((visibility("default")))
#else
#define SWIM_C_EXPORT
#endif

/* The version of this header's API: raised when a function or a field is
 * added. swim_c_api_version() says what the library implements. */
#define SWIM_C_API_VERSION 1

/* "never" for a deadline, "no time" for a member's last change and
 * "forever" for a duration. */
#define SWIM_TIME_NEVER INT64_MAX
#define SWIM_TIME_NONE INT64_MIN
#define SWIM_DURATION_INFINITE INT64_MAX

/* Large enough for any address swim_address_format writes, NUL included. */
#define SWIM_ADDRESS_TEXT_SIZE 48

/* --- Results ------------------------------------------------------------ */

typedef enum swim_result {
  SWIM_OK = 0,
  /* A null pointer, a struct size, text that is not UTF-8, a value out of
   * range, a config the core refuses. Fix the argument; nothing changed. */
  SWIM_ERR_INVALID_ARGUMENT = -1,
  /* The node no longer takes commands (it left or is leaving), or the call
   * is out of order. Nothing changed. */
  SWIM_ERR_FAILED_PRECONDITION = -2,
  /* No such member (or key). Nothing changed. */
  SWIM_ERR_NOT_FOUND = -3,
  /* The key is installed already. Nothing changed. */
  SWIM_ERR_ALREADY_EXISTS = -4,
  /* A limit of the node's tables was reached: the members given would
   * exceed max_members or the state budget (max_stream_message). Nothing
   * changed. Returned by the C++ Node's Restore and Rejoin; no function of
   * this API returns it yet. (Metadata over max_metadata_size or a
   * broadcast too large is an INVALID_ARGUMENT.) */
  SWIM_ERR_OUT_OF_RANGE = -5,
  /* The caller's buffer is too small: the size needed was written where
   * the function says, and the output stays queued. Call again with a
   * larger buffer. */
  SWIM_ERR_BUFFER_TOO_SMALL = -6,
  /* Memory ran out. From a call that only reads the node (swim_node_local,
   * _find, _find_n, _members, _counters) or from one without a node,
   * nothing changed: try again later. From a call that changes it (an
   * input, a command, a poll, swim_node_sample, which draws from the
   * node's PRNG) the node may be half-updated, so it is
   * broken: every later call on it returns NO_MEMORY again (its
   * lifecycle too; the deadline is SWIM_TIME_NEVER), and the caller must
   * free it and, if it can, start a new node (a new generation).
   * swim_node_free then wipes its keys but leaves its memory allocated
   * (a leak): destroying half-updated tables is not safe. */
  SWIM_ERR_NO_MEMORY = -7,
  /* A failure inside the library (a bug): report it. From a call that
   * changes the node, the node is broken as after NO_MEMORY (every later
   * call returns INTERNAL); free it. */
  SWIM_ERR_INTERNAL = -8,
} swim_result;

/* "ok", "invalid-argument", ...; "unknown" for other values. Static. */
SWIM_C_EXPORT const char* swim_result_name(int result);

/* SWIM_C_API_VERSION of the library, and its release ("0.1.0", static). */
SWIM_C_EXPORT int swim_c_api_version(void);
SWIM_C_EXPORT const char* swim_version(void);

/* --- Addresses ------------------------------------------------------------ */

/* An IPv4 or IPv6 address and a port. The core never resolves names. */
typedef struct swim_address {
  uint8_t family;     /* 4 or 6 */
  uint8_t octets[16]; /* 4 meaningful for IPv4, the rest zero */
  uint16_t port;      /* host byte order */
} swim_address;

/* Parses "1.2.3.4:7946" or "[::1]:7946" into `out`. INVALID_ARGUMENT (and
 * `out` unchanged) for anything else, host names included. */
SWIM_C_EXPORT int swim_address_parse(const char* text, swim_address* out);
/* Writes "1.2.3.4:7946" or "[::1]:7946" and a NUL into `buffer`;
 * BUFFER_TOO_SMALL below SWIM_ADDRESS_TEXT_SIZE bytes, INVALID_ARGUMENT
 * for a family other than 4 or 6. */
SWIM_C_EXPORT int swim_address_format(const swim_address* address, char* buffer,
                                      size_t size);

/* --- Members -------------------------------------------------------------- */

/* Statuses are bits, so they combine into masks (swim_node_members). */
typedef enum swim_status {
  SWIM_STATUS_ONLINE = 1,  /* answering probes */
  SWIM_STATUS_SUSPECT = 2, /* missed a probe; may still refute */
  SWIM_STATUS_OFFLINE = 4, /* declared failed */
  SWIM_STATUS_LEFT = 8,    /* left gracefully */
} swim_status;
#define SWIM_STATUS_AVAILABLE (SWIM_STATUS_ONLINE | SWIM_STATUS_SUSPECT)
#define SWIM_STATUS_UNAVAILABLE \
  (SWIM_STATUS_SUSPECT | SWIM_STATUS_OFFLINE | SWIM_STATUS_LEFT)
#define SWIM_STATUS_ALL (SWIM_STATUS_AVAILABLE | SWIM_STATUS_UNAVAILABLE)

/* "ONLINE", "SUSPECT", "OFFLINE", "LEFT"; "unknown" otherwise. Static. */
SWIM_C_EXPORT const char* swim_status_name(int status);

/* One metadata entry: a UTF-8 key (1-255 bytes) and a byte value. */
typedef struct swim_metadata_entry {
  const char* key;
  size_t key_size;
  const uint8_t* value;
  size_t value_size;
} swim_metadata_entry;

/* A member as this node sees it. Its pointers belong to the call that
 * filled it, and stay valid as long as that call says. */
typedef struct swim_member {
  /* The caller sets sizeof(swim_member) before a call fills it
   * (swim_node_local, _find, _find_n, swim_members_get); in an event, the
   * library's sizeof. */
  size_t struct_size;
  const char* name; /* NUL-terminated too */
  size_t name_size;
  swim_address address;
  int status; /* a swim_status */
  /* Incarnation: the life (generation) and the version within it. */
  uint64_t generation;
  uint64_t version;
  const swim_metadata_entry* metadata; /* by key, ascending */
  size_t metadata_count;
  /* When its status, address or metadata last changed here, on the
   * caller's clock (for this node itself: its creation, its last metadata
   * change or leave); SWIM_TIME_NONE if never. */
  int64_t last_change;
} swim_member;

/* --- Config --------------------------------------------------------------- */

typedef enum swim_preset {
  SWIM_PRESET_LAN = 0,   /* memberlist's LAN numbers */
  SWIM_PRESET_WAN = 1,   /* slower, more tolerant */
  SWIM_PRESET_LOCAL = 2, /* loopback and tests */
} swim_preset;

typedef enum swim_security_mode {
  SWIM_SECURITY_PLAINTEXT = 1,     /* no protection: trusted networks */
  SWIM_SECURITY_AUTHENTICATED = 2, /* signed, readable */
  SWIM_SECURITY_ENCRYPTED = 3,     /* sealed (the default) */
} swim_security_mode;

/* A byte string the caller owns (keys). */
typedef struct swim_bytes {
  const uint8_t* data;
  size_t size;
} swim_bytes;

/* Everything a node needs. Fill it with swim_config_init, then set at
 * least `name` and `address` (and `keys`, or choose plaintext). Durations
 * are nanoseconds. The node copies what it needs in swim_node_new: the
 * pointers need to live only through that call. The fields and their
 * ranges are those of swim::Config (swim/core/config.h). */
typedef struct swim_config {
  size_t struct_size; /* sizeof(swim_config), set by swim_config_init */

  /* Identity. */
  const char* name;     /* UTF-8, NUL-terminated, 1-255 bytes */
  swim_address address; /* where other members reach this one */
  /* This process's life: larger than any earlier life of the same name.
   * swim_config_init sets the wall-clock time in microseconds, and that is
   * what to keep: members refuse a generation more than max_clock_skew
   * ahead of the wall clock they observe (swim_node_observe_wall_clock),
   * and one that is not a time of day (a count of restarts, 1, 2, ...)
   * makes a node that observes no wall clock refuse every peer's
   * ("drops_future_generation"). */
  uint64_t generation;
  /* The node's PRNG seed; swim_config_init draws one from the OS. Same
   * seed, config and inputs: byte-identical outputs. Give every member its
   * own: stream message ids come from it, and a member refuses an id it
   * has seen (a replay), so members started alike from one seed collide. */
  uint64_t seed;
  /* Seeds AES-GCM nonces; must differ between processes sharing a key.
   * swim_config_init draws it from the OS. */
  uint8_t nonce_seed[32];
  const swim_metadata_entry* metadata; /* published at start */
  size_t metadata_count;
  int64_t max_clock_skew; /* SWIM_DURATION_INFINITE: no check */

  /* Security. */
  int security_mode;      /* a swim_security_mode; encrypted by default */
  const swim_bytes* keys; /* 16, 24 or 32 bytes each; the first seals */
  size_t key_count;
  const char* label; /* UTF-8, 0-255 bytes; NULL for none */

  /* Failure detection. */
  int64_t probe_interval;
  int64_t probe_timeout;
  int32_t indirect_checks;
  int32_t suspicion_mult;
  uint8_t stream_fallback; /* 0 or 1 */
  uint8_t tcp_only;        /* 0 or 1 */
  int32_t isolation_probes;

  /* Lifeguard (0 or 1, and its numbers). */
  uint8_t lifeguard_awareness;
  uint8_t lifeguard_nacks;
  uint8_t lifeguard_dynamic_suspicion;
  uint8_t lifeguard_buddy_system;
  int32_t lifeguard_awareness_max;
  int32_t lifeguard_suspicion_max_timeout_mult;

  /* Dissemination. */
  int32_t retransmit_mult;
  int32_t gossip_nodes;
  int64_t gossip_interval;
  uint64_t datagram_budget;
  double user_broadcast_share;

  /* Anti-entropy, healing and limits. */
  int64_t push_pull_interval;
  int64_t reconnect_interval;
  int64_t reconnect_timeout;
  int64_t tombstone_timeout;
  uint64_t max_metadata_size;
  uint64_t max_members;
  uint64_t max_stream_message;

  /* The newest wire version sent, 1 or 2 (the default: state exchanges
   * go compressed); 1 while members of release 0.1.0 remain (docs/wire.md,
   * "Versions and compatibility"). Both are read either way. */
  int32_t wire_version;
} swim_config;

/* Fills `config` with `preset`'s numbers, encrypted mode, no name, keys or
 * metadata, a generation from the wall clock and a seed and nonce seed
 * from the OS's random source, and sets struct_size to `struct_size`
 * (pass sizeof(swim_config)). A caller compiled against a newer header
 * passes its larger sizeof: the fields this library does not know are
 * zeroed (unset). INVALID_ARGUMENT for a null config, an unknown preset,
 * or a struct_size smaller than this library's first swim_config or
 * above 4096 (a caller's bug); INTERNAL if the OS has no randomness. */
SWIM_C_EXPORT int swim_config_init(swim_config* config, size_t struct_size,
                                   int preset);

/* The keys of a secret setting as swim's programs take it (SWIM_SECRET;
 * docs/security.md, "Keys"): comma-separated items, each the base64 of 16,
 * 24 or 32 random bytes (swim-keygen) or "passphrase:TEXT", stretched with
 * scrypt salted with `label` (deliberately slow: a few tenths of a
 * second; `label` is the config's, "" for none, never NULL). The first
 * key seals. Copies each key into `storage` (32 bytes
 * per key suffice) and points keys[i] at it; `*count` is the number of
 * keys. INVALID_ARGUMENT with a message in `error` (never the secret) for
 * a malformed item; BUFFER_TOO_SMALL (with `*count` set) when `capacity`
 * keys or `storage_size` bytes are too few. */
SWIM_C_EXPORT int swim_keys_from_secret(const char* secret, const char* label,
                                        uint8_t* storage, size_t storage_size,
                                        swim_bytes* keys, size_t capacity,
                                        size_t* count, char* error,
                                        size_t error_size);

/* --- The node ------------------------------------------------------------- */

typedef struct swim_node swim_node;

/* Creates a node from `config` at `now` into `*node`. On failure `*node`
 * is NULL and, if `error` is not NULL, a NUL-terminated message naming the
 * field at fault ("config: probe_timeout must be ...") is written into
 * `error` (cut to `error_size` bytes). INVALID_ARGUMENT for a config the
 * core refuses, a bad pointer or text that is not UTF-8. */
SWIM_C_EXPORT int swim_node_new(swim_node** node, const swim_config* config,
                                int64_t now, char* error, size_t error_size);
/* Frees the node and everything it handed out (events, views); member
 * lists from swim_node_members stay valid. NULL is fine. A broken node
 * (SWIM_ERR_NO_MEMORY) has its keys wiped and its core left allocated. */
SWIM_C_EXPORT void swim_node_free(swim_node* node);
/* The message of the last call on `node` that failed, "" if it succeeded
 * (functions that cannot fail leave it alone). Valid until the next call
 * on `node`. */
SWIM_C_EXPORT const char* swim_node_last_error(const swim_node* node);

/* --- Commands -------------------------------------------------------------
 * Each returns FAILED_PRECONDITION (nothing changed) once the node left or
 * is leaving. Drain the outputs afterwards (see the top of this file). */

/* Contacts `seeds` with a state exchange over a stream and retries with
 * backoff until some member is known. Seeds may include this node's own
 * address (ignored) and repeats; none is fine (a first member).
 * INVALID_ARGUMENT for more than 4096 (each costs a state exchange on
 * every attempt). */
SWIM_C_EXPORT int swim_node_join(swim_node* node, const swim_address* seeds,
                                 size_t seed_count, int64_t now);
/* Announces LEFT and stops probing; the lifecycle becomes LEAVING, then
 * LEFT once the news went out. Keep driving the node until then. */
SWIM_C_EXPORT int swim_node_leave(swim_node* node, int64_t now);
/* Publishes new metadata, the whole map. INVALID_ARGUMENT for an empty,
 * repeated or non-UTF-8 key, or an encoding above the config's
 * max_metadata_size. */
SWIM_C_EXPORT int swim_node_set_metadata(swim_node* node,
                                         const swim_metadata_entry* entries,
                                         size_t count, int64_t now);
/* Sends `payload` to every member (a USER_MESSAGE event there, once).
 * INVALID_ARGUMENT above 65535 bytes, or when the payload with this
 * node's name and a header exceeds the config's max_stream_message (at
 * its smallest, 64 KiB, a few hundred bytes less than 65535). One that
 * fits a datagram rides the gossip; a larger one goes by stream to a few
 * members, who pass it on the same way. */
SWIM_C_EXPORT int swim_node_broadcast(swim_node* node, const uint8_t* payload,
                                      size_t size, int64_t now);
/* Removes a member known to be gone for good (a LEFT claim about it); a
 * live member refutes it. NOT_FOUND for a name not known here,
 * INVALID_ARGUMENT for this node's own name (leave instead). */
SWIM_C_EXPORT int swim_node_remove(swim_node* node, const char* name,
                                   int64_t now);
/* swim_node_remove for a name of `name_size` bytes, any bytes: names
 * arrive from the wire as any bytes (UTF-8 by convention, docs/wire.md), so
 * one holding a NUL or not UTF-8 is removed this way. INVALID_ARGUMENT for
 * a NULL name or a size of 0 or above 255; otherwise as swim_node_remove. */
SWIM_C_EXPORT int swim_node_remove_n(swim_node* node, const char* name,
                                     size_t name_size, int64_t now);

/* Key rotation, in any lifecycle (docs/security.md, "Keys"). A key is 16,
 * 24 or 32 bytes. Add: opens packets, not yet sealing (ALREADY_EXISTS if
 * installed); the first key of a node that has none seals at once. Use: makes
 * an installed key the one that seals (NOT_FOUND if not installed). Remove:
 * uninstalls (FAILED_PRECONDITION for the sealing one, NOT_FOUND if not
 * installed). */
SWIM_C_EXPORT int swim_node_add_key(swim_node* node, const uint8_t* key,
                                    size_t size);
SWIM_C_EXPORT int swim_node_use_key(swim_node* node, const uint8_t* key,
                                    size_t size);
SWIM_C_EXPORT int swim_node_remove_key(swim_node* node, const uint8_t* key,
                                       size_t size);

/* --- Input ----------------------------------------------------------------
 * Received bytes are untrusted: anything invalid is dropped and counted
 * (the "drops_*" counters) and never changes membership. */

/* One datagram received from `from`. */
SWIM_C_EXPORT int swim_node_handle_datagram(swim_node* node,
                                            const swim_address* from,
                                            const uint8_t* data, size_t size,
                                            int64_t now);

/* What to do with a stream connection after handing the node its bytes. */
typedef enum swim_stream_verdict {
  /* Keep reading; do not extend the connection's read deadline. */
  SWIM_STREAM_CONTINUE = 0,
  /* Something authenticated: restart the read deadline. */
  SWIM_STREAM_PROGRESS = 1,
  /* Close it now (it broke the format, failed authentication or exceeded a
   * limit; counted). The node has forgotten it already. */
  SWIM_STREAM_CLOSE = 2,
} swim_stream_verdict;

/* Bytes that arrived on stream connection `stream` (a number the caller
 * picks, unique among its open connections; reused only after
 * swim_node_handle_stream_closed) from `from` (an incoming connection's
 * peer, or the address an outgoing one was opened to), in order, in pieces
 * of any size. `*verdict` says what to do with the connection; on any
 * error it is SWIM_STREAM_CLOSE.
 *
 * The node tracks at most 1024 connections that sent bytes; beyond that a
 * new one is answered CLOSE. It has no clock of its own for them, so the
 * caller must bound what one host can hold, as swim's drivers do
 * (docs/drivers.md, "Streams"): a cap on connections per peer host and on
 * those not yet authenticated (no PROGRESS yet), a read deadline restarted
 * by PROGRESS, and closing on CLOSE. Without that, one host that opens
 * connections and sends a few bytes on each fills the table. */
SWIM_C_EXPORT int swim_node_handle_stream_data(swim_node* node, uint64_t stream,
                                               const swim_address* from,
                                               const uint8_t* data, size_t size,
                                               int64_t now, int* verdict);
/* The connection closed (either side, or the caller gave up on it). */
SWIM_C_EXPORT int swim_node_handle_stream_closed(swim_node* node,
                                                 uint64_t stream);
/* Runs every timer due at `now`. */
SWIM_C_EXPORT int swim_node_handle_timeout(swim_node* node, int64_t now);
/* The wall-clock time (nanoseconds since the Unix epoch), from a caller
 * that has one, at each wake-up: it bounds the generations the node
 * accepts (max_clock_skew). */
SWIM_C_EXPORT int swim_node_observe_wall_clock(swim_node* node,
                                               int64_t unix_ns);

/* --- Output --------------------------------------------------------------- */

/* When swim_node_handle_timeout must next run, on the caller's clock;
 * SWIM_TIME_NEVER for no timer (after a leave, once its news went out or
 * nobody is left to tell), a null node or a broken one
 * (SWIM_ERR_NO_MEMORY). */
SWIM_C_EXPORT int64_t swim_node_next_deadline(const swim_node* node);

typedef enum swim_channel {
  SWIM_CHANNEL_DATAGRAM = 0, /* one UDP datagram */
  SWIM_CHANNEL_STREAM = 1,   /* one message on a TCP stream, framed */
} swim_channel;

typedef struct swim_transmit {
  size_t struct_size; /* the caller sets sizeof(swim_transmit) */
  swim_address to;
  int channel; /* a swim_channel */
  /* Stream only. has_stream = 1: a reply, to be written on connection
   * `stream` (whose peer is `to`); if that closed meanwhile, drop it and
   * never open a connection for it. has_stream = 0: a request, written on
   * the caller's connection to `to`, opened if needed and then reused. */
  int has_stream;
  uint64_t stream;
  size_t size; /* the bytes written into the caller's buffer */
} swim_transmit;

/* The next bytes to send, oldest first, copied into `buffer`: returns 1
 * (and fills `out`), or 0 when nothing is queued. INVALID_ARGUMENT for an
 * out->struct_size below this API's first swim_transmit or above 4096.
 * BUFFER_TOO_SMALL when `size` cannot hold them: out->size says how many bytes
 * are needed and the transmit stays first in line. A datagram is at most the
 * config's datagram_budget; a stream message at most max_stream_message plus
 * its framing (swim_node_max_transmit_size). */
SWIM_C_EXPORT int swim_node_poll_transmit(swim_node* node, swim_transmit* out,
                                          uint8_t* buffer, size_t size);
/* A buffer this large takes any transmit of this node. */
SWIM_C_EXPORT size_t swim_node_max_transmit_size(const swim_node* node);

typedef enum swim_event_type {
  /* A member this node did not know appeared (ONLINE with its metadata,
   * or SUSPECT): add it to the application's view. */
  SWIM_EVENT_JOINED = 1,
  /* A known member's status changed from previous_status to
   * member->status; `member` is its whole new state. `cause` says why for
   * SUSPECT, OFFLINE and LEFT. Stop routing to a member that is not
   * ONLINE, resume when it is again. */
  SWIM_EVENT_STATUS_CHANGED = 2,
  /* A member's metadata changed (the whole map): replace the copy. */
  SWIM_EVENT_METADATA_CHANGED = 3,
  /* An OFFLINE or LEFT member was forgotten: drop what was kept on it. */
  SWIM_EVENT_REAPED = 4,
  /* Another process claims this node's name, at conflict_address (or, at
   * this node's own address, a second process with the same name). This
   * node keeps its name; decide whether to exit. */
  SWIM_EVENT_NAME_CONFLICT = 5,
  /* This node outranked a claim about itself it did not make; `member` is
   * this node at its new incarnation. Nothing to do. */
  SWIM_EVENT_REFUTED = 6,
  /* A broadcast from `origin` arrived (once): handle `payload`. */
  SWIM_EVENT_USER_MESSAGE = 7,
} swim_event_type;

/* "joined", "status-changed", ...; "unknown" otherwise. Static. */
SWIM_C_EXPORT const char* swim_event_type_name(int type);

typedef enum swim_verdict_reason {
  SWIM_VERDICT_PROBE_FAILED = 0, /* this node probed it; nothing answered */
  SWIM_VERDICT_SUSPECTED = 1,    /* another member's suspicion arrived */
  SWIM_VERDICT_TIMED_OUT = 2,    /* this node's suspicion ran out */
  SWIM_VERDICT_DECLARED = 3,     /* another member declared it OFFLINE */
  SWIM_VERDICT_LEFT = 4,         /* a LEFT claim arrived */
  SWIM_VERDICT_REMOVED = 5,      /* swim_node_remove on this node */
} swim_verdict_reason;

/* "probe-failed", "suspected", ...; "unknown" otherwise. Static. */
SWIM_C_EXPORT const char* swim_verdict_reason_name(int reason);

typedef struct swim_confirmation {
  const char* member; /* NUL-terminated too */
  size_t member_size;
  int64_t at; /* when this node heard it */
} swim_confirmation;

/* Why a member became SUSPECT, OFFLINE or LEFT, as this node saw it
 * (swim::Verdict, swim/core/verdict.h). Names are bytes with a size,
 * NUL-terminated too, as member names are. */
typedef struct swim_verdict {
  size_t struct_size;  /* the library's sizeof(swim_verdict) */
  int reason;          /* a swim_verdict_reason */
  const char* accuser; /* who first suspected; "?" when unknown */
  size_t accuser_size;
  const char* declared_by; /* OFFLINE: who declared it; "" otherwise */
  size_t declared_by_size;
  int from_state_exchange;
  int64_t suspected_at; /* SWIM_TIME_NONE if not held SUSPECT here */
  /* This node's failed probe, when it was the accuser. */
  int has_probe;
  int64_t probe_sent_at;
  int probe_stream_fallback;
  const char* const* probe_helpers;
  const size_t* probe_helper_sizes; /* the size of each helper's name */
  size_t probe_helper_count;
  int probe_nacks_expected;
  int probe_nacks;
  const swim_confirmation* confirmations;
  size_t confirmation_count;
  int64_t timeout; /* the suspicion timeout that applied; 0 if none */
  int health;      /* this node's Lifeguard health score (0: healthy) */
} swim_verdict;

typedef struct swim_event {
  size_t struct_size; /* the caller sets sizeof(swim_event) */
  int type;           /* a swim_event_type */
  /* Every type but NAME_CONFLICT and USER_MESSAGE; NULL for those. */
  const swim_member* member;
  /* STATUS_CHANGED. */
  int previous_status;
  const swim_verdict* cause; /* NULL for a change to ONLINE */
  /* NAME_CONFLICT. */
  swim_address conflict_address;
  /* USER_MESSAGE. */
  const char* origin;
  size_t origin_size;
  const uint8_t* payload;
  size_t payload_size;
} swim_event;

/* The next event, oldest first: returns 1 (and fills `out`; the fields of
 * other types are zero), or 0 when none is queued. Its pointers stay valid
 * until the next swim_node_poll_event or swim_node_free. INVALID_ARGUMENT
 * for an out->struct_size below this API's first swim_event or above
 * 4096. */
SWIM_C_EXPORT int swim_node_poll_event(swim_node* node, swim_event* out);

/* --- Views ---------------------------------------------------------------- */

typedef enum swim_lifecycle {
  SWIM_LIFECYCLE_ACTIVE = 0,  /* a member; takes every command */
  SWIM_LIFECYCLE_LEAVING = 1, /* its LEFT is spreading: keep driving */
  SWIM_LIFECYCLE_LEFT = 2,    /* done: the caller may stop */
} swim_lifecycle;

/* The lifecycle; -1 (INVALID_ARGUMENT) for a null node, the error that
 * broke a broken one (SWIM_ERR_NO_MEMORY). */
SWIM_C_EXPORT int swim_node_lifecycle(const swim_node* node);
/* This node, and a member by name: pointers valid until the next
 * swim_node_local, _find or _find_n on `node`. NOT_FOUND for an unknown
 * name (this node's own name finds itself); INVALID_ARGUMENT for an
 * out->struct_size below this API's first swim_member or above 4096. */
SWIM_C_EXPORT int swim_node_local(swim_node* node, swim_member* out);
SWIM_C_EXPORT int swim_node_find(swim_node* node, const char* name,
                                 swim_member* out);
/* swim_node_find for a name of `name_size` bytes, any bytes (see
 * swim_node_remove_n): finds a member whose name holds a NUL or is not
 * UTF-8. INVALID_ARGUMENT for a NULL name or a size of 0 or above 255. */
SWIM_C_EXPORT int swim_node_find_n(swim_node* node, const char* name,
                                   size_t name_size, swim_member* out);
/* Remote members that are ONLINE or SUSPECT, and in any status; 0 for a
 * null or broken node. */
SWIM_C_EXPORT size_t swim_node_available(const swim_node* node);
SWIM_C_EXPORT size_t swim_node_size(const swim_node* node);

/* A snapshot of members, independent of the node (it may be freed first). */
typedef struct swim_members swim_members;
/* The remote members whose status is in `mask` (SWIM_STATUS_* bits), by
 * name. INVALID_ARGUMENT for a mask with other bits. */
SWIM_C_EXPORT int swim_node_members(swim_node* node, int mask,
                                    swim_members** out);
/* Up to `count` random members whose status is in `mask` (draws from the
 * node's PRNG, so it is an input of the node's behaviour). */
SWIM_C_EXPORT int swim_node_sample(swim_node* node, size_t count, int mask,
                                   swim_members** out);
SWIM_C_EXPORT size_t swim_members_count(const swim_members* members);
/* The index-th member; pointers valid until swim_members_free.
 * INVALID_ARGUMENT past the end or for out->struct_size as swim_node_find
 * refuses it. */
SWIM_C_EXPORT int swim_members_get(const swim_members* members, size_t index,
                                   swim_member* out);
SWIM_C_EXPORT void swim_members_free(swim_members* members);

/* Counters and gauges by name: every scalar swim::Stats counter, the drops by
 * reason ("drops_malformed", ...; "envelope_drops_wrong_label", ...) and
 * the gauges ("gauge_online", ...), in an order fixed for a release
 * (docs/c_api.md; look them up by name across releases). Writes the first
 * min(capacity, total) into `out` (NULL when capacity is 0) and the total into
 * `*count`: OK if all fit, BUFFER_TOO_SMALL otherwise. Names are static. */
typedef struct swim_counter {
  const char* name;
  uint64_t value;
} swim_counter;
SWIM_C_EXPORT int swim_node_counters(const swim_node* node, swim_counter* out,
                                     size_t capacity, size_t* count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SWIM_C_SWIM_H_ */
