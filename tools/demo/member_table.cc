#include "tools/demo/member_table.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "swim/core/member_status.h"
#include "tools/common/terminal_text.h"

namespace swim::tools {
namespace {

constexpr int kNameWidth = 22;
constexpr int kStatusWidth = 8;
constexpr int kIncarnationWidth = 20;
constexpr int kSinceWidth = 7;

absl::string_view StatusColor(MemberStatus status) {
  switch (status) {
    case MemberStatus::kOnline:
      return "\x1b[32m";
    case MemberStatus::kSuspect:
      return "\x1b[33m";
    case MemberStatus::kOffline:
      return "\x1b[31m";
    case MemberStatus::kLeft:
      return "\x1b[90m";
  }
  return "";
}

// Every text below is terminal-safe (TerminalSafe) before it is measured,
// cut or drawn: names and metadata come from the network, and an escape
// sequence among them would take over the screen.

// `text` cut or padded to exactly `width` columns.
std::string Fit(absl::string_view text, int width) {
  const absl::string_view shown = TerminalPrefix(text, width);
  std::string out(shown);
  out.append(static_cast<size_t>(width - TerminalColumns(shown)), ' ');
  return out;
}

// `text` cut to at most `width` columns.
std::string Cut(absl::string_view text, int width) {
  return std::string(TerminalPrefix(text, width));
}

std::string MetadataText(const Metadata& metadata) {
  std::string out;
  for (const auto& [key, value] : metadata) {
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, TerminalSafe(key), "=", TerminalSafe(value));
  }
  return out;
}

std::string Count(uint64_t value) {
  if (value < 10000) return absl::StrCat(value);
  if (value < 10000000) return absl::StrFormat("%.1fk", value / 1e3);
  return absl::StrFormat("%.1fM", value / 1e6);
}

std::string Bytes(uint64_t value) {
  if (value < 10 * 1024) return absl::StrCat(value, " B");
  if (value < 10 * 1024 * 1024) {
    return absl::StrFormat("%.1f KiB", value / 1024.0);
  }
  return absl::StrFormat("%.1f MiB", value / (1024.0 * 1024));
}

}  // namespace

std::string ShortDuration(absl::Duration duration) {
  int64_t seconds = absl::ToInt64Seconds(duration);
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return absl::StrCat(seconds, "s");
  if (seconds < 3600) {
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  }
  if (seconds < 86400) {
    return absl::StrFormat("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
  }
  return absl::StrFormat("%dd%02dh", seconds / 86400, seconds % 86400 / 3600);
}

std::vector<std::string> RenderMemberTable(const MemberView& view, int width,
                                           int height, bool color,
                                           const std::string& note) {
  width = std::max(width, 40);
  std::vector<std::string> lines;
  size_t available = 0;
  for (const Member& member : view.members) {
    if (StatusIn(member.status, kAvailable)) ++available;
  }
  lines.push_back(Cut(absl::StrCat("swim-demo  ", TerminalSafe(view.local.name),
                                   "  ", view.members.size() + 1, " members, ",
                                   available + 1, " available"),
                      width));
  lines.push_back(Cut(absl::StrCat("  ", Fit("NAME", kNameWidth), " ",
                                   Fit("STATUS", kStatusWidth), " ",
                                   Fit("INCARNATION", kIncarnationWidth), " ",
                                   Fit("SINCE", kSinceWidth), " METADATA"),
                      width));

  // Header (2), footer rule and stats (3), note (1).
  const int room = std::max(height - 6, 1);
  std::vector<const Member*> rows = {&view.local};
  for (const Member& member : view.members) rows.push_back(&member);
  const size_t shown = std::min(rows.size(), static_cast<size_t>(room));
  for (size_t i = 0; i < shown; ++i) {
    const Member& member = *rows[i];
    const std::string prefix = i == 0 ? "> " : "  ";
    const std::string name = Fit(TerminalSafe(member.name), kNameWidth);
    const std::string fixed = absl::StrCat(
        name, " ", Fit(MemberStatusName(member.status), kStatusWidth), " ",
        Fit(member.incarnation.ToString(), kIncarnationWidth), " ",
        Fit(ShortDuration(view.now - member.last_change), kSinceWidth), " ");
    const int metadata_room = width - TerminalColumns(prefix + fixed);
    const std::string metadata =
        Cut(MetadataText(member.metadata), metadata_room);
    if (!color) {
      lines.push_back(Cut(prefix + fixed + metadata, width));
      continue;
    }
    // The same columns, with the status coloured and the local name bold.
    lines.push_back(absl::StrCat(
        prefix, i == 0 ? "\x1b[1m" : "", name, i == 0 ? "\x1b[0m" : "", " ",
        StatusColor(member.status),
        Fit(MemberStatusName(member.status), kStatusWidth), "\x1b[0m",
        fixed.substr(name.size() + 1 + kStatusWidth), metadata));
  }
  if (shown < rows.size()) {
    lines.push_back(absl::StrCat("  ... and ", rows.size() - shown,
                                 " more (a taller terminal shows them)"));
  }

  const Stats& stats = view.stats;
  lines.push_back(std::string(static_cast<size_t>(width), '-'));
  lines.push_back(Cut(
      absl::StrCat(
          "probes ", Count(stats.probes), " (acked ", Count(stats.probes_acked),
          ", indirect ", Count(stats.indirect_probes), ", by stream ",
          Count(stats.stream_probes_acked), "/", Count(stats.stream_probes),
          ")  suspicions ", Count(stats.suspicions), "  declared offline ",
          Count(stats.declared_offline), "  refutations ",
          Count(stats.refutations), "  health ", stats.awareness),
      width));
  lines.push_back(Cut(
      absl::StrCat(
          "sent ", Count(stats.datagrams_sent), " datagrams, ",
          Count(stats.streams_sent), " streams, ", Bytes(stats.bytes_sent),
          "  received ", Count(stats.datagrams_received), " datagrams, ",
          Bytes(stats.bytes_received), "  dropped ", Count(stats.TotalDrops())),
      width));
  if (!note.empty()) lines.push_back(Cut(TerminalSafe(note), width));
  return lines;
}

}  // namespace swim::tools
