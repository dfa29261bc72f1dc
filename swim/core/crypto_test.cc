#include "swim/core/crypto.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

// Published known answers for every primitive, so each backend is checked
// against the standards and not only against the other.
namespace swim::crypto {
namespace {

std::vector<uint8_t> Hex(absl::string_view hex) {
  const std::string bytes = absl::HexStringToBytes(hex);
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

std::string ToHex(absl::Span<const uint8_t> bytes) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::vector<uint8_t> Bytes(absl::string_view text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

TEST(CryptoTest, NamesItsBackend) { EXPECT_FALSE(BackendName().empty()); }

// RFC 5869, test cases 1 and 3 (the second with empty salt and info, as
// the keyring derives its keys).
TEST(CryptoTest, HkdfSha256MatchesRfc5869) {
  std::vector<uint8_t> out(42);
  ASSERT_TRUE(HkdfSha256(Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                         Hex("000102030405060708090a0b0c"),
                         absl::HexStringToBytes("f0f1f2f3f4f5f6f7f8f9"),
                         absl::MakeSpan(out)));
  EXPECT_EQ(ToHex(out),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
  ASSERT_TRUE(HkdfSha256(Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                         {}, "", absl::MakeSpan(out)));
  EXPECT_EQ(ToHex(out),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

// RFC 4231, test cases 2 (short key) and 6 (a key longer than a block).
TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  uint8_t tag[kHmacSize];
  HmacSha256 jefe;
  ASSERT_TRUE(jefe.Init(Bytes("Jefe")));
  const std::vector<uint8_t> what = Bytes("what do ya want ");
  const std::vector<uint8_t> nothing = Bytes("for nothing?");
  jefe.Compute(what, nothing, tag);
  EXPECT_EQ(ToHex(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The keyed state is reused: the same tag again, and split differently.
  jefe.Compute({}, Bytes("what do ya want for nothing?"), tag);
  EXPECT_EQ(ToHex(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  HmacSha256 long_key;
  ASSERT_TRUE(long_key.Init(std::vector<uint8_t>(131, 0xaa)));
  long_key.Compute(Bytes("Test Using Larger Than Block-Size Key - "),
                   Bytes("Hash Key First"), tag);
  EXPECT_EQ(ToHex(tag),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// FIPS-197, appendix C.3.
TEST(CryptoTest, AesBlockMatchesFips197) {
  AesBlock aes;
  ASSERT_TRUE(
      aes.Init(Hex("000102030405060708090a0b0c0d0e0f"
                   "101112131415161718191a1b1c1d1e1f")));
  const std::vector<uint8_t> in = Hex("00112233445566778899aabbccddeeff");
  uint8_t out[kBlockSize];
  aes.Encrypt(in.data(), out);
  EXPECT_EQ(ToHex(out), "8ea2b7ca516745bfeafc49904b496089");
  EXPECT_FALSE(aes.Init(Hex("0011")));
}

// The GCM specification's test cases 13, 14 and 16 (AES-256).
TEST(CryptoTest, AesGcmMatchesTheGcmSpecification) {
  AesGcm zero;
  ASSERT_TRUE(zero.Init(std::vector<uint8_t>(32, 0)));
  const std::vector<uint8_t> zero_nonce(kNonceSize, 0);
  std::vector<uint8_t> out(16 + kGcmTagSize);
  ASSERT_TRUE(zero.Seal(zero_nonce.data(), {}, {}, out.data()));
  EXPECT_EQ(ToHex(absl::MakeSpan(out).first(kGcmTagSize)),
            "530f8afbc74536b9a963b4f1c4cb738b");
  ASSERT_TRUE(zero.Seal(zero_nonce.data(), std::vector<uint8_t>(16, 0), {},
                        out.data()));
  EXPECT_EQ(ToHex(out),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");

  AesGcm key;
  ASSERT_TRUE(
      key.Init(Hex("feffe9928665731c6d6a8f9467308308"
                   "feffe9928665731c6d6a8f9467308308")));
  const std::vector<uint8_t> nonce = Hex("cafebabefacedbaddecaf888");
  const std::vector<uint8_t> plaintext =
      Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
          "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::vector<uint8_t> aad =
      Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  std::vector<uint8_t> sealed(plaintext.size() + kGcmTagSize);
  ASSERT_TRUE(key.Seal(nonce.data(), plaintext, aad, sealed.data()));
  EXPECT_EQ(ToHex(sealed),
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
            "76fc6ece0f4e1768cddf8853bb2d551b");

  std::vector<uint8_t> opened(plaintext.size());
  ASSERT_TRUE(key.Open(nonce.data(), sealed, aad, opened.data()));
  EXPECT_EQ(opened, plaintext);

  // Any changed bit fails, and the output is wiped.
  for (size_t bit : {size_t{0}, sealed.size() * 8 - 1}) {
    std::vector<uint8_t> tampered = sealed;
    tampered[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    std::vector<uint8_t> wiped(plaintext.size(), 0x55);
    EXPECT_FALSE(key.Open(nonce.data(), tampered, aad, wiped.data()));
    EXPECT_EQ(wiped, std::vector<uint8_t>(plaintext.size(), 0));
  }
  std::vector<uint8_t> other_aad = aad;
  other_aad[0] ^= 1;
  EXPECT_FALSE(key.Open(nonce.data(), sealed, other_aad, opened.data()));
  EXPECT_FALSE(key.Open(nonce.data(), absl::MakeSpan(sealed).first(15), aad,
                        opened.data()));
}

TEST(CryptoTest, UnkeyedOrWronglyKeyedAeadRefuses) {
  AesGcm unkeyed;
  uint8_t nonce[kNonceSize] = {};
  uint8_t out[kGcmTagSize];
  EXPECT_FALSE(unkeyed.Seal(nonce, {}, {}, out));
  EXPECT_FALSE(unkeyed.Open(nonce, out, {}, out));
  EXPECT_FALSE(unkeyed.Init(std::vector<uint8_t>(16, 1)));
}

// RFC 7914, section 12, the first vector.
TEST(CryptoTest, ScryptMatchesRfc7914) {
  std::vector<uint8_t> out(64);
  ASSERT_TRUE(Scrypt("", {}, 16, 1, 1, 1 << 20, absl::MakeSpan(out)));
  EXPECT_EQ(ToHex(out),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  // More memory than allowed is refused, not attempted.
  EXPECT_FALSE(
      Scrypt("password", {}, 1 << 16, 8, 1, 1 << 20, absl::MakeSpan(out)));
}

TEST(CryptoTest, RandomBytesAndConstantTimeEqual) {
  std::vector<uint8_t> a(32, 0);
  std::vector<uint8_t> b(32, 0);
  ASSERT_TRUE(RandomBytes(absl::MakeSpan(a)));
  ASSERT_TRUE(RandomBytes(absl::MakeSpan(b)));
  EXPECT_NE(a, std::vector<uint8_t>(32, 0));
  EXPECT_NE(a, b);
  EXPECT_TRUE(ConstantTimeEqual(a.data(), a.data(), a.size()));
  b = a;
  b.back() ^= 1;
  EXPECT_FALSE(ConstantTimeEqual(a.data(), b.data(), a.size()));
  std::vector<uint8_t> c = a;
  Cleanse(c.data(), c.size());
  EXPECT_EQ(c, std::vector<uint8_t>(32, 0));
}

}  // namespace
}  // namespace swim::crypto
