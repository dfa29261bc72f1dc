#ifndef SWIM_TESTING_PACKET_INSPECTOR_H_
#define SWIM_TESTING_PACKET_INSPECTOR_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "swim/core/envelope.h"
#include "swim/core/node.h"
#include "swim/core/wire.h"

namespace swim::testing {

// Opens and decodes what members send, with the cluster's key (encrypted
// mode, no label), so a test's packet filter can look inside transmits.
class PacketInspector {
 public:
  explicit PacketInspector(const std::string& key);

  bool ok() const { return envelope_.has_value(); }

  // Calls `visit` with every message of the sealed transmit; false if it
  // does not open or decode.
  bool ForEachMessage(Channel channel, const std::vector<uint8_t>& sealed,
                      const std::function<void(const Message&)>& visit);

 private:
  std::optional<Envelope> envelope_;
  std::vector<uint8_t> packet_;
  std::vector<Message> messages_;
};

}  // namespace swim::testing

#endif  // SWIM_TESTING_PACKET_INSPECTOR_H_
