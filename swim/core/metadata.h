#ifndef SWIM_CORE_METADATA_H_
#define SWIM_CORE_METADATA_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "swim/core/byte_reader.h"

namespace swim {

// What a member publishes about itself: string keys to byte values. Ordered,
// so the encoding (and everything built on it) is deterministic.
using Metadata = absl::btree_map<std::string, std::string>;

// Wire limits; Config may set a lower bound for the total.
inline constexpr size_t kMaxMetadataKeyLength = 255;
inline constexpr size_t kMaxMetadataEncodedSize = 65535;

// Encodes metadata canonically (see docs/wire.md): a varint count, then each
// key (ascending) and value, length-prefixed. Errors name the offending key
// when a key is empty or too long, or when the total exceeds the wire limit.
absl::StatusOr<std::string> EncodeMetadata(const Metadata& metadata);

// A validated, canonical metadata encoding that points into someone else's
// bytes (a received packet or an owner's cached encoding). Cheap to copy;
// valid only while those bytes live. Equality is byte equality, which is
// value equality because the encoding is canonical.
class MetadataView {
 public:
  using Entry = std::pair<absl::string_view, absl::string_view>;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = const Entry*;
    using reference = const Entry&;

    Iterator() = default;
    const Entry& operator*() const { return entry_; }
    const Entry* operator->() const { return &entry_; }
    Iterator& operator++();
    friend bool operator==(const Iterator& a, const Iterator& b) {
      return a.left_ == b.left_;
    }

   private:
    friend class MetadataView;
    Iterator(absl::string_view rest, size_t left);
    void Load();

    absl::string_view rest_;
    size_t left_ = 0;
    Entry entry_;
  };

  // The empty map (encoded as a single zero byte).
  MetadataView();

  // Reads and fully validates one metadata encoding from `reader`.
  static MetadataView Read(ByteReader& reader);
  // Validates a whole buffer as one metadata encoding.
  static absl::StatusOr<MetadataView> Parse(absl::string_view encoded);

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Iterator begin() const;
  Iterator end() const { return Iterator(); }
  absl::string_view encoded() const { return encoded_; }

  Metadata ToMap() const;

  friend bool operator==(const MetadataView& a, const MetadataView& b) {
    return a.encoded_ == b.encoded_;
  }

 private:
  MetadataView(absl::string_view encoded, size_t count)
      : encoded_(encoded), count_(count) {}

  absl::string_view encoded_;
  size_t count_ = 0;
};

}  // namespace swim

#endif  // SWIM_CORE_METADATA_H_
