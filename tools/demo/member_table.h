#ifndef TOOLS_DEMO_MEMBER_TABLE_H_
#define TOOLS_DEMO_MEMBER_TABLE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/stats.h"
#include "swim/drivers/driver_stats.h"

namespace swim::tools {

// What one member sees, copied off its driver's loop for drawing.
struct MemberView {
  Member local;
  std::vector<Member> members;  // the others, by name
  Stats stats;
  DriverStats driver_stats;
  // On the scale of Member::last_change (the driver's monotonic clock).
  Instant now;
};

// The live table swim-demo draws on a terminal: a header, one line per
// member (name, status, incarnation, time since its last change,
// metadata; the local member first, marked with '>'), and a footer with
// the local member's counters. Lines are cut to `width` columns (metadata
// is what gets cut) and at most `height` lines are used. With `color`,
// statuses are coloured with ANSI escapes (ONLINE green, SUSPECT yellow,
// OFFLINE red, LEFT grey). `note` is printed under the footer. Names,
// metadata keys and values and `note` are shown as TerminalSafe makes them
// (controls and invalid UTF-8 escaped as \xNN or \u00NN), so no byte
// from the network can reach the terminal as a control; columns are
// measured on that text. Returns the lines, each without a newline.
std::vector<std::string> RenderMemberTable(const MemberView& view, int width,
                                           int height, bool color,
                                           const std::string& note);

// "4s", "2m05s", "1h02m", "3d04h": short enough for a table column.
std::string ShortDuration(absl::Duration duration);

}  // namespace swim::tools

#endif  // TOOLS_DEMO_MEMBER_TABLE_H_
