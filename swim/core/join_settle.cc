#include "swim/core/join_settle.h"

namespace swim {

void JoinSettle::OnReply(absl::string_view sender, Instant now) {
  if (!awaiting_) {
    answered_ = true;
    return;
  }
  awaiting_ = false;
  seed_ = std::string(sender);
  sent_ = 0;
  quiet_ = 0;
  grew_ = false;
  answered_ = false;
  next_ = now + spacing_;
}

std::optional<JoinSettle::Exchange> JoinSettle::HandleExpiry(Instant now) {
  if (!next_ || now < *next_) return std::nullopt;
  // The first always goes: the seed's answer may have been the little it
  // knew. After that, only while exchanges bring members (or the last
  // went unanswered: lost, or its peer had answered this one too lately).
  if (sent_ > 0 && answered_ && !grew_) {
    ++quiet_;
  } else {
    quiet_ = 0;
  }
  if (quiet_ >= kQuietExchanges || sent_ >= kMaxExchanges) {
    next_.reset();
    return std::nullopt;
  }
  Exchange exchange;
  if (sent_ == 0) exchange.to = seed_;
  ++sent_;
  grew_ = false;
  answered_ = false;
  next_ = now + spacing_;
  return exchange;
}

}  // namespace swim
