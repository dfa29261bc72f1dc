// Cluster behaviour over real sockets on loopback, for each driver and for
// a cluster mixing both: joining, metadata too large for a datagram,
// hostile datagrams and stream peers, seeds given by name, listeners that
// read the node, commands from many threads, graceful leave, warm restart
// from a saved view.

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "swim/core/saved_view.h"
#include "swim/core/stats.h"
#include "swim/drivers/net/view_file.h"
#include "swim/drivers/testing/eventually.h"
#include "swim/drivers/testing/fast_config.h"
#include "swim/drivers/testing/membership_view.h"
#include "swim/drivers/testing/raw_peer.h"
#include "swim/drivers/testing/running_member.h"
#include "swim/drivers/testing/test_pki.h"

namespace swim::drivertest {
namespace {

// Generous bounds: these tests wait for conditions, never for speed, and
// share two cores with sanitizers and other builds.
constexpr absl::Duration kConverge = absl::Seconds(30);

enum class Mix { kEpoll, kAsio, kMixed };

std::string MixName(const ::testing::TestParamInfo<Mix>& info) {
  switch (info.param) {
    case Mix::kEpoll:
      return "Epoll";
    case Mix::kAsio:
      return "Asio";
    case Mix::kMixed:
      return "Mixed";
  }
  return "?";
}

// Members on loopback and what they report. The parameterized suites
// below choose the drivers (and the transport).
class ClusterFixture : public ::testing::Test {
 protected:
  DriverKind KindOf(int index) const {
    switch (mix_) {
      case Mix::kEpoll:
        return DriverKind::kEpoll;
      case Mix::kAsio:
        return DriverKind::kAsio;
      case Mix::kMixed:
        return index % 2 == 0 ? DriverKind::kEpoll : DriverKind::kAsio;
    }
    return DriverKind::kEpoll;
  }

  // Starts member `index` (named "m<index>") without joining.
  RunningMember& Start(int index, Config config, DriverOptions options) {
    config.tcp_only = tcp_only_;
    if (!options.tls.enabled()) options.tls = tls_;
    absl::StatusOr<std::unique_ptr<RunningMember>> member = StartMember(
        KindOf(index), std::move(config), std::move(options), &view_);
    EXPECT_TRUE(member.ok()) << member.status();
    members_.push_back(*std::move(member));
    names_.push_back(members_.back()->name());
    return *members_.back();
  }
  RunningMember& Start(int index) {
    return Start(index, FastConfig(absl::StrCat("m", index)),
                 FastDriverOptions());
  }

  // Starts `count` members, all joining through the first; waits until
  // they converge.
  void StartCluster(int count) {
    for (int i = 0; i < count; ++i) {
      RunningMember& member = Start(i);
      if (i > 0) member.driver().Join({members_[0]->address()});
    }
    ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  }

  Driver& driver(int index) { return members_[index]->driver(); }

  // Member `index` leaves gracefully; false if the leave did not complete
  // (OK) in time.
  bool Leave(int index) {
    absl::Notification left;
    absl::Status status;
    driver(index).Leave(absl::Seconds(10), [&](absl::Status s) {
      status = s;
      left.Notify();
    });
    if (!left.WaitForNotificationWithTimeout(kConverge)) return false;
    EXPECT_TRUE(status.ok()) << status;
    return status.ok();
  }

  DriverStats StatsOf(int index) { return DriverStatsOf(driver(index)); }
  Stats NodeStatsOf(int index) {
    return drivertest::NodeStatsOf(driver(index));
  }

  Mix mix_ = Mix::kEpoll;
  // Every member in TCP-only mode (Config::tcp_only).
  bool tcp_only_ = false;
  // Every member's TLS, unless Start is given other options.
  TlsOptions tls_;
  // Declared first so it outlives the members whose listeners write to it.
  MembershipView view_;
  std::vector<std::unique_ptr<RunningMember>> members_;
  std::vector<std::string> names_;
};

class ClusterTest : public ClusterFixture,
                    public ::testing::WithParamInterface<Mix> {
 protected:
  ClusterTest() { mix_ = GetParam(); }
};

TEST_P(ClusterTest, FiveMembersConverge) {
  StartCluster(5);
  for (int i = 0; i < 5; ++i) {
    size_t online = 0;
    ASSERT_TRUE(driver(i)
                    .Inspect([&](const Node& node, const DriverStats&) {
                      online = node.Members(MemberStatus::kOnline).size();
                    })
                    .ok());
    EXPECT_EQ(online, 4u) << names_[i];
  }
  // Joining is a push-pull over a stream; probing then runs over UDP.
  EXPECT_GT(NodeStatsOf(0).streams_received, 0u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(Eventually(
        [&] {
          const DriverStats stats = StatsOf(i);
          return NodeStatsOf(i).probes_acked >= 3 &&
                 stats.datagrams_received > 0 && stats.datagrams_sent > 0;
        },
        kConverge))
        << names_[i] << ": " << StatsOf(i).ToString();
    EXPECT_EQ(StatsOf(i).datagram_send_errors, 0u);
  }
}

TEST_P(ClusterTest, MetadataLargerThanADatagramArrivesThroughStreams) {
  for (int i = 0; i < 3; ++i) {
    Config config = FastConfig(absl::StrCat("m", i));
    config.max_metadata_size = 8192;
    Start(i, config, FastDriverOptions());
    if (i > 0) driver(i).Join({members_[0]->address()});
  }
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  const uint64_t streams_before = NodeStatsOf(1).streams_received;

  const std::string big(4000, 'x');  // far above the 1400-byte budget
  absl::Notification set;
  absl::Status status;
  driver(2).SetMetadata({{"blob", big}}, [&](absl::Status s) {
    status = s;
    set.Notify();
  });
  ASSERT_TRUE(set.WaitForNotificationWithTimeout(kConverge));
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_TRUE(view_.AwaitMetadata(names_, "m2", "blob", big, kConverge))
      << view_.Describe();
  EXPECT_GT(NodeStatsOf(1).streams_received, streams_before);
}

TEST_P(ClusterTest, HostileDatagramsAreDroppedAndCounted) {
  StartCluster(2);
  const Address target = driver(0).address();
  const Stats before = NodeStatsOf(0);
  const DriverStats driver_before = StatsOf(0);

  RawUdpPeer peer;
  // A well-formed ping with the cluster's key is answered: the raw socket
  // reaches the member and back.
  peer.SendTo(target, SealedPing("m0", kTestKey, "driver-tests"));
  ASSERT_TRUE(peer.Receive(kConverge).has_value());

  const std::string garbage = "definitely not a swim packet";
  peer.SendTo(target, absl::MakeConstSpan(
                          reinterpret_cast<const uint8_t*>(garbage.data()),
                          garbage.size()));
  std::vector<uint8_t> truncated = SealedPing("m0", kTestKey, "driver-tests");
  truncated.resize(truncated.size() / 2);
  peer.SendTo(target, truncated);
  peer.SendTo(target, SealedPing("m0", "another-cluster-key-0123456789ab",
                                 "driver-tests"));
  peer.SendTo(target, SealedPing("m0", kTestKey, "another-label"));
  peer.SendTo(target, std::vector<uint8_t>(1));
  peer.SendTo(target, std::vector<uint8_t>());
  // Above max_datagram_size: the kernel truncates it, the driver drops it.
  peer.SendTo(target, std::vector<uint8_t>(20000, 0x01));

  // Wait until all seven were handled (the counters are the condition).
  uint64_t dropped = 0;
  uint64_t truncated_count = 0;
  Eventually(
      [&] {
        dropped = NodeStatsOf(0).Drops(DropReason::kEnvelope) -
                  before.Drops(DropReason::kEnvelope);
        truncated_count =
            StatsOf(0).datagrams_truncated - driver_before.datagrams_truncated;
        return dropped >= 6 && truncated_count >= 1;
      },
      kConverge);
  EXPECT_GE(dropped, 6u);
  EXPECT_EQ(truncated_count, 1u);
  const Stats after = NodeStatsOf(0);
  const auto envelope = [&](EnvelopeDrop reason) {
    return after.envelope_drops[static_cast<int>(reason)] -
           before.envelope_drops[static_cast<int>(reason)];
  };
  EXPECT_GE(envelope(EnvelopeDrop::kAuthenticationFailed) +
                envelope(EnvelopeDrop::kTruncated),
            2u);
  EXPECT_GE(envelope(EnvelopeDrop::kWrongLabel), 1u);
  EXPECT_GE(envelope(EnvelopeDrop::kTooShort), 2u);

  // The cluster did not notice.
  EXPECT_EQ(view_.StatusOf("m1", "m0"), MemberStatus::kOnline);
  EXPECT_EQ(view_.StatusOf("m0", "m1"), MemberStatus::kOnline);
}

TEST_P(ClusterTest, SilentAndOversizedStreamPeersAreCutOff) {
  StartCluster(2);
  const Address target = driver(0).address();

  RawTcpPeer silent;
  ASSERT_TRUE(silent.Connect(target).ok());
  RawTcpPeer oversized;
  ASSERT_TRUE(oversized.Connect(target).ok());
  const std::vector<uint8_t> header = {0xff, 0xff, 0xff, 0xff};
  ASSERT_TRUE(oversized.Send(header).ok());
  RawTcpPeer truncated;
  ASSERT_TRUE(truncated.Connect(target).ok());
  const std::vector<uint8_t> partial = {0, 0, 0x03, 0xe8};  // 1000 bytes
  ASSERT_TRUE(truncated.Send(partial).ok());

  EXPECT_TRUE(oversized.AwaitClosedByPeer(kConverge));
  EXPECT_TRUE(silent.AwaitClosedByPeer(kConverge));
  EXPECT_TRUE(truncated.AwaitClosedByPeer(kConverge));
  const DriverStats stats = StatsOf(0);
  EXPECT_EQ(stats.streams_refused, 1u);
  EXPECT_EQ(NodeStatsOf(0).Drops(DropReason::kStreamFraming), 1u);
  EXPECT_GE(stats.stream_read_timeouts, 2u);

  // More unauthenticated connections from one host than its cap are
  // turned away at once; the rest time out.
  const int cap = FastDriverOptions().max_unauthenticated_per_host;
  std::vector<RawTcpPeer> flood(cap + 4);
  for (RawTcpPeer& peer : flood) ASSERT_TRUE(peer.Connect(target).ok());
  int closed = 0;
  for (RawTcpPeer& peer : flood) closed += peer.AwaitClosedByPeer(kConverge);
  EXPECT_EQ(closed, cap + 4);  // the extra ones at once, the rest on timeout
  EXPECT_GE(StatsOf(0).streams_rejected, 4u);

  // Streams still work for real members: a member joining now is a push-
  // pull to m0.
  RunningMember& late = Start(2);
  late.driver().Join({members_[0]->address()});
  EXPECT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
}

TEST_P(ClusterTest, SeedNamesResolveToEveryAddressAndUnresolvedOnesRetry) {
  StartCluster(3);
  // "cluster.test" names all three members (as a container platform's
  // service name does); "late.test" fails twice before it resolves.
  std::vector<Address> records;
  for (int i = 0; i < 3; ++i) records.push_back(driver(i).address());
  std::atomic<int> late_attempts{0};
  DriverOptions options = FastDriverOptions();
  options.resolve =
      [&](const net::HostPort& seed) -> absl::StatusOr<std::vector<Address>> {
    if (seed.host == "late.test" && ++late_attempts <= 2) {
      return absl::UnavailableError("late.test: no such host yet");
    }
    return std::vector<Address>{records[2]};
  };
  DriverOptions service_options = FastDriverOptions();
  service_options.resolve =
      [&](const net::HostPort&) -> absl::StatusOr<std::vector<Address>> {
    return records;
  };

  RunningMember& joiner = Start(3, FastConfig("m3"), service_options);
  absl::Notification joined;
  joiner.driver().Join({absl::StrCat("cluster.test:", records[0].port())},
                       [&](absl::Status status) {
                         EXPECT_TRUE(status.ok()) << status;
                         joined.Notify();
                       });
  ASSERT_TRUE(joined.WaitForNotificationWithTimeout(kConverge));
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  EXPECT_EQ(StatsOf(3).seeds_resolved, 1u);

  absl::Mutex mutex;
  std::vector<std::string> errors;
  RunningMember& patient = Start(4, FastConfig("m4"), options);
  patient.driver().AddErrorListener([&](const absl::Status& error) {
    absl::MutexLock lock(&mutex);
    errors.push_back(std::string(error.message()));
  });
  patient.driver().Join({"late.test"});  // the member's own port
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  const DriverStats stats = StatsOf(4);
  EXPECT_EQ(stats.seed_resolve_failures, 2u);
  EXPECT_EQ(stats.seeds_resolved, 1u);
  absl::MutexLock lock(&mutex);
  ASSERT_FALSE(errors.empty());  // reported (at most every few seconds)
  EXPECT_NE(errors[0].find("late.test"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("retrying in"), std::string::npos) << errors[0];
}

TEST_P(ClusterTest, SeedNameResolvedByTheSystem) {
  StartCluster(2);
  // getaddrinfo on the resolver's helper thread ("localhost" is in every
  // hosts file).
  RunningMember& joiner = Start(2);
  joiner.driver().Join(
      {absl::StrCat("localhost:", driver(0).address().port())});
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  EXPECT_EQ(StatsOf(2).seeds_resolved, 1u);
}

TEST_P(ClusterTest, MalformedSeedIsAnErrorAndJoinsNothing) {
  RunningMember& member = Start(0);
  absl::Notification done;
  absl::Status status;
  member.driver().Join({"127.0.0.1:1", "::1:7946"}, [&](absl::Status s) {
    status = s;
    done.Notify();
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_NE(status.message().find("brackets"), absl::string_view::npos);
}

TEST_P(ClusterTest, ListenersMayReadTheNodeAndIssueCommands) {
  RunningMember& first = Start(0);
  std::atomic<int> calls{0};
  std::atomic<bool> consistent{true};
  Driver& observed = first.driver();
  observed.AddEventListener([&](const Event& event, const Node& node) {
    // Read-only views, and Inspect (inline on the loop thread): no
    // deadlock, and the node already reflects the event.
    if (const auto* joined = std::get_if<MemberJoined>(&event)) {
      bool found = false;
      for (const Member& member : node.Members()) {
        found |= member.name == joined->member.name;
      }
      consistent = consistent && found;
      EXPECT_TRUE(observed
                      .Inspect([&](const Node& same, const DriverStats&) {
                        consistent = consistent && &same == &node;
                      })
                      .ok());
      // A command from inside a listener is queued, not run re-entrantly.
      observed.SetMetadata({{"seen", joined->member.name}});
    }
    ++calls;
  });
  for (int i = 1; i < 3; ++i) {
    Start(i).driver().Join({first.address()});
  }
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  EXPECT_GE(calls.load(), 2);
  EXPECT_TRUE(consistent.load());
  // The metadata set from the listener spread.
  EXPECT_TRUE(view_.AwaitStatus({"m1", "m2"}, {"m0"}, MemberStatus::kOnline,
                                kConverge));
  std::optional<Metadata> metadata;
  Eventually(
      [&] {
        metadata = view_.MetadataOf("m1", "m0");
        return metadata && metadata->contains("seen");
      },
      kConverge);
  ASSERT_TRUE(metadata.has_value());
  EXPECT_TRUE(metadata->contains("seen"));
}

// What an inspection throws reaches the thread that asked, not the loop,
// and the member goes on as before.
TEST_P(ClusterTest, AnInspectionThatThrowsReachesItsCaller) {
  StartCluster(2);
  bool threw = false;
  try {
    (void)driver(0).Inspect([](const Node&, const DriverStats&) {
      throw std::runtime_error("read");
    });
  } catch (const std::runtime_error& error) {
    threw = std::string(error.what()) == "read";
  }
  EXPECT_TRUE(threw);
  size_t known = 0;
  EXPECT_TRUE(driver(0)
                  .Inspect([&](const Node& node, const DriverStats&) {
                    known = node.Members().size();
                  })
                  .ok());
  EXPECT_EQ(known, 1u);
  driver(1).Broadcast("after");
  EXPECT_TRUE(view_.AwaitMessages("m0", 1, kConverge));
}

TEST_P(ClusterTest, BroadcastsFromManyThreadsAllArrive) {
  StartCluster(3);
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        driver(0).Broadcast(absl::StrCat("t", t, "-", i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(view_.AwaitMessages("m1", kThreads * kEach, kConverge));
  EXPECT_TRUE(view_.AwaitMessages("m2", kThreads * kEach, kConverge));
  EXPECT_EQ(view_.MessagesOf("m1").size(), kThreads * kEach);
}

TEST_P(ClusterTest, GracefulLeaveIsSeenAsLeft) {
  StartCluster(3);
  ASSERT_TRUE(Leave(2));
  EXPECT_TRUE(
      view_.AwaitStatus({"m0", "m1"}, {"m2"}, MemberStatus::kLeft, kConverge))
      << view_.Describe();
  // Leaving twice is an error the caller hears about.
  absl::Notification again;
  absl::Status status;
  driver(2).Leave(absl::Seconds(1), [&](absl::Status s) {
    status = s;
    again.Notify();
  });
  ASSERT_TRUE(again.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
}

TEST_P(ClusterTest, AnUnreachableMemberIsDeclaredOffline) {
  StartCluster(3);
  members_.pop_back();  // m2's loop stops and its sockets close
  EXPECT_TRUE(view_.AwaitStatus({"m0", "m1"}, {"m2"}, MemberStatus::kOffline,
                                kConverge))
      << view_.Describe();
}

TEST_P(ClusterTest, RemovedMemberIsLeftEverywhere) {
  StartCluster(3);
  members_.pop_back();  // m2 is gone for good, and the operator knows it
  absl::Notification removed;
  absl::Status status;
  driver(0).Remove("m2", [&](absl::Status s) {
    status = s;
    removed.Notify();
  });
  ASSERT_TRUE(removed.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(view_.AwaitStatus({"m1"}, {"m2"}, MemberStatus::kLeft, kConverge))
      << view_.Describe();
  // A name nobody knows is an error the caller hears about.
  absl::Notification unknown;
  driver(0).RememberFor("nobody", absl::Minutes(1), [&](absl::Status s) {
    status = s;
    unknown.Notify();
  });
  ASSERT_TRUE(unknown.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
}

// m5 (in a cluster of six, so some members hear its LEFT relayed) is
// advertised by a name that moves from 127.0.0.1 to 127.0.0.2 (both
// reach its wildcard-bound sockets): its life there leaves, and a new one
// starts at the new address, which every member takes.
TEST_P(ClusterTest, MemberFollowsItsAdvertisedNameToANewAddress) {
  StartCluster(5);
  // Shared with the resolver thread and the listener, which outlive this
  // body when an assertion fails.
  struct Dns {
    absl::Mutex mutex;
    std::string host ABSL_GUARDED_BY(mutex) = "127.0.0.1";
    std::vector<std::string> errors ABSL_GUARDED_BY(mutex);
  };
  auto dns = std::make_shared<Dns>();
  DriverOptions options = FastDriverOptions();
  options.bind = "0.0.0.0:0";
  options.advertised_host = "m5.test";
  options.advertised_refresh_interval = absl::Milliseconds(50);
  options.resolve =
      [dns](const net::HostPort& name) -> absl::StatusOr<std::vector<Address>> {
    absl::MutexLock lock(&dns->mutex);
    if (name.host != "m5.test") return absl::NotFoundError(name.host);
    return std::vector<Address>{
        *Address::Parse(absl::StrCat(dns->host, ":", name.port))};
  };
  RunningMember& moving = Start(5, FastConfig("m5"), options);
  moving.driver().AddErrorListener([dns](const absl::Status& error) {
    absl::MutexLock lock(&dns->mutex);
    dns->errors.push_back(std::string(error.message()));
  });
  moving.driver().Join({members_[0]->address()});
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  const Address before = moving.driver().address();
  ASSERT_EQ(before.ToString(), absl::StrCat("127.0.0.1:", before.port()));
  absl::Notification published;
  moving.driver().SetMetadata({{"role", "mover"}},
                              [&](absl::Status) { published.Notify(); });
  ASSERT_TRUE(published.WaitForNotificationWithTimeout(kConverge));
  ASSERT_TRUE(view_.AwaitMetadata({"m0", "m1", "m2", "m3", "m4"}, "m5", "role",
                                  "mover", kConverge))
      << view_.Describe();

  {
    absl::MutexLock lock(&dns->mutex);
    dns->host = "127.0.0.2";
  }
  const Address after =
      *Address::Parse(absl::StrCat("127.0.0.2:", before.port()));
  uint64_t generation_before = 0;
  ASSERT_TRUE(moving.driver()
                  .Inspect([&](const Node& node, const DriverStats&) {
                    generation_before = node.local().incarnation.generation;
                  })
                  .ok());
  // Every member holds m5 ONLINE at the new address, in a later life with
  // the metadata it had, and m5 still knows all of them.
  const auto moved = [&](int viewer) {
    bool ok = false;
    EXPECT_TRUE(driver(viewer)
                    .Inspect([&](const Node& node, const DriverStats&) {
                      const std::optional<Member> m5 = node.Find("m5");
                      ok = m5 && m5->address == after &&
                           m5->status == MemberStatus::kOnline &&
                           m5->incarnation.generation > generation_before &&
                           m5->metadata == Metadata{{"role", "mover"}};
                    })
                    .ok());
    return ok;
  };
  ASSERT_TRUE(Eventually(
      [&] {
        for (int viewer = 0; viewer < 5; ++viewer) {
          if (!moved(viewer)) return false;
        }
        return true;
      },
      kConverge));
  EXPECT_EQ(moving.driver().address(), after);
  EXPECT_EQ(StatsOf(5).address_moves, 1u);
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  size_t knows = 0;
  ASSERT_TRUE(moving.driver()
                  .Inspect([&](const Node& node, const DriverStats&) {
                    knows = node.Members(MemberStatus::kOnline).size();
                  })
                  .ok());
  EXPECT_EQ(knows, 5u);
  absl::MutexLock lock(&dns->mutex);
  bool told = false;
  for (const std::string& error : dns->errors) {
    told =
        told || absl::StrContains(error, "now resolves to " + after.ToString() +
                                             ": this member leaves at " +
                                             before.ToString());
  }
  EXPECT_TRUE(told) << absl::StrJoin(dns->errors, "\n");
}

// The path of a view file for this test and driver mix, removed first.
std::string FreshViewFile(const std::string& test) {
  const std::string path = absl::StrCat(
      ::testing::TempDir(), "/", test, "-",
      ::testing::UnitTest::GetInstance()->current_test_info()->value_param());
  ::unlink(path.c_str());
  return path;
}

TEST_P(ClusterTest, RestartedMemberRejoinsFromItsSavedViewWithoutSeeds) {
  DriverOptions options = FastDriverOptions();
  options.view_file = FreshViewFile("rejoin");
  options.view_save_interval = absl::Milliseconds(50);
  for (int i = 0; i < 3; ++i) {
    Config config = FastConfig(absl::StrCat("m", i));
    config.metadata = {{"life", "1"}};
    RunningMember& member =
        Start(i, config, i == 2 ? options : FastDriverOptions());
    if (i > 0) member.driver().Join({members_[0]->address()});
  }
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  // Saved off the loop once it changed: both others, ONLINE.
  ASSERT_TRUE(Eventually(
      [&] {
        absl::StatusOr<SavedView> saved = net::LoadViewFile(options.view_file);
        return saved.ok() && saved->members.size() == 2;
      },
      kConverge));
  // Counted when the loop next takes the writer's outcome.
  EXPECT_TRUE(
      Eventually([&] { return StatsOf(2).view_saves >= 1; }, kConverge));

  // Killed (no leave), then started again at its address with no seed.
  const std::string address = members_[2]->address();
  members_.pop_back();
  view_.Forget("m2");
  Config config = FastConfig("m2", address);
  config.metadata = {{"life", "2"}};
  absl::StatusOr<std::unique_ptr<RunningMember>> again =
      StartMember(KindOf(2), config, options, &view_);
  ASSERT_TRUE(again.ok()) << again.status();
  members_.push_back(*std::move(again));
  absl::Notification joined;
  absl::Status status;
  driver(2).Join({}, [&](absl::Status s) {
    status = s;
    joined.Notify();
  });
  ASSERT_TRUE(joined.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(status.ok()) << status;
  // It knows the others from its view at once (reported as joins), and
  // they learn its new life from the state exchange it starts.
  EXPECT_EQ(StatsOf(2).view_members_restored, 2u);
  EXPECT_TRUE(
      view_.AwaitStatus({"m2"}, {"m0", "m1"}, MemberStatus::kOnline, kConverge))
      << view_.Describe();
  EXPECT_TRUE(view_.AwaitMetadata({"m0", "m1"}, "m2", "life", "2", kConverge))
      << view_.Describe();
}

TEST_P(ClusterTest, OnlyAViewTheClusterConfirmedIsSaved) {
  DriverOptions options = FastDriverOptions();
  options.view_file = FreshViewFile("confirmed");
  options.view_save_interval = absl::Milliseconds(20);
  RunningMember& first = Start(0, FastConfig("m0"), options);
  first.driver().Join({});  // the first member: nobody to know yet
  absl::SleepFor(absl::Milliseconds(300));
  // Alone, it saves nothing: an empty view would replace a useful one.
  EXPECT_EQ(StatsOf(0).view_saves, 0u);
  EXPECT_TRUE(absl::IsNotFound(net::LoadViewFile(options.view_file).status()));
  RunningMember& second = Start(1);
  second.driver().Join({first.address()});
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  EXPECT_TRUE(Eventually(
      [&] {
        absl::StatusOr<SavedView> saved = net::LoadViewFile(options.view_file);
        return saved.ok() && saved->members.size() == 1 &&
               saved->members[0].name == "m1";
      },
      kConverge));
}

TEST_P(ClusterTest, AnUnusableViewIsReportedAndTheSeedsJoined) {
  DriverOptions options = FastDriverOptions();
  options.view_file = FreshViewFile("unusable");
  {
    std::ofstream out(options.view_file, std::ios::binary);
    out << "SWIMVIEW and then nothing a saved view holds";
  }
  StartCluster(2);
  absl::Mutex mutex;
  std::vector<std::string> errors;
  RunningMember& member = Start(2, FastConfig("m2"), options);
  member.driver().AddErrorListener([&](const absl::Status& error) {
    absl::MutexLock lock(&mutex);
    errors.push_back(std::string(error.message()));
  });
  member.driver().Join({members_[0]->address()});
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  absl::MutexLock lock(&mutex);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find(options.view_file), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("joining the seeds"), std::string::npos)
      << errors[0];
  EXPECT_EQ(StatsOf(2).view_members_restored, 0u);
}

INSTANTIATE_TEST_SUITE_P(Drivers, ClusterTest,
                         ::testing::Values(Mix::kEpoll, Mix::kAsio,
                                           Mix::kMixed),
                         MixName);

// --- TCP-only (Config::tcp_only) -----------------------------------------

class TcpOnlyClusterTest : public ClusterTest {
 protected:
  TcpOnlyClusterTest() { tcp_only_ = true; }

  // Nothing went as a datagram.
  void ExpectStreamsOnly(int index) {
    EXPECT_EQ(StatsOf(index).datagrams_sent, 0u) << names_[index];
    EXPECT_EQ(NodeStatsOf(index).datagrams_sent, 0u) << names_[index];
    EXPECT_GT(NodeStatsOf(index).streams_sent, 0u) << names_[index];
  }
};

TEST_P(TcpOnlyClusterTest, FiveMembersConvergeAndProbeOverStreams) {
  // Connections kept longer than a probe round (4 peers, 200 ms apart).
  DriverOptions options = FastDriverOptions();
  options.idle_timeout = absl::Seconds(3);
  options.read_timeout = absl::Seconds(6);
  for (int i = 0; i < 5; ++i) {
    Start(i, FastConfig(absl::StrCat("m", i)), options);
    if (i > 0) driver(i).Join({members_[0]->address()});
  }
  ASSERT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(
        Eventually([&] { return NodeStatsOf(i).probes_acked >= 3; }, kConverge))
        << names_[i] << ": " << StatsOf(i).ToString();
    ExpectStreamsOnly(i);
  }
  // Connections are reused: over the next ten probes each member opens at
  // most one to each of its four peers (a peer's connection may have been
  // closed before), not one per probe.
  std::vector<uint64_t> opened;
  std::vector<uint64_t> probes;
  for (int i = 0; i < 5; ++i) {
    opened.push_back(StatsOf(i).connections_opened);
    probes.push_back(NodeStatsOf(i).probes);
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(Eventually(
        [&] { return NodeStatsOf(i).probes >= probes[i] + 10; }, kConverge));
    EXPECT_LE(StatsOf(i).connections_opened, opened[i] + 4)
        << names_[i] << ": " << StatsOf(i).ToString();
  }
}

TEST_P(TcpOnlyClusterTest, MetadataReachesEveryMember) {
  StartCluster(5);
  absl::Notification set;
  absl::Status status;
  driver(3).SetMetadata({{"role", "db"}}, [&](absl::Status s) {
    status = s;
    set.Notify();
  });
  ASSERT_TRUE(set.WaitForNotificationWithTimeout(kConverge));
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(view_.AwaitMetadata(names_, "m3", "role", "db", kConverge))
      << view_.Describe();
  for (int i = 0; i < 5; ++i) ExpectStreamsOnly(i);
}

TEST_P(TcpOnlyClusterTest, ACrashedMemberIsDeclaredOfflineByAll) {
  StartCluster(5);
  members_.erase(members_.begin() + 4);  // m4's loop stops, sockets close
  EXPECT_TRUE(view_.AwaitStatus({"m0", "m1", "m2", "m3"}, {"m4"},
                                MemberStatus::kOffline, kConverge))
      << view_.Describe();
  EXPECT_TRUE(view_.AwaitConverged({"m0", "m1", "m2", "m3"}, kConverge))
      << view_.Describe();
  for (int i = 0; i < 4; ++i) ExpectStreamsOnly(i);
}

// The member stops as soon as its leave completes: the news must be on
// the wire by then, not queued on connections still being established
// (driver_leave_test checks the rule itself).
TEST_P(TcpOnlyClusterTest, GracefulLeaveIsSeenAsLeftByAllAfterAStop) {
  StartCluster(5);
  ASSERT_TRUE(Leave(1));
  members_.erase(members_.begin() + 1);  // m1's loop stops, sockets close
  EXPECT_TRUE(view_.AwaitStatus({"m0", "m2", "m3", "m4"}, {"m1"},
                                MemberStatus::kLeft, kConverge))
      << view_.Describe();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(StatsOf(i).datagrams_sent, 0u);
  }
}

// A datagram reaches a TCP-only member only from outside the cluster: it
// is dropped unopened and counted, and nothing answers it.
TEST_P(TcpOnlyClusterTest, DatagramsAreDroppedUnopened) {
  StartCluster(2);
  const Stats before = NodeStatsOf(0);
  RawUdpPeer peer;
  for (int i = 0; i < 10; ++i) {
    peer.SendTo(driver(0).address(), std::vector<uint8_t>(64, 0x42));
  }
  EXPECT_TRUE(Eventually(
      [&] {
        return NodeStatsOf(0).Drops(DropReason::kWrongChannel) ==
               before.Drops(DropReason::kWrongChannel) + 10;
      },
      kConverge));
  EXPECT_EQ(NodeStatsOf(0).Drops(DropReason::kEnvelope),
            before.Drops(DropReason::kEnvelope));
  ExpectStreamsOnly(0);
}

INSTANTIATE_TEST_SUITE_P(Drivers, TcpOnlyClusterTest,
                         ::testing::Values(Mix::kEpoll, Mix::kAsio,
                                           Mix::kMixed),
                         MixName);

// --- TLS on the stream plane (DriverOptions::tls) ---------------------------

struct TlsCase {
  Mix mix;
  bool tcp_only;
};

std::string TlsCaseName(const ::testing::TestParamInfo<TlsCase>& info) {
  return absl::StrCat(MixName({info.param.mix, info.index}),
                      info.param.tcp_only ? "TcpOnly" : "Udp");
}

class TlsClusterTest : public ClusterFixture,
                       public ::testing::WithParamInterface<TlsCase> {
 protected:
  TlsClusterTest() {
    mix_ = GetParam().mix;
    tcp_only_ = GetParam().tcp_only;
    auto pki = TestPki::Create(::testing::TempDir(), "ca");
    EXPECT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    absl::StatusOr<TlsOptions> tls = pki_->Issue("member");
    EXPECT_TRUE(tls.ok()) << tls.status();
    tls_ = *tls;
  }

  // No TLS connection failed anywhere.
  void ExpectNoTlsFailures(int index) {
    const DriverStats stats = StatsOf(index);
    EXPECT_EQ(stats.tls_protocol_errors + stats.tls_no_certificate +
                  stats.tls_untrusted_certificate +
                  stats.tls_expired_certificate +
                  stats.tls_identity_mismatches + stats.tls_refused_by_peer,
              0u)
        << names_[index] << ": " << stats.ToString();
  }

  std::unique_ptr<TestPki> pki_;
};

TEST_P(TlsClusterTest, JoinMetadataCrashAndLeave) {
  StartCluster(5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_GT(StatsOf(i).tls_handshakes, 0u) << names_[i];
    ExpectNoTlsFailures(i);
  }
  // Metadata (in TCP-only mode every byte of it under TLS).
  absl::Notification set;
  driver(3).SetMetadata({{"role", "db"}}, [&](absl::Status) { set.Notify(); });
  ASSERT_TRUE(set.WaitForNotificationWithTimeout(kConverge));
  EXPECT_TRUE(view_.AwaitMetadata(names_, "m3", "role", "db", kConverge))
      << view_.Describe();
  // A graceful leave, then the member stops at once.
  ASSERT_TRUE(Leave(1));
  members_.erase(members_.begin() + 1);
  names_.erase(names_.begin() + 1);
  EXPECT_TRUE(view_.AwaitStatus(names_, {"m1"}, MemberStatus::kLeft, kConverge))
      << view_.Describe();
  // A crash.
  members_.erase(members_.begin() + 3);  // m4
  names_.erase(names_.begin() + 3);
  EXPECT_TRUE(
      view_.AwaitStatus(names_, {"m4"}, MemberStatus::kOffline, kConverge))
      << view_.Describe();
  EXPECT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  for (int i = 0; i < 3; ++i) {
    ExpectNoTlsFailures(i);
    if (tcp_only_) {
      EXPECT_EQ(StatsOf(i).datagrams_sent, 0u) << names_[i];
    }
  }
}

// A member whose certificate names another address (127.0.0.2) speaks for
// members there, not here: every connection it makes or takes is refused,
// counted by both sides, and it never gets into the cluster's view.
TEST_P(TlsClusterTest, CertificateForAnotherAddressIsRefusedAndCounted) {
  StartCluster(2);
  TestPki::Leaf elsewhere;
  elsewhere.ips = {"127.0.0.2"};
  absl::StatusOr<TlsOptions> impostor_tls = pki_->Issue("impostor", elsewhere);
  ASSERT_TRUE(impostor_tls.ok()) << impostor_tls.status();
  DriverOptions options = FastDriverOptions();
  options.tls = *impostor_tls;
  RunningMember& impostor = Start(2, FastConfig("impostor"), options);
  names_.pop_back();
  impostor.driver().Join({members_[0]->address(), members_[1]->address()});
  EXPECT_TRUE(Eventually(
      [&] {
        return StatsOf(0).tls_identity_mismatches +
                       StatsOf(1).tls_identity_mismatches >
                   0 &&
               DriverStatsOf(impostor.driver()).tls_refused_by_peer > 0;
      },
      kConverge))
      << StatsOf(0).ToString() << "\n"
      << DriverStatsOf(impostor.driver()).ToString();
  // The members' own connections are unharmed.
  EXPECT_TRUE(view_.AwaitConverged(names_, kConverge)) << view_.Describe();
  if (tcp_only_) {
    // Nothing of it got through: no member knows it.
    for (int i = 0; i < 2; ++i) {
      bool knows = true;
      ASSERT_TRUE(driver(i)
                      .Inspect([&](const Node& node, const DriverStats&) {
                        knows = node.Find("impostor").has_value();
                      })
                      .ok());
      EXPECT_FALSE(knows) << names_[i];
    }
  }
}

TEST_P(TlsClusterTest, ReloadedCertificatesServeNewConnections) {
  StartCluster(2);
  // m0's certificate is renewed by another CA.
  absl::StatusOr<std::unique_ptr<TestPki>> next =
      TestPki::Create(::testing::TempDir(), "next-ca");
  ASSERT_TRUE(next.ok());
  absl::StatusOr<TlsOptions> renewed = (*next)->Issue("member");
  ASSERT_TRUE(renewed.ok());
  const auto copy = [](const std::string& from, const std::string& to,
                       std::ios::openmode mode) {
    std::ifstream in(from, std::ios::binary);
    std::ofstream out(to, std::ios::binary | mode);
    out << in.rdbuf();
  };
  // Overwrite m0's files in place, as an operator's renewal would, but
  // leave the CA bundle as it was: every member trusting it would refuse
  // the new certificate, so the reload is refused, naming it, and m0 keeps
  // what it has.
  copy(renewed->certificate_file, tls_.certificate_file, std::ios::trunc);
  copy(renewed->key_file, tls_.key_file, std::ios::trunc);
  const absl::Status cut_off = driver(0).ReloadTls();
  EXPECT_EQ(cut_off.code(), absl::StatusCode::kInvalidArgument) << cut_off;
  EXPECT_NE(cut_off.message().find(tls_.certificate_file), std::string::npos)
      << cut_off;
  // With the new CA added to the bundle, it loads. Both members share these
  // files, and only m0 reloads: m1 still trusts the old CA alone, so once
  // m0's new connections present the new certificate (whichever side opens
  // them), m1 refuses them.
  copy((*next)->ca_file(), tls_.ca_file, std::ios::app);
  const absl::Status reloaded = driver(0).ReloadTls();
  ASSERT_TRUE(reloaded.ok()) << reloaded;
  EXPECT_TRUE(Eventually(
      [&] {
        const DriverStats stats = StatsOf(1);
        return stats.tls_untrusted_certificate + stats.tls_refused_by_peer > 0;
      },
      kConverge))
      << StatsOf(1).ToString();
  // A reload that cannot read its files keeps what the driver has.
  std::ofstream(tls_.key_file, std::ios::trunc) << "not a key\n";
  const absl::Status broken = driver(0).ReloadTls();
  EXPECT_EQ(broken.code(), absl::StatusCode::kInvalidArgument) << broken;
  EXPECT_NE(broken.message().find(tls_.key_file), std::string::npos) << broken;
}

INSTANTIATE_TEST_SUITE_P(
    Drivers, TlsClusterTest,
    ::testing::Values(TlsCase{Mix::kEpoll, false}, TlsCase{Mix::kAsio, false},
                      TlsCase{Mix::kMixed, false}, TlsCase{Mix::kEpoll, true},
                      TlsCase{Mix::kAsio, true}, TlsCase{Mix::kMixed, true}),
    TlsCaseName);

TEST(TlsOffTest, ReloadIsRefusedWhenTlsIsOff) {
  auto member =
      StartMember(DriverKind::kEpoll, FastConfig("plain"), FastDriverOptions());
  ASSERT_TRUE(member.ok()) << member.status();
  EXPECT_EQ((*member)->driver().ReloadTls().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(TlsOffTest, UnusableTlsFilesFailCreationNamingTheFile) {
  DriverOptions options = FastDriverOptions();
  options.tls.certificate_file = ::testing::TempDir() + "/absent.crt";
  options.tls.key_file = ::testing::TempDir() + "/absent.key";
  options.tls.ca_file = ::testing::TempDir() + "/absent.pem";
  for (DriverKind kind : {DriverKind::kEpoll, DriverKind::kAsio}) {
    auto member = StartMember(kind, FastConfig("broken"), options);
    ASSERT_FALSE(member.ok());
    EXPECT_NE(member.status().message().find("absent.crt"), std::string::npos)
        << member.status();
  }
  options.tls.ca_file.clear();
  auto member = StartMember(DriverKind::kEpoll, FastConfig("half"), options);
  ASSERT_FALSE(member.ok());
  EXPECT_NE(member.status().message().find("tls"), std::string::npos)
      << member.status();
}

}  // namespace
}  // namespace swim::drivertest
