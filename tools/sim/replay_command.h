#ifndef TOOLS_SIM_REPLAY_COMMAND_H_
#define TOOLS_SIM_REPLAY_COMMAND_H_

#include <string>
#include <vector>

namespace swim::tools {

// `swim-sim replay FILE [--member=NAME]`: re-runs a member recorded with
// DriverOptions::recording_file (docs/operations.md, "Record and replay")
// and checks that it reproduces its transmits, stream verdicts and events
// exactly; with --member, prints the timeline of that member's status as
// the recorded one saw it: every claim about it in a datagram, from whom,
// and every decision with its cause. The cluster's secret comes from
// SWIM_SECRET or SWIM_SECRET_FILE, as for the other programs. `args` are
// the words after "replay". Returns the exit status: 0 identical, 1 when
// the replay differs or cannot run, 2 for bad arguments.
int RunReplay(const std::vector<std::string>& args);

}  // namespace swim::tools

#endif  // TOOLS_SIM_REPLAY_COMMAND_H_
