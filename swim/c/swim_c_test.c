/* The C ABI driven from C11: three nodes in memory on a virtual clock join,
 * publish metadata, broadcast, see a crash and a graceful leave; then every
 * function meets bad arguments and the node stays usable. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swim/c/swim.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_EQ_INT(a, b)                                              \
  do {                                                                  \
    long long a_ = (long long)(a), b_ = (long long)(b);                 \
    if (a_ != b_) {                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld vs %lld)\n", \
              __FILE__, __LINE__, #a, #b, a_, b_);                      \
      ++failures;                                                       \
    }                                                                   \
  } while (0)

enum { kNodes = 3, kMaxConnections = 256 };
static const int64_t kSecond = 1000000000;

/* --- A network in memory ----------------------------------------------------
 */

typedef struct {
  swim_node* node; /* NULL once crashed or freed */
  swim_address address;
  const char* name;
  /* What its application saw. */
  int joined[kNodes];
  int status[kNodes];
  int last_cause_reason[kNodes];
  char role[kNodes][16];
  char message[64];
  char message_origin[32];
} member;

/* A stream connection: opened by `opener` to `peer`, one id on both sides. */
typedef struct {
  bool open;
  int opener;
  int peer;
} connection;

static member members[kNodes];
static connection connections[kMaxConnections];
static int64_t now = 5 * kSecond; /* any origin */
static uint8_t* buffer;
static size_t buffer_size;

static int index_of(const swim_address* address) {
  for (int i = 0; i < kNodes; ++i) {
    if (memcmp(address, &members[i].address, sizeof(*address)) == 0) return i;
  }
  return -1;
}

static int index_of_name(const char* name) {
  for (int i = 0; i < kNodes; ++i) {
    if (strcmp(name, members[i].name) == 0) return i;
  }
  return -1;
}

static void close_connection(int id) {
  connection* c = &connections[id];
  if (!c->open) return;
  c->open = false;
  if (members[c->opener].node) {
    swim_node_handle_stream_closed(members[c->opener].node, (uint64_t)id);
  }
  if (members[c->peer].node) {
    swim_node_handle_stream_closed(members[c->peer].node, (uint64_t)id);
  }
}

static void deliver_stream(int id, int to, int from, const uint8_t* data,
                           size_t size) {
  if (members[to].node == NULL) {
    close_connection(id);
    return;
  }
  int verdict = -1;
  CHECK_EQ_INT(swim_node_handle_stream_data(members[to].node, (uint64_t)id,
                                            &members[from].address, data, size,
                                            now, &verdict),
               SWIM_OK);
  CHECK(verdict == SWIM_STREAM_CONTINUE || verdict == SWIM_STREAM_PROGRESS ||
        verdict == SWIM_STREAM_CLOSE);
  if (verdict == SWIM_STREAM_CLOSE) close_connection(id);
}

static void send_stream(int from, const swim_transmit* t, const uint8_t* data) {
  int to = index_of(&t->to);
  if (to < 0) return;
  if (t->has_stream) {
    /* A reply on the connection the request came on. */
    int id = (int)t->stream;
    if (id < 0 || id >= kMaxConnections || !connections[id].open) return;
    deliver_stream(id, to, from, data, t->size);
    return;
  }
  int id = -1;
  for (int k = 0; k < kMaxConnections; ++k) {
    if (connections[k].open && connections[k].opener == from &&
        connections[k].peer == to) {
      id = k;
      break;
    }
  }
  if (id < 0) {
    for (int k = 0; k < kMaxConnections; ++k) {
      if (!connections[k].open) {
        id = k;
        break;
      }
    }
    CHECK(id >= 0);
    if (id < 0) return;
    connections[id].open = true;
    connections[id].opener = from;
    connections[id].peer = to;
  }
  deliver_stream(id, to, from, data, t->size);
}

static void copy_text(char* out, size_t out_size, const void* data,
                      size_t size) {
  size_t n = size < out_size - 1 ? size : out_size - 1;
  memcpy(out, data, n);
  out[n] = '\0';
}

static void take_events(int i) {
  /* As a caller compiled against a newer header would: a larger struct,
   * whose field this library does not know comes back zero. */
  struct {
    swim_event event;
    uint64_t newer_field;
  } larger;
  memset(&larger, 0, sizeof(larger));
  larger.event.struct_size = sizeof(larger);
  swim_event* const out = &larger.event;
  int result;
  for (;;) {
    larger.newer_field = UINT64_MAX;
    result = swim_node_poll_event(members[i].node, out);
    if (result != 1) break;
    CHECK_EQ_INT(larger.newer_field, 0);
    const swim_event event = *out;
    if (event.type == SWIM_EVENT_USER_MESSAGE ||
        event.type == SWIM_EVENT_NAME_CONFLICT) {
      CHECK(event.member == NULL);
    }
    if (event.type == SWIM_EVENT_USER_MESSAGE) {
      copy_text(members[i].message, sizeof(members[i].message), event.payload,
                event.payload_size);
      copy_text(members[i].message_origin, sizeof(members[i].message_origin),
                event.origin, event.origin_size);
      continue;
    }
    if (event.type == SWIM_EVENT_NAME_CONFLICT) continue;
    /* The library's own member, which says how much of it there is. */
    const swim_member* member = event.member;
    CHECK(member != NULL);
    if (member == NULL) continue;
    CHECK_EQ_INT(member->struct_size, sizeof(swim_member));
    CHECK(member->name != NULL);
    CHECK_EQ_INT(strlen(member->name), member->name_size);
    int about = index_of_name(member->name);
    CHECK(about >= 0);
    if (about < 0) continue;
    if (event.type == SWIM_EVENT_JOINED) members[i].joined[about] = 1;
    members[i].status[about] = member->status;
    if (event.type == SWIM_EVENT_STATUS_CHANGED) {
      CHECK(event.previous_status != member->status);
      if (member->status == SWIM_STATUS_ONLINE) {
        CHECK(event.cause == NULL);
      } else {
        CHECK(event.cause != NULL);
        if (event.cause != NULL) {
          const swim_verdict* cause = event.cause;
          CHECK_EQ_INT(cause->struct_size, sizeof(swim_verdict));
          members[i].last_cause_reason[about] = cause->reason;
          CHECK(cause->accuser != NULL);
          CHECK_EQ_INT(strlen(cause->accuser), cause->accuser_size);
          CHECK(cause->declared_by != NULL);
          CHECK_EQ_INT(strlen(cause->declared_by), cause->declared_by_size);
          CHECK(cause->probe_helper_count == 0 ||
                cause->probe_helper_sizes != NULL);
          for (size_t h = 0; h < cause->probe_helper_count; ++h) {
            CHECK(cause->probe_helpers[h] != NULL);
            CHECK_EQ_INT(strlen(cause->probe_helpers[h]),
                         cause->probe_helper_sizes[h]);
          }
          for (size_t c = 0; c < cause->confirmation_count; ++c) {
            CHECK_EQ_INT(strlen(cause->confirmations[c].member),
                         cause->confirmations[c].member_size);
          }
        }
      }
    }
    for (size_t m = 0; m < member->metadata_count; ++m) {
      const swim_metadata_entry* entry = &member->metadata[m];
      if (entry->key_size == 4 && memcmp(entry->key, "role", 4) == 0) {
        copy_text(members[i].role[about], sizeof(members[i].role[about]),
                  entry->value, entry->value_size);
      }
    }
  }
  CHECK_EQ_INT(result, 0);
}

/* Drains every node's transmits (delivering them at once) and events until
 * nothing moves. */
static void pump(void) {
  bool moved = true;
  while (moved) {
    moved = false;
    for (int i = 0; i < kNodes; ++i) {
      if (members[i].node == NULL) continue;
      swim_transmit t = {.struct_size = sizeof(swim_transmit)};
      int result;
      while ((result = swim_node_poll_transmit(members[i].node, &t, buffer,
                                               buffer_size)) == 1) {
        moved = true;
        if (t.channel == SWIM_CHANNEL_DATAGRAM) {
          int to = index_of(&t.to);
          if (to >= 0 && members[to].node != NULL) {
            CHECK_EQ_INT(
                swim_node_handle_datagram(members[to].node, &members[i].address,
                                          buffer, t.size, now),
                SWIM_OK);
          }
        } else {
          send_stream(i, &t, buffer);
        }
      }
      CHECK_EQ_INT(result, 0);
      take_events(i);
    }
  }
}

/* Runs the cluster until `until` on the virtual clock. */
static void run_until(int64_t until) {
  pump();
  for (;;) {
    int64_t next = SWIM_TIME_NEVER;
    for (int i = 0; i < kNodes; ++i) {
      if (members[i].node == NULL) continue;
      int64_t deadline = swim_node_next_deadline(members[i].node);
      if (deadline < next) next = deadline;
    }
    if (next > until) break;
    if (next > now) now = next;
    for (int i = 0; i < kNodes; ++i) {
      if (members[i].node == NULL) continue;
      if (swim_node_next_deadline(members[i].node) <= now) {
        CHECK_EQ_INT(swim_node_handle_timeout(members[i].node, now), SWIM_OK);
      }
    }
    pump();
  }
  now = until;
}

static const uint8_t kKey[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void init_config(swim_config* config, int i) {
  CHECK_EQ_INT(swim_config_init(config, sizeof(*config), SWIM_PRESET_LOCAL),
               SWIM_OK);
  static swim_bytes key = {kKey, sizeof(kKey)};
  config->name = members[i].name;
  config->address = members[i].address;
  config->keys = &key;
  config->key_count = 1;
  config->label = "c-test";
  config->seed = (uint64_t)(i + 1); /* deterministic */
}

/* --- The cluster's life
 * ------------------------------------------------------- */

static void test_cluster(void) {
  static const char* names[kNodes] = {"alpha", "beta", "gamma"};
  for (int i = 0; i < kNodes; ++i) {
    members[i].name = names[i];
    char text[32];
    snprintf(text, sizeof(text), "127.0.0.1:%d", 7001 + i);
    CHECK_EQ_INT(swim_address_parse(text, &members[i].address), SWIM_OK);
    swim_config config;
    init_config(&config, i);
    char error[256] = "";
    CHECK_EQ_INT(
        swim_node_new(&members[i].node, &config, now, error, sizeof(error)),
        SWIM_OK);
    CHECK(members[i].node != NULL);
    CHECK_EQ_INT(strcmp(error, ""), 0);
  }
  buffer_size = swim_node_max_transmit_size(members[0].node);
  CHECK(buffer_size >= 1400);
  buffer = malloc(buffer_size);

  /* Join through alpha. */
  CHECK_EQ_INT(swim_node_join(members[0].node, NULL, 0, now), SWIM_OK);
  for (int i = 1; i < kNodes; ++i) {
    CHECK_EQ_INT(swim_node_join(members[i].node, &members[0].address, 1, now),
                 SWIM_OK);
  }
  run_until(now + 5 * kSecond);
  for (int i = 0; i < kNodes; ++i) {
    CHECK_EQ_INT(swim_node_available(members[i].node), kNodes - 1);
    for (int j = 0; j < kNodes; ++j) {
      if (i == j) continue;
      CHECK(members[i].joined[j]);
      swim_member found = {.struct_size = sizeof(swim_member)};
      CHECK_EQ_INT(swim_node_find(members[i].node, names[j], &found), SWIM_OK);
      CHECK_EQ_INT(found.status, SWIM_STATUS_ONLINE);
      CHECK_EQ_INT(strcmp(found.name, names[j]), 0);
      CHECK(memcmp(&found.address, &members[j].address,
                   sizeof(found.address)) == 0);
    }
  }

  /* Metadata from alpha reaches the others. */
  const char* role = "db";
  swim_metadata_entry entry = {"role", 4, (const uint8_t*)role, 2};
  CHECK_EQ_INT(swim_node_set_metadata(members[0].node, &entry, 1, now),
               SWIM_OK);
  run_until(now + 3 * kSecond);
  for (int i = 1; i < kNodes; ++i) {
    CHECK_EQ_INT(strcmp(members[i].role[0], "db"), 0);
  }
  swim_member local = {.struct_size = sizeof(swim_member)};
  CHECK_EQ_INT(swim_node_local(members[0].node, &local), SWIM_OK);
  CHECK_EQ_INT(local.metadata_count, 1);
  CHECK(local.version > 0);

  /* A broadcast. */
  const char* hello = "hello from C";
  CHECK_EQ_INT(swim_node_broadcast(members[1].node, (const uint8_t*)hello,
                                   strlen(hello), now),
               SWIM_OK);
  run_until(now + 3 * kSecond);
  CHECK_EQ_INT(strcmp(members[0].message, hello), 0);
  CHECK_EQ_INT(strcmp(members[0].message_origin, "beta"), 0);
  CHECK_EQ_INT(strcmp(members[2].message, hello), 0);

  /* A member list, independent of the node. */
  swim_members* list = NULL;
  CHECK_EQ_INT(swim_node_members(members[1].node, SWIM_STATUS_ALL, &list),
               SWIM_OK);
  CHECK_EQ_INT(swim_members_count(list), 2);
  swim_member first = {.struct_size = sizeof(swim_member)};
  CHECK_EQ_INT(swim_members_get(list, 0, &first), SWIM_OK);
  CHECK_EQ_INT(strcmp(first.name, "alpha"), 0);
  CHECK_EQ_INT(first.metadata_count, 1);
  CHECK_EQ_INT(swim_members_get(list, 2, &first), SWIM_ERR_INVALID_ARGUMENT);
  first.struct_size = 0;
  CHECK_EQ_INT(swim_members_get(list, 0, &first), SWIM_ERR_INVALID_ARGUMENT);
  /* As a caller compiled against a newer header would: a larger member,
   * whose field this library does not know comes back zero. */
  struct {
    swim_member member;
    uint64_t newer_field;
  } larger_member;
  memset(&larger_member, 0, sizeof(larger_member));
  larger_member.member.struct_size = sizeof(larger_member);
  larger_member.newer_field = UINT64_MAX;
  CHECK_EQ_INT(swim_members_get(list, 0, &larger_member.member), SWIM_OK);
  CHECK_EQ_INT(larger_member.member.struct_size, sizeof(larger_member));
  CHECK_EQ_INT(strcmp(larger_member.member.name, "alpha"), 0);
  CHECK_EQ_INT(larger_member.newer_field, 0);

  /* Counters. */
  size_t count = 0;
  CHECK_EQ_INT(swim_node_counters(members[0].node, NULL, 0, &count),
               SWIM_ERR_BUFFER_TOO_SMALL);
  CHECK(count > 40);
  CHECK(strstr(swim_node_last_error(members[0].node), "room for 0 of") != NULL);
  swim_counter* counters = calloc(count, sizeof(*counters));
  size_t again = 0;
  CHECK_EQ_INT(swim_node_counters(members[0].node, counters, count - 1, &again),
               SWIM_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(again, count);
  CHECK_EQ_INT(swim_node_counters(members[0].node, counters, count, &again),
               SWIM_OK);
  CHECK_EQ_INT(again, count);
  CHECK_EQ_INT(strcmp(swim_node_last_error(members[0].node), ""), 0);
  bool saw_probes = false, saw_online = false;
  for (size_t k = 0; k < count; ++k) {
    if (strcmp(counters[k].name, "probes") == 0) {
      saw_probes = counters[k].value > 0;
    }
    if (strcmp(counters[k].name, "gauge_online") == 0) {
      saw_online = counters[k].value == kNodes - 1;
    }
  }
  CHECK(saw_probes);
  CHECK(saw_online);
  free(counters);

  /* gamma crashes: the others declare it OFFLINE, saying why. */
  swim_node_free(members[2].node);
  members[2].node = NULL;
  for (int k = 0; k < kMaxConnections; ++k) {
    if (connections[k].open &&
        (connections[k].opener == 2 || connections[k].peer == 2)) {
      close_connection(k);
    }
  }
  run_until(now + 30 * kSecond);
  for (int i = 0; i < 2; ++i) {
    CHECK_EQ_INT(members[i].status[2], SWIM_STATUS_OFFLINE);
    int reason = members[i].last_cause_reason[2];
    CHECK(reason == SWIM_VERDICT_TIMED_OUT || reason == SWIM_VERDICT_DECLARED);
  }

  /* beta leaves gracefully; the list taken earlier outlives beta. */
  CHECK_EQ_INT(swim_node_leave(members[1].node, now), SWIM_OK);
  CHECK_EQ_INT(swim_node_leave(members[1].node, now),
               SWIM_ERR_FAILED_PRECONDITION);
  CHECK(strlen(swim_node_last_error(members[1].node)) > 0);
  run_until(now + 5 * kSecond);
  CHECK_EQ_INT(swim_node_lifecycle(members[1].node), SWIM_LIFECYCLE_LEFT);
  CHECK_EQ_INT(members[0].status[1], SWIM_STATUS_LEFT);
  CHECK_EQ_INT(members[0].last_cause_reason[1], SWIM_VERDICT_LEFT);
  swim_node_free(members[1].node);
  members[1].node = NULL;
  CHECK_EQ_INT(strcmp(first.name, "alpha"), 0);
  swim_members_free(list);
}

/* --- Bad arguments
 * -------------------------------------------------------------- */

static void test_bad_arguments(void) {
  swim_node* alpha = members[0].node;
  swim_node* node = (swim_node*)1;
  char error[128];

  /* Creating. */
  CHECK_EQ_INT(swim_node_new(&node, NULL, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(node == NULL);
  CHECK(strstr(error, "NULL") != NULL);
  CHECK_EQ_INT(swim_node_new(NULL, NULL, now, NULL, 0),
               SWIM_ERR_INVALID_ARGUMENT);
  swim_config config;
  /* The first swim_config ends with wire_version: a byte less is refused,
   * and that much (the struct without its tail padding) is taken. */
  const size_t first_config =
      offsetof(swim_config, wire_version) + sizeof(config.wire_version);
  CHECK_EQ_INT(swim_config_init(&config, first_config - 1, SWIM_PRESET_LAN),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_config_init(&config, first_config, SWIM_PRESET_LAN),
               SWIM_OK);
  CHECK_EQ_INT(config.struct_size, first_config);
  config.name = "first";
  config.address = members[1].address;
  config.security_mode = SWIM_SECURITY_PLAINTEXT;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_OK);
  swim_node_free(node);
  CHECK_EQ_INT(swim_config_init(&config, sizeof(config), 9),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_config_init(&config, 4097, SWIM_PRESET_LAN),
               SWIM_ERR_INVALID_ARGUMENT);
  {
    /* A caller of a newer header: its struct is larger, and the fields
     * this library does not know come back zeroed. */
    struct {
      swim_config config;
      unsigned char newer[24];
    } larger;
    memset(&larger, 0xab, sizeof(larger));
    CHECK_EQ_INT(
        swim_config_init(&larger.config, sizeof(larger), SWIM_PRESET_LAN),
        SWIM_OK);
    CHECK(larger.config.struct_size == sizeof(larger));
    for (size_t i = 0; i < sizeof(larger.newer); ++i) {
      CHECK(larger.newer[i] == 0);
    }
  }
  CHECK_EQ_INT(swim_config_init(NULL, sizeof(config), SWIM_PRESET_LAN),
               SWIM_ERR_INVALID_ARGUMENT);
  init_config(&config, 2);
  config.name = "\xff\xfe";
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(error, "UTF-8") != NULL);
  init_config(&config, 2);
  config.name = NULL;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  init_config(&config, 2);
  config.probe_timeout = 2 * kSecond;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(error, "probe_timeout") != NULL);
  init_config(&config, 2);
  config.lifeguard_awareness_max = 0;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(error, "lifeguard_awareness_max") != NULL);
  init_config(&config, 2);
  config.tcp_only = 7;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  init_config(&config, 2);
  config.struct_size = 8;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(error, "struct_size") != NULL);
  init_config(&config, 2);
  config.key_count = 0; /* encrypted without a key */
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  init_config(&config, 2);
  config.security_mode = 0;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, 4),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(strlen(error), 3); /* cut to the buffer */
  init_config(&config, 2);
  config.address.family = 5;
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(node == NULL);

  /* A newer caller's struct: unknown fields zero are fine, set are not. */
  struct {
    swim_config config;
    uint64_t future;
  } larger;
  init_config(&larger.config, 2);
  larger.config.struct_size = sizeof(larger);
  larger.future = 0;
  CHECK_EQ_INT(swim_node_new(&node, &larger.config, now, error, sizeof(error)),
               SWIM_OK);
  swim_node_free(node);
  larger.future = 1;
  CHECK_EQ_INT(swim_node_new(&node, &larger.config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);

  /* A null node, everywhere. */
  swim_member member = {.struct_size = sizeof(swim_member)};
  swim_transmit transmit = {.struct_size = sizeof(swim_transmit)};
  swim_event event;
  swim_members* list;
  size_t count;
  int verdict;
  uint8_t byte = 0;
  CHECK_EQ_INT(swim_node_join(NULL, NULL, 0, now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_leave(NULL, now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_set_metadata(NULL, NULL, 0, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_broadcast(NULL, &byte, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_remove(NULL, "x", now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_add_key(NULL, kKey, 32), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_use_key(NULL, kKey, 32), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_remove_key(NULL, kKey, 32), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(
      swim_node_handle_datagram(NULL, &members[1].address, &byte, 1, now),
      SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_handle_stream_data(NULL, 1, &members[1].address, &byte,
                                            1, now, &verdict),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_handle_stream_closed(NULL, 1),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_handle_timeout(NULL, now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_observe_wall_clock(NULL, 0),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_next_deadline(NULL), SWIM_TIME_NEVER);
  CHECK_EQ_INT(swim_node_poll_transmit(NULL, &transmit, buffer, buffer_size),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_max_transmit_size(NULL), 0);
  CHECK_EQ_INT(swim_node_poll_event(NULL, &event), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_lifecycle(NULL), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_local(NULL, &member), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_find(NULL, "alpha", &member),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_available(NULL), 0);
  CHECK_EQ_INT(swim_node_size(NULL), 0);
  CHECK_EQ_INT(swim_node_members(NULL, SWIM_STATUS_ALL, &list),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_sample(NULL, 1, SWIM_STATUS_ALL, &list),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_counters(NULL, NULL, 0, &count),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strlen(swim_node_last_error(NULL)) > 0);
  swim_node_free(NULL);
  swim_members_free(NULL);
  CHECK_EQ_INT(swim_members_count(NULL), 0);

  /* Bad arguments to a live node: an error, a message, nothing changed. */
  swim_member before = {.struct_size = sizeof(swim_member)};
  CHECK_EQ_INT(swim_node_local(alpha, &before), SWIM_OK);
  const uint64_t version = before.version;
  swim_metadata_entry bad_key = {"\xc0\x80", 2, &byte, 1};
  CHECK_EQ_INT(swim_node_set_metadata(alpha, &bad_key, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(alpha), "UTF-8") != NULL);
  swim_metadata_entry empty_key = {"", 0, &byte, 1};
  CHECK_EQ_INT(swim_node_set_metadata(alpha, &empty_key, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  swim_metadata_entry twice[2] = {{"k", 1, &byte, 1}, {"k", 1, &byte, 1}};
  CHECK_EQ_INT(swim_node_set_metadata(alpha, twice, 2, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(alpha), "repeated") != NULL);
  static uint8_t big[4096];
  swim_metadata_entry too_large = {"k", 1, big, sizeof(big)};
  CHECK_EQ_INT(swim_node_set_metadata(alpha, &too_large, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_set_metadata(alpha, NULL, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  uint8_t* huge = calloc(65536, 1);
  CHECK_EQ_INT(swim_node_broadcast(alpha, huge, 65536, now),
               SWIM_ERR_INVALID_ARGUMENT);
  free(huge);
  CHECK_EQ_INT(swim_node_broadcast(alpha, NULL, 3, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_remove(alpha, "nobody", now), SWIM_ERR_NOT_FOUND);
  CHECK_EQ_INT(swim_node_remove(alpha, "alpha", now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_remove(alpha, "\xff", now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_remove(alpha, NULL, now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_find(alpha, "nobody", &member), SWIM_ERR_NOT_FOUND);
  CHECK(strstr(swim_node_last_error(alpha), "nobody") != NULL);
  CHECK_EQ_INT(swim_node_find(alpha, "alpha", &member), SWIM_OK);
  CHECK_EQ_INT(swim_node_find(alpha, "\xe0\x80", &member),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_find(alpha, "alpha", NULL), SWIM_ERR_INVALID_ARGUMENT);
  swim_member unsized = {.struct_size = 0};
  CHECK_EQ_INT(swim_node_find(alpha, "alpha", &unsized),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(alpha), "struct_size") != NULL);
  CHECK_EQ_INT(swim_node_local(alpha, &unsized), SWIM_ERR_INVALID_ARGUMENT);
  unsized.struct_size = (size_t)1 << 40;
  CHECK_EQ_INT(swim_node_find_n(alpha, "alpha", 5, &unsized),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_add_key(alpha, kKey, 32), SWIM_ERR_ALREADY_EXISTS);
  CHECK_EQ_INT(swim_node_add_key(alpha, kKey, 7), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_add_key(alpha, NULL, 32), SWIM_ERR_INVALID_ARGUMENT);
  uint8_t other_key[16] = {9};
  CHECK_EQ_INT(swim_node_use_key(alpha, other_key, 16), SWIM_ERR_NOT_FOUND);
  CHECK_EQ_INT(swim_node_remove_key(alpha, kKey, 32),
               SWIM_ERR_FAILED_PRECONDITION);
  CHECK_EQ_INT(swim_node_add_key(alpha, other_key, 16), SWIM_OK);
  CHECK_EQ_INT(swim_node_remove_key(alpha, other_key, 16), SWIM_OK);
  swim_address bad_address = members[1].address;
  bad_address.family = 0;
  CHECK_EQ_INT(swim_node_join(alpha, &bad_address, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_join(alpha, NULL, 2, now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_handle_datagram(alpha, &bad_address, &byte, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_handle_datagram(alpha, NULL, &byte, 1, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(
      swim_node_handle_datagram(alpha, &members[1].address, NULL, 5, now),
      SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_handle_stream_data(alpha, 1, &members[1].address,
                                            &byte, 1, now, NULL),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_members(alpha, 16, &list), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_members(alpha, -1, &list), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_members(alpha, SWIM_STATUS_ALL, NULL),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_poll_transmit(alpha, NULL, buffer, buffer_size),
               SWIM_ERR_INVALID_ARGUMENT);
  swim_transmit unsized_transmit = {.struct_size = 0};
  CHECK_EQ_INT(
      swim_node_poll_transmit(alpha, &unsized_transmit, buffer, buffer_size),
      SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(alpha), "struct_size") != NULL);
  memset(&event, 0, sizeof(event));
  CHECK_EQ_INT(swim_node_poll_event(alpha, &event), SWIM_ERR_INVALID_ARGUMENT);
  event.struct_size = (size_t)1 << 40; /* not a size any header has */
  CHECK_EQ_INT(swim_node_poll_event(alpha, &event), SWIM_ERR_INVALID_ARGUMENT);
  init_config(&config, 2);
  config.struct_size = (size_t)1 << 40;
  error[0] = '\0';
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(error, "struct_size") != NULL);
  CHECK(strstr(swim_node_last_error(alpha), "struct_size") != NULL);
  CHECK_EQ_INT(swim_node_poll_event(alpha, NULL), SWIM_ERR_INVALID_ARGUMENT);

  /* Junk input is dropped and counted, never an error. */
  uint8_t junk[64];
  memset(junk, 0xab, sizeof(junk));
  CHECK_EQ_INT(swim_node_handle_datagram(alpha, &members[1].address, junk,
                                         sizeof(junk), now),
               SWIM_OK);
  verdict = -1;
  CHECK_EQ_INT(swim_node_handle_stream_data(alpha, 999, &members[1].address,
                                            junk, sizeof(junk), now, &verdict),
               SWIM_OK);
  CHECK_EQ_INT(verdict, SWIM_STREAM_CLOSE);

  CHECK_EQ_INT(swim_node_local(alpha, &member), SWIM_OK);
  CHECK_EQ_INT(member.version, version);
  CHECK_EQ_INT(swim_node_lifecycle(alpha), SWIM_LIFECYCLE_ACTIVE);

  /* A buffer too small keeps the transmit first in line. */
  const char* payload = "still usable";
  CHECK_EQ_INT(
      swim_node_broadcast(alpha, (const uint8_t*)payload, strlen(payload), now),
      SWIM_OK);
  uint8_t tiny[4];
  int polled = 0;
  for (int round = 0; round < 50 && polled == 0; ++round) {
    /* Alpha's next timer, without draining it first. */
    const int64_t deadline = swim_node_next_deadline(alpha);
    if (deadline > now) now = deadline;
    CHECK_EQ_INT(swim_node_handle_timeout(alpha, now), SWIM_OK);
    int result = swim_node_poll_transmit(alpha, &transmit, tiny, sizeof(tiny));
    if (result == 0) {
      pump();
    } else {
      CHECK_EQ_INT(result, SWIM_ERR_BUFFER_TOO_SMALL);
    }
    if (result == SWIM_ERR_BUFFER_TOO_SMALL) {
      CHECK(transmit.size > sizeof(tiny));
      CHECK(strstr(swim_node_last_error(alpha), "bytes") != NULL);
      const size_t needed = transmit.size;
      CHECK_EQ_INT(
          swim_node_poll_transmit(alpha, &transmit, buffer, buffer_size), 1);
      CHECK_EQ_INT(transmit.size, needed);
      CHECK_EQ_INT(strcmp(swim_node_last_error(alpha), ""), 0);
      polled = 1;
      pump();
    }
  }
  CHECK(polled);

  /* Addresses. */
  swim_address address;
  char text[SWIM_ADDRESS_TEXT_SIZE];
  CHECK_EQ_INT(swim_address_parse("[::1]:7946", &address), SWIM_OK);
  CHECK_EQ_INT(address.family, 6);
  CHECK_EQ_INT(address.port, 7946);
  CHECK_EQ_INT(swim_address_format(&address, text, sizeof(text)), SWIM_OK);
  CHECK_EQ_INT(strcmp(text, "[::1]:7946"), 0);
  CHECK_EQ_INT(swim_address_format(&address, text, 8),
               SWIM_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(swim_address_parse("example.com:80", &address),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_address_parse(NULL, &address), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_address_parse("1.2.3.4:5", NULL),
               SWIM_ERR_INVALID_ARGUMENT);

  /* Names. */
  CHECK_EQ_INT(strcmp(swim_result_name(SWIM_ERR_NOT_FOUND), "not-found"), 0);
  CHECK_EQ_INT(strcmp(swim_result_name(99), "unknown"), 0);
  CHECK_EQ_INT(strcmp(swim_status_name(SWIM_STATUS_LEFT), "LEFT"), 0);
  CHECK_EQ_INT(strcmp(swim_status_name(3), "unknown"), 0);
  CHECK_EQ_INT(strcmp(swim_event_type_name(SWIM_EVENT_REAPED), "reaped"), 0);
  CHECK_EQ_INT(
      strcmp(swim_event_type_name(SWIM_EVENT_USER_MESSAGE), "user-message"), 0);
  CHECK_EQ_INT(strcmp(swim_event_type_name(0), "unknown"), 0);
  CHECK_EQ_INT(strcmp(swim_event_type_name(8), "unknown"), 0);
  CHECK_EQ_INT(strcmp(swim_verdict_reason_name(6), "unknown"), 0);
  CHECK_EQ_INT(
      strcmp(swim_verdict_reason_name(SWIM_VERDICT_TIMED_OUT), "timed-out"), 0);
  CHECK_EQ_INT(swim_c_api_version(), SWIM_C_API_VERSION);
  CHECK(strlen(swim_version()) >= 5);
}

/* --- Keys from a secret setting
 * ------------------------------------------------ */

static void test_keys_from_secret(void) {
  uint8_t storage[64];
  swim_bytes keys[2];
  size_t count = 0;
  char error[256] = "";
  /* kKey (bytes 1..32) and a 16-byte key, base64, with spaces. */
  CHECK_EQ_INT(
      swim_keys_from_secret(" AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA= ,"
                            "CQAAAAAAAAAAAAAAAAAAAA==",
                            "", storage, sizeof(storage), keys, 2, &count,
                            error, sizeof(error)),
      SWIM_OK);
  CHECK_EQ_INT(count, 2);
  CHECK_EQ_INT(keys[0].size, 32);
  CHECK(memcmp(keys[0].data, kKey, 32) == 0);
  CHECK_EQ_INT(keys[1].size, 16);
  CHECK_EQ_INT(keys[1].data[0], 9);
  /* Too few slots: the count says how many. */
  CHECK_EQ_INT(
      swim_keys_from_secret("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=,"
                            "CQAAAAAAAAAAAAAAAAAAAA==",
                            "", storage, sizeof(storage), keys, 1, &count,
                            error, sizeof(error)),
      SWIM_ERR_BUFFER_TOO_SMALL);
  CHECK_EQ_INT(count, 2);
  /* A passphrase stretches to 32 bytes, differently for another label. */
  uint8_t other[32];
  CHECK_EQ_INT(swim_keys_from_secret("passphrase:correct horse", "a", storage,
                                     sizeof(storage), keys, 2, &count, error,
                                     sizeof(error)),
               SWIM_OK);
  CHECK_EQ_INT(count, 1);
  CHECK_EQ_INT(keys[0].size, 32);
  memcpy(other, keys[0].data, 32);
  CHECK_EQ_INT(swim_keys_from_secret("passphrase:correct horse", "b", storage,
                                     sizeof(storage), keys, 2, &count, error,
                                     sizeof(error)),
               SWIM_OK);
  CHECK(memcmp(other, keys[0].data, 32) != 0);
  /* Not a key: an error that does not repeat the secret. */
  CHECK_EQ_INT(swim_keys_from_secret("hunter2", "", storage, sizeof(storage),
                                     keys, 2, &count, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(error, "not a key") != NULL);
  CHECK(strstr(error, "hunter2") == NULL);
  CHECK_EQ_INT(swim_keys_from_secret("\xff", "", storage, sizeof(storage), keys,
                                     2, &count, error, sizeof(error)),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_keys_from_secret(NULL, "", storage, sizeof(storage), keys,
                                     2, &count, NULL, 0),
               SWIM_ERR_INVALID_ARGUMENT);
}

/* --- Limits and edges a demanding caller meets --------------------------- */

/* A fresh node of its own (member 2's identity), with `max_stream_message`
 * when nonzero. */
static swim_node* new_node(uint64_t max_stream_message) {
  swim_config config;
  init_config(&config, 2);
  if (max_stream_message != 0) config.max_stream_message = max_stream_message;
  swim_node* node = NULL;
  char error[256];
  CHECK_EQ_INT(swim_node_new(&node, &config, now, error, sizeof(error)),
               SWIM_OK);
  return node;
}

static void test_limits(void) {
  swim_node* node = new_node(0);
  swim_member member = {.struct_size = sizeof(swim_member)};

  /* Names outside 1-255 bytes are bad arguments, as in the _n functions. */
  char long_name[300];
  memset(long_name, 'n', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  CHECK_EQ_INT(swim_node_find(node, "", &member), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_find(node, long_name, &member),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(node), "1-255") != NULL);
  CHECK_EQ_INT(swim_node_remove(node, "", now), SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(swim_node_remove(node, long_name, now),
               SWIM_ERR_INVALID_ARGUMENT);

  /* A message quoting a key that holds a NUL is not cut short there. */
  uint8_t byte = 1;
  swim_metadata_entry twice[2] = {{"k\0x", 3, &byte, 1}, {"k\0x", 3, &byte, 1}};
  CHECK_EQ_INT(swim_node_set_metadata(node, twice, 2, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(node), "\"k\\x00x\" is repeated") != NULL);

  /* Any error closes the stream. */
  int verdict = -1;
  swim_address unknown_family = members[1].address;
  unknown_family.family = 0;
  CHECK_EQ_INT(swim_node_handle_stream_data(node, 1, &unknown_family, &byte, 1,
                                            now, &verdict),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK_EQ_INT(verdict, SWIM_STREAM_CLOSE);

  /* At most 4096 seeds, checked before any is read. */
  swim_address* seeds = calloc(4097, sizeof(swim_address));
  CHECK(seeds != NULL);
  for (int i = 0; i < 4097; ++i) seeds[i] = members[i % 2].address;
  CHECK_EQ_INT(swim_node_join(node, seeds, 4097, now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(node), "4096") != NULL);
  CHECK_EQ_INT(swim_node_join(node, seeds, SIZE_MAX, now),
               SWIM_ERR_INVALID_ARGUMENT);
  free(seeds);
  swim_node_free(node);

  /* A broadcast that max_stream_message could not carry is refused. */
  node = new_node(64 << 10);
  static uint8_t payload[65535];
  CHECK_EQ_INT(swim_node_broadcast(node, payload, sizeof(payload), now),
               SWIM_ERR_INVALID_ARGUMENT);
  CHECK(strstr(swim_node_last_error(node), "max_stream_message") != NULL);
  CHECK_EQ_INT(swim_node_broadcast(node, payload, 65000, now), SWIM_OK);
  swim_node_free(node);

  /* A member alone that leaves is done: no deadline is left, after at most
   * the one gossip round that finds nobody to tell. */
  node = new_node(0);
  CHECK_EQ_INT(swim_node_join(node, NULL, 0, now), SWIM_OK);
  CHECK_EQ_INT(swim_node_leave(node, now), SWIM_OK);
  CHECK_EQ_INT(swim_node_lifecycle(node), SWIM_LIFECYCLE_LEFT);
  for (int i = 0; i < 3 && swim_node_next_deadline(node) != SWIM_TIME_NEVER;
       ++i) {
    CHECK_EQ_INT(swim_node_handle_timeout(node, swim_node_next_deadline(node)),
                 SWIM_OK);
  }
  CHECK(swim_node_next_deadline(node) == SWIM_TIME_NEVER);
  swim_node_free(node);
}

int main(void) {
  test_keys_from_secret();
  test_cluster();
  test_bad_arguments();
  test_limits();
  swim_node_free(members[0].node);
  free(buffer);
  if (failures > 0) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("swim_c_test: all checks passed\n");
  return 0;
}
