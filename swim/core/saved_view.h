#ifndef SWIM_CORE_SAVED_VIEW_H_
#define SWIM_CORE_SAVED_VIEW_H_

// A member's view of its cluster saved to a file, so that the member,
// restarted, rejoins without any seed (Node::Rejoin; docs/protocol.md,
// "Warm restart"). docs/wire.md, "Saved views", is the byte-level format.

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/member.h"

namespace swim {

struct SavedView {
  // The member that saved it: a view is only ever restored by that name.
  std::string name;
  // Wall-clock time of the save; the loader caps the view's age with it.
  absl::Time saved_at = absl::UnixEpoch();
  // ONLINE members (never `name` itself), each with its address,
  // incarnation and metadata. last_change is not kept.
  std::vector<Member> members;
};

// The file's bytes. InvalidArgument, naming the member, for one that cannot
// be saved: not ONLINE, or a name or metadata the wire cannot carry;
// ResourceExhausted above kMaxPacketSize in all.
absl::StatusOr<std::string> EncodeSavedView(const SavedView& view);

// Total and bounded, like every decoder: any input gives either the view or
// an error saying what is wrong (not a saved view, another format version,
// truncated, corrupt, an entry that is not ONLINE, more than `max_members`
// members). A view of more members than the node's Config::max_members is
// refused before any member is decoded; otherwise decoding allocates about
// a hundred bytes per member on top of what the members hold.
absl::StatusOr<SavedView> DecodeSavedView(
    absl::string_view bytes,
    size_t max_members = std::numeric_limits<size_t>::max());

namespace saved_view_internal {
// The file around `body` (a wire packet), checksum included, so the
// fuzzers reach the body's decoding. EncodeSavedView is
// Frame(saved_at, the packet of its state message).
std::string Frame(absl::Time saved_at, absl::string_view body);
}  // namespace saved_view_internal

}  // namespace swim

#endif  // SWIM_CORE_SAVED_VIEW_H_
