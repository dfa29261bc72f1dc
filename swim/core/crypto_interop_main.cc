// crypto_interop: proves that swim built on BoringSSL and swim built on
// OpenSSL 3 speak the same envelope. Built once per crypto backend (CMake
// builds crypto_interop_boringssl and crypto_interop_openssl when both
// libraries are installed); crypto_interop_test.sh runs them against each
// other.
//
//   crypto_interop seal        prints every case sealed, one per line
//   crypto_interop open FILE   opens every line of FILE (sealed by the other
//                              backend) and checks it gives the case's packet
//
// The cases cover both secure modes, 16-, 24- and 32-byte secrets, empty
// and long labels, packets from 0 bytes to the maximum, several packets per
// envelope (so the nonce sequence advances), keyrings where the sealing key
// is not the first installed, and the key derivations (HKDF, scrypt). Two
// builds that print the same bytes for the same nonce seeds seal
// identically; each opening the other's output shows they also
// authenticate and decrypt identically.

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "swim/core/crypto.h"
#include "swim/core/envelope.h"
#include "swim/core/keyring.h"
#include "swim/core/security_mode.h"
#include "swim/core/wire.h"

namespace swim {
namespace {

struct Case {
  std::string name;
  SecurityMode mode;
  std::string label;
  std::vector<std::string> secrets;  // the first seals
  size_t packets;                    // sealed one after another
  size_t packet_size;
};

std::string Secret(size_t size, uint8_t salt) {
  std::string secret(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    secret[i] = static_cast<char>(i * 7 + salt);
  }
  return secret;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  // Up to a whole stream chunk (16 KiB).
  const size_t sizes[] = {0, 1, 15, 16, 17, 100, 1400, 16384};
  for (SecurityMode mode :
       {SecurityMode::kAuthenticated, SecurityMode::kEncrypted}) {
    for (size_t secret_size : {16, 24, 32}) {
      for (size_t size : sizes) {
        cases.push_back({absl::StrCat(SecurityModeName(mode), "-key",
                                      secret_size, "-", size),
                         mode,
                         "",
                         {Secret(secret_size, 1)},
                         1,
                         size});
      }
    }
    cases.push_back({absl::StrCat(SecurityModeName(mode), "-label"),
                     mode,
                     "prod-eu-west",
                     {Secret(32, 2)},
                     3,
                     64});
    cases.push_back({absl::StrCat(SecurityModeName(mode), "-label255"),
                     mode,
                     std::string(255, 'L'),
                     {Secret(32, 3)},
                     1,
                     300});
    cases.push_back({absl::StrCat(SecurityModeName(mode), "-sequence"),
                     mode,
                     "seq",
                     {Secret(32, 4)},
                     40,
                     48});
    cases.push_back({absl::StrCat(SecurityModeName(mode), "-rotated"),
                     mode,
                     "",
                     {Secret(16, 5), Secret(32, 6), Secret(24, 7)},
                     2,
                     77});
  }
  return cases;
}

std::vector<uint8_t> Packet(const Case& c, size_t index) {
  std::vector<uint8_t> packet(c.packet_size);
  for (size_t i = 0; i < packet.size(); ++i) {
    packet[i] = static_cast<uint8_t>(i * 31 + index * 17 + c.name.size());
  }
  return packet;
}

absl::StatusOr<Envelope> MakeEnvelope(const Case& c, bool sealing) {
  // The opener installs the keys in another order: any installed key opens.
  std::vector<std::string> secrets = c.secrets;
  if (!sealing) std::reverse(secrets.begin(), secrets.end());
  absl::StatusOr<Keyring> keyring = Keyring::Create(secrets);
  if (!keyring.ok()) return keyring.status();
  EnvelopeConfig config;
  config.mode = c.mode;
  config.label = c.label;
  for (size_t i = 0; i < config.nonce_seed.size(); ++i) {
    config.nonce_seed[i] = static_cast<uint8_t>(i + c.name.size());
  }
  return Envelope::Create(config, *std::move(keyring));
}

std::string Hex(absl::Span<const uint8_t> bytes) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

int Seal() {
  for (const Case& c : Cases()) {
    absl::StatusOr<Envelope> envelope = MakeEnvelope(c, /*sealing=*/true);
    if (!envelope.ok()) {
      std::cerr << c.name << ": " << envelope.status() << "\n";
      return 1;
    }
    for (size_t i = 0; i < c.packets; ++i) {
      const std::vector<uint8_t> packet = Packet(c, i);
      std::vector<uint8_t> sealed(packet.size() + envelope->Overhead());
      absl::StatusOr<size_t> size =
          envelope->Seal(packet, absl::MakeSpan(sealed));
      if (!size.ok()) {
        std::cerr << c.name << ": " << size.status() << "\n";
        return 1;
      }
      std::cout << c.name << " " << i << " " << Hex(sealed) << "\n";
    }
  }
  // The key derivations, compared byte for byte with the other backend.
  const std::string secret = Secret(32, 9);
  std::vector<uint8_t> hkdf(64);
  std::vector<uint8_t> scrypt(32);
  const std::vector<uint8_t> salt = {'s', 'w', 'i', 'm'};
  if (!crypto::HkdfSha256(
          absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(secret.data()),
                              secret.size()),
          salt, "swim interop", absl::MakeSpan(hkdf)) ||
      !crypto::Scrypt("correct horse", salt, 1 << 10, 8, 1, 16 << 20,
                      absl::MakeSpan(scrypt))) {
    std::cerr << "key derivation failed\n";
    return 1;
  }
  std::cout << "hkdf 0 " << Hex(hkdf) << "\n";
  std::cout << "scrypt 0 " << Hex(scrypt) << "\n";
  return 0;
}

int Open(const char* path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    return 1;
  }
  std::vector<Case> cases = Cases();
  size_t opened = 0;
  int failures = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() != 3) {
      std::cerr << "malformed line: " << line.substr(0, 80) << "\n";
      return 1;
    }
    if (fields[0] == "hkdf" || fields[0] == "scrypt") continue;
    const Case* c = nullptr;
    for (const Case& candidate : cases) {
      if (candidate.name == fields[0]) c = &candidate;
    }
    size_t index = 0;
    if (c == nullptr || !absl::SimpleAtoi(fields[1], &index)) {
      std::cerr << "unknown case: " << fields[0] << "\n";
      return 1;
    }
    absl::StatusOr<Envelope> envelope = MakeEnvelope(*c, /*sealing=*/false);
    if (!envelope.ok()) {
      std::cerr << c->name << ": " << envelope.status() << "\n";
      return 1;
    }
    const std::string sealed = absl::HexStringToBytes(fields[2]);
    std::vector<uint8_t> scratch(sealed.size());
    absl::StatusOr<absl::Span<const uint8_t>> packet = envelope->Open(
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(sealed.data()),
                            sealed.size()),
        absl::MakeSpan(scratch));
    const std::vector<uint8_t> expected = Packet(*c, index);
    if (!packet.ok()) {
      std::cerr << c->name << " " << index << ": " << packet.status() << "\n";
      ++failures;
    } else if (std::vector<uint8_t>(packet->begin(), packet->end()) !=
               expected) {
      std::cerr << c->name << " " << index << ": opened to other bytes\n";
      ++failures;
    }
    ++opened;
  }
  std::cout << crypto::BackendName() << " opened " << opened - failures
            << " of " << opened << " packets\n";
  return failures == 0 && opened > 0 ? 0 : 1;
}

}  // namespace
}  // namespace swim

int main(int argc, char** argv) {
  const std::string command = argc >= 2 ? argv[1] : "";
  if (command == "seal" && argc == 2) return swim::Seal();
  if (command == "open" && argc == 3) return swim::Open(argv[2]);
  if (command == "backend" && argc == 2) {
    std::cout << swim::crypto::BackendName() << "\n";
    return 0;
  }
  std::cerr << "usage: " << argv[0] << " seal | open FILE | backend\n";
  return 2;
}
