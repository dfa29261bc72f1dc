// Fuzzes the TLS a member runs on each stream connection (net::TlsStream)
// with what anyone who reaches its port can send before a certificate is
// checked: bytes to the server side (a connection the member accepted) or
// to the client side (one it opened, after its ClientHello), in reads of
// sizes the input chooses. A violation aborts:
//   - no application data comes out: completing a handshake takes a
//     certificate the CA signed and its key, which the input cannot forge,
//     so nothing it sends reaches the Node;
//   - the bytes waiting for the socket stay within a handshake flight and
//     an alert (a member cannot be made to buffer without bound);
//   - a failed stream stays failed, with a reason, and takes nothing more.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "fuzz/fuzz_input.h"
#include "swim/core/address.h"
#include "swim/drivers/net/tls.h"
#include "swim/drivers/testing/test_pki.h"

namespace swim::fuzzing {
namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

// A member's credentials, made once per process in a scratch directory.
std::shared_ptr<const net::TlsContext> MakeContext() {
  auto pki = drivertest::TestPki::Create(
      std::filesystem::temp_directory_path().string(), "swim-tls-fuzz");
  Check(pki.ok());
  auto options = (*pki)->Issue("member");
  Check(options.ok());
  auto context = net::TlsContext::Load(*options);
  Check(context.ok());
  return *context;  // loaded: the files go with `pki`
}

// A handshake flight (certificates included) and an alert fit in this.
constexpr size_t kMaxPendingAfterInput = 64 << 10;

void Run(FuzzInput& in) {
  static const std::shared_ptr<const net::TlsContext> context = MakeContext();
  const auto role =
      in.Bool() ? net::TlsStream::Role::kServer : net::TlsStream::Role::kClient;
  auto stream =
      net::TlsStream::Create(context, role, *Address::Parse("127.0.0.1:7946"));
  Check(stream.ok());
  net::TlsStream& tls = **stream;
  tls.Consumed(tls.pending_bytes());  // the ClientHello went out
  std::vector<uint8_t> plaintext;
  while (!in.empty()) {
    const absl::string_view chunk = in.Bytes(1 << 15);
    if (chunk.empty()) break;
    const bool was_failed = tls.failed();
    const absl::Status status = tls.Receive(
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(chunk.data()),
                            chunk.size()),
        plaintext);
    Check(plaintext.empty());
    Check(!tls.established());
    Check(tls.pending_bytes() <= kMaxPendingAfterInput);
    Check(status.ok() == !tls.failed());
    if (was_failed) Check(!status.ok());
    if (tls.failed()) Check(!tls.error().ok());
    // Nothing is sealed before a handshake.
    const uint8_t data[4] = {1, 2, 3, 4};
    Check(tls.Seal(data) == 0);
    if (in.Bool()) tls.Consumed(tls.pending_bytes());
  }
}

}  // namespace
}  // namespace swim::fuzzing

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swim::fuzzing::FuzzInput in(absl::MakeConstSpan(data, size));
  swim::fuzzing::Run(in);
  return 0;
}
