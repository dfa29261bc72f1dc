#include "tools/common/json_writer.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/common/terminal_text.h"

namespace swim::tools {

std::string ShortestNumber(double value) {
  char buffer[32];
  const std::to_chars_result result =
      std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string JsonQuote(absl::string_view value) {
  std::string out = "\"";
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const size_t length = Utf8SequenceLength(value.substr(i));
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      } else if (length == 2 && static_cast<unsigned char>(c) == 0xC2 &&
                 static_cast<unsigned char>(value[i + 1]) <= 0x9F) {
        // A C1 control, U+0080-U+009F: valid JSON as it is, but these
        // lines may be read on a terminal, where some act like ESC [.
        absl::StrAppendFormat(&out, "\\u%04x",
                              static_cast<unsigned char>(value[i + 1]));
        ++i;
      } else {
        out.append(value.data() + i, length);
        i += length - 1;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void JsonObject::Key(absl::string_view key) {
  if (out_.size() > 1) out_ += ',';
  absl::StrAppend(&out_, JsonQuote(key), ":");
}

JsonObject& JsonObject::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  out_ += JsonQuote(value);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, bool value) {
  Key(key);
  out_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&out_, value);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, uint64_t value) {
  Key(key);
  absl::StrAppend(&out_, value);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key,
                            std::optional<double> value) {
  if (!value.has_value() || !std::isfinite(*value)) return AddNull(key);
  Key(key);
  out_ += ShortestNumber(*value);
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, const JsonObject& object) {
  Key(key);
  out_ += object.Finish();
  return *this;
}

JsonObject& JsonObject::Add(absl::string_view key, const JsonArray& array) {
  Key(key);
  out_ += array.Finish();
  return *this;
}

JsonArray& JsonArray::Add(absl::string_view value) {
  Separate();
  out_ += JsonQuote(value);
  return *this;
}

JsonArray& JsonArray::Add(const JsonObject& object) {
  Separate();
  out_ += object.Finish();
  return *this;
}

JsonObject& JsonObject::AddNull(absl::string_view key) {
  Key(key);
  out_ += "null";
  return *this;
}

}  // namespace swim::tools
