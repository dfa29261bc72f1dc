#include "tools/common/terminal_text.h"

#include "absl/strings/str_format.h"

namespace swim::tools {
namespace {

// The code point of the valid UTF-8 sequence `sequence` (as long as
// Utf8SequenceLength says).
char32_t CodePoint(absl::string_view sequence) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(sequence[i]);
  };
  if (sequence.size() == 1) return byte(0);
  // The lead byte's payload: 5, 4 or 3 bits for 2, 3 or 4 bytes.
  char32_t value = byte(0) & (0xFF >> (sequence.size() + 1));
  for (size_t i = 1; i < sequence.size(); ++i) {
    value = (value << 6) | (byte(i) & 0x3F);
  }
  return value;
}

// Whether a terminal gives `c` two columns: East Asian Wide and Fullwidth,
// as in Markus Kuhn's wcwidth, with the emoji blocks Unicode 9 made wide.
bool IsWide(char32_t c) {
  return c >= 0x1100 &&
         (c <= 0x115F ||                 // Hangul Jamo initial consonants
          c == 0x2329 || c == 0x232A ||  // angle brackets
          (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||  // CJK ... Yi
          (c >= 0xAC00 && c <= 0xD7A3) ||                 // Hangul syllables
          (c >= 0xF900 && c <= 0xFAFF) ||    // CJK compatibility ideographs
          (c >= 0xFE10 && c <= 0xFE19) ||    // vertical forms
          (c >= 0xFE30 && c <= 0xFE6F) ||    // CJK compatibility forms
          (c >= 0xFF00 && c <= 0xFF60) ||    // fullwidth forms
          (c >= 0xFFE0 && c <= 0xFFE6) ||    // fullwidth signs
          (c >= 0x1F300 && c <= 0x1F64F) ||  // pictographs, emoticons
          (c >= 0x1F680 && c <= 0x1F6FF) ||  // transport and map symbols
          (c >= 0x1F900 && c <= 0x1F9FF) ||  // supplemental pictographs
          (c >= 0x20000 && c <= 0x2FFFD) ||  // CJK extensions
          (c >= 0x30000 && c <= 0x3FFFD));
}

// The columns of the character at the start of `text`, and its length in
// bytes (a byte that does not start valid UTF-8 counts as one character).
int NextColumns(absl::string_view text, size_t* length) {
  *length = Utf8SequenceLength(text);
  if (*length == 0) {
    *length = 1;
    return 1;
  }
  return IsWide(CodePoint(text.substr(0, *length))) ? 2 : 1;
}

}  // namespace

size_t Utf8SequenceLength(absl::string_view text) {
  if (text.empty()) return 0;
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

std::string TerminalSafe(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const absl::string_view rest = text.substr(i);
    const size_t length = Utf8SequenceLength(rest);
    if (length == 0) {  // not UTF-8: the byte itself, escaped
      absl::StrAppendFormat(&out, "\\x%02x",
                            static_cast<unsigned char>(rest[0]));
      ++i;
      continue;
    }
    const char32_t c = CodePoint(rest.substr(0, length));
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7F) {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<uint32_t>(c));
    } else if (c >= 0x80 && c <= 0x9F) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<uint32_t>(c));
    } else {
      out.append(rest.data(), length);
    }
    i += length;
  }
  return out;
}

int TerminalColumns(absl::string_view text) {
  int columns = 0;
  for (size_t i = 0; i < text.size();) {
    size_t length = 0;
    columns += NextColumns(text.substr(i), &length);
    i += length;
  }
  return columns;
}

absl::string_view TerminalPrefix(absl::string_view text, int columns) {
  size_t end = 0;
  while (end < text.size()) {
    size_t length = 0;
    columns -= NextColumns(text.substr(end), &length);
    if (columns < 0) break;
    end += length;
  }
  return text.substr(0, end);
}

}  // namespace swim::tools
