#include "swim/core/saved_view.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "swim/core/crypto.h"
#include "swim/core/metadata.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

// "SWIMVIEW", format version, saved_at (Unix nanoseconds, big-endian),
// body length (big-endian), then the body (a wire packet holding one
// PushPull) and a 16-byte checksum of everything before it.
constexpr absl::string_view kMagic = "SWIMVIEW";
constexpr uint8_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 8 + 1 + 8 + 4;
constexpr size_t kChecksumSize = 16;
// The checksum catches a torn or damaged file, not a forger: anyone who
// can write the file can run the member. A fixed key keeps it one HMAC.
constexpr absl::string_view kChecksumKey = "swim saved view v1";

void Checksum(absl::string_view covered, uint8_t* out) {
  crypto::HmacSha256 hmac;
  uint8_t tag[crypto::kHmacSize];
  const auto bytes = [](absl::string_view text) {
    return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()),
                               text.size());
  };
  if (!hmac.Init(bytes(kChecksumKey))) {
    // Only an allocation failure inside the crypto library: a zero
    // checksum then never matches one computed properly.
    std::memset(out, 0, kChecksumSize);
    return;
  }
  hmac.Compute(bytes(covered), {}, tag);
  std::memcpy(out, tag, kChecksumSize);
}

void PutBigEndian(uint64_t value, int bytes, std::string& out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(value >> shift));
  }
}

uint64_t GetBigEndian(absl::string_view in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value = (value << 8) | static_cast<uint8_t>(in[i]);
  }
  return value;
}

}  // namespace

absl::StatusOr<std::string> EncodeSavedView(const SavedView& view) {
  // The claims point into these encodings: reserve so none moves.
  std::vector<std::string> encodings;
  encodings.reserve(view.members.size());
  PushPull state;
  state.sender = view.name;
  state.members.reserve(view.members.size());
  for (const Member& member : view.members) {
    if (member.status != MemberStatus::kOnline) {
      return absl::InvalidArgumentError(absl::StrCat(
          "saved view: member '", member.name, "' is ",
          MemberStatusName(member.status), "; only ONLINE members are saved"));
    }
    absl::StatusOr<std::string> encoded = EncodeMetadata(member.metadata);
    if (!encoded.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("saved view: member '", member.name,
                       "': ", encoded.status().message()));
    }
    encodings.push_back(*std::move(encoded));
    absl::StatusOr<MetadataView> metadata =
        MetadataView::Parse(encodings.back());
    if (!metadata.ok()) return metadata.status();
    Claim claim;
    claim.status = MemberStatus::kOnline;
    claim.name = member.name;
    claim.incarnation = member.incarnation;
    claim.address = member.address;
    claim.has_metadata = true;
    claim.metadata = *metadata;
    state.members.push_back(claim);
  }
  const Message message = std::move(state);
  absl::StatusOr<size_t> size = EncodedSize(message);
  if (!size.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("saved view: ", size.status().message()));
  }
  const size_t body_size = kWireHeaderSize + *size;
  if (body_size > kMaxPacketSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat("saved view: ", body_size, " bytes, above the limit of ",
                     kMaxPacketSize));
  }
  std::string body(body_size, '\0');
  absl::StatusOr<size_t> written = EncodePacket(
      absl::MakeConstSpan(&message, 1),
      absl::MakeSpan(reinterpret_cast<uint8_t*>(body.data()), body.size()));
  if (!written.ok()) return written.status();
  return saved_view_internal::Frame(view.saved_at, body);
}

namespace saved_view_internal {

std::string Frame(absl::Time saved_at, absl::string_view body) {
  std::string out;
  out.reserve(kHeaderSize + body.size() + kChecksumSize);
  out.append(kMagic.data(), kMagic.size());
  out.push_back(static_cast<char>(kFormatVersion));
  PutBigEndian(static_cast<uint64_t>(absl::ToUnixNanos(saved_at)), 8, out);
  PutBigEndian(body.size(), 4, out);
  out.append(body.data(), body.size());
  uint8_t checksum[kChecksumSize];
  Checksum(out, checksum);
  out.append(reinterpret_cast<const char*>(checksum), kChecksumSize);
  return out;
}

}  // namespace saved_view_internal

absl::StatusOr<SavedView> DecodeSavedView(absl::string_view bytes,
                                          size_t max_members) {
  if (bytes.size() < kMagic.size() ||
      bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError(
        "not a saved view (it does not begin with SWIMVIEW)");
  }
  if (bytes.size() < kHeaderSize + kChecksumSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("saved view truncated: ", bytes.size(), " bytes"));
  }
  const uint8_t version = static_cast<uint8_t>(bytes[kMagic.size()]);
  if (version != kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("saved view of format version ", version,
                     "; this build reads version ", kFormatVersion));
  }
  const uint64_t body_size = GetBigEndian(bytes.substr(17), 4);
  if (body_size != bytes.size() - kHeaderSize - kChecksumSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "saved view truncated or padded: its body is ", body_size,
        " bytes, the file holds ", bytes.size() - kHeaderSize - kChecksumSize));
  }
  uint8_t checksum[kChecksumSize];
  Checksum(bytes.substr(0, kHeaderSize + body_size), checksum);
  if (std::memcmp(checksum, bytes.data() + kHeaderSize + body_size,
                  kChecksumSize) != 0) {
    return absl::DataLossError(
        "saved view corrupt: its checksum does not match");
  }
  std::vector<Message> messages;
  if (absl::Status status = DecodePacket(
          absl::MakeConstSpan(
              reinterpret_cast<const uint8_t*>(bytes.data()) + kHeaderSize,
              body_size),
          messages, max_members);
      !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("saved view: ", status.message()));
  }
  const PushPull* state =
      messages.size() == 1 ? std::get_if<PushPull>(&messages[0]) : nullptr;
  if (state == nullptr || state->reply_wanted || state->joining ||
      !state->floors.empty()) {
    return absl::InvalidArgumentError(
        "saved view: its body is not one plain state message");
  }
  SavedView view;
  view.name = std::string(state->sender);
  view.saved_at = absl::FromUnixNanos(
      static_cast<int64_t>(GetBigEndian(bytes.substr(9), 8)));
  view.members.reserve(state->members.size());
  for (const Claim& claim : state->members) {
    if (claim.status != MemberStatus::kOnline || !claim.has_metadata ||
        !claim.origin.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("saved view: member '", claim.name, "' is saved ",
                       MemberStatusName(claim.status),
                       claim.has_metadata ? "" : " without metadata",
                       "; only ONLINE members with metadata are"));
    }
    Member member;
    member.name = std::string(claim.name);
    member.address = claim.address;
    member.status = MemberStatus::kOnline;
    member.incarnation = claim.incarnation;
    member.metadata = claim.metadata.ToMap();
    view.members.push_back(std::move(member));
  }
  return view;
}

}  // namespace swim
