#include "swim/drivers/net/tls.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace swim::net {
namespace {

// The library's oldest queued error, as text, and the queue cleared.
std::string TakeErrors() {
  const unsigned long error = ERR_get_error();  // NOLINT(runtime/int)
  ERR_clear_error();
  if (error == 0) return "no detail";
  char text[256];
  ERR_error_string_n(error, text, sizeof(text));
  return text;
}

absl::Status FileError(absl::string_view what, const std::string& path) {
  return absl::InvalidArgumentError(
      absl::StrCat("TLS: cannot use ", what, " '", path, "': ", TakeErrors()));
}

// How a peer's certificate is matched to TlsOptions::peer_names: by its
// DNS subject alternative names only, exactly (case aside). A wildcard
// certificate the CA made for a whole domain names no member.
constexpr unsigned int kPeerNameFlags =
    X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;

// Application data sealed per Seal call: a few full records.
constexpr size_t kSealBurst = 4 * 16384;

// What peers trusting this member's own CA bundle will check of its
// certificate, as a TLS handshake does, at both ends (a member is a client
// of some peers and a server of others): that it chains to the bundle, is
// valid now and may serve that end.
absl::Status CheckOwnCertificate(SSL_CTX* context, const TlsOptions& options) {
  X509* leaf = SSL_CTX_get0_certificate(context);
  STACK_OF(X509)* chain = nullptr;
  if (leaf == nullptr || SSL_CTX_get0_chain_certs(context, &chain) != 1) {
    return absl::InternalError(
        absl::StrCat("TLS: cannot read back the certificate of '",
                     options.certificate_file, "': ", TakeErrors()));
  }
  X509_STORE_CTX* verify = X509_STORE_CTX_new();
  if (verify == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("TLS: cannot verify a certificate: ", TakeErrors()));
  }
  absl::Cleanup free_verify = [verify] { X509_STORE_CTX_free(verify); };
  for (const auto& [purpose, end] :
       {std::pair{X509_PURPOSE_SSL_SERVER, "accepting"},
        std::pair{X509_PURPOSE_SSL_CLIENT, "connecting"}}) {
    if (X509_STORE_CTX_init(verify, SSL_CTX_get_cert_store(context), leaf,
                            chain) != 1 ||
        X509_STORE_CTX_set_purpose(verify, purpose) != 1) {
      return absl::InternalError(
          absl::StrCat("TLS: cannot verify a certificate: ", TakeErrors()));
    }
    const int verified = X509_verify_cert(verify);
    const int error = X509_STORE_CTX_get_error(verify);
    X509_STORE_CTX_cleanup(verify);
    if (verified < 0 || (verified != 1 && error == X509_V_OK)) {
      return absl::InternalError(
          absl::StrCat("TLS: cannot verify the certificate in '",
                       options.certificate_file, "': ", TakeErrors()));
    }
    if (verified != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS: members trusting '", options.ca_file,
          "' would refuse the certificate in '", options.certificate_file,
          "' when ", end, ": ", X509_verify_cert_error_string(error),
          " (TlsOptions::check_own_certificate)"));
    }
  }
  // Peers requiring the cluster's names find one of them in it.
  if (!options.peer_names.empty() &&
      std::none_of(options.peer_names.begin(), options.peer_names.end(),
                   [leaf](const std::string& name) {
                     return X509_check_host(leaf, name.data(), name.size(),
                                            kPeerNameFlags, nullptr) == 1;
                   })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS: the certificate in '", options.certificate_file,
        "' carries none of the DNS names this member requires of peers (",
        absl::StrJoin(options.peer_names, ", "),
        "; TlsOptions::peer_names, the programs' --tls-peer-name), so "
        "members requiring them would refuse it: issue it with "
        "subjectAltName=DNS:",
        options.peer_names.front(),
        " (a wildcard does not count; TlsOptions::check_own_certificate)"));
  }
  // TLS 1.3 signs every handshake: a key usage without digitalSignature
  // (key agreement only, say) is refused by BoringSSL peers, whatever a
  // library that lets it load says.
  const uint32_t key_usage = X509_get_key_usage(leaf);
  if (key_usage != UINT32_MAX && (key_usage & KU_DIGITAL_SIGNATURE) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS: the certificate in '", options.certificate_file,
        "' does not allow digital signatures (its keyUsage lacks "
        "digitalSignature), which TLS 1.3 needs: members would refuse it "
        "(TlsOptions::check_own_certificate)"));
  }
  return absl::OkStatus();
}

// The earliest notAfter of the loaded certificate and its chain.
absl::StatusOr<absl::Time> EarliestExpiry(SSL_CTX* context,
                                          const TlsOptions& options) {
  X509* leaf = SSL_CTX_get0_certificate(context);
  STACK_OF(X509)* chain = nullptr;
  ASN1_TIME* epoch = ASN1_TIME_set(nullptr, 0);
  absl::Cleanup free_epoch = [epoch] { ASN1_TIME_free(epoch); };
  if (leaf == nullptr || SSL_CTX_get0_chain_certs(context, &chain) != 1 ||
      epoch == nullptr) {
    return absl::InternalError(
        absl::StrCat("TLS: cannot read back the certificate of '",
                     options.certificate_file, "': ", TakeErrors()));
  }
  absl::Time earliest = absl::InfiniteFuture();
  const size_t above =
      chain == nullptr ? 0 : static_cast<size_t>(sk_X509_num(chain));
  for (size_t i = 0; i <= above; ++i) {
    X509* certificate =
        i == 0 ? leaf : sk_X509_value(chain, static_cast<int>(i - 1));
    int days = 0;
    int seconds = 0;
    if (ASN1_TIME_diff(&days, &seconds, epoch,
                       X509_get0_notAfter(certificate)) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS: a certificate in '", options.certificate_file,
                       "' has an unreadable expiry date: ", TakeErrors()));
    }
    earliest = std::min(earliest, absl::UnixEpoch() + absl::Hours(24) * days +
                                      absl::Seconds(seconds));
  }
  return earliest;
}

}  // namespace

// --- TlsContext -------------------------------------------------------------

absl::StatusOr<std::shared_ptr<const TlsContext>> TlsContext::Load(
    const TlsOptions& options) {
  if (options.certificate_file.empty() || options.key_file.empty() ||
      options.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs a certificate, its key and a CA bundle (all three files)");
  }
  if (absl::Status valid = options.Validate(); !valid.ok()) return valid;
  ERR_clear_error();
  SSL_CTX* context = SSL_CTX_new(TLS_method());
  if (context == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("TLS: cannot create a context: ", TakeErrors()));
  }
  // Owned by `loaded` from here on, whatever fails below.
  std::unique_ptr<TlsContext> loaded(
      new TlsContext(context, options.identity, options.peer_names));
  if (SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) {
    return absl::InternalError(
        absl::StrCat("TLS: TLS 1.3 is not available: ", TakeErrors()));
  }
  // A key file protected by a passphrase fails to load, instead of the
  // library asking for the passphrase on the terminal (and waiting).
  SSL_CTX_set_default_passwd_cb(
      context, [](char*, int, int, void*) -> int { return 0; });
  if (SSL_CTX_use_certificate_chain_file(
          context, options.certificate_file.c_str()) != 1) {
    return FileError("the certificate file", options.certificate_file);
  }
  const bool key_loaded =
      SSL_CTX_use_PrivateKey_file(context, options.key_file.c_str(),
                                  SSL_FILETYPE_PEM) == 1;
  if (!key_loaded &&
      ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
    return FileError("the key file", options.key_file);
  }
  if (!key_loaded || SSL_CTX_check_private_key(context) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS: the key in '", options.key_file,
                     "' does not belong to the certificate in '",
                     options.certificate_file, "': ", TakeErrors()));
  }
  if (SSL_CTX_load_verify_locations(context, options.ca_file.c_str(),
                                    nullptr) != 1) {
    return FileError("the CA file", options.ca_file);
  }
  // Both sides present a certificate; the verification parameters (the
  // peer's address) are set per connection.
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  // Connections are long-lived and few: no sessions to resume, so no
  // tickets (TLS 1.3 sends them unless told to send none).
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(context, 0);
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  // A certificate chain far beyond any real one is refused, not buffered.
  SSL_CTX_set_max_cert_list(context, 64 << 10);
  if (options.check_own_certificate) {
    if (absl::Status status = CheckOwnCertificate(context, options);
        !status.ok()) {
      return status;
    }
  }
  absl::StatusOr<absl::Time> expires = EarliestExpiry(context, options);
  if (!expires.ok()) return expires.status();
  loaded->expires_ = *expires;
  return std::shared_ptr<const TlsContext>(std::move(loaded));
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

// --- Failures ---------------------------------------------------------------

absl::string_view TlsFailureName(TlsFailure failure) {
  switch (failure) {
    case TlsFailure::kProtocol:
      return "protocol";
    case TlsFailure::kNoCertificate:
      return "no-certificate";
    case TlsFailure::kUntrusted:
      return "untrusted-certificate";
    case TlsFailure::kExpired:
      return "expired-certificate";
    case TlsFailure::kIdentityMismatch:
      return "identity-mismatch";
    case TlsFailure::kRefusedByPeer:
      return "refused-by-peer";
  }
  return "protocol";
}

void CountTlsFailure(TlsFailure failure, DriverStats& stats) {
  switch (failure) {
    case TlsFailure::kProtocol:
      ++stats.tls_protocol_errors;
      return;
    case TlsFailure::kNoCertificate:
      ++stats.tls_no_certificate;
      return;
    case TlsFailure::kUntrusted:
      ++stats.tls_untrusted_certificate;
      return;
    case TlsFailure::kExpired:
      ++stats.tls_expired_certificate;
      return;
    case TlsFailure::kIdentityMismatch:
      ++stats.tls_identity_mismatches;
      return;
    case TlsFailure::kRefusedByPeer:
      ++stats.tls_refused_by_peer;
      return;
  }
}

// --- TlsStream --------------------------------------------------------------

absl::StatusOr<std::unique_ptr<TlsStream>> TlsStream::Create(
    std::shared_ptr<const TlsContext> context, Role role, const Address& peer) {
  ERR_clear_error();
  SSL* ssl = SSL_new(context->get());
  if (ssl == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("TLS: cannot create a connection: ", TakeErrors()));
  }
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    SSL_free(ssl);
    return absl::ResourceExhaustedError("TLS: cannot allocate buffers");
  }
  // An empty input buffer means "more to come", not end of stream.
  BIO_set_mem_eof_return(in, -1);
  SSL_set_bio(ssl, in, out);  // ssl owns both now
  std::unique_ptr<TlsStream> stream(
      new TlsStream(std::move(context), role, ssl, in, out));
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (stream->context_->identity() == TlsIdentity::kAddress &&
      X509_VERIFY_PARAM_set1_ip(param, peer.octets().data(),
                                peer.octet_count()) != 1) {
    return absl::InternalError(
        absl::StrCat("TLS: cannot set the peer's address: ", TakeErrors()));
  }
  // Checked beside the address: the verifier requires both.
  const std::vector<std::string>& names = stream->context_->peer_names();
  for (size_t i = 0; i < names.size(); ++i) {
    const int added = i == 0 ? X509_VERIFY_PARAM_set1_host(
                                   param, names[i].data(), names[i].size())
                             : X509_VERIFY_PARAM_add1_host(
                                   param, names[i].data(), names[i].size());
    if (added != 1) {
      return absl::InternalError(
          absl::StrCat("TLS: cannot set the peer's names: ", TakeErrors()));
    }
  }
  if (!names.empty()) X509_VERIFY_PARAM_set_hostflags(param, kPeerNameFlags);
  if (role == Role::kClient) {
    SSL_set_connect_state(ssl);
    // Writes the ClientHello; the answer is awaited.
    const int result = SSL_do_handshake(ssl);
    if (result != 1 && SSL_get_error(ssl, result) != SSL_ERROR_WANT_READ) {
      return stream->Fail(result);
    }
    stream->CollectOutput();
  } else {
    SSL_set_accept_state(ssl);
  }
  return stream;
}

TlsStream::TlsStream(std::shared_ptr<const TlsContext> context, Role role,
                     SSL* ssl, BIO* in, BIO* out)
    : context_(std::move(context)),
      role_(role),
      ssl_(ssl),
      in_(in),
      out_bio_(out) {}

TlsStream::~TlsStream() { SSL_free(ssl_); }

void TlsStream::CollectOutput() {
  const size_t waiting = BIO_ctrl_pending(out_bio_);
  if (waiting == 0) return;
  std::vector<uint8_t> chunk(waiting);
  const int got = BIO_read(out_bio_, chunk.data(), static_cast<int>(waiting));
  if (got <= 0) return;
  chunk.resize(static_cast<size_t>(got));
  // A client's first write is its ClientHello; its certificate follows
  // the server's flight.
  if (role_ == Role::kServer || wrote_) certificate_sent_ = true;
  wrote_ = true;
  pending_bytes_ += chunk.size();
  out_.push_back(std::move(chunk));
}

size_t TlsStream::buffered_input() const { return BIO_ctrl_pending(in_); }

void TlsStream::Consumed(size_t count) {
  while (count > 0 && !out_.empty()) {
    const size_t take = std::min(count, out_.front().size() - out_start_);
    out_start_ += take;
    pending_bytes_ -= take;
    count -= take;
    if (out_start_ == out_.front().size()) {
      out_.pop_front();
      out_start_ = 0;
    }
  }
}

absl::Status TlsStream::Fail(int result) {
  failed_ = true;
  const int error = SSL_get_error(ssl_, result);
  // The TLS layer's reasons, wherever they are in the queue (a failed
  // certificate check queues the signature or parse error before its own;
  // an alert may be followed by the error it caused).
  std::vector<int> reasons;
  std::string first;
  for (unsigned long code = ERR_get_error(); code != 0;  // NOLINT
       code = ERR_get_error()) {
    if (first.empty()) {
      char text[256];
      ERR_error_string_n(code, text, sizeof(text));
      first = text;
    }
    if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
      reasons.push_back(ERR_GET_REASON(code));
    }
  }
  const auto has = [&](auto predicate) {
    return error == SSL_ERROR_SSL &&
           std::find_if(reasons.begin(), reasons.end(), predicate) !=
               reasons.end();
  };
  const auto is_alert = [](int reason) {
    return reason >= SSL_AD_REASON_OFFSET &&
           reason < SSL_AD_REASON_OFFSET + 256;
  };
  const long verify = SSL_get_verify_result(ssl_);  // NOLINT(runtime/int)
  std::string detail;
  if (verify != X509_V_OK &&
      has([](int r) { return r == SSL_R_CERTIFICATE_VERIFY_FAILED; })) {
    switch (verify) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
      case X509_V_ERR_CERT_NOT_YET_VALID:
        failure_ = TlsFailure::kExpired;
        break;
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
      case X509_V_ERR_HOSTNAME_MISMATCH:
        failure_ = TlsFailure::kIdentityMismatch;
        break;
      default:
        failure_ = TlsFailure::kUntrusted;
        break;
    }
    detail = X509_verify_cert_error_string(verify);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH) {
      // The names are checked before the address, so this says nothing of
      // the address yet.
      detail = absl::StrCat(
          "the peer's certificate carries none of the DNS names required of "
          "peers (",
          absl::StrJoin(context_->peer_names(), ", "),
          "; TlsOptions::peer_names, the programs' --tls-peer-name)");
    }
#ifdef SSL_R_KEY_USAGE_BIT_INCORRECT  // BoringSSL's; OpenSSL's is a verify
                                      // error
  } else if (has([](int r) { return r == SSL_R_KEY_USAGE_BIT_INCORRECT; })) {
    failure_ = TlsFailure::kUntrusted;
    detail =
        "the peer's certificate does not allow digital signatures (keyUsage)";
#endif
  } else if (has([](int r) {
               return r == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
             })) {
    failure_ = TlsFailure::kNoCertificate;
    detail = "the peer presented no certificate";
  } else if (has(is_alert)) {
    // An alert from the peer: about this member's certificate (bad,
    // unsupported, revoked, expired, unknown, from an unknown CA, refused,
    // a signature that does not verify, missing) once the peer was shown
    // it, or anything else, which says nothing about it.
    const int alert = *std::find_if(reasons.begin(), reasons.end(), is_alert) -
                      SSL_AD_REASON_OFFSET;
    const bool about_certificate = (alert >= 42 && alert <= 46) ||
                                   alert == 48 || alert == 49 || alert == 51 ||
                                   alert == 116;
    failure_ = about_certificate && certificate_sent_
                   ? TlsFailure::kRefusedByPeer
                   : TlsFailure::kProtocol;
    detail = absl::StrCat("the peer sent the alert \"",
                          SSL_alert_desc_string_long(alert), "\"",
                          about_certificate && !certificate_sent_
                              ? " before it was shown this member's certificate"
                              : "");
  } else {
    failure_ = TlsFailure::kProtocol;
    detail = first.empty() ? "no detail" : first;
  }
  CollectOutput();  // the alert telling the peer, if any
  error_ = absl::PermissionDeniedError(
      absl::StrCat("TLS ", established_ ? "connection" : "handshake",
                   " failed (", TlsFailureName(failure_), "): ", detail));
  return error_;
}

absl::Status TlsStream::Receive(absl::Span<const uint8_t> ciphertext,
                                std::vector<uint8_t>& plaintext) {
  if (failed_) {
    return absl::FailedPreconditionError("TLS: the connection failed");
  }
  // After the peer's close_notify nothing is read any more: what follows
  // is dropped, not buffered.
  if (closed_by_peer_) return absl::OkStatus();
  if (!ciphertext.empty()) received_input_ = true;
  ERR_clear_error();
  while (!ciphertext.empty()) {
    // What one socket read brought; complete records are taken out below,
    // so at most a partial record stays.
    const int written = BIO_write(
        in_, ciphertext.data(),
        static_cast<int>(std::min<size_t>(ciphertext.size(), 1 << 30)));
    if (written <= 0) {
      failed_ = true;
      failure_ = TlsFailure::kProtocol;
      error_ = absl::ResourceExhaustedError("TLS: cannot buffer input");
      return error_;
    }
    ciphertext.remove_prefix(static_cast<size_t>(written));
  }
  if (!established_) {
    const int result = SSL_do_handshake(ssl_);
    if (result != 1) {
      if (SSL_get_error(ssl_, result) == SSL_ERROR_WANT_READ) {
        CollectOutput();
        return absl::OkStatus();
      }
      return Fail(result);
    }
    established_ = true;
    CollectOutput();
  }
  uint8_t buffer[16384];
  while (true) {
    const int result = SSL_read(ssl_, buffer, sizeof(buffer));
    if (result > 0) {
      plaintext.insert(plaintext.end(), buffer, buffer + result);
      continue;
    }
    const int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ) break;
    if (error == SSL_ERROR_ZERO_RETURN) {  // close_notify: EOF follows
      closed_by_peer_ = true;
      break;
    }
    return Fail(result);
  }
  CollectOutput();  // post-handshake messages (key updates)
  // Answers the peer asked for (a key update answers one that requests
  // it) and does not read: sealing stops at kMaxPending, so more than
  // kMaxUnread waiting is a peer that floods requests, not traffic.
  if (pending_bytes_ > kMaxUnread) {
    failed_ = true;
    failure_ = TlsFailure::kProtocol;
    error_ = absl::ResourceExhaustedError(absl::StrCat(
        "TLS: the peer does not read what it asks for: ", pending_bytes_,
        " bytes wait for it"));
    return error_;
  }
  return absl::OkStatus();
}

size_t TlsStream::Seal(absl::Span<const uint8_t> plaintext) {
  if (!established_ || failed_ || plaintext.empty()) return 0;
  if (pending_bytes_ >= kMaxPending) return 0;
  ERR_clear_error();
  const size_t take = std::min(plaintext.size(), kSealBurst);
  const int result = SSL_write(ssl_, plaintext.data(), static_cast<int>(take));
  if (result <= 0) {
    Fail(result).IgnoreError();  // kept in error()
    return 0;
  }
  CollectOutput();
  return static_cast<size_t>(result);
}

}  // namespace swim::net
