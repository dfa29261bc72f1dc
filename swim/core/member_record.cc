#include "swim/core/member_record.h"

#include "absl/strings/str_cat.h"

namespace swim {

MemberRecord::MemberRecord(absl::string_view name,
                           absl::string_view metadata_encoded)
    : text_(absl::StrCat(name, metadata_encoded)),
      name_size_(static_cast<uint16_t>(name.size())) {}

void MemberRecord::set_metadata_encoded(absl::string_view encoded) {
  // replace, not resize and append: safe even if `encoded` views text_.
  text_.replace(name_size_, std::string::npos, encoded.data(), encoded.size());
}

MetadataView MemberRecord::metadata() const {
  // Only validated encodings are stored, so parsing cannot fail; an empty
  // map stands in should it ever.
  absl::StatusOr<MetadataView> view = MetadataView::Parse(metadata_encoded());
  return view.ok() ? *view : MetadataView();
}

Member MemberRecord::ToMember() const {
  Member member;
  member.name = std::string(name());
  member.address = address_;
  member.status = status_;
  member.incarnation = incarnation_;
  member.metadata = metadata().ToMap();
  member.last_change = last_change();
  return member;
}

}  // namespace swim
