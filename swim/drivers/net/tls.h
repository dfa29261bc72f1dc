#ifndef SWIM_DRIVERS_NET_TLS_H_
#define SWIM_DRIVERS_NET_TLS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "swim/core/address.h"
#include "swim/drivers/driver_options.h"
#include "swim/drivers/driver_stats.h"

// OpenSSL's and BoringSSL's types, without their headers.
struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace swim::net {

// A member's TLS credentials and trust, loaded from TlsOptions' files:
// TLS 1.3 only, a certificate required from both sides, verified against
// the CA bundle. Immutable once loaded and shared by every connection
// made while it is the driver's; a reload makes a new one (connections
// already open keep theirs).
class TlsContext {
 public:
  // Reads and checks the files: each missing, unreadable or malformed
  // file, and a key that does not match the certificate, is an
  // InvalidArgument naming the file.
  static absl::StatusOr<std::shared_ptr<const TlsContext>> Load(
      const TlsOptions& options);
  ~TlsContext();

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  TlsIdentity identity() const { return identity_; }
  // The DNS names of which a peer's certificate must carry one (none:
  // no such check), from TlsOptions::peer_names.
  const std::vector<std::string>& peer_names() const { return peer_names_; }
  // When the member's certificate, or one above it in the certificate
  // file's chain, expires first (its notAfter): from then on peers refuse
  // the member's new connections (TlsFailure::kExpired on their side).
  absl::Time expires() const { return expires_; }
  ssl_ctx_st* get() const { return context_; }

 private:
  TlsContext(ssl_ctx_st* context, TlsIdentity identity,
             std::vector<std::string> peer_names)
      : context_(context),
        identity_(identity),
        peer_names_(std::move(peer_names)) {}

  ssl_ctx_st* context_;
  const TlsIdentity identity_;
  const std::vector<std::string> peer_names_;
  absl::Time expires_ = absl::InfiniteFuture();
};

// Why a TLS connection failed. Each is counted in DriverStats (see
// CountTlsFailure) and reported to the error listeners; the connection is
// closed and nothing it sent reached the Node.
enum class TlsFailure {
  // The peer sent something that is not TLS 1.3 (a plaintext member, a
  // scanner, garbage), broke the protocol, or sent an alert about this
  // member's certificate before it was shown it.
  kProtocol,
  // The peer presented no certificate (every member must).
  kNoCertificate,
  // Its certificate does not chain to the CA bundle (another cluster's
  // CA, self-signed, or signed by a CA no longer trusted).
  kUntrusted,
  // Its certificate expired, or is not valid yet (check the clocks).
  kExpired,
  // Its certificate is valid but for another address: with
  // TlsIdentity::kAddress, the IP address it was reached at (outgoing) or
  // connected from (incoming) must be among its IP subject alternative
  // names. Or it lacks every one of TlsOptions::peer_names (a certificate
  // the CA made for something else).
  kIdentityMismatch,
  // The peer refused this member's certificate, having been shown it (the
  // alert it sent says why): fix this member's certificate, or the peer's
  // trust.
  kRefusedByPeer,
};

// "protocol", "no-certificate", ...: the name in logs and reports.
absl::string_view TlsFailureName(TlsFailure failure);
// Adds one to the DriverStats counter of `failure`.
void CountTlsFailure(TlsFailure failure, DriverStats& stats);

// One connection's TLS, sans IO: the driver feeds it the bytes the socket
// read (Receive) and writes out what it produced (Pending, then
// Consumed). Application data is sealed only once the handshake is done;
// until then the driver keeps its messages queued. Output is sealed only
// while less than kMaxPending waits, a burst of records (64 KiB) at a
// time, and input is decrypted as it arrives (what follows the peer's
// close_notify is dropped), so a connection holds a bounded amount
// whatever the peer sends; a peer that asks for answers (key updates)
// and does not read them is cut off at kMaxUnread.
class TlsStream {
 public:
  enum class Role { kClient, kServer };
  // Output the driver should write before sealing more.
  static constexpr size_t kMaxPending = 64 << 10;
  // Output beyond which Receive fails the connection (kProtocol): sealing
  // stops at kMaxPending plus one burst, so more is answers to requests
  // (key updates) from a peer that does not read them.
  static constexpr size_t kMaxUnread = 4 * kMaxPending;

  // A stream for a connection to (kClient) or from (kServer) `peer`, whose
  // certificate must name peer's IP address under TlsIdentity::kAddress,
  // and carry one of the context's peer_names() if it has any.
  // A client's first flight (its ClientHello) is in Pending() at once.
  static absl::StatusOr<std::unique_ptr<TlsStream>> Create(
      std::shared_ptr<const TlsContext> context, Role role,
      const Address& peer);
  ~TlsStream();

  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Bytes read from the socket. Appends the application data they
  // completed to `plaintext`. An error (the connection must be closed;
  // failure() says why) once the handshake or a record fails; the
  // failure's alert, if any, is in Pending() but need not be sent.
  absl::Status Receive(absl::Span<const uint8_t> ciphertext,
                       std::vector<uint8_t>& plaintext);
  // Seals application data (only once established()); returns how many
  // bytes of `plaintext` it took: none while kMaxPending bytes wait, else
  // up to one burst of records. Check failed() after it.
  size_t Seal(absl::Span<const uint8_t> plaintext);

  // The next ciphertext for the socket (empty: none waits). It stays valid,
  // whatever else is called, until Consumed takes all of it, so an
  // asynchronous write may hold it.
  absl::Span<const uint8_t> Pending() const {
    if (out_.empty()) return {};
    return absl::MakeConstSpan(out_.front()).subspan(out_start_);
  }
  // All ciphertext waiting for the socket.
  size_t pending_bytes() const { return pending_bytes_; }
  // Whether the peer sent any bytes at all (Receive was given some).
  bool received_input() const { return received_input_; }
  // Ciphertext received and not decrypted yet: at most a partial record
  // (or handshake message), nothing after the peer's close_notify.
  size_t buffered_input() const;
  // The socket took `count` bytes of Pending().
  void Consumed(size_t count);

  bool established() const { return established_; }
  bool failed() const { return failed_; }
  TlsFailure failure() const { return failure_; }
  // Once failed(): what went wrong, for the error listeners.
  const absl::Status& error() const { return error_; }

 private:
  TlsStream(std::shared_ptr<const TlsContext> context, Role role, ssl_st* ssl,
            bio_st* in, bio_st* out);

  // Moves what the TLS library wrote into out_.
  void CollectOutput();
  // Classifies the library's error (after a failed call) and returns it.
  absl::Status Fail(int result);

  std::shared_ptr<const TlsContext> context_;
  Role role_;
  ssl_st* ssl_;
  bio_st* in_;       // ciphertext from the socket (owned by ssl_)
  bio_st* out_bio_;  // ciphertext for the socket (owned by ssl_)
  std::deque<std::vector<uint8_t>> out_;
  size_t out_start_ = 0;  // of out_.front()
  size_t pending_bytes_ = 0;
  bool received_input_ = false;
  bool established_ = false;
  // Whether this member's certificate has gone out: with a server's first
  // flight, a client's second (TLS 1.3). Before, an alert about it comes
  // from a peer that never saw it (a scanner), not a refusal.
  bool wrote_ = false;
  bool certificate_sent_ = false;
  bool closed_by_peer_ = false;  // its close_notify came
  bool failed_ = false;
  TlsFailure failure_ = TlsFailure::kProtocol;
  absl::Status error_;
};

}  // namespace swim::net

#endif  // SWIM_DRIVERS_NET_TLS_H_
