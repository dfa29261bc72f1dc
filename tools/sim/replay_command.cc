#include "tools/sim/replay_command.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "swim/core/cluster_key.h"
#include "swim/core/crypto.h"
#include "swim/core/envelope.h"
#include "swim/core/event.h"
#include "swim/core/keyring.h"
#include "swim/core/member_status.h"
#include "swim/core/node.h"
#include "swim/core/recording.h"
#include "swim/core/verdict.h"
#include "swim/core/wire.h"
#include "tools/common/terminal_text.h"

namespace swim::tools {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The secret setting, as the member programs take it.
absl::StatusOr<std::optional<std::string>> SecretSetting() {
  if (const char* secret = std::getenv("SWIM_SECRET")) {
    return std::optional<std::string>(secret);
  }
  if (const char* path = std::getenv("SWIM_SECRET_FILE")) {
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) return text.status();
    return std::optional<std::string>(
        std::string(absl::StripSuffix(*text, "\n")));
  }
  return std::optional<std::string>();
}

std::string Seconds(Instant at, Instant start) {
  return absl::StrFormat("+%10.3f s", absl::ToDoubleSeconds(at - start));
}

// The decision line of a status change, with its cause.
std::string Decision(const MemberStatusChanged& changed, Instant start) {
  std::string line =
      absl::StrCat(MemberStatusName(changed.previous_status), " -> ",
                   MemberStatusName(changed.member.status), " at ",
                   changed.member.incarnation.ToString());
  if (!changed.cause) return line;
  const Verdict& cause = *changed.cause;
  absl::StrAppend(&line, ": ", VerdictReasonName(cause.reason), ", accuser ",
                  TerminalSafe(cause.accuser));
  if (!cause.declared_by.empty()) {
    absl::StrAppend(&line, ", declared by ", TerminalSafe(cause.declared_by));
  }
  if (cause.from_state_exchange) absl::StrAppend(&line, " (state exchange)");
  if (cause.probe) {
    absl::StrAppend(
        &line, "; probe sent ", Seconds(cause.probe->sent_at, start),
        ", helpers [", TerminalSafe(absl::StrJoin(cause.probe->helpers, " ")),
        "], nacks ", cause.probe->nacks, "/", cause.probe->nacks_expected,
        cause.probe->stream_fallback ? ", stream fallback tried" : "");
  }
  if (cause.suspected_at) {
    absl::StrAppend(&line, "; suspected ", Seconds(*cause.suspected_at, start),
                    ", timeout ", absl::FormatDuration(cause.timeout));
  }
  if (!cause.confirmations.empty()) {
    std::vector<std::string> confirmations;
    for (const Verdict::Confirmation& confirmation : cause.confirmations) {
      confirmations.push_back(absl::StrCat(TerminalSafe(confirmation.member),
                                           " ",
                                           Seconds(confirmation.at, start)));
    }
    absl::StrAppend(&line, "; confirmed by ",
                    absl::StrJoin(confirmations, ", "));
  }
  absl::StrAppend(&line, "; health ", cause.health);
  return line;
}

// Prints the claims about `member` in one recorded datagram.
void PrintClaims(const RecordedEntry& input, const Envelope& envelope,
                 absl::string_view member, Instant start) {
  std::vector<uint8_t> scratch(input.bytes.size());
  const absl::Span<const uint8_t> sealed(
      reinterpret_cast<const uint8_t*>(input.bytes.data()), input.bytes.size());
  absl::StatusOr<absl::Span<const uint8_t>> packet =
      envelope.Open(sealed, absl::MakeSpan(scratch));
  if (!packet.ok()) return;
  std::vector<Message> messages;
  if (!DecodePacket(*packet, messages).ok()) return;
  for (const Message& message : messages) {
    const auto* claim = std::get_if<Claim>(&message);
    if (claim == nullptr || claim->name != member) continue;
    std::printf(
        "%s  claim     from %s: %s at %s%s\n",
        Seconds(input.now, start).c_str(), input.from.ToString().c_str(),
        std::string(MemberStatusName(claim->status)).c_str(),
        claim->incarnation.ToString().c_str(),
        claim->origin.empty()
            ? ""
            : absl::StrCat(" (origin ", TerminalSafe(claim->origin), ")")
                  .c_str());
  }
}

}  // namespace

int RunReplay(const std::vector<std::string>& args) {
  std::optional<std::string> path;
  std::optional<std::string> member;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--member=")) {
      member = arg.substr(9);
    } else if (!absl::StartsWith(arg, "-") && !path) {
      path = arg;
    } else {
      std::fprintf(stderr,
                   "swim-sim replay: unexpected '%s'; usage: swim-sim replay "
                   "FILE [--member=NAME]\n",
                   TerminalSafe(arg).c_str());
      return 2;
    }
  }
  if (!path) {
    std::fprintf(stderr,
                 "swim-sim replay: usage: swim-sim replay FILE "
                 "[--member=NAME]\n");
    return 2;
  }
  absl::StatusOr<std::string> recording = ReadFile(*path);
  if (!recording.ok()) {
    std::fprintf(stderr, "swim-sim replay: %s\n",
                 std::string(recording.status().message()).c_str());
    return 1;
  }
  // The start entry names the label the keys are derived with.
  RecordingReader reader(*recording);
  absl::StatusOr<std::optional<RecordedEntry>> start = reader.Next();
  if (!start.ok() || !start->has_value() ||
      (*start)->kind != RecordKind::kStart) {
    std::fprintf(stderr, "swim-sim replay: %s: %s\n", path->c_str(),
                 start.ok() ? "it does not begin with a member's start"
                            : std::string(start.status().message()).c_str());
    return 1;
  }
  const Config& recorded = (*start)->config;
  ReplayOptions options;
  absl::StatusOr<std::optional<std::string>> secret = SecretSetting();
  // The secret and the keys parsed from it are wiped on the way out, as a
  // member wipes its own.
  absl::Cleanup wipe_keys = [&options, &secret] {
    crypto::CleanseStrings(options.secrets);
    if (secret.ok() && secret->has_value()) crypto::CleanseString(**secret);
  };
  if (!secret.ok()) {
    std::fprintf(stderr, "swim-sim replay: %s\n",
                 std::string(secret.status().message()).c_str());
    return 2;
  }
  if (*secret) {
    absl::StatusOr<ClusterKeys> keys =
        ParseClusterKeys(**secret, recorded.label, "SWIM_SECRET");
    if (!keys.ok()) {
      std::fprintf(stderr, "swim-sim replay: %s\n",
                   std::string(keys.status().message()).c_str());
      return 2;
    }
    options.secrets = std::move(keys->keys);
  }
  std::optional<Envelope> envelope;
  if (member) {
    absl::StatusOr<Keyring> keyring = Keyring::Create(options.secrets);
    EnvelopeConfig envelope_config;
    envelope_config.mode = recorded.security_mode;
    envelope_config.label = recorded.label;
    if (keyring.ok()) {
      absl::StatusOr<Envelope> opener =
          Envelope::Create(envelope_config, *std::move(keyring));
      if (opener.ok()) envelope = *std::move(opener);
    }
    std::printf("timeline of %s as %s saw it:\n", TerminalSafe(*member).c_str(),
                TerminalSafe(recorded.name).c_str());
    const Instant begin = (*start)->now;
    options.observer = [&, begin](const RecordedEntry& input, const Node&,
                                  absl::Span<const Event> events) {
      if (input.kind == RecordKind::kDatagram && envelope) {
        PrintClaims(input, *envelope, *member, begin);
      }
      for (const Event& event : events) {
        const Member* about = EventMember(event);
        if (about == nullptr || about->name != *member) continue;
        const std::string when = Seconds(input.now, begin);
        if (const auto* changed = std::get_if<MemberStatusChanged>(&event)) {
          std::printf("%s  decision  %s\n", when.c_str(),
                      Decision(*changed, begin).c_str());
        } else {
          std::printf("%s  decision  %s (%s at %s)\n", when.c_str(),
                      std::string(EventName(event)).c_str(),
                      std::string(MemberStatusName(about->status)).c_str(),
                      about->incarnation.ToString().c_str());
        }
      }
    };
  }
  absl::StatusOr<ReplayResult> result = Replay(*recording, options);
  if (!result.ok()) {
    std::fprintf(stderr, "swim-sim replay: %s: %s\n", path->c_str(),
                 std::string(result.status().message()).c_str());
    return 1;
  }
  if (result->truncated) {
    std::printf("%s ends cut short inside an entry; replayed up to there\n",
                path->c_str());
  }
  std::printf(
      "replayed %s (%s at %s): %llu inputs over %.3f s; %llu transmits "
      "(hash %016llx) and %llu events (hash %016llx), identical at all "
      "%llu checkpoints\n",
      path->c_str(), TerminalSafe(recorded.name).c_str(),
      recorded.address.ToString().c_str(),
      static_cast<unsigned long long>(result->inputs),
      absl::ToDoubleSeconds(result->last - result->first),
      static_cast<unsigned long long>(result->transmits),
      static_cast<unsigned long long>(result->transmit_hash),
      static_cast<unsigned long long>(result->events),
      static_cast<unsigned long long>(result->event_hash),
      static_cast<unsigned long long>(result->checkpoints));
  return 0;
}

}  // namespace swim::tools
