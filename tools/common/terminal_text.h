#ifndef TOOLS_COMMON_TERMINAL_TEXT_H_
#define TOOLS_COMMON_TERMINAL_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace swim::tools {

// The length of the valid UTF-8 sequence at the start of `text` (1-4), or 0
// if it does not start with one (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(absl::string_view text);

// `text` made safe to print on a terminal. Member names and metadata come
// from the network as any bytes; printed as they are, an escape sequence
// among them would move the cursor, clear the screen, retitle the window
// or worse. So every C0 control (0x00-0x1F) and DEL becomes \xNN, every
// C1 control (U+0080-U+009F, which some terminals obey like ESC [) becomes
// \u00NN, every byte that is not part of valid UTF-8 becomes \xNN, and a
// backslash becomes \\ (so an escape in the output always stands for
// something the input held). Valid, printable UTF-8 is kept as it is. The
// result is valid UTF-8 without controls.
std::string TerminalSafe(absl::string_view text);

// The columns that `text`, as TerminalSafe returns it, takes on a
// terminal: 2 for each East Asian wide or fullwidth character (CJK, Hangul,
// emoji), 1 for every other character. Combining marks are counted as 1,
// so the text never takes more columns than this says.
int TerminalColumns(absl::string_view text);

// The longest start of `text` (as TerminalSafe returns it) that fits in
// `columns` columns, never splitting a character. Empty for `columns` <= 0.
absl::string_view TerminalPrefix(absl::string_view text, int columns);

}  // namespace swim::tools

#endif  // TOOLS_COMMON_TERMINAL_TEXT_H_
