#include "tools/common/progress_bar.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace swim::tools {

void ProgressBar::Update(double done, double total, absl::string_view label) {
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < absl::Milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const double fraction = total > 0 ? std::clamp(done / total, 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  const std::string bar =
      std::string(filled, '#') + std::string(kWidth - filled, '-');
  // \r returns to the line's start; \033[K erases what a longer line left.
  const std::string amounts =
      unit_.empty() ? ""
                    : absl::StrFormat("  %.1f / %.1f %s", done, total, unit_);
  absl::FPrintF(out_, "\r[%s] %3d%%%s  %s\033[K", bar,
                static_cast<int>(fraction * 100), amounts, label);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::Clear() {
  if (!drawn_) return;
  absl::FPrintF(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace swim::tools
