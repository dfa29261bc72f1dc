#include "tools/member/member_args.h"

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace swim::tools {
namespace {

// Which repeatable flag `arg` is, and its inline value (after '='), if any.
struct Spelled {
  absl::string_view flag;  // "peer" or "metadata"; empty for anything else
  std::optional<absl::string_view> value;
};

Spelled Classify(absl::string_view arg) {
  if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
    return {};
  }
  const size_t equals = arg.find('=');
  const absl::string_view name = arg.substr(0, equals);
  if (name != "peer" && name != "metadata") return {};
  Spelled spelled{name, std::nullopt};
  if (equals != absl::string_view::npos) spelled.value = arg.substr(equals + 1);
  return spelled;
}

absl::Status AddPeers(absl::string_view arg, absl::string_view value,
                      std::vector<std::string>& peers) {
  for (absl::string_view peer : absl::StrSplit(value, ',')) {
    peer = absl::StripAsciiWhitespace(peer);
    if (peer.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(arg,
                       ": empty peer (expected HOST:PORT, or several "
                       "separated by commas)"));
    }
    peers.push_back(std::string(peer));
  }
  return absl::OkStatus();
}

absl::Status AddMetadata(
    absl::string_view arg, absl::string_view key_value,
    std::vector<std::pair<std::string, std::string>>& metadata) {
  const size_t equals = key_value.find('=');
  if (equals == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(arg, ": expected KEY=VALUE (or --metadata KEY VALUE)"));
  }
  metadata.emplace_back(std::string(key_value.substr(0, equals)),
                        std::string(key_value.substr(equals + 1)));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MemberArgs> ExtractMemberArgs(
    const std::vector<std::string>& args) {
  MemberArgs out;
  const size_t count = args.size();
  for (size_t i = 0; i < count; ++i) {
    const std::string& arg = args[i];
    if (i == 0) {  // the program name
      out.rest.push_back(arg);
      continue;
    }
    if (arg == "--") {
      out.rest.insert(out.rest.end(), args.begin() + i, args.end());
      break;
    }
    const Spelled spelled = Classify(arg);
    if (spelled.flag.empty()) {
      out.rest.push_back(arg);
      continue;
    }
    if (spelled.flag == "peer") {
      if (spelled.value) {
        if (absl::Status status = AddPeers(arg, *spelled.value, out.peers);
            !status.ok()) {
          return status;
        }
        continue;
      }
      if (i + 1 >= count) {
        return absl::InvalidArgumentError(
            absl::StrCat(arg, " needs a value: --peer HOST:PORT"));
      }
      if (absl::Status status = AddPeers(arg, args[++i], out.peers);
          !status.ok()) {
        return status;
      }
      continue;
    }
    // --metadata.
    if (spelled.value) {
      if (absl::Status status =
              AddMetadata(absl::StrCat(arg), *spelled.value, out.metadata);
          !status.ok()) {
        return status;
      }
      continue;
    }
    if (i + 1 >= count) {
      return absl::InvalidArgumentError(absl::StrCat(
          arg, " needs a value: --metadata KEY VALUE or --metadata=KEY=VALUE"));
    }
    const std::string& next = args[i + 1];
    if (absl::StartsWith(next, "-")) {
      // Most likely a forgotten value ("--metadata --peer ..."); a key
      // that starts with '-' can still be given as --metadata=-KEY=VALUE.
      return absl::InvalidArgumentError(
          absl::StrCat(arg, " needs KEY VALUE, got the flag ", next));
    }
    if (next.find('=') != std::string::npos) {
      if (absl::Status status =
              AddMetadata(absl::StrCat(arg, " ", next), next, out.metadata);
          !status.ok()) {
        return status;
      }
      i += 1;
      continue;
    }
    if (i + 2 >= count) {
      return absl::InvalidArgumentError(
          absl::StrCat(arg, " ", next,
                       " needs a value: --metadata KEY VALUE or "
                       "--metadata=KEY=VALUE"));
    }
    out.metadata.emplace_back(next, args[i + 2]);
    i += 2;
  }
  return out;
}

}  // namespace swim::tools
