#ifndef TOOLS_COMMON_JSON_WRITER_H_
#define TOOLS_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace swim::tools {

class JsonArray;

// Builds one JSON object (RFC 8259) member by member: strings are
// escaped, absent or non-finite numbers are written as null. Keys are
// written as given (escaped too), in the order added.
class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, absl::string_view value);
  JsonObject& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonObject& Add(absl::string_view key, bool value);
  JsonObject& Add(absl::string_view key, int64_t value);
  JsonObject& Add(absl::string_view key, uint64_t value);
  JsonObject& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  // The shortest text that reads back as the same double (e.g. 0.1, 2,
  // 1e-07); null when absent or not finite.
  JsonObject& Add(absl::string_view key, std::optional<double> value);
  JsonObject& Add(absl::string_view key, double value) {
    return Add(key, std::optional<double>(value));
  }
  JsonObject& AddNull(absl::string_view key);
  // A nested object.
  JsonObject& Add(absl::string_view key, const JsonObject& object);
  JsonObject& Add(absl::string_view key, const JsonArray& array);

  // The object, e.g. {"a":1,"b":null}.
  std::string Finish() const { return out_ + "}"; }

 private:
  void Key(absl::string_view key);

  std::string out_ = "{";
};

// A JSON array of strings and objects, built element by element.
class JsonArray {
 public:
  JsonArray& Add(absl::string_view value);
  JsonArray& Add(const JsonObject& object);

  // The array, e.g. ["a",{"b":1}].
  std::string Finish() const { return out_ + "]"; }

 private:
  void Separate() {
    if (out_.size() > 1) out_ += ',';
  }

  std::string out_ = "[";
};

// The shortest text that reads back as exactly `value` (finite values;
// valid JSON and valid flag syntax).
std::string ShortestNumber(double value);

// `value` as a JSON string literal, quotes included. Bytes that are not
// valid UTF-8 become U+FFFD (as a lossy UTF-8 decoder shows them), so the
// output is valid JSON whatever the input. Every control character (C0,
// DEL and C1) is escaped, so the line is also safe to show on a terminal.
std::string JsonQuote(absl::string_view value);

}  // namespace swim::tools

#endif  // TOOLS_COMMON_JSON_WRITER_H_
