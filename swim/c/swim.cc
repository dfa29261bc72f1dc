// The C ABI (swim.h) over swim::Node. Every exported function catches
// everything: nothing throws across the boundary.

#include "swim/c/swim.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/core/cluster_key.h"
#include "swim/core/config.h"
#include "swim/core/crypto.h"
#include "swim/core/event.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/node.h"
#include "swim/core/security_mode.h"
#include "swim/core/stats.h"
#include "swim/core/stream.h"
#include "swim/core/transmit.h"
#include "swim/core/verdict.h"
#include "swim/core/version.h"

namespace {

// The first size of each struct with a struct_size, the smallest
// struct_size accepted: where its last field of API version 1 ends. These
// stay as they are when fields are added; a field added later is read or
// filled only when it ends within the caller's struct_size.
constexpr size_t kConfigSizeV1 =
    offsetof(swim_config, wire_version) + sizeof(swim_config::wire_version);
constexpr size_t kEventSizeV1 =
    offsetof(swim_event, payload_size) + sizeof(swim_event::payload_size);
constexpr size_t kMemberSizeV1 =
    offsetof(swim_member, last_change) + sizeof(swim_member::last_change);
constexpr size_t kTransmitSizeV1 =
    offsetof(swim_transmit, size) + sizeof(swim_transmit::size);

// Whether only padding follows the first version's fields of T. When this
// fails, a field was added: read or fill it only when the caller's
// struct_size covers it, then name it in the check. A field added later
// must begin at or after the sizeof of the version before (swim.h,
// "Compatibility"), never in its tail padding: a library of that version
// checks that a newer caller's bytes past its sizeof are zero, and a
// newer library must not read an old caller's padding as a field.
template <typename T>
constexpr bool OnlyPaddingAfter(size_t first_size) {
  return sizeof(T) >= first_size && sizeof(T) - first_size < alignof(T);
}
static_assert(OnlyPaddingAfter<swim_config>(kConfigSizeV1));
static_assert(OnlyPaddingAfter<swim_event>(kEventSizeV1));
static_assert(OnlyPaddingAfter<swim_member>(kMemberSizeV1));
static_assert(OnlyPaddingAfter<swim_transmit>(kTransmitSizeV1));
// The largest struct_size taken: a value beyond it is a caller's bug, not
// a newer header.
constexpr size_t kMaxStructSize = 4096;

// Whether a caller's struct_size is taken: at least the first size of the
// struct (`first`) and at most kMaxStructSize.
constexpr bool StructSizeAccepted(size_t struct_size, size_t first) {
  return struct_size >= first && struct_size <= kMaxStructSize;
}

// Why a caller's struct_size is refused, if it is.

std::optional<std::string> StructSizeError(absl::string_view what,
                                           size_t struct_size, size_t first,
                                           absl::string_view remedy) {
  if (StructSizeAccepted(struct_size, first)) {
    return std::nullopt;
  }
  return absl::StrCat(what, ": struct_size is ", struct_size, ", ", first, "-",
                      kMaxStructSize, " expected (", remedy, ")");
}

// Clears a struct the caller passed to be filled, as far as the caller's
// struct_size (already checked) reaches: a newer caller's fields that this
// library does not know read as zero.
template <typename T>
void ClearKeepingSize(T& out) {
  const size_t struct_size = out.struct_size;
  std::memset(&out, 0, struct_size);
  out.struct_size = struct_size;
}

// --- Values crossing the boundary -------------------------------------------

// The length of the UTF-8 sequence at `text[i]`, or 0 if the bytes there
// are not one (overlong forms, surrogates and values past Unicode are not).
size_t Utf8SequenceAt(absl::string_view text, size_t i) {
  const auto byte = static_cast<uint8_t>(text[i]);
  size_t length;
  uint32_t min;
  if (byte < 0x80) {
    return 1;
  } else if ((byte & 0xE0) == 0xC0) {
    length = 2;
    min = 0x80;
  } else if ((byte & 0xF0) == 0xE0) {
    length = 3;
    min = 0x800;
  } else if ((byte & 0xF8) == 0xF0) {
    length = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  uint32_t code = byte & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    const auto next = static_cast<uint8_t>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return length;
}

bool ValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceAt(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// `name` in double quotes for a message, which must stay one UTF-8 C
// string: a quote, a backslash, a control character (a NUL too) and every
// byte that is not part of UTF-8 are escaped (\", \\, \xff).
std::string QuotedName(absl::string_view name) {
  std::string out = "\"";
  for (size_t i = 0; i < name.size();) {
    const auto byte = static_cast<uint8_t>(name[i]);
    const size_t length = Utf8SequenceAt(name, i);
    if (byte == '"' || byte == '\\') {
      absl::StrAppend(&out, "\\", absl::string_view(&name[i], 1));
    } else if (length == 0 || byte < 0x20 || byte == 0x7F) {
      absl::StrAppend(&out, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      out.append(name.data() + i, length);
      i += length;
      continue;
    }
    ++i;
  }
  out += '"';
  return out;
}

int64_t ToNanos(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return SWIM_DURATION_INFINITE;
  if (duration == -absl::InfiniteDuration()) return SWIM_TIME_NONE;
  return absl::ToInt64Nanoseconds(duration);
}

absl::Duration FromNanos(int64_t nanos) {
  if (nanos == SWIM_DURATION_INFINITE) return absl::InfiniteDuration();
  return absl::Nanoseconds(nanos);
}

int64_t ToNanos(swim::Instant instant) {
  return ToNanos(instant.since_origin());
}

swim::Instant InstantOf(int64_t nanos) {
  return swim::Instant(absl::Nanoseconds(nanos));
}

swim_address ToC(const swim::Address& address) {
  swim_address out{};
  out.family = address.family() == swim::Address::Family::kIpv4 ? 4 : 6;
  std::memcpy(out.octets, address.octets().data(), sizeof(out.octets));
  out.port = address.port();
  return out;
}

std::optional<swim::Address> FromC(const swim_address& address) {
  if (address.family == 4) {
    return swim::Address::Ipv4({address.octets[0], address.octets[1],
                                address.octets[2], address.octets[3]},
                               address.port);
  }
  if (address.family == 6) {
    std::array<uint8_t, 16> octets;
    std::memcpy(octets.data(), address.octets, octets.size());
    return swim::Address::Ipv6(octets, address.port);
  }
  return std::nullopt;
}

int FromStatusCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return SWIM_OK;
    case absl::StatusCode::kInvalidArgument:
      return SWIM_ERR_INVALID_ARGUMENT;
    case absl::StatusCode::kFailedPrecondition:
      return SWIM_ERR_FAILED_PRECONDITION;
    case absl::StatusCode::kNotFound:
      return SWIM_ERR_NOT_FOUND;
    case absl::StatusCode::kAlreadyExists:
      return SWIM_ERR_ALREADY_EXISTS;
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kResourceExhausted:
      return SWIM_ERR_OUT_OF_RANGE;
    default:
      return SWIM_ERR_INTERNAL;
  }
}

// A member in C form, with the storage its pointers point into.
struct MemberView {
  swim::Member member;
  std::vector<swim_metadata_entry> entries;

  explicit MemberView(swim::Member m = {}) : member(std::move(m)) { Build(); }
  MemberView(const MemberView&) = delete;
  MemberView& operator=(const MemberView&) = delete;

  void Set(swim::Member m) {
    member = std::move(m);
    Build();
  }
  // The entries point into `member`'s metadata.
  void Build() {
    entries.clear();
    entries.reserve(member.metadata.size());
    for (const auto& [key, value] : member.metadata) {
      entries.push_back({key.c_str(), key.size(),
                         reinterpret_cast<const uint8_t*>(value.data()),
                         value.size()});
    }
  }
  // Fills a swim_member whose struct_size is set (and checked).
  void Fill(swim_member& out) const {
    ClearKeepingSize(out);
    out.name = member.name.c_str();
    out.name_size = member.name.size();
    out.address = ToC(member.address);
    out.status = static_cast<int>(member.status);
    out.generation = member.incarnation.generation;
    out.version = member.incarnation.version;
    out.metadata = entries.empty() ? nullptr : entries.data();
    out.metadata_count = entries.size();
    out.last_change = ToNanos(member.last_change);
  }
};

// Why `out`, a swim_member to be filled, is refused, if it is.
std::optional<std::string> MemberOutError(const swim_member* out) {
  if (out == nullptr) return "out is NULL";
  return StructSizeError("member", out->struct_size, kMemberSizeV1,
                         "set it to sizeof(swim_member)");
}

// The event last polled, in C form.
struct EventView {
  EventView() { member_out.struct_size = sizeof(swim_member); }

  swim::Event event;
  MemberView member;
  swim_member member_out{};
  swim_verdict verdict{};
  std::vector<const char*> helpers;
  std::vector<size_t> helper_sizes;
  std::vector<swim_confirmation> confirmations;
};

}  // namespace

struct swim_node {
  std::unique_ptr<swim::Node> node;
  // The last failed call's message; mutable so that calls on a const node
  // (swim_node_counters) say why they failed too.
  mutable std::string error;
  // Nonzero once an allocation failed (NO_MEMORY) or an exception escaped
  // (INTERNAL) while the node was changing: the core gives no guarantee
  // then, so every later call but swim_node_free returns this result.
  int broken = SWIM_OK;
  // A transmit polled from the node that the caller's buffer could not
  // take: first in line until it can.
  std::optional<swim::Transmit> held;
  std::string held_bytes;
  std::optional<EventView> event;
  MemberView view;
};

struct swim_members {
  // Each view's entries point into its own member: never moved once made.
  std::vector<std::unique_ptr<MemberView>> members;
};

namespace {

// Sets the node's message from inside a handler: if even that runs out of
// memory, the message is left empty rather than let anything escape.
void SetError(const swim_node* node, absl::string_view message,
              absl::string_view detail = "") noexcept {
  try {
    node->error = absl::StrCat(message, detail);
  } catch (...) {
    node->error.clear();
  }
}

// Whether a call changes the node (an input, a command, a poll,
// swim_node_sample, which draws from its PRNG) or only reads it
// (swim_node_local, _find, _find_n, _members, _counters).
enum class Access { kChanges, kReads };

// A node that is broken (swim_node::broken) refuses the call, saying so.
int RefuseIfBroken(const swim_node* node) noexcept {
  if (node->broken == SWIM_OK) return SWIM_OK;
  SetError(node,
           node->broken == SWIM_ERR_NO_MEMORY
               ? "an earlier call ran out of memory while changing the node"
               : "an earlier call failed inside the library while changing "
                 "the node",
           "; its state is unknown: free it (swim_node_free)");
  return node->broken;
}

// Runs `body` (returning a swim_result) with every exception caught. The
// node's error is cleared first and set from the result. An exception
// from a call that changes the node breaks it: the core is not
// exception-safe, so a table may be half-updated (docs/c_api.md, "Out of
// memory").
template <typename Body>
int Guard(swim_node* node, Access access, Body body) {
  if (node == nullptr) return SWIM_ERR_INVALID_ARGUMENT;
  if (const int refused = RefuseIfBroken(node); refused != SWIM_OK) {
    return refused;
  }
  const bool changes = access == Access::kChanges;
  try {
    node->error.clear();
    return body();
  } catch (const std::bad_alloc&) {
    if (changes) node->broken = SWIM_ERR_NO_MEMORY;
    SetError(node, "out of memory",
             changes ? " while changing the node; its state is unknown: "
                       "free it (swim_node_free)"
                     : "");
    return SWIM_ERR_NO_MEMORY;
  } catch (const std::exception& e) {
    if (changes) node->broken = SWIM_ERR_INTERNAL;
    SetError(node, "internal error: ", e.what());
    return SWIM_ERR_INTERNAL;
  } catch (...) {
    if (changes) node->broken = SWIM_ERR_INTERNAL;
    SetError(node, "internal error");
    return SWIM_ERR_INTERNAL;
  }
}

// Keeps `message` as the node's last error. swim_node_last_error hands it
// out NUL-terminated: a NUL inside (a name or key quoted whole by the
// core) is written \x00 so the message is not cut short there.
void KeepMessage(swim_node* node, absl::string_view message) {
  node->error =
      absl::StrReplaceAll(message, {{absl::string_view("\0", 1), "\\x00"}});
}

int Fail(swim_node* node, int result, absl::string_view message) {
  KeepMessage(node, message);
  return result;
}

int FromStatus(swim_node* node, const absl::Status& status) {
  if (status.ok()) return SWIM_OK;
  KeepMessage(node, status.message());
  return FromStatusCode(status.code());
}

// Text the caller passes: not null, UTF-8. On failure, a message naming
// `what`.
std::optional<std::string> CheckText(absl::string_view what, const char* text,
                                     size_t size) {
  if (text == nullptr) return absl::StrCat(what, " is NULL");
  if (!ValidUtf8(absl::string_view(text, size))) {
    return absl::StrCat(what, " is not UTF-8");
  }
  return std::nullopt;
}

// A member name as the wire carries it: any bytes, 1-255 of them; an error
// message if not.
std::optional<std::string> CheckName(const char* name, size_t size) {
  if (name == nullptr) return std::string("name is NULL");
  if (size == 0 || size > 255) {
    return absl::StrCat("name is ", size, " bytes, not 1-255");
  }
  return std::nullopt;
}

// A NUL-terminated member name (swim_node_find, swim_node_remove): UTF-8
// and 1-255 bytes, as for swim_node_new; an error message if not.
std::optional<std::string> CheckTextName(const char* name) {
  const size_t size = name == nullptr ? 0 : std::strlen(name);
  if (auto error = CheckText("name", name, size)) return error;
  return CheckName(name, size);
}

// Metadata entries the caller passes, as a map; an error message if any is
// malformed.
absl::StatusOr<swim::Metadata> MetadataOf(const swim_metadata_entry* entries,
                                          size_t count) {
  swim::Metadata metadata;
  if (count == 0) return metadata;
  if (entries == nullptr) {
    return absl::InvalidArgumentError("metadata is NULL with a count");
  }
  for (size_t i = 0; i < count; ++i) {
    const swim_metadata_entry& entry = entries[i];
    const std::string what = absl::StrCat("metadata[", i, "] key");
    if (auto error = CheckText(what, entry.key, entry.key_size)) {
      return absl::InvalidArgumentError(*error);
    }
    if (entry.value == nullptr && entry.value_size != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata[", i, "] value is NULL with a size"));
    }
    std::string key(entry.key, entry.key_size);
    std::string value(reinterpret_cast<const char*>(entry.value),
                      entry.value == nullptr ? 0 : entry.value_size);
    if (!metadata.emplace(std::move(key), std::move(value)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata[", i, "] key ",
                       QuotedName(absl::string_view(entry.key, entry.key_size)),
                       " is repeated"));
    }
  }
  // Keys the wire cannot carry (empty, too long) are refused by the
  // encoder with the key named.
  if (absl::StatusOr<std::string> encoded = swim::EncodeMetadata(metadata);
      !encoded.ok()) {
    return absl::InvalidArgumentError(encoded.status().message());
  }
  return metadata;
}

absl::string_view BytesOf(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// --- Config
// -------------------------------------------------------------------

swim::Config PresetConfig(int preset) {
  switch (preset) {
    case SWIM_PRESET_WAN:
      return swim::Config::Wan();
    case SWIM_PRESET_LOCAL:
      return swim::Config::Local();
    default:
      return swim::Config::Lan();
  }
}

void FillFrom(const swim::Config& c, swim_config& out) {
  out.generation = c.generation;
  out.seed = c.seed;
  std::memcpy(out.nonce_seed, c.nonce_seed.data(), sizeof(out.nonce_seed));
  out.max_clock_skew = ToNanos(c.max_clock_skew);
  out.security_mode = static_cast<int>(c.security_mode);
  out.probe_interval = ToNanos(c.probe_interval);
  out.probe_timeout = ToNanos(c.probe_timeout);
  out.indirect_checks = c.indirect_checks;
  out.suspicion_mult = c.suspicion_mult;
  out.stream_fallback = c.stream_fallback ? 1 : 0;
  out.tcp_only = c.tcp_only ? 1 : 0;
  out.isolation_probes = c.isolation_probes;
  out.lifeguard_awareness = c.lifeguard.awareness ? 1 : 0;
  out.lifeguard_nacks = c.lifeguard.nacks ? 1 : 0;
  out.lifeguard_dynamic_suspicion = c.lifeguard.dynamic_suspicion ? 1 : 0;
  out.lifeguard_buddy_system = c.lifeguard.buddy_system ? 1 : 0;
  out.lifeguard_awareness_max = c.lifeguard.awareness_max;
  out.lifeguard_suspicion_max_timeout_mult =
      c.lifeguard.suspicion_max_timeout_mult;
  out.retransmit_mult = c.retransmit_mult;
  out.gossip_nodes = c.gossip_nodes;
  out.gossip_interval = ToNanos(c.gossip_interval);
  out.datagram_budget = c.datagram_budget;
  out.user_broadcast_share = c.user_broadcast_share;
  out.push_pull_interval = ToNanos(c.push_pull_interval);
  out.reconnect_interval = ToNanos(c.reconnect_interval);
  out.reconnect_timeout = ToNanos(c.reconnect_timeout);
  out.tombstone_timeout = ToNanos(c.tombstone_timeout);
  out.max_metadata_size = c.max_metadata_size;
  out.max_members = c.max_members;
  out.max_stream_message = c.max_stream_message;
  out.wire_version = c.wire_version;
}

// A flag field: 0 or 1.
absl::StatusOr<bool> Flag(absl::string_view field, uint8_t value) {
  if (value > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: ", field, " must be 0 or 1, is ", value));
  }
  return value == 1;
}

absl::StatusOr<swim::Config> ConfigOf(const swim_config* in) {
  if (in == nullptr) return absl::InvalidArgumentError("config is NULL");
  if (auto error = StructSizeError("config", in->struct_size, kConfigSizeV1,
                                   "call swim_config_init")) {
    return absl::InvalidArgumentError(*error);
  }
  // A newer caller's fields this library does not know must be unset.
  // They begin at or after this library's sizeof (never in its tail
  // padding, whose bytes a copy of the struct need not keep zero).
  const auto* bytes = reinterpret_cast<const uint8_t*>(in);
  if (in->struct_size > sizeof(swim_config) &&
      !std::all_of(bytes + sizeof(swim_config), bytes + in->struct_size,
                   [](uint8_t byte) { return byte == 0; })) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: fields past this library's swim_config (",
                     sizeof(swim_config), " bytes, API version ",
                     SWIM_C_API_VERSION, ") are set; update the library"));
  }
  swim::Config c;
  // A config refused after its keys were copied leaves no copy behind (on
  // success the keys move out first; the node wipes them).
  absl::Cleanup wipe_keys = [&c] { swim::crypto::CleanseStrings(c.keys); };
  if (auto error = CheckText("config: name", in->name,
                             in->name ? std::strlen(in->name) : 0)) {
    return absl::InvalidArgumentError(*error);
  }
  c.name = in->name;
  std::optional<swim::Address> address = FromC(in->address);
  if (!address.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: address.family must be 4 or 6, is ", in->address.family));
  }
  c.address = *address;
  c.generation = in->generation;
  c.seed = in->seed;
  std::memcpy(c.nonce_seed.data(), in->nonce_seed, c.nonce_seed.size());
  absl::StatusOr<swim::Metadata> metadata =
      MetadataOf(in->metadata, in->metadata_count);
  if (!metadata.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: ", metadata.status().message()));
  }
  c.metadata = *std::move(metadata);
  c.max_clock_skew = FromNanos(in->max_clock_skew);

  switch (in->security_mode) {
    case SWIM_SECURITY_PLAINTEXT:
    case SWIM_SECURITY_AUTHENTICATED:
    case SWIM_SECURITY_ENCRYPTED:
      c.security_mode = static_cast<swim::SecurityMode>(in->security_mode);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "config: security_mode must be 1, 2 or 3, is ", in->security_mode));
  }
  if (in->key_count > 0 && in->keys == nullptr) {
    return absl::InvalidArgumentError("config: keys is NULL with a count");
  }
  for (size_t i = 0; i < in->key_count; ++i) {
    if (in->keys[i].data == nullptr && in->keys[i].size != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("config: keys[", i, "] is NULL with a size"));
    }
    c.keys.emplace_back(BytesOf(in->keys[i].data, in->keys[i].size));
  }
  if (in->label != nullptr) {
    if (auto error =
            CheckText("config: label", in->label, std::strlen(in->label))) {
      return absl::InvalidArgumentError(*error);
    }
    c.label = in->label;
  }

  c.probe_interval = FromNanos(in->probe_interval);
  c.probe_timeout = FromNanos(in->probe_timeout);
  c.indirect_checks = in->indirect_checks;
  c.suspicion_mult = in->suspicion_mult;
  c.isolation_probes = in->isolation_probes;
  struct FlagField {
    absl::string_view name;
    uint8_t value;
    bool* field;
  };
  const FlagField flags[] = {
      {"stream_fallback", in->stream_fallback, &c.stream_fallback},
      {"tcp_only", in->tcp_only, &c.tcp_only},
      {"lifeguard_awareness", in->lifeguard_awareness, &c.lifeguard.awareness},
      {"lifeguard_nacks", in->lifeguard_nacks, &c.lifeguard.nacks},
      {"lifeguard_dynamic_suspicion", in->lifeguard_dynamic_suspicion,
       &c.lifeguard.dynamic_suspicion},
      {"lifeguard_buddy_system", in->lifeguard_buddy_system,
       &c.lifeguard.buddy_system},
  };
  for (const FlagField& flag : flags) {
    absl::StatusOr<bool> value = Flag(flag.name, flag.value);
    if (!value.ok()) return value.status();
    *flag.field = *value;
  }
  c.lifeguard.awareness_max = in->lifeguard_awareness_max;
  c.lifeguard.suspicion_max_timeout_mult =
      in->lifeguard_suspicion_max_timeout_mult;
  c.retransmit_mult = in->retransmit_mult;
  c.gossip_nodes = in->gossip_nodes;
  c.gossip_interval = FromNanos(in->gossip_interval);
  c.datagram_budget = in->datagram_budget;
  c.user_broadcast_share = in->user_broadcast_share;
  c.push_pull_interval = FromNanos(in->push_pull_interval);
  c.reconnect_interval = FromNanos(in->reconnect_interval);
  c.reconnect_timeout = FromNanos(in->reconnect_timeout);
  c.tombstone_timeout = FromNanos(in->tombstone_timeout);
  c.max_metadata_size = in->max_metadata_size;
  c.max_members = in->max_members;
  c.max_stream_message = in->max_stream_message;
  c.wire_version = in->wire_version;
  // The field names the core reports are the C++ ones; the C struct spells
  // lifeguard.x as lifeguard_x.
  if (std::optional<swim::ConfigError> error = c.Check()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: ", absl::StrReplaceAll(error->field, {{".", "_"}}), " ",
        error->reason));
  }
  return c;
}

// --- Counters
// -------------------------------------------------------------------

// Every counter's name, in the order swim_node_counters reports them.
struct CounterNames {
  std::vector<std::string> names;
  CounterNames() {
    for (const swim::StatsCounter& counter : swim::StatsCounters()) {
      names.emplace_back(counter.name);
    }
    for (int i = 0; i < swim::kDropReasonCount; ++i) {
      names.push_back(absl::StrCat(
          "drops_", absl::StrReplaceAll(
                        swim::DropReasonName(static_cast<swim::DropReason>(i)),
                        {{"-", "_"}})));
    }
    // Index 0 is EnvelopeDrop::kNone: nothing was dropped.
    for (int i = 1; i < swim::kEnvelopeDropCount; ++i) {
      names.push_back(absl::StrCat(
          "envelope_drops_",
          absl::StrReplaceAll(
              swim::EnvelopeDropName(static_cast<swim::EnvelopeDrop>(i)),
              {{"-", "_"}})));
    }
    for (absl::string_view gauge :
         {"online", "suspect", "offline", "left", "health", "isolated"}) {
      names.push_back(absl::StrCat("gauge_", gauge));
    }
    for (const swim::GaugeField& field : swim::GaugeFields()) {
      names.push_back(absl::StrCat("gauge_", field.name));
    }
  }
};

const CounterNames& Names() {
  static const CounterNames* const names = new CounterNames();
  return *names;
}

std::vector<uint64_t> CounterValues(const swim::Node& node) {
  std::vector<uint64_t> values;
  const swim::Stats& stats = node.stats();
  for (const swim::StatsCounter& counter : swim::StatsCounters()) {
    values.push_back(stats.*counter.value);
  }
  values.insert(values.end(), stats.drops.begin(), stats.drops.end());
  values.insert(values.end(), stats.envelope_drops.begin() + 1,
                stats.envelope_drops.end());
  const swim::Gauges gauges = node.gauges();
  values.push_back(gauges.online);
  values.push_back(gauges.suspect);
  values.push_back(gauges.offline);
  values.push_back(gauges.left);
  values.push_back(static_cast<uint64_t>(std::max(gauges.health, 0)));
  values.push_back(gauges.isolated ? 1 : 0);
  for (const swim::GaugeField& field : swim::GaugeFields()) {
    values.push_back(gauges.*field.value);
  }
  return values;
}

// --- Events
// -----------------------------------------------------------------------

void FillVerdict(EventView& view, const swim::Verdict& verdict) {
  swim_verdict& out = view.verdict;
  out = swim_verdict{};
  out.struct_size = sizeof(swim_verdict);
  out.reason = static_cast<int>(verdict.reason);
  out.accuser = verdict.accuser.c_str();
  out.accuser_size = verdict.accuser.size();
  out.declared_by = verdict.declared_by.c_str();
  out.declared_by_size = verdict.declared_by.size();
  out.from_state_exchange = verdict.from_state_exchange ? 1 : 0;
  out.suspected_at = verdict.suspected_at.has_value()
                         ? ToNanos(*verdict.suspected_at)
                         : SWIM_TIME_NONE;
  view.helpers.clear();
  view.helper_sizes.clear();
  if (verdict.probe.has_value()) {
    out.has_probe = 1;
    out.probe_sent_at = ToNanos(verdict.probe->sent_at);
    out.probe_stream_fallback = verdict.probe->stream_fallback ? 1 : 0;
    for (const std::string& helper : verdict.probe->helpers) {
      view.helpers.push_back(helper.c_str());
      view.helper_sizes.push_back(helper.size());
    }
    out.probe_helpers = view.helpers.empty() ? nullptr : view.helpers.data();
    out.probe_helper_sizes =
        view.helper_sizes.empty() ? nullptr : view.helper_sizes.data();
    out.probe_helper_count = view.helpers.size();
    out.probe_nacks_expected = verdict.probe->nacks_expected;
    out.probe_nacks = verdict.probe->nacks;
  }
  view.confirmations.clear();
  for (const swim::Verdict::Confirmation& confirmation :
       verdict.confirmations) {
    view.confirmations.push_back({confirmation.member.c_str(),
                                  confirmation.member.size(),
                                  ToNanos(confirmation.at)});
  }
  out.confirmations =
      view.confirmations.empty() ? nullptr : view.confirmations.data();
  out.confirmation_count = view.confirmations.size();
  out.timeout = ToNanos(verdict.timeout);
  out.health = verdict.health;
}

void FillEvent(EventView& view, swim_event& out) {
  // swim_node_poll_event checked struct_size.
  ClearKeepingSize(out);
  // swim_event_type is the index of the case in swim::Event, plus one.
  static_assert(std::variant_size_v<swim::Event> == SWIM_EVENT_USER_MESSAGE);
  static_assert(std::is_same_v<
                std::variant_alternative_t<SWIM_EVENT_JOINED - 1, swim::Event>,
                swim::MemberJoined>);
  static_assert(
      std::is_same_v<std::variant_alternative_t<SWIM_EVENT_STATUS_CHANGED - 1,
                                                swim::Event>,
                     swim::MemberStatusChanged>);
  static_assert(
      std::is_same_v<std::variant_alternative_t<SWIM_EVENT_METADATA_CHANGED - 1,
                                                swim::Event>,
                     swim::MemberMetadataChanged>);
  static_assert(std::is_same_v<
                std::variant_alternative_t<SWIM_EVENT_REAPED - 1, swim::Event>,
                swim::MemberReaped>);
  static_assert(
      std::is_same_v<
          std::variant_alternative_t<SWIM_EVENT_NAME_CONFLICT - 1, swim::Event>,
          swim::NameConflict>);
  static_assert(std::is_same_v<
                std::variant_alternative_t<SWIM_EVENT_REFUTED - 1, swim::Event>,
                swim::Refuted>);
  static_assert(
      std::is_same_v<
          std::variant_alternative_t<SWIM_EVENT_USER_MESSAGE - 1, swim::Event>,
          swim::UserMessage>);
  out.type = static_cast<int>(view.event.index()) + 1;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, swim::MemberStatusChanged>) {
          out.previous_status = static_cast<int>(e.previous_status);
          if (e.cause.has_value()) {
            FillVerdict(view, *e.cause);
            out.cause = &view.verdict;
          }
        } else if constexpr (std::is_same_v<T, swim::NameConflict>) {
          out.conflict_address = ToC(e.address);
        } else if constexpr (std::is_same_v<T, swim::UserMessage>) {
          out.origin = e.origin.c_str();
          out.origin_size = e.origin.size();
          out.payload = reinterpret_cast<const uint8_t*>(e.payload.data());
          out.payload_size = e.payload.size();
        }
      },
      view.event);
  if (const swim::Member* member = swim::EventMember(view.event)) {
    view.member.Set(*member);
    view.member.Fill(view.member_out);
    out.member = &view.member_out;
  }
}

int MembersOut(std::vector<swim::Member> members, swim_members** out) {
  auto list = std::make_unique<swim_members>();
  list->members.reserve(members.size());
  for (swim::Member& member : members) {
    list->members.push_back(std::make_unique<MemberView>(std::move(member)));
  }
  *out = list.release();
  return SWIM_OK;
}

}  // namespace

// Defined with the C linkage swim.h declares them with.

const char* swim_result_name(int result) {
  switch (result) {
    case SWIM_OK:
      return "ok";
    case SWIM_ERR_INVALID_ARGUMENT:
      return "invalid-argument";
    case SWIM_ERR_FAILED_PRECONDITION:
      return "failed-precondition";
    case SWIM_ERR_NOT_FOUND:
      return "not-found";
    case SWIM_ERR_ALREADY_EXISTS:
      return "already-exists";
    case SWIM_ERR_OUT_OF_RANGE:
      return "out-of-range";
    case SWIM_ERR_BUFFER_TOO_SMALL:
      return "buffer-too-small";
    case SWIM_ERR_NO_MEMORY:
      return "no-memory";
    case SWIM_ERR_INTERNAL:
      return "internal";
    default:
      return "unknown";
  }
}

int swim_c_api_version(void) { return SWIM_C_API_VERSION; }

const char* swim_version(void) { return SWIM_VERSION_STRING; }

int swim_address_parse(const char* text, swim_address* out) {
  if (text == nullptr || out == nullptr) return SWIM_ERR_INVALID_ARGUMENT;
  try {
    absl::StatusOr<swim::Address> address = swim::Address::Parse(text);
    if (!address.ok()) return SWIM_ERR_INVALID_ARGUMENT;
    *out = ToC(*address);
    return SWIM_OK;
  } catch (...) {
    return SWIM_ERR_NO_MEMORY;
  }
}

int swim_address_format(const swim_address* address, char* buffer,
                        size_t size) {
  if (address == nullptr || buffer == nullptr) {
    return SWIM_ERR_INVALID_ARGUMENT;
  }
  std::optional<swim::Address> parsed = FromC(*address);
  if (!parsed.has_value()) return SWIM_ERR_INVALID_ARGUMENT;
  if (size < SWIM_ADDRESS_TEXT_SIZE) return SWIM_ERR_BUFFER_TOO_SMALL;
  try {
    const std::string text = parsed->ToString();
    std::memcpy(buffer, text.c_str(), text.size() + 1);
    return SWIM_OK;
  } catch (...) {
    return SWIM_ERR_NO_MEMORY;
  }
}

// The core's names are string literals: their data() is NUL-terminated.

const char* swim_status_name(int status) {
  switch (status) {
    case SWIM_STATUS_ONLINE:
    case SWIM_STATUS_SUSPECT:
    case SWIM_STATUS_OFFLINE:
    case SWIM_STATUS_LEFT:
      return swim::MemberStatusName(static_cast<swim::MemberStatus>(status))
          .data();
    default:
      return "unknown";
  }
}

const char* swim_event_type_name(int type) {
  const absl::Span<const absl::string_view> names = swim::EventNames();
  if (type < 1 || static_cast<size_t>(type) > names.size()) return "unknown";
  return names[type - 1].data();
}

const char* swim_verdict_reason_name(int reason) {
  if (reason < SWIM_VERDICT_PROBE_FAILED || reason > SWIM_VERDICT_REMOVED) {
    return "unknown";
  }
  return swim::VerdictReasonName(static_cast<swim::Verdict::Reason>(reason))
      .data();
}

int swim_config_init(swim_config* config, size_t struct_size, int preset) {
  // A caller compiled against a newer header passes a larger struct: its
  // fields this library does not know are zeroed, which swim_node_new
  // takes as unset.
  if (config == nullptr || struct_size < kConfigSizeV1 ||
      struct_size > kMaxStructSize) {
    return SWIM_ERR_INVALID_ARGUMENT;
  }
  if (preset != SWIM_PRESET_LAN && preset != SWIM_PRESET_WAN &&
      preset != SWIM_PRESET_LOCAL) {
    return SWIM_ERR_INVALID_ARGUMENT;
  }
  try {
    std::memset(config, 0, struct_size);
    config->struct_size = struct_size;
    swim::Config c = PresetConfig(preset);
    c.generation = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
    uint8_t seed[sizeof(uint64_t)];
    if (!swim::crypto::RandomBytes(seed) ||
        !swim::crypto::RandomBytes(absl::MakeSpan(c.nonce_seed))) {
      return SWIM_ERR_INTERNAL;
    }
    std::memcpy(&c.seed, seed, sizeof(seed));
    FillFrom(c, *config);
    return SWIM_OK;
  } catch (...) {
    return SWIM_ERR_NO_MEMORY;
  }
}

namespace {

void WriteError(absl::string_view message, char* error, size_t error_size) {
  if (error == nullptr || error_size == 0) return;
  const size_t n = std::min(message.size(), error_size - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

}  // namespace

int swim_keys_from_secret(const char* secret, const char* label,
                          uint8_t* storage, size_t storage_size,
                          swim_bytes* keys, size_t capacity, size_t* count,
                          char* error, size_t error_size) {
  if (secret == nullptr || label == nullptr || count == nullptr ||
      (storage == nullptr && storage_size > 0) ||
      (keys == nullptr && capacity > 0)) {
    WriteError("secret, label, count, storage or keys is NULL", error,
               error_size);
    return SWIM_ERR_INVALID_ARGUMENT;
  }
  try {
    if (!ValidUtf8(secret) || !ValidUtf8(label)) {
      WriteError("the secret or the label is not UTF-8", error, error_size);
      return SWIM_ERR_INVALID_ARGUMENT;
    }
    absl::StatusOr<swim::ClusterKeys> parsed =
        swim::ParseClusterKeys(secret, label, "the secret");
    if (!parsed.ok()) {
      WriteError(parsed.status().message(), error, error_size);
      // scrypt's memory is the one limit here: out of memory, not a limit
      // of the caller's making.
      return parsed.status().code() == absl::StatusCode::kResourceExhausted
                 ? SWIM_ERR_NO_MEMORY
                 : FromStatusCode(parsed.status().code());
    }
    // The keys leave no copy behind in freed memory.
    absl::Cleanup cleanse = [&parsed] {
      swim::crypto::CleanseStrings(parsed->keys);
    };
    *count = parsed->keys.size();
    size_t bytes = 0;
    for (const std::string& key : parsed->keys) bytes += key.size();
    if (parsed->keys.size() > capacity || bytes > storage_size) {
      WriteError(absl::StrCat(parsed->keys.size(), " keys of ", bytes,
                              " bytes in all do not fit"),
                 error, error_size);
      return SWIM_ERR_BUFFER_TOO_SMALL;
    }
    size_t offset = 0;
    for (size_t i = 0; i < parsed->keys.size(); ++i) {
      const std::string& key = parsed->keys[i];
      std::memcpy(storage + offset, key.data(), key.size());
      keys[i] = {storage + offset, key.size()};
      offset += key.size();
    }
    return SWIM_OK;
  } catch (...) {
    WriteError("out of memory", error, error_size);
    return SWIM_ERR_NO_MEMORY;
  }
}

int swim_node_new(swim_node** node, const swim_config* config, int64_t now,
                  char* error, size_t error_size) {
  std::string message;
  int result = SWIM_OK;
  try {
    if (node == nullptr) {
      message = "node is NULL";
      result = SWIM_ERR_INVALID_ARGUMENT;
    } else {
      *node = nullptr;
      absl::StatusOr<swim::Config> c = ConfigOf(config);
      absl::StatusOr<std::unique_ptr<swim::Node>> created =
          c.ok() ? swim::Node::Create(*std::move(c), InstantOf(now))
                 : absl::StatusOr<std::unique_ptr<swim::Node>>(c.status());
      if (!created.ok()) {
        message = std::string(created.status().message());
        result = FromStatusCode(created.status().code());
      } else {
        auto handle = std::make_unique<swim_node>();
        handle->node = *std::move(created);
        *node = handle.release();
      }
    }
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    result = SWIM_ERR_NO_MEMORY;
  } catch (...) {
    message = "internal error";
    result = SWIM_ERR_INTERNAL;
  }
  if (result != SWIM_OK) WriteError(message, error, error_size);
  return result;
}

void swim_node_free(swim_node* node) {
  if (node == nullptr) return;
  if (node->broken != SWIM_OK) {
    // Its tables may be half-updated (an exception escaped a change), so
    // even destroying them is not safe: the core stays allocated, a leak
    // after an allocation failure, with its keys wiped.
    node->node->WipeKeys();
    swim::Node* abandoned = node->node.release();
#if defined(__SANITIZE_ADDRESS__)
    // Left allocated on purpose: not a leak to report.
    __lsan_ignore_object(abandoned);
#else
    static_cast<void>(abandoned);
#endif
  }
  delete node;
}

const char* swim_node_last_error(const swim_node* node) {
  if (node == nullptr) return "node is NULL";
  return node->error.c_str();
}

int swim_node_join(swim_node* node, const swim_address* seeds,
                   size_t seed_count, int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (seeds == nullptr && seed_count > 0) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                  "seeds is NULL with a count");
    }
    if (seed_count > swim::Node::kMaxSeeds) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                  absl::StrCat("seed_count is ", seed_count, ", at most ",
                               swim::Node::kMaxSeeds));
    }
    std::vector<swim::Address> addresses;
    addresses.reserve(seed_count);
    for (size_t i = 0; i < seed_count; ++i) {
      std::optional<swim::Address> address = FromC(seeds[i]);
      if (!address.has_value()) {
        return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                    absl::StrCat("seeds[", i, "].family must be 4 or 6"));
      }
      addresses.push_back(*address);
    }
    return FromStatus(node, node->node->Join(addresses, InstantOf(now)));
  });
}

int swim_node_leave(swim_node* node, int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    return FromStatus(node, node->node->Leave(InstantOf(now)));
  });
}

int swim_node_set_metadata(swim_node* node, const swim_metadata_entry* entries,
                           size_t count, int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    absl::StatusOr<swim::Metadata> metadata = MetadataOf(entries, count);
    if (!metadata.ok()) return FromStatus(node, metadata.status());
    return FromStatus(
        node, node->node->SetMetadata(*std::move(metadata), InstantOf(now)));
  });
}

int swim_node_broadcast(swim_node* node, const uint8_t* payload, size_t size,
                        int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (payload == nullptr && size > 0) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                  "payload is NULL with a size");
    }
    return FromStatus(
        node, node->node->Broadcast(BytesOf(payload, payload ? size : 0),
                                    InstantOf(now)));
  });
}

int swim_node_remove(swim_node* node, const char* name, int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (auto error = CheckTextName(name)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    return FromStatus(node, node->node->Remove(name, InstantOf(now)));
  });
}

int swim_node_remove_n(swim_node* node, const char* name, size_t name_size,
                       int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (auto error = CheckName(name, name_size)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    const absl::string_view sized(name, name_size);
    absl::Status removed = node->node->Remove(sized, InstantOf(now));
    if (absl::IsNotFound(removed)) {
      // The core's message quotes the name as it is, NUL or not.
      return Fail(node, SWIM_ERR_NOT_FOUND,
                  absl::StrCat("no member named ", QuotedName(sized)));
    }
    return FromStatus(node, removed);
  });
}

namespace {

template <typename Method>
int KeyCall(swim_node* node, const uint8_t* key, size_t size, Method method) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (key == nullptr)
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, "key is NULL");
    return FromStatus(node, ((*node->node).*method)(BytesOf(key, size)));
  });
}

}  // namespace

int swim_node_add_key(swim_node* node, const uint8_t* key, size_t size) {
  return KeyCall(node, key, size, &swim::Node::AddKey);
}

int swim_node_use_key(swim_node* node, const uint8_t* key, size_t size) {
  return KeyCall(node, key, size, &swim::Node::UseKey);
}

int swim_node_remove_key(swim_node* node, const uint8_t* key, size_t size) {
  return KeyCall(node, key, size, &swim::Node::RemoveKey);
}

int swim_node_handle_datagram(swim_node* node, const swim_address* from,
                              const uint8_t* data, size_t size, int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (from == nullptr || (data == nullptr && size > 0)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, "from or data is NULL");
    }
    std::optional<swim::Address> address = FromC(*from);
    if (!address.has_value()) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                  "from.family must be 4 or 6");
    }
    node->node->HandleDatagram(
        *address, absl::MakeConstSpan(data, data ? size : 0), InstantOf(now));
    return SWIM_OK;
  });
}

int swim_node_handle_stream_data(swim_node* node, uint64_t stream,
                                 const swim_address* from, const uint8_t* data,
                                 size_t size, int64_t now, int* verdict) {
  // Any error: close the connection (the node keeps nothing of it).
  if (verdict != nullptr) *verdict = SWIM_STREAM_CLOSE;
  return Guard(node, Access::kChanges, [&]() -> int {
    if (from == nullptr || verdict == nullptr ||
        (data == nullptr && size > 0)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                  "from, data or verdict is NULL");
    }
    std::optional<swim::Address> address = FromC(*from);
    if (!address.has_value()) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT,
                  "from.family must be 4 or 6");
    }
    const swim::StreamVerdict result = node->node->HandleStreamData(
        stream, *address, absl::MakeConstSpan(data, data ? size : 0),
        InstantOf(now));
    switch (result) {
      case swim::StreamVerdict::kContinue:
        *verdict = SWIM_STREAM_CONTINUE;
        break;
      case swim::StreamVerdict::kProgress:
        *verdict = SWIM_STREAM_PROGRESS;
        break;
      case swim::StreamVerdict::kClose:
        *verdict = SWIM_STREAM_CLOSE;
        break;
    }
    return SWIM_OK;
  });
}

int swim_node_handle_stream_closed(swim_node* node, uint64_t stream) {
  return Guard(node, Access::kChanges, [&]() -> int {
    node->node->HandleStreamClosed(stream);
    return SWIM_OK;
  });
}

int swim_node_handle_timeout(swim_node* node, int64_t now) {
  return Guard(node, Access::kChanges, [&]() -> int {
    node->node->HandleTimeout(InstantOf(now));
    return SWIM_OK;
  });
}

int swim_node_observe_wall_clock(swim_node* node, int64_t unix_ns) {
  return Guard(node, Access::kChanges, [&]() -> int {
    node->node->ObserveWallClock(absl::FromUnixNanos(unix_ns));
    return SWIM_OK;
  });
}

int64_t swim_node_next_deadline(const swim_node* node) {
  if (node == nullptr || node->broken != SWIM_OK) return SWIM_TIME_NEVER;
  const std::optional<swim::Instant> deadline = node->node->NextDeadline();
  if (!deadline.has_value() || *deadline == swim::Instant::InfiniteFuture()) {
    return SWIM_TIME_NEVER;
  }
  return ToNanos(*deadline);
}

int swim_node_poll_transmit(swim_node* node, swim_transmit* out,
                            uint8_t* buffer, size_t size) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (out == nullptr || (buffer == nullptr && size > 0)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, "out or buffer is NULL");
    }
    if (auto error =
            StructSizeError("transmit", out->struct_size, kTransmitSizeV1,
                            "set it to sizeof(swim_transmit)")) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    absl::Span<const uint8_t> bytes;
    const swim::Transmit* transmit;
    std::optional<swim::Transmit> polled;
    if (node->held.has_value()) {
      transmit = &*node->held;
      bytes = absl::MakeConstSpan(
          reinterpret_cast<const uint8_t*>(node->held_bytes.data()),
          node->held_bytes.size());
    } else {
      polled = node->node->PollTransmit();
      if (!polled.has_value()) return 0;
      transmit = &*polled;
      bytes = polled->bytes;
    }
    ClearKeepingSize(*out);
    out->to = ToC(transmit->to);
    out->channel = transmit->channel == swim::Channel::kDatagram
                       ? SWIM_CHANNEL_DATAGRAM
                       : SWIM_CHANNEL_STREAM;
    out->has_stream = transmit->stream.has_value() ? 1 : 0;
    out->stream = transmit->stream.value_or(0);
    out->size = bytes.size();
    if (bytes.size() > size) {
      if (polled.has_value()) {
        // Keep it first in line: the node reuses its buffer.
        node->held_bytes.assign(reinterpret_cast<const char*>(bytes.data()),
                                bytes.size());
        node->held = *polled;
        node->held->bytes = {};
      }
      return Fail(node, SWIM_ERR_BUFFER_TOO_SMALL,
                  absl::StrCat("the transmit needs ", bytes.size(),
                               " bytes, the buffer has ", size));
    }
    if (!bytes.empty()) std::memcpy(buffer, bytes.data(), bytes.size());
    if (!polled.has_value()) {
      node->held.reset();
      node->held_bytes.clear();
      node->held_bytes.shrink_to_fit();
    }
    return 1;
  });
}

size_t swim_node_max_transmit_size(const swim_node* node) {
  if (node == nullptr) return 0;
  // A stream message travels in sealed chunks of at most
  // kMaxStreamChunkData bytes, each framed in at most kMaxStreamFrame and
  // a length; the message is the state and a small header.
  const swim::Config& config = node->node->config();
  const size_t chunks =
      (config.max_stream_message + 1024) / swim::kMaxStreamChunkData + 1;
  return std::max(
      config.datagram_budget,
      chunks * (swim::kStreamFrameHeaderSize + swim::kMaxStreamFrame));
}

int swim_node_poll_event(swim_node* node, swim_event* out) {
  return Guard(node, Access::kChanges, [&]() -> int {
    if (out == nullptr) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, "out is NULL");
    }
    if (auto error = StructSizeError("event", out->struct_size, kEventSizeV1,
                                     "set it to sizeof(swim_event)")) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    std::optional<swim::Event> event = node->node->PollEvent();
    if (!event.has_value()) return 0;
    node->event.emplace();
    node->event->event = *std::move(event);
    FillEvent(*node->event, *out);
    return 1;
  });
}

int swim_node_lifecycle(const swim_node* node) {
  if (node == nullptr) return SWIM_ERR_INVALID_ARGUMENT;
  if (node->broken != SWIM_OK) return node->broken;
  switch (node->node->lifecycle()) {
    case swim::Lifecycle::kActive:
      return SWIM_LIFECYCLE_ACTIVE;
    case swim::Lifecycle::kLeaving:
      return SWIM_LIFECYCLE_LEAVING;
    case swim::Lifecycle::kLeft:
      return SWIM_LIFECYCLE_LEFT;
  }
  return SWIM_ERR_INTERNAL;
}

int swim_node_local(swim_node* node, swim_member* out) {
  return Guard(node, Access::kReads, [&]() -> int {
    if (auto error = MemberOutError(out)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    node->view.Set(node->node->local());
    node->view.Fill(*out);
    return SWIM_OK;
  });
}

namespace {

// swim_node_find and swim_node_find_n, once the name is checked.
int FindMember(swim_node* node, absl::string_view name, swim_member* out) {
  std::optional<swim::Member> member = node->node->Find(name);
  if (!member.has_value() && name == node->node->local().name) {
    member = node->node->local();
  }
  if (!member.has_value()) {
    return Fail(node, SWIM_ERR_NOT_FOUND,
                absl::StrCat("no member named ", QuotedName(name)));
  }
  node->view.Set(*std::move(member));
  node->view.Fill(*out);
  return SWIM_OK;
}

}  // namespace

int swim_node_find(swim_node* node, const char* name, swim_member* out) {
  return Guard(node, Access::kReads, [&]() -> int {
    if (auto error = MemberOutError(out)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    if (auto error = CheckTextName(name)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    return FindMember(node, name, out);
  });
}

int swim_node_find_n(swim_node* node, const char* name, size_t name_size,
                     swim_member* out) {
  return Guard(node, Access::kReads, [&]() -> int {
    if (auto error = MemberOutError(out)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    if (auto error = CheckName(name, name_size)) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, *error);
    }
    return FindMember(node, absl::string_view(name, name_size), out);
  });
}

size_t swim_node_available(const swim_node* node) {
  return node == nullptr || node->broken != SWIM_OK ? 0
                                                    : node->node->available();
}

size_t swim_node_size(const swim_node* node) {
  return node == nullptr || node->broken != SWIM_OK ? 0 : node->node->size();
}

namespace {

std::optional<swim::StatusMask> MaskOf(int mask) {
  if (mask < 0 || (mask & ~SWIM_STATUS_ALL) != 0) return std::nullopt;
  swim::StatusMask statuses;
  for (swim::MemberStatus status :
       {swim::MemberStatus::kOnline, swim::MemberStatus::kSuspect,
        swim::MemberStatus::kOffline, swim::MemberStatus::kLeft}) {
    if ((mask & static_cast<int>(status)) != 0) statuses = statuses | status;
  }
  return statuses;
}

}  // namespace

namespace {

// A member list taken by `snapshot` (a StatusMask to members) after the
// arguments are checked.
template <typename Snapshot>
int ListMembers(swim_node* node, Access access, int mask, swim_members** out,
                Snapshot snapshot) {
  return Guard(node, access, [&]() -> int {
    if (out == nullptr) {
      return Fail(node, SWIM_ERR_INVALID_ARGUMENT, "out is NULL");
    }
    *out = nullptr;
    std::optional<swim::StatusMask> statuses = MaskOf(mask);
    if (!statuses.has_value()) {
      return Fail(
          node, SWIM_ERR_INVALID_ARGUMENT,
          absl::StrCat("mask ", mask, " has bits beyond SWIM_STATUS_ALL"));
    }
    return MembersOut(snapshot(*statuses), out);
  });
}

}  // namespace

int swim_node_members(swim_node* node, int mask, swim_members** out) {
  return ListMembers(node, Access::kReads, mask, out,
                     [node](swim::StatusMask statuses) {
                       return node->node->Members(statuses);
                     });
}

int swim_node_sample(swim_node* node, size_t count, int mask,
                     swim_members** out) {
  // Draws from the node's PRNG (a recorded input): it changes the node.
  return ListMembers(node, Access::kChanges, mask, out,
                     [node, count](swim::StatusMask statuses) {
                       return node->node->Sample(count, statuses);
                     });
}

size_t swim_members_count(const swim_members* members) {
  return members == nullptr ? 0 : members->members.size();
}

int swim_members_get(const swim_members* members, size_t index,
                     swim_member* out) {
  // No message to build (there is no node to keep one): nothing here
  // allocates, so nothing can throw.
  if (members == nullptr || out == nullptr ||
      !StructSizeAccepted(out->struct_size, kMemberSizeV1) ||
      index >= members->members.size()) {
    return SWIM_ERR_INVALID_ARGUMENT;
  }
  members->members[index]->Fill(*out);
  return SWIM_OK;
}

void swim_members_free(swim_members* members) { delete members; }

int swim_node_counters(const swim_node* node, swim_counter* out,
                       size_t capacity, size_t* count) {
  if (node == nullptr) return SWIM_ERR_INVALID_ARGUMENT;
  if (const int refused = RefuseIfBroken(node); refused != SWIM_OK) {
    return refused;
  }
  node->error.clear();
  if (count == nullptr || (out == nullptr && capacity > 0)) {
    SetError(node, "count is NULL, or out is NULL with a capacity");
    return SWIM_ERR_INVALID_ARGUMENT;
  }
  try {
    const CounterNames& names = Names();
    const std::vector<uint64_t> values = CounterValues(*node->node);
    *count = values.size();
    const size_t n = std::min(capacity, values.size());
    for (size_t i = 0; i < n; ++i) {
      out[i] = {names.names[i].c_str(), values[i]};
    }
    if (n == values.size()) return SWIM_OK;
    SetError(node, absl::StrCat("counters: room for ", capacity, " of ",
                                values.size()));
    return SWIM_ERR_BUFFER_TOO_SMALL;
  } catch (...) {
    SetError(node, "out of memory");
    return SWIM_ERR_NO_MEMORY;
  }
}
