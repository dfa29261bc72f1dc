// Cluster keys leave no copy in freed memory: a key removed at runtime, a
// node destroyed, a config refused with its keys or a replay frees no heap
// block that still holds the secret or the AES-256 key derived from it. This
// binary replaces the global operator new and delete to look inside every
// block freed with delete while a check is watching. (Blocks a crypto
// library frees with free() are its own to wipe; BoringSSL's and OpenSSL's
// do.)

#include <malloc.h>
// AES_set_encrypt_key, for the control: BoringSSL's, or OpenSSL 3's
// (deprecated there, still the same schedule).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/aes.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "swim/c/swim.h"
#include "swim/core/config.h"
#include "swim/core/crypto.h"
#include "swim/core/instant.h"
#include "swim/core/node.h"
#include "swim/core/recording.h"

namespace {

constexpr size_t kPatternSize = 16;
constexpr size_t kMaxPatterns = 8;

struct Watch {
  std::atomic<bool> on{false};
  std::array<std::array<char, kPatternSize>, kMaxPatterns> patterns{};
  size_t count = 0;
  std::atomic<int> found{0};
};
Watch g_watch;

void Inspect(void* block) {
  if (block == nullptr || !g_watch.on.load(std::memory_order_relaxed)) return;
  const size_t size = malloc_usable_size(block);
  for (size_t i = 0; i < g_watch.count; ++i) {
    if (memmem(block, size, g_watch.patterns[i].data(), kPatternSize) !=
        nullptr) {
      g_watch.found.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void* Allocate(std::size_t size) {
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void operator delete(void* p) noexcept {
  Inspect(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  Inspect(p);
  std::free(p);
}
void operator delete[](void* p) noexcept {
  Inspect(p);
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  Inspect(p);
  std::free(p);
}

namespace swim {
namespace {

constexpr char kOldKey[] = "old-cluster-key-0123456789abcdef";
constexpr char kNewKey[] = "new-cluster-key-fedcba9876543210";
static_assert(sizeof(kOldKey) == 33 && sizeof(kNewKey) == 33);

absl::string_view Secret(const char (&key)[33]) { return {key, 32}; }

using Pattern = std::array<char, kPatternSize>;

Pattern SecretPattern(absl::string_view secret) {
  Pattern out;
  std::memcpy(out.data(), secret.data(), kPatternSize);
  return out;
}

// The AES-256 key the keyring derives from `secret` (docs/wire.md,
// "Security").
std::array<uint8_t, crypto::kKeySize> AeadKeyOf(absl::string_view secret) {
  std::array<uint8_t, crypto::kKeySize> derived;
  EXPECT_TRUE(crypto::HkdfSha256(
      absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(secret.data()),
                          secret.size()),
      {}, "swim v1 aes-256-gcm", absl::MakeSpan(derived)));
  return derived;
}

// With AES-NI, AES's key schedule starts with the key itself, so a schedule
// freed unwiped shows the derived key's first 16 bytes (without it the
// schedule is stored transformed: see TheWatchSeesAnAesKeySchedule...).
Pattern AeadKeyPattern(absl::string_view secret) {
  Pattern out;
  std::memcpy(out.data(), AeadKeyOf(secret).data(), kPatternSize);
  return out;
}

// Watches every block freed with delete, from construction to Found(), for
// the patterns (kept off the heap, so that setting up frees nothing).
class FreedPatterns {
 public:
  FreedPatterns(std::initializer_list<Pattern> patterns) {
    g_watch.count = 0;
    for (const Pattern& pattern : patterns) Add(pattern);
    Start();
  }
  ~FreedPatterns() { g_watch.on.store(false); }

  // How many freed blocks held one of the patterns (each pattern counted).
  int Found() {
    g_watch.on.store(false);
    return g_watch.found.load();
  }

 protected:
  FreedPatterns() = default;
  void Add(const Pattern& pattern) {
    ASSERT_LT(g_watch.count, kMaxPatterns);
    g_watch.patterns[g_watch.count++] = pattern;
  }
  void Start() {
    g_watch.found.store(0);
    g_watch.on.store(true);
  }
};

// For the secrets and the AES keys derived from them.
class FreedSecrets : public FreedPatterns {
 public:
  FreedSecrets(std::initializer_list<absl::string_view> secrets) {
    g_watch.count = 0;
    for (absl::string_view secret : secrets) {
      Add(SecretPattern(secret));
      Add(AeadKeyPattern(secret));
    }
    Start();
  }
};

Config KeyedConfig(absl::string_view secret) {
  Config config = Config::Lan();
  config.name = "wiped";
  config.address = Address::Ipv4({127, 0, 0, 1}, 7946);
  config.generation = 1;
  config.seed = 1;
  config.nonce_seed.fill(1);
  config.keys.emplace_back(secret);
  return config;
}

TEST(SecretWipeTest, TheWatchSeesASecretFreedUnwiped) {
  auto* leaked = new std::string(Secret(kOldKey));
  FreedSecrets watch({Secret(kOldKey)});
  delete leaked;
  EXPECT_EQ(watch.Found(), 1);
}

TEST(SecretWipeTest, TheWatchSeesAnAesKeyScheduleFreedUnwiped) {
  const std::array<uint8_t, crypto::kKeySize> key = AeadKeyOf(Secret(kOldKey));
  auto* schedule = new AES_KEY;
  ASSERT_EQ(AES_set_encrypt_key(key.data(), 256, schedule), 0);
  FreedPatterns watch({AeadKeyPattern(Secret(kOldKey))});
  delete schedule;
  if (watch.Found() == 0) {
    GTEST_SKIP() << "this machine's AES key schedule does not begin with the "
                    "key (no AES-NI), so the derived-key checks here cannot "
                    "fail; the secrets' are unaffected";
  }
}

TEST(SecretWipeTest, CleanseStringWipesItsWholeBuffer) {
  std::string secret(Secret(kOldKey));
  secret.reserve(100);
  const char* buffer = secret.data();
  const size_t capacity = secret.capacity();
  crypto::CleanseString(secret);
  EXPECT_TRUE(secret.empty());
  ASSERT_EQ(secret.data(), buffer);
  for (size_t i = 0; i < capacity; ++i) ASSERT_EQ(buffer[i], 0) << i;
}

TEST(SecretWipeTest, ARemovedKeyAndADestroyedNodeLeaveNoCopy) {
  Config config = KeyedConfig(Secret(kOldKey));
  FreedSecrets watch({Secret(kOldKey), Secret(kNewKey)});
  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Create(std::move(config), Instant());
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_TRUE((*node)->config().keys.empty());
  ASSERT_TRUE((*node)->AddKey(Secret(kNewKey)).ok());
  ASSERT_TRUE((*node)->UseKey(Secret(kNewKey)).ok());
  ASSERT_TRUE((*node)->RemoveKey(Secret(kOldKey)).ok());
  EXPECT_EQ(watch.Found(), 0) << "after RemoveKey";

  std::vector<std::string> installed = (*node)->InstalledKeys();
  ASSERT_EQ(installed.size(), 1u);
  EXPECT_EQ(installed[0], Secret(kNewKey));
  crypto::CleanseStrings(installed);

  FreedSecrets destroyed({Secret(kOldKey), Secret(kNewKey)});
  node->reset();
  EXPECT_EQ(destroyed.Found(), 0) << "after the node is destroyed";
}

TEST(SecretWipeTest, AConfigRefusedWithItsKeysLeavesNoCopy) {
  Config config = KeyedConfig(Secret(kOldKey));
  config.probe_interval = absl::ZeroDuration();
  FreedSecrets watch({Secret(kOldKey)});
  EXPECT_FALSE(Node::Create(std::move(config), Instant()).ok());
  EXPECT_EQ(watch.Found(), 0);
}

class StringRecorder : public Recorder {
 public:
  void Write(absl::Span<const uint8_t> entries) override {
    bytes.append(reinterpret_cast<const char*>(entries.data()), entries.size());
  }
  std::string bytes = std::string(kRecordingMagic);
};

TEST(SecretWipeTest, AReplayLeavesNoCopy) {
  StringRecorder recorder;
  {
    absl::StatusOr<std::unique_ptr<Node>> node =
        Node::Create(KeyedConfig(Secret(kOldKey)), Instant());
    ASSERT_TRUE(node.ok()) << node.status();
    ASSERT_TRUE((*node)->StartRecording(&recorder).ok());
    ASSERT_TRUE((*node)->AddKey(Secret(kNewKey)).ok());
    ASSERT_TRUE((*node)->UseKey(Secret(kNewKey)).ok());
    (*node)->StopRecording();
  }
  ReplayOptions options;
  options.secrets.emplace_back(Secret(kNewKey));
  options.secrets.emplace_back(Secret(kOldKey));
  FreedSecrets watch({Secret(kOldKey), Secret(kNewKey)});
  absl::StatusOr<ReplayResult> replayed = Replay(recorder.bytes, options);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->inputs, 2u);
  EXPECT_EQ(watch.Found(), 0);
  crypto::CleanseStrings(options.secrets);
}

swim_config CConfig(const swim_bytes* keys, size_t count) {
  swim_config config;
  EXPECT_EQ(swim_config_init(&config, sizeof(config), SWIM_PRESET_LAN),
            SWIM_OK);
  config.name = "wiped";
  config.address.family = 4;
  config.address.octets[0] = 127;
  config.address.octets[3] = 1;
  config.address.port = 7946;
  config.seed = 1;
  config.keys = keys;
  config.key_count = count;
  return config;
}

TEST(SecretWipeTest, TheCApiLeavesNoCopy) {
  const swim_bytes keys[] = {{reinterpret_cast<const uint8_t*>(kOldKey), 32}};
  swim_config config = CConfig(keys, 1);
  char error[256] = "";

  FreedSecrets refused({Secret(kOldKey)});
  const int64_t probe_interval = config.probe_interval;
  config.probe_interval = -1;
  swim_node* node = nullptr;
  EXPECT_NE(swim_node_new(&node, &config, 0, error, sizeof(error)), SWIM_OK);
  EXPECT_EQ(refused.Found(), 0) << "a refused config: " << error;

  FreedSecrets rotated({Secret(kOldKey), Secret(kNewKey)});
  config.probe_interval = probe_interval;
  ASSERT_EQ(swim_node_new(&node, &config, 0, error, sizeof(error)), SWIM_OK)
      << error;
  const auto* new_key = reinterpret_cast<const uint8_t*>(kNewKey);
  const auto* old_key = reinterpret_cast<const uint8_t*>(kOldKey);
  ASSERT_EQ(swim_node_add_key(node, new_key, 32), SWIM_OK);
  ASSERT_EQ(swim_node_use_key(node, new_key, 32), SWIM_OK);
  ASSERT_EQ(swim_node_remove_key(node, old_key, 32), SWIM_OK);
  swim_node_free(node);
  EXPECT_EQ(rotated.Found(), 0);
}

}  // namespace
}  // namespace swim
