#include "tools/member/tunables.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace swim::tools {
namespace {

constexpr Tunable kTunables[] = {
    // Failure detection.
    {"probe_interval", &Config::probe_interval},
    {"probe_timeout", &Config::probe_timeout},
    {"indirect_checks", &Config::indirect_checks},
    {"stream_fallback", &Config::stream_fallback},
    {"suspicion_mult", &Config::suspicion_mult},
    {"isolation_probes", &Config::isolation_probes},
    // Dissemination.
    {"gossip_interval", &Config::gossip_interval},
    {"gossip_nodes", &Config::gossip_nodes},
    {"retransmit_mult", &Config::retransmit_mult},
    {"datagram_budget", &Config::datagram_budget},
    {"user_broadcast_share", &Config::user_broadcast_share},
    // Anti-entropy, healing and forgetting.
    {"push_pull_interval", &Config::push_pull_interval},
    {"reconnect_interval", &Config::reconnect_interval},
    {"reconnect_timeout", &Config::reconnect_timeout},
    {"tombstone_timeout", &Config::tombstone_timeout},
    // Transport.
    {"tcp_only", &Config::tcp_only},
    {"wire_version", &Config::wire_version},
    // Limits.
    {"max_members", &Config::max_members},
    {"max_stream_message", &Config::max_stream_message},
    {"max_metadata_size", &Config::max_metadata_size},
};

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

absl::Status NotA(const Tunable& tunable) {
  return absl::InvalidArgumentError(absl::StrCat("not ", tunable.Expected()));
}

}  // namespace

std::string Tunable::FlagName() const {
  std::string name(field);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string Tunable::VariableName() const {
  return absl::StrCat("SWIM_", absl::AsciiStrToUpper(field));
}

absl::string_view Tunable::Expected() const {
  return std::visit(
      Overloaded{
          [](absl::Duration Config::*) -> absl::string_view {
            return "a duration (e.g. 500ms, 2s, 1h)";
          },
          [](int Config::*) -> absl::string_view { return "a whole number"; },
          [](size_t Config::*) -> absl::string_view {
            return "a whole number";
          },
          [](bool Config::*) -> absl::string_view { return "true or false"; },
          [](double Config::*) -> absl::string_view {
            return "a number (e.g. 0.3)";
          },
      },
      member);
}

absl::Status Tunable::Set(absl::string_view text, Config& config) const {
  return std::visit(
      Overloaded{
          [&](absl::Duration Config::*target) -> absl::Status {
            absl::Duration value;
            if (!absl::ParseDuration(text, &value)) return NotA(*this);
            config.*target = value;
            return absl::OkStatus();
          },
          [&](int Config::*target) -> absl::Status {
            int value;
            if (!absl::SimpleAtoi(text, &value)) return NotA(*this);
            config.*target = value;
            return absl::OkStatus();
          },
          [&](size_t Config::*target) -> absl::Status {
            uint64_t value;
            if (absl::StartsWith(text, "-") ||
                !absl::SimpleAtoi(text, &value) ||
                value > std::numeric_limits<size_t>::max()) {
              return NotA(*this);
            }
            config.*target = static_cast<size_t>(value);
            return absl::OkStatus();
          },
          [&](bool Config::*target) -> absl::Status {
            bool value;
            if (!absl::SimpleAtob(text, &value)) return NotA(*this);
            config.*target = value;
            return absl::OkStatus();
          },
          [&](double Config::*target) -> absl::Status {
            double value;
            if (!absl::SimpleAtod(text, &value) || !(value == value)) {
              return NotA(*this);
            }
            config.*target = value;
            return absl::OkStatus();
          },
      },
      member);
}

std::string Tunable::Get(const Config& config) const {
  return std::visit(
      Overloaded{
          [&](absl::Duration Config::*target) {
            return absl::FormatDuration(config.*target);
          },
          [&](bool Config::*target) {
            return std::string(config.*target ? "true" : "false");
          },
          [&](auto target) { return absl::StrCat(config.*target); },
      },
      member);
}

absl::Span<const Tunable> Tunables() { return kTunables; }

const Tunable* FindTunable(absl::string_view field) {
  for (const Tunable& tunable : kTunables) {
    if (tunable.field == field) return &tunable;
  }
  return nullptr;
}

}  // namespace swim::tools
