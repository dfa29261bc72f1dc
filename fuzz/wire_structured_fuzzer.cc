// Fuzzes the wire codec with structure-aware mutations: half the time the
// mutator decodes the input, changes one field of one message (a number, a
// status, a name, an address family, metadata, a push-pull record) and
// re-encodes it, so mutations land deep in valid packets instead of being
// rejected by the first length check; otherwise it mutates bytes as usual.
// The property is wire_fuzzer's (fuzz/wire_round_trip.h).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fuzz/wire_round_trip.h"
#include "swim/core/address.h"
#include "swim/core/metadata.h"
#include "swim/core/random.h"
#include "swim/core/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swim::fuzzing::CheckWireRoundTrip(data, size);
  return 0;
}

#ifdef SWIM_LIBFUZZER

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace swim::fuzzing {
namespace {

// Owns the strings mutated messages point into, for one mutation.
struct Strings {
  std::deque<std::string> kept;  // elements never move: views stay valid
  absl::string_view Keep(std::string value) {
    kept.push_back(std::move(value));
    return kept.back();
  }
};

std::string RandomName(Random& random) {
  static const char* const kNames[] = {"a", "self", "node-1", ""};
  if (random.Uniform(2) == 0) return kNames[random.Uniform(4)];
  std::string name(random.Uniform(300), 'x');
  for (char& c : name) c = static_cast<char>(random.Uniform(256));
  return name;
}

uint64_t MutateNumber(uint64_t value, Random& random) {
  switch (random.Uniform(5)) {
    case 0:
      return value + 1;
    case 1:
      return value - 1;
    case 2:
      return 0;
    case 3:
      return ~uint64_t{0} >> random.Uniform(64);
    default:
      return random.Next();
  }
}

Address MutateAddress(const Address& address, Random& random) {
  if (random.Uniform(2) == 0) {
    std::array<uint8_t, 16> octets{};
    for (uint8_t& octet : octets) octet = static_cast<uint8_t>(random.Next());
    return Address::Ipv6(octets, static_cast<uint16_t>(random.Next()));
  }
  return Address::Ipv4(
      {10, 0, 0, static_cast<uint8_t>(random.Next())},
      static_cast<uint16_t>(MutateNumber(address.port(), random)));
}

void MutateUpdate(Claim& update, Strings& strings, Random& random) {
  switch (random.Uniform(6)) {
    case 0:
      update.status = static_cast<MemberStatus>(random.Uniform(4));
      break;
    case 1:
      update.name = strings.Keep(RandomName(random));
      break;
    case 2:
      update.incarnation.generation =
          MutateNumber(update.incarnation.generation, random);
      update.incarnation.version =
          MutateNumber(update.incarnation.version, random);
      break;
    case 3:
      update.address = MutateAddress(update.address, random);
      break;
    case 4: {
      Metadata metadata;
      if (update.has_metadata) metadata = update.metadata.ToMap();
      metadata[RandomName(random)] = std::string(random.Uniform(100), 'v');
      absl::StatusOr<std::string> encoded = EncodeMetadata(metadata);
      if (!encoded.ok()) break;
      absl::StatusOr<MetadataView> view =
          MetadataView::Parse(strings.Keep(*std::move(encoded)));
      if (view.ok()) {
        update.has_metadata = true;
        update.metadata = *view;
      }
      break;
    }
    default:
      update.origin = strings.Keep(RandomName(random));
      break;
  }
}

void MutateMessage(Message& message, Strings& strings, Random& random) {
  std::visit(
      [&](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Ping>) {
          if (random.Uniform(2) == 0) {
            m.seq = static_cast<uint32_t>(MutateNumber(m.seq, random));
          } else {
            m.target = strings.Keep(RandomName(random));
          }
        } else if constexpr (std::is_same_v<T, PingReq>) {
          switch (random.Uniform(4)) {
            case 0:
              m.seq = static_cast<uint32_t>(MutateNumber(m.seq, random));
              break;
            case 1:
              m.target = strings.Keep(RandomName(random));
              break;
            case 2:
              m.target_address = MutateAddress(m.target_address, random);
              break;
            default:
              m.want_nack = !m.want_nack;
          }
        } else if constexpr (std::is_same_v<T, Ack> ||
                             std::is_same_v<T, Nack>) {
          m.seq = static_cast<uint32_t>(MutateNumber(m.seq, random));
        } else if constexpr (std::is_same_v<T, Claim>) {
          MutateUpdate(m, strings, random);
        } else if constexpr (std::is_same_v<T, UserBroadcast>) {
          switch (random.Uniform(3)) {
            case 0:
              m.generation = MutateNumber(m.generation, random);
              break;
            case 1:
              m.sequence = MutateNumber(m.sequence, random);
              break;
            default:
              m.payload = strings.Keep(std::string(random.Uniform(2000), 'p'));
          }
        } else if constexpr (std::is_same_v<T, PushPull>) {
          if (random.Uniform(5) == 0) {
            // A broadcast floor, new or changed.
            if (m.floors.empty() || random.Uniform(2) == 0) {
              m.floors.push_back({strings.Keep(RandomName(random)),
                                  random.Next(), random.Next()});
            } else {
              BroadcastFloor& floor = m.floors[random.Uniform(m.floors.size())];
              floor.sequence = MutateNumber(floor.sequence, random);
            }
          } else if (m.members.empty() || random.Uniform(4) == 0) {
            m.reply_wanted = !m.reply_wanted;
            m.joining = random.Uniform(2) == 0;
            m.sender = strings.Keep(RandomName(random));
          } else if (random.Uniform(3) == 0) {
            m.members.push_back(m.members[random.Uniform(m.members.size())]);
          } else {
            MutateUpdate(m.members[random.Uniform(m.members.size())], strings,
                         random);
          }
        }
      },
      message);
}

}  // namespace
}  // namespace swim::fuzzing

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  swim::Random random(seed);
  if (random.Uniform(2) == 0) return LLVMFuzzerMutate(data, size, max_size);
  absl::StatusOr<std::vector<swim::Message>> messages =
      swim::DecodePacket(absl::MakeConstSpan(data, size));
  if (!messages.ok() || messages->empty()) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  swim::fuzzing::Strings strings;
  swim::Message& target = (*messages)[random.Uniform(messages->size())];
  swim::fuzzing::MutateMessage(target, strings, random);
  if (random.Uniform(8) == 0) messages->push_back(target);  // a repeat
  std::vector<uint8_t> out(max_size);
  absl::StatusOr<size_t> written =
      swim::EncodePacket(*messages, absl::MakeSpan(out));
  if (!written.ok()) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), *written);
  return *written;
}

#endif  // SWIM_LIBFUZZER
