// TCP connect probes against the real example app and a closed port.
#include <gtest/gtest.h>

#include "probe_test_util.h"

namespace gantry::probe {
namespace {

using namespace testing;

ProbeConfig tcp_config(int port) {
  ProbeConfig c;
  c.kind = ProbeKind::Tcp;
  c.tcp.port = port;
  c.timeout = 5s;
  return c;
}

TEST(TcpProbe, SucceedsWhenPortIsOpen) {
  ExampleApp app({"--health", "hang"});  // the listener accepts even when HTTP would hang
  ASSERT_TRUE(app.ready()) << app.output();
  const auto r = probe_once(tcp_config(app.port()));
  EXPECT_EQ(r.outcome, Outcome::Success) << r.detail;
  EXPECT_EQ(r.detail, "connected");
}

TEST(TcpProbe, FailsWhenPortIsClosed) {
  const auto r = probe_once(tcp_config(closed_port()));
  EXPECT_EQ(r.outcome, Outcome::Failure);
  EXPECT_EQ(r.detail, "connection refused");
}

TEST(TcpProbe, UnknownHostFails) {
  auto c = tcp_config(80);
  c.tcp.host = "no-such-host.invalid";
  const auto r = probe_once(c);
  EXPECT_NE(r.outcome, Outcome::Success);
}

}  // namespace
}  // namespace gantry::probe
