#include "swim/drivers/net/tls.h"

#include <openssl/ssl.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/drivers/testing/test_pki.h"

namespace swim::net {
namespace {

using drivertest::TestPki;

const Address kLoopback = *Address::Parse("127.0.0.1:7946");

std::string TestDirectory() {
  const char* directory = std::getenv("TEST_TMPDIR");
  return directory != nullptr ? directory : "/tmp";
}

std::unique_ptr<TestPki> MakePki(absl::string_view name) {
  auto pki = TestPki::Create(TestDirectory(), name);
  EXPECT_TRUE(pki.ok()) << pki.status();
  return pki.ok() ? std::move(*pki) : nullptr;
}

std::shared_ptr<const TlsContext> Context(const TlsOptions& options) {
  auto context = TlsContext::Load(options);
  EXPECT_TRUE(context.ok()) << context.status();
  return context.ok() ? *context : nullptr;
}

// A stream of `role` with `options`' credentials, its peer at `peer`.
std::unique_ptr<TlsStream> Stream(const TlsOptions& options,
                                  TlsStream::Role role,
                                  const Address& peer = kLoopback) {
  auto stream = TlsStream::Create(Context(options), role, peer);
  EXPECT_TRUE(stream.ok()) << stream.status();
  return stream.ok() ? *std::move(stream) : nullptr;
}

// A client and a server stream joined by a perfect network.
struct Pair {
  std::unique_ptr<TlsStream> client;
  std::unique_ptr<TlsStream> server;
  std::vector<uint8_t> client_received;
  std::vector<uint8_t> server_received;
  absl::Status client_status;
  absl::Status server_status;

  // Moves bytes both ways until neither side has any to send (or one
  // failed); the bytes a failed side would still send (its alert) go too.
  void Pump() {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      if (!client->Pending().empty() && server_status.ok()) {
        const std::vector<uint8_t> bytes(client->Pending().begin(),
                                         client->Pending().end());
        client->Consumed(bytes.size());
        server_status = server->Receive(bytes, server_received);
        moved = true;
      }
      if (!server->Pending().empty() && client_status.ok()) {
        const std::vector<uint8_t> bytes(server->Pending().begin(),
                                         server->Pending().end());
        server->Consumed(bytes.size());
        client_status = client->Receive(bytes, client_received);
        moved = true;
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "the handshake did not settle";
  }
};

Pair Connect(const TlsOptions& client_options, const TlsOptions& server_options,
             const Address& server_address = kLoopback,
             const Address& client_address = kLoopback) {
  Pair pair;
  auto client = TlsStream::Create(Context(client_options),
                                  TlsStream::Role::kClient, server_address);
  auto server = TlsStream::Create(Context(server_options),
                                  TlsStream::Role::kServer, client_address);
  EXPECT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(server.ok()) << server.status();
  pair.client = std::move(*client);
  pair.server = std::move(*server);
  EXPECT_FALSE(pair.client->Pending().empty()) << "no ClientHello";
  pair.Pump();
  return pair;
}

// Seals all of `data` on `from`, delivering to `to` as it goes.
void Transfer(TlsStream& from, TlsStream& to, const std::vector<uint8_t>& data,
              std::vector<uint8_t>& received, size_t& most_pending) {
  size_t sent = 0;
  while (sent < data.size() || !from.Pending().empty()) {
    sent += from.Seal(absl::MakeConstSpan(data).subspan(sent));
    most_pending = std::max(most_pending, from.pending_bytes());
    // The socket takes a little at a time.
    const size_t take = std::min<size_t>(from.Pending().size(), 3000);
    const std::vector<uint8_t> bytes(from.Pending().begin(),
                                     from.Pending().begin() + take);
    from.Consumed(take);
    ASSERT_TRUE(to.Receive(bytes, received).ok());
  }
}

TEST(TlsTest, MutualHandshakeThenDataBothWays) {
  auto pki = MakePki("mutual");
  auto a = pki->Issue("a");
  auto b = pki->Issue("b");
  ASSERT_TRUE(a.ok() && b.ok());
  Pair pair = Connect(*a, *b);
  ASSERT_TRUE(pair.client_status.ok()) << pair.client_status;
  ASSERT_TRUE(pair.server_status.ok()) << pair.server_status;
  EXPECT_TRUE(pair.client->established());
  EXPECT_TRUE(pair.server->established());

  std::vector<uint8_t> request(1 << 20);
  for (size_t i = 0; i < request.size(); ++i) request[i] = i * 7;
  size_t most_pending = 0;
  Transfer(*pair.client, *pair.server, request, pair.server_received,
           most_pending);
  EXPECT_EQ(pair.server_received, request);
  // Output is buffered a burst at a time, whatever the caller offers.
  EXPECT_LE(most_pending, TlsStream::kMaxPending + (80 << 10));

  const std::vector<uint8_t> reply = {1, 2, 3};
  Transfer(*pair.server, *pair.client, reply, pair.client_received,
           most_pending);
  EXPECT_EQ(pair.client_received, reply);
}

TEST(TlsTest, NothingIsSealedBeforeTheHandshake) {
  auto pki = MakePki("early");
  auto a = pki->Issue("a");
  ASSERT_TRUE(a.ok());
  auto client = Stream(*a, TlsStream::Role::kClient);
  ASSERT_NE(client, nullptr);
  const std::vector<uint8_t> data = {1, 2, 3};
  EXPECT_EQ(client->Seal(data), 0u);
}

TEST(TlsTest, CertificateFromAnotherCaIsUntrusted) {
  auto ours = MakePki("ours");
  auto theirs = MakePki("theirs");
  auto member = ours->Issue("member");
  auto intruder = theirs->IssueTrusting("intruder", TestPki::Leaf(), *ours);
  ASSERT_TRUE(member.ok() && intruder.ok());
  // Its own bundle refuses it too: load it anyway, as an intruder would.
  intruder->check_own_certificate = false;
  // The intruder dials the member: the member refuses its certificate.
  Pair pair = Connect(*intruder, *member);
  EXPECT_TRUE(pair.server->failed());
  EXPECT_EQ(pair.server->failure(), TlsFailure::kUntrusted);
  EXPECT_FALSE(pair.server->established());
  EXPECT_TRUE(pair.server_received.empty());
  // And the member dialing the intruder refuses it too.
  Pair back = Connect(*member, *intruder);
  EXPECT_EQ(back.client->failure(), TlsFailure::kUntrusted);
  EXPECT_FALSE(back.client->established());

  // A CA with the same name as ours but another key: its certificates'
  // signatures do not verify, and the intruder is told so.
  auto twin = MakePki("ours");
  auto lookalike = twin->IssueTrusting("lookalike", TestPki::Leaf(), *ours);
  ASSERT_TRUE(lookalike.ok());
  lookalike->check_own_certificate = false;
  Pair forged = Connect(*lookalike, *member);
  EXPECT_EQ(forged.server->failure(), TlsFailure::kUntrusted)
      << forged.server_status;
  EXPECT_EQ(forged.client->failure(), TlsFailure::kRefusedByPeer)
      << forged.client_status;
}

TEST(TlsTest, ExpiredAndNotYetValidCertificatesAreRefused) {
  auto pki = MakePki("validity");
  auto member = pki->Issue("member");
  TestPki::Leaf expired;
  expired.not_before = -absl::Hours(48);
  expired.not_after = -absl::Hours(1);
  TestPki::Leaf future;
  future.not_before = absl::Hours(2);
  future.not_after = absl::Hours(24);
  auto old = pki->Issue("old", expired);
  auto early = pki->Issue("early", future);
  ASSERT_TRUE(member.ok() && old.ok() && early.ok());
  // Loaded although their own members' bundle refuses them (as they would
  // be by a member whose clock is off, or that kept running past expiry).
  old->check_own_certificate = false;
  early->check_own_certificate = false;

  Pair from_old = Connect(*old, *member);
  EXPECT_EQ(from_old.server->failure(), TlsFailure::kExpired);
  EXPECT_TRUE(from_old.server_received.empty());
  // The expired member, told why, counts it as refused by its peer.
  EXPECT_TRUE(from_old.client->failed());
  EXPECT_EQ(from_old.client->failure(), TlsFailure::kRefusedByPeer);
  EXPECT_NE(from_old.client_status.message().find("expired"), std::string::npos)
      << from_old.client_status;

  Pair to_early = Connect(*member, *early);
  EXPECT_EQ(to_early.client->failure(), TlsFailure::kExpired);
}

TEST(TlsTest, CertificateForAnotherAddressIsRefused) {
  auto pki = MakePki("identity");
  auto member = pki->Issue("member");
  TestPki::Leaf elsewhere;
  elsewhere.ips = {"127.0.0.2", "::1"};
  auto other = pki->Issue("other", elsewhere);
  ASSERT_TRUE(member.ok() && other.ok());

  // Dialing 127.0.0.1, the server proves 127.0.0.2: refused.
  Pair outgoing = Connect(*member, *other);
  EXPECT_EQ(outgoing.client->failure(), TlsFailure::kIdentityMismatch);
  // Connecting from 127.0.0.1 with a certificate for 127.0.0.2: refused.
  Pair incoming = Connect(*other, *member);
  EXPECT_EQ(incoming.server->failure(), TlsFailure::kIdentityMismatch);
  EXPECT_TRUE(incoming.server_received.empty());
  // Where it is: accepted (IPv6 too).
  const Address there = *Address::Parse("127.0.0.2:7946");
  EXPECT_TRUE(Connect(*member, *other, there).client->established());
  const Address v6 = *Address::Parse("[::1]:7946");
  EXPECT_TRUE(Connect(*member, *other, v6).client->established());
  EXPECT_TRUE(Connect(*other, *member, kLoopback, v6).server->established());

  // Without the address check, the CA's word is enough.
  TlsOptions ca_only = *member;
  ca_only.identity = TlsIdentity::kCaOnly;
  TlsOptions other_ca_only = *other;
  other_ca_only.identity = TlsIdentity::kCaOnly;
  Pair relaxed = Connect(ca_only, other_ca_only);
  EXPECT_TRUE(relaxed.client->established());
  EXPECT_TRUE(relaxed.server->established());
}

// A client that seals `payload` as soon as its side of the handshake is
// done, before the server has seen its certificate (TLS 1.3 lets it), so
// that the data travels with the certificate: what the server made of it.
struct EarlyData {
  absl::Status server_status;
  TlsFailure server_failure = TlsFailure::kProtocol;
  std::vector<uint8_t> server_received;
};

EarlyData SendWithTheCertificate(const TlsOptions& client_options,
                                 const TlsOptions& server_options,
                                 const std::vector<uint8_t>& payload) {
  EarlyData result;
  auto client = Stream(client_options, TlsStream::Role::kClient);
  auto server = Stream(server_options, TlsStream::Role::kServer);
  if (client == nullptr || server == nullptr) return result;
  // All that waits, in one read.
  const auto deliver = [](TlsStream& from, TlsStream& to,
                          std::vector<uint8_t>& received) {
    std::vector<uint8_t> bytes;
    while (!from.Pending().empty()) {
      bytes.insert(bytes.end(), from.Pending().begin(), from.Pending().end());
      from.Consumed(from.Pending().size());
    }
    return to.Receive(bytes, received);
  };
  std::vector<uint8_t> client_received;
  EXPECT_TRUE(deliver(*client, *server, result.server_received).ok());
  EXPECT_TRUE(deliver(*server, *client, client_received).ok());
  EXPECT_TRUE(client->established());
  EXPECT_EQ(client->Seal(payload), payload.size());
  result.server_status = deliver(*client, *server, result.server_received);
  result.server_failure = server->failure();
  return result;
}

// With TlsOptions::peer_names, the CA's signature (and the address) is not
// enough: the certificate must carry one of the names, exactly, in a DNS
// subject alternative name. A certificate the same CA made for something
// else, a wildcard for the whole domain, or the name only as the common
// name, is refused both ways, with either identity; nothing it sent
// reaches the node.
TEST(TlsTest, CertificateWithoutAPeerNameIsRefused) {
  auto pki = MakePki("names");
  TestPki::Leaf member_leaf;
  member_leaf.dns = {"members.swim.example"};
  TestPki::Leaf other_service;
  other_service.dns = {"web.swim.example"};
  TestPki::Leaf wildcard;
  wildcard.dns = {"*.swim.example"};
  TestPki::Leaf second_name;
  second_name.dns = {"web.swim.example", "MEMBERS.other.example"};
  // The name only as the subject's common name, with no subject
  // alternative name at all (a library reading the common name would
  // take it), and with an address.
  TestPki::Leaf no_alternative_names;
  no_alternative_names.ips = {};
  auto member = pki->Issue("member", member_leaf);
  auto web = pki->Issue("web", other_service);
  auto any = pki->Issue("wildcard", wildcard);
  auto common_name = pki->Issue("members.swim.example", no_alternative_names);
  auto common_name_and_ip = pki->Issue("members.other.example");
  auto renamed = pki->Issue("renamed", second_name);
  ASSERT_TRUE(member.ok() && web.ok() && any.ok() && common_name.ok() &&
              common_name_and_ip.ok() && renamed.ok());
  std::vector<TlsOptions*> strangers = {&*web, &*any, &*common_name,
                                        &*common_name_and_ip};
  for (TlsOptions* options : {&*member, &*renamed}) {
    options->peer_names = {"members.swim.example", "members.other.example"};
  }
  for (TlsOptions* options : strangers) {
    options->peer_names = member->peer_names;
    options->check_own_certificate = false;  // loads them all the same
  }

  Pair good = Connect(*member, *member);
  EXPECT_TRUE(good.client->established());
  EXPECT_TRUE(good.server->established());
  // Any one of the names will do, in any case.
  Pair second = Connect(*member, *renamed);
  EXPECT_TRUE(second.client->established());
  EXPECT_TRUE(second.server->established());

  const std::vector<uint8_t> payload = {'s', 'w', 'i', 'm'};
  for (TlsIdentity identity : {TlsIdentity::kAddress, TlsIdentity::kCaOnly}) {
    TlsOptions ours = *member;
    ours.identity = identity;
    for (TlsOptions* stranger : strangers) {
      SCOPED_TRACE(stranger->certificate_file);
      TlsOptions theirs = *stranger;
      theirs.identity = identity;
      if (identity == TlsIdentity::kAddress &&
          theirs.certificate_file == common_name->certificate_file) {
        continue;  // no address either: refused for that anyway
      }
      Pair outgoing = Connect(ours, theirs);
      EXPECT_EQ(outgoing.client->failure(), TlsFailure::kIdentityMismatch);
      EXPECT_NE(outgoing.client->error().message().find("--tls-peer-name"),
                std::string::npos)
          << outgoing.client->error();
      Pair incoming = Connect(theirs, ours);
      EXPECT_EQ(incoming.server->failure(), TlsFailure::kIdentityMismatch);
      // Data sent with the certificate is never decrypted for the node.
      EarlyData early = SendWithTheCertificate(theirs, ours, payload);
      EXPECT_FALSE(early.server_status.ok());
      EXPECT_EQ(early.server_failure, TlsFailure::kIdentityMismatch);
      EXPECT_TRUE(early.server_received.empty());
      // Without the names, the same data arrives (so the check above can
      // fail).
      TlsOptions unnamed = ours;
      unnamed.peer_names.clear();
      EXPECT_EQ(
          SendWithTheCertificate(theirs, unnamed, payload).server_received,
          payload);
    }
  }

  // The address is still checked beside the name.
  Pair elsewhere = Connect(*member, *member, *Address::Parse("127.0.0.2:1"));
  EXPECT_EQ(elsewhere.client->failure(), TlsFailure::kIdentityMismatch);
  // And without peer_names the CA's word is enough, as before.
  TlsOptions unnamed = *member;
  unnamed.peer_names.clear();
  EXPECT_TRUE(Connect(unnamed, *web).client->established());
}

// A member whose own certificate lacks every peer name would be refused by
// every peer requiring them: it is refused at load, naming the file, the
// names and the fix, unless asked not to. Names that are no DNS name are
// refused before any file is read.
TEST(TlsTest, LoadRefusesACertificateWithoutThePeerNames) {
  auto pki = MakePki("own-names");
  TestPki::Leaf named;
  named.dns = {"members.swim.example"};
  auto member = pki->Issue("member", named);
  auto bare = pki->Issue("bare");
  ASSERT_TRUE(member.ok() && bare.ok());
  member->peer_names = {"members.swim.example"};
  EXPECT_TRUE(TlsContext::Load(*member).ok());

  bare->peer_names = {"members.swim.example", "other.example"};
  auto loaded = TlsContext::Load(*bare);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(loaded.status().message());
  for (const std::string& part :
       {bare->certificate_file, std::string("members.swim.example, other"),
        std::string("subjectAltName=DNS:members.swim.example")}) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
  }
  bare->check_own_certificate = false;
  EXPECT_TRUE(TlsContext::Load(*bare).ok());

  for (const std::string& bad :
       {std::string("*.swim.example"), std::string(""),
        std::string("members..example"), std::string("-members.example"),
        std::string("members.example."), std::string("member s.example"),
        std::string("members\0.example", 16), std::string(64, 'a'),
        std::string("10.0.0.1"), std::string("127.1"),
        std::string("swim.example.7946"), std::string("members_1.example"),
        absl::StrCat(std::string(63, 'a'), ".", std::string(63, 'b'), ".",
                     std::string(63, 'c'), ".", std::string(62, 'd'))}) {
    TlsOptions options = *member;
    options.peer_names = {bad};
    options.check_own_certificate = false;  // the names alone are refused
    loaded = TlsContext::Load(options);
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(loaded.status().message().find("tls.peer_names entry"),
              std::string::npos)
        << loaded.status();
  }
  // 253 characters, the most a name may have.
  TlsOptions longest = *member;
  longest.peer_names = {
      absl::StrCat(std::string(63, 'a'), ".", std::string(63, 'b'), ".",
                   std::string(63, 'c'), ".", std::string(61, 'd'))};
  longest.check_own_certificate = false;
  EXPECT_TRUE(TlsContext::Load(longest).ok());

  TlsOptions many = *member;
  many.peer_names.assign(TlsOptions::kMaxPeerNames + 1, "members.swim.example");
  EXPECT_FALSE(TlsContext::Load(many).ok());
  many.peer_names.resize(TlsOptions::kMaxPeerNames);
  EXPECT_TRUE(TlsContext::Load(many).ok());
}

// A client driven with the TLS library directly, to send what TlsStream
// never does (no certificate, close_notify).
struct RawClient {
  SSL* ssl = nullptr;
  BIO* in = nullptr;
  BIO* out = nullptr;

  explicit RawClient(SSL_CTX* context) {
    ssl = SSL_new(context);
    in = BIO_new(BIO_s_mem());
    out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
  }
  ~RawClient() { SSL_free(ssl); }
  std::vector<uint8_t> Output() {
    std::vector<uint8_t> bytes(BIO_ctrl_pending(out));
    BIO_read(out, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  void Input(absl::Span<const uint8_t> bytes) {
    BIO_write(in, bytes.data(), static_cast<int>(bytes.size()));
  }
};

TEST(TlsTest, PeerWithoutCertificateIsRefused) {
  auto pki = MakePki("anonymous");
  auto member = pki->Issue("member");
  ASSERT_TRUE(member.ok());
  // A client that presents no certificate (built by hand: TlsContext
  // always has one).
  SSL_CTX* anonymous = SSL_CTX_new(TLS_method());
  SSL_CTX_set_min_proto_version(anonymous, TLS1_3_VERSION);
  {
    RawClient client(anonymous);
    auto server = Stream(*member, TlsStream::Role::kServer);
    ASSERT_NE(server, nullptr);
    std::vector<uint8_t> received;
    absl::Status status;
    for (int round = 0; round < 10 && status.ok(); ++round) {
      SSL_do_handshake(client.ssl);
      status = server->Receive(client.Output(), received);
      client.Input(server->Pending());
      server->Consumed(server->Pending().size());
    }
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(server->failure(), TlsFailure::kNoCertificate) << status;
  }
  SSL_CTX_free(anonymous);
}

TEST(TlsTest, GarbageIsAProtocolError) {
  auto pki = MakePki("garbage");
  auto member = pki->Issue("member");
  ASSERT_TRUE(member.ok());
  auto server = Stream(*member, TlsStream::Role::kServer);
  ASSERT_NE(server, nullptr);
  std::vector<uint8_t> received;
  const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const absl::Status status = server->Receive(
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(junk.data()),
                          junk.size()),
      received);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(server->failure(), TlsFailure::kProtocol);
  EXPECT_TRUE(received.empty());
  // A failed stream takes nothing more.
  EXPECT_FALSE(server->Receive({}, received).ok());
}

TEST(TlsTest, TamperedRecordFailsTheConnection) {
  auto pki = MakePki("tamper");
  auto a = pki->Issue("a");
  ASSERT_TRUE(a.ok());
  Pair pair = Connect(*a, *a);
  ASSERT_TRUE(pair.server->established());
  const std::vector<uint8_t> data(100, 42);
  ASSERT_EQ(pair.client->Seal(data), data.size());
  std::vector<uint8_t> bytes(pair.client->Pending().begin(),
                             pair.client->Pending().end());
  bytes[bytes.size() - 3] ^= 1;
  EXPECT_FALSE(pair.server->Receive(bytes, pair.server_received).ok());
  EXPECT_EQ(pair.server->failure(), TlsFailure::kProtocol);
  EXPECT_TRUE(pair.server_received.empty());
}

// Handshakes a raw client with a TlsStream server.
void Handshake(RawClient& client, TlsStream& server) {
  std::vector<uint8_t> received;
  for (int round = 0; round < 10 && !server.established(); ++round) {
    SSL_do_handshake(client.ssl);
    ASSERT_TRUE(server.Receive(client.Output(), received).ok());
    while (!server.Pending().empty()) {
      client.Input(server.Pending());
      server.Consumed(server.Pending().size());
    }
  }
  ASSERT_TRUE(server.established());
}

// A raw client and a TlsStream server, both of one member's certificate
// from a CA of their own, past their handshake once Open returns (a test
// checks server->established()).
struct RawSession {
  void Open(absl::string_view name) {
    pki = MakePki(name);
    ASSERT_NE(pki, nullptr);
    absl::StatusOr<TlsOptions> member = pki->Issue("member");
    ASSERT_TRUE(member.ok());
    context = Context(*member);
    client = std::make_unique<RawClient>(context->get());
    absl::StatusOr<std::unique_ptr<TlsStream>> created =
        TlsStream::Create(context, TlsStream::Role::kServer, kLoopback);
    ASSERT_TRUE(created.ok());
    server = *std::move(created);
    Handshake(*client, *server);
  }

  std::unique_ptr<TestPki> pki;
  std::shared_ptr<const TlsContext> context;
  std::unique_ptr<RawClient> client;
  std::unique_ptr<TlsStream> server;
};

TEST(TlsTest, NothingIsBufferedAfterThePeersCloseNotify) {
  RawSession session;
  session.Open("close");
  ASSERT_TRUE(session.server != nullptr && session.server->established());
  TlsStream& server = *session.server;
  SSL_shutdown(session.client->ssl);
  std::vector<uint8_t> received;
  ASSERT_TRUE(server.Receive(session.client->Output(), received).ok());
  // A megabyte after it: dropped, not buffered, not an error.
  const std::vector<uint8_t> more(1 << 20, 0x17);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(server.Receive(more, received).ok());
  }
  EXPECT_TRUE(received.empty());
  EXPECT_EQ(server.buffered_input(), 0u);
}

// A peer that keeps asking for key updates and never reads the answers:
// they stay bounded. OpenSSL answers every request, and the connection
// fails (kProtocol) once the answers pass kMaxUnread; BoringSSL answers
// one at a time, only after its output was written.
TEST(TlsTest, AnswersThePeerDoesNotReadAreBounded) {
  RawSession session;
  session.Open("key-updates");
  ASSERT_TRUE(session.server != nullptr && session.server->established());
  TlsStream& server = *session.server;
  RawClient& client = *session.client;
  std::vector<uint8_t> received;
  absl::Status status;
  for (int round = 0; round < 20000 && status.ok(); ++round) {
    ASSERT_EQ(SSL_key_update(client.ssl, SSL_KEY_UPDATE_REQUESTED), 1);
    const uint8_t byte = 1;  // with data, as a busy connection has
    ASSERT_EQ(SSL_write(client.ssl, &byte, 1), 1);
    status = server.Receive(client.Output(), received);
    // The server's socket is full: nothing it wrote is taken.
    ASSERT_LE(server.pending_bytes(), TlsStream::kMaxUnread + 4096);
  }
  if (!status.ok()) {
    EXPECT_EQ(server.failure(), TlsFailure::kProtocol) << status;
    EXPECT_NE(status.message().find("does not read"), absl::string_view::npos);
  }
  EXPECT_GT(received.size(), 1000u);  // it was served until then
}

TEST(TlsTest, InputIsDecryptedAsItComes) {
  auto pki = MakePki("buffered");
  auto a = pki->Issue("a");
  ASSERT_TRUE(a.ok());
  Pair pair = Connect(*a, *a);
  ASSERT_TRUE(pair.server->established());
  const std::vector<uint8_t> data(200000, 5);
  size_t sent = 0;
  while (sent < data.size()) {
    sent += pair.client->Seal(absl::MakeConstSpan(data).subspan(sent));
    // Delivered 1000 bytes at a time: at most a partial record waits.
    while (pair.client->pending_bytes() > 0) {
      const auto pending = pair.client->Pending();
      const size_t take = std::min<size_t>(pending.size(), 1000);
      ASSERT_TRUE(
          pair.server->Receive(pending.subspan(0, take), pair.server_received)
              .ok());
      pair.client->Consumed(take);
      EXPECT_LE(pair.server->buffered_input(), 16384u + 256u);
    }
  }
  EXPECT_EQ(pair.server_received, data);
}

TEST(TlsTest, OnlyAlertsAboutCertificatesAreRefusals) {
  auto pki = MakePki("alert");
  auto member = pki->Issue("member");
  ASSERT_TRUE(member.ok());
  // A fatal alert to a member that sent only its ClientHello, or nothing
  // yet: "handshake failure" (40) says nothing about its certificate, and
  // neither does "unknown CA" (48) from a peer that was never shown it (a
  // scanner): both are protocol errors. (A server's TLS library may also
  // refuse an alert before any ClientHello as an unexpected message.)
  for (TlsStream::Role role :
       {TlsStream::Role::kClient, TlsStream::Role::kServer}) {
    for (uint8_t alert : {40, 48}) {
      auto stream = Stream(*member, role);
      ASSERT_NE(stream, nullptr);
      const std::vector<uint8_t> record = {0x15, 0x03, 0x03, 0x00,
                                           0x02, 0x02, alert};
      std::vector<uint8_t> received;
      EXPECT_FALSE(stream->Receive(record, received).ok());
      EXPECT_EQ(stream->failure(), TlsFailure::kProtocol) << stream->error();
      if (role == TlsStream::Role::kClient) {
        EXPECT_NE(stream->error().message().find("alert"), std::string::npos)
            << stream->error();
      }
    }
  }
  // Once shown the certificate, the peer's "unknown CA" is a refusal: a
  // member of another CA refuses this server's certificate (and this
  // server refuses the client's).
  auto other_pki = MakePki("alert-other");
  auto stranger = other_pki->Issue("stranger");
  ASSERT_TRUE(stranger.ok());
  Pair pair = Connect(*stranger, *member);
  EXPECT_EQ(pair.client->failure(), TlsFailure::kUntrusted)
      << pair.client_status;
  EXPECT_EQ(pair.server->failure(), TlsFailure::kRefusedByPeer)
      << pair.server->error();
}

TEST(TlsTest, LoadNamesTheFileThatCannotBeUsed) {
  auto pki = MakePki("load");
  auto a = pki->Issue("a");
  auto b = pki->Issue("b");
  ASSERT_TRUE(a.ok() && b.ok());
  TlsOptions missing = *a;
  missing.certificate_file = TestDirectory() + "/nowhere.crt";
  auto loaded = TlsContext::Load(missing);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("nowhere.crt"), std::string::npos)
      << loaded.status();

  TlsOptions mismatched = *a;
  mismatched.key_file = b->key_file;
  loaded = TlsContext::Load(mismatched);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("does not belong"),
            std::string::npos)
      << loaded.status();

  TlsOptions bad_ca = *a;
  bad_ca.ca_file = a->key_file;  // a key is no certificate
  loaded = TlsContext::Load(bad_ca);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("CA file"), std::string::npos)
      << loaded.status();

  loaded = TlsContext::Load(TlsOptions{});
  EXPECT_FALSE(loaded.ok());
}

// A certificate that every member sharing the bundle would refuse is
// refused when loaded, with the file and the reason, unless asked not to.
TEST(TlsTest, LoadRefusesACertificateItsOwnBundleWouldRefuse) {
  auto ours = MakePki("own");
  auto theirs = MakePki("renewal");
  TestPki::Leaf expired;
  expired.not_before = -absl::Hours(48);
  expired.not_after = -absl::Hours(1);
  TestPki::Leaf future;
  future.not_before = absl::Hours(2);
  auto good = ours->Issue("good");
  // Renewed by another CA, and the bundle left as it was.
  auto other_ca = theirs->IssueTrusting("other-ca", TestPki::Leaf(), *ours);
  auto old = ours->Issue("old", expired);
  auto early = ours->Issue("early", future);
  ASSERT_TRUE(good.ok() && other_ca.ok() && old.ok() && early.ok());
  EXPECT_TRUE(TlsContext::Load(*good).ok());

  struct Case {
    TlsOptions options;
    const char* reason;
  };
  for (Case& refused : std::vector<Case>{{*other_ca, "local issuer"},
                                         {*old, "expired"},
                                         {*early, "not yet valid"}}) {
    auto loaded = TlsContext::Load(refused.options);
    ASSERT_FALSE(loaded.ok()) << refused.reason;
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(loaded.status().message());
    EXPECT_NE(message.find(refused.options.certificate_file), std::string::npos)
        << message;
    EXPECT_NE(message.find(refused.options.ca_file), std::string::npos)
        << message;
    EXPECT_NE(message.find(refused.reason), std::string::npos) << message;
    refused.options.check_own_certificate = false;
    EXPECT_TRUE(TlsContext::Load(refused.options).ok()) << refused.reason;
  }
}

// TLS 1.3 signs every handshake: a certificate whose keyUsage lacks
// digitalSignature is refused at load, with either library (OpenSSL
// would load it; BoringSSL peers would refuse it in every handshake).
TEST(TlsTest, LoadRefusesACertificateThatCannotSign) {
  auto pki = MakePki("key-usage");
  TestPki::Leaf agreement_only;
  agreement_only.key_usage = "critical,keyAgreement";
  auto member = pki->Issue("agreement", agreement_only);
  ASSERT_TRUE(member.ok()) << member.status();
  auto loaded = TlsContext::Load(*member);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find(member->certificate_file),
            std::string::npos)
      << loaded.status();
}

// expires() is the certificate's notAfter, or an earlier one in the chain
// its file holds.
TEST(TlsTest, LoadReadsWhenTheCertificateExpires) {
  auto pki = MakePki("expiry");
  TestPki::Leaf five_hours;
  five_hours.not_after = absl::Hours(5);
  TestPki::Leaf two_hours;
  two_hours.not_after = absl::Hours(2);
  const absl::Time issued = absl::Now();
  auto member = pki->Issue("five", five_hours);
  auto other = pki->Issue("two", two_hours);
  ASSERT_TRUE(member.ok() && other.ok());
  auto loaded = TlsContext::Load(*member);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  // Certificates keep whole seconds.
  EXPECT_LE(absl::AbsDuration((*loaded)->expires() - (issued + absl::Hours(5))),
            absl::Seconds(5));

  std::ofstream(member->certificate_file, std::ios::app)
      << std::ifstream(other->certificate_file).rdbuf();
  auto chained = TlsContext::Load(*member);
  ASSERT_TRUE(chained.ok()) << chained.status();
  EXPECT_LE(
      absl::AbsDuration((*chained)->expires() - (issued + absl::Hours(2))),
      absl::Seconds(5));
}

TEST(TlsTest, FailureNamesAreDistinct) {
  const TlsFailure all[] = {
      TlsFailure::kProtocol,         TlsFailure::kNoCertificate,
      TlsFailure::kUntrusted,        TlsFailure::kExpired,
      TlsFailure::kIdentityMismatch, TlsFailure::kRefusedByPeer};
  DriverStats stats;
  for (TlsFailure failure : all) CountTlsFailure(failure, stats);
  EXPECT_EQ(stats.tls_protocol_errors + stats.tls_no_certificate +
                stats.tls_untrusted_certificate +
                stats.tls_expired_certificate + stats.tls_identity_mismatches +
                stats.tls_refused_by_peer,
            6u);
  EXPECT_EQ(stats.tls_protocol_errors, 1u);
  EXPECT_EQ(stats.tls_refused_by_peer, 1u);
  std::vector<std::string> names;
  for (TlsFailure failure : all) {
    names.emplace_back(TlsFailureName(failure));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace swim::net
