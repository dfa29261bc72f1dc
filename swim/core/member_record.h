#ifndef SWIM_CORE_MEMBER_RECORD_H_
#define SWIM_CORE_MEMBER_RECORD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "swim/core/address.h"
#include "swim/core/incarnation.h"
#include "swim/core/instant.h"
#include "swim/core/member.h"
#include "swim/core/member_status.h"
#include "swim/core/metadata.h"
#include "swim/core/packed_time.h"
#include "swim/core/suspicion.h"

namespace swim {

// One remote member as a node tracks it. Every member of an N-member
// cluster holds N-1 of these, so a simulated cluster holds N² of them; the
// record is packed to 104 bytes (10 000 members: ~10 GB rather than ~29 GB
// with a Member inside): the name and the canonical metadata encoding share
// one string (short ones stay inline), metadata is kept only encoded
// (decoded on demand by ToMember and metadata()), and times are packed.
class MemberRecord {
 public:
  MemberRecord() = default;
  // `name` must be at most kMaxNameLength bytes; `metadata_encoded` a valid
  // canonical encoding (both checked by whoever decoded them).
  MemberRecord(absl::string_view name, absl::string_view metadata_encoded);

  absl::string_view name() const {
    return absl::string_view(text_).substr(0, name_size_);
  }
  absl::string_view metadata_encoded() const {
    return absl::string_view(text_).substr(name_size_);
  }
  void set_metadata_encoded(absl::string_view encoded);
  MetadataView metadata() const;

  // Changed only through MemberTable::SetStatus, which keeps counts.
  MemberStatus status() const { return status_; }
  // Whether this node has heard the member answer (an ack of its own
  // probe): members it only heard of are probed apart (see MemberTable).
  // Changed only through MemberTable::Vouch.
  bool vouched() const { return vouched_; }

  const Address& address() const { return address_; }
  void set_address(const Address& address) { address_ = address; }

  Instant last_change() const { return last_change_.Get(); }
  void set_last_change(Instant at) { last_change_ = PackedTime(at); }

  const Incarnation& incarnation() const { return incarnation_; }
  void set_incarnation(const Incarnation& incarnation) {
    incarnation_ = incarnation;
  }

  // Present while the member is SUSPECT (a pointer: most members are not,
  // and an inline Suspicion would double the size of every record).
  Suspicion* suspicion() const { return suspicion_.get(); }
  void set_suspicion(std::unique_ptr<Suspicion> suspicion) {
    suspicion_ = std::move(suspicion);
  }

  // The earliest queued suspicion and reap timers for this record
  // (InfiniteFuture: none queued). Two, not one: sharing a slot would leave
  // a superseded reap entry behind each time a suspicion came between.
  PackedTime& suspicion_timer() { return suspicion_timer_; }
  PackedTime& reap_timer() { return reap_timer_; }

  // A snapshot for the public API (decodes the metadata).
  Member ToMember() const;

 private:
  friend class MemberTable;

  // The order is the layout. A name lookup reads text_ and name_size_, and
  // probing and sampling read status_: they come first, so one cache line
  // usually serves them. address_ (20 bytes, 2-aligned) packs beside them.
  std::string text_;  // name, then the metadata encoding
  uint16_t name_size_ = 0;
  MemberStatus status_ = MemberStatus::kOnline;
  bool vouched_ = false;
  Address address_;
  Incarnation incarnation_;
  PackedTime last_change_;
  std::unique_ptr<Suspicion> suspicion_;
  PackedTime suspicion_timer_ = PackedTime::InfiniteFuture();
  PackedTime reap_timer_ = PackedTime::InfiniteFuture();
};

static_assert(sizeof(MemberRecord) <= 104 || sizeof(void*) != 8,
              "a MemberRecord field moved: N² of them fill a simulation");

}  // namespace swim

#endif  // SWIM_CORE_MEMBER_RECORD_H_
