// Tests of the top-level proxy: section: values, defaults, errors with file:line:col and key
// path, and printing it back.
#include <gtest/gtest.h>

#include <string>

#include "spec/spec.h"

namespace gantry::spec {
namespace {

using namespace std::chrono_literals;

const std::string kServices = "services:\n  api: { command: [a], port: 8080 }\n";

Result<Spec> parse(const std::string& text) {
  LoadOptions o;
  o.file = "gantry.yaml";
  o.use_process_env = false;
  return parse_spec(text, o);
}

Error error_of(const std::string& text) {
  auto r = parse(text);
  EXPECT_FALSE(r.ok()) << "parsed, but should have failed:\n" << text;
  return r.ok() ? Error{} : r.error();
}

void expect_at(const Error& e, int line, int column, const std::string& key_path) {
  EXPECT_EQ(e.where.file, "gantry.yaml") << e.str();
  EXPECT_EQ(e.where.line, line) << e.str();
  EXPECT_EQ(e.where.column, column) << e.str();
  EXPECT_EQ(e.key_path, key_path) << e.str();
}

TEST(SpecProxy, DefaultsWhenTheSectionIsAbsent) {
  auto r = parse(kServices);
  ASSERT_TRUE(r.ok()) << r.error().str();
  const ProxySettings& p = r->proxy;
  EXPECT_EQ(p.workers, 0);  // the number of cores
  EXPECT_EQ(p.address, "0.0.0.0");
  EXPECT_EQ(p.drain_timeout, Duration(30s));
  EXPECT_TRUE(p.override_header.enabled);
  EXPECT_EQ(p.override_header.name, "X-Gantry-Version");
  EXPECT_FALSE(p.override_header.loopback_only);
}

TEST(SpecProxy, ParsesEveryKeyOfTheFullFixture) {
  LoadOptions o;
  o.file = std::string(GANTRY_FIXTURES) + "/spec/full.yaml";
  o.use_process_env = false;
  auto r = load_spec(o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  const ProxySettings& p = r->proxy;
  EXPECT_EQ(p.workers, 4);
  EXPECT_EQ(p.address, "127.0.0.1");
  EXPECT_EQ(p.drain_timeout, Duration(45s));
  EXPECT_TRUE(p.override_header.enabled);
  EXPECT_EQ(p.override_header.name, "X-Shop-Version");
  EXPECT_TRUE(p.override_header.loopback_only);
  EXPECT_TRUE(r->source.has("proxy.drain_timeout"));
}

TEST(SpecProxy, KeepsDefaultsForKeysLeftOut) {
  auto r = parse(kServices + "proxy:\n  override_header: { enabled: false }\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_FALSE(r->proxy.override_header.enabled);
  EXPECT_EQ(r->proxy.override_header.name, "X-Gantry-Version");
  EXPECT_EQ(r->proxy.address, "0.0.0.0");
  EXPECT_EQ(r->proxy.drain_timeout, Duration(30s));
}

TEST(SpecProxy, AcceptsIpv6AddressesWithOrWithoutBrackets) {
  for (const char* address : {"\"::\"", "\"::1\"", "\"[::1]\"", "fe80::1"}) {
    auto r = parse(kServices + "proxy: { address: " + std::string(address) + " }\n");
    ASSERT_TRUE(r.ok()) << address << ": " << r.error().str();
    EXPECT_EQ(r->proxy.address.find('['), std::string::npos) << r->proxy.address;
  }
}

TEST(SpecProxy, RejectsUnknownKeyWithSuggestion) {
  const Error e = error_of(kServices + "proxy:\n  worker: 2\n");
  expect_at(e, 4, 3, "proxy.worker");
  EXPECT_EQ(e.message, "unknown key, did you mean 'workers'?");
  const Error deep = error_of(kServices + "proxy:\n  override_header:\n    loopbak_only: true\n");
  expect_at(deep, 5, 5, "proxy.override_header.loopbak_only");
  EXPECT_NE(deep.message.find("did you mean 'loopback_only'?"), std::string::npos) << deep.message;
}

TEST(SpecProxy, RejectsWorkersOutOfRange) {
  for (const char* n : {"0", "257", "-1", "two"}) {
    const Error e = error_of(kServices + "proxy:\n  workers: " + std::string(n) + "\n");
    expect_at(e, 4, 12, "proxy.workers");
    EXPECT_NE(e.message.find("an integer from 1 to 256"), std::string::npos) << e.message;
  }
}

TEST(SpecProxy, RejectsAnAddressThatIsNotAnIpLiteral) {
  const Error e = error_of(kServices + "proxy:\n  address: localhost\n");
  expect_at(e, 4, 12, "proxy.address");
  EXPECT_NE(e.message.find("'localhost' is not an IP address"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("0.0.0.0"), std::string::npos) << e.message;  // says what is valid
  error_of(kServices + "proxy: { address: 10.0.0.256 }\n");
  error_of(kServices + "proxy: { address: \"0.0.0.0:8080\" }\n");
}

TEST(SpecProxy, RejectsABadDrainTimeout) {
  const Error unit = error_of(kServices + "proxy:\n  drain_timeout: 30\n");
  expect_at(unit, 4, 18, "proxy.drain_timeout");
  EXPECT_NE(unit.message.find("not a valid duration"), std::string::npos) << unit.message;
  const Error zero = error_of(kServices + "proxy:\n  drain_timeout: 0s\n");
  expect_at(zero, 4, 18, "proxy.drain_timeout");
  EXPECT_NE(zero.message.find("more than 0"), std::string::npos) << zero.message;
}

TEST(SpecProxy, RejectsAnOverrideHeaderThatIsNotAMapOrHasABadName) {
  const Error e = error_of(kServices + "proxy:\n  override_header: off\n");
  expect_at(e, 4, 20, "proxy.override_header");
  EXPECT_EQ(e.message, "expected a map, got a string");
  const Error name = error_of(kServices + "proxy:\n  override_header: { name: \"X Version\" }\n");
  expect_at(name, 4, 28, "proxy.override_header.name");
  EXPECT_NE(name.message.find("not a valid header name"), std::string::npos) << name.message;
  const Error flag = error_of(kServices + "proxy:\n  override_header: { enabled: maybe }\n");
  expect_at(flag, 4, 31, "proxy.override_header.enabled");
}

TEST(SpecProxy, RejectsASectionThatIsNotAMap) {
  const Error e = error_of(kServices + "proxy: [workers]\n");
  expect_at(e, 3, 8, "proxy");
  EXPECT_EQ(e.message, "expected a map, got a list");
}

TEST(SpecProxy, InterpolatesValues) {
  LoadOptions o;
  o.file = "gantry.yaml";
  o.use_process_env = false;
  auto r = parse_spec(kServices + "proxy: { address: \"${BIND:-127.0.0.1}\" }\n", o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->proxy.address, "127.0.0.1");
}

TEST(SpecProxy, PrintsOnlyWhatDiffersFromTheDefaultsAndReadsBack) {
  auto defaults = parse(kServices);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(render_yaml(*defaults).find("proxy"), std::string::npos);
  EXPECT_EQ(render_json(*defaults).find("proxy"), std::string::npos);

  auto r = parse(kServices +
                 "proxy:\n  workers: 3\n  address: \"::1\"\n  drain_timeout: 1m30s\n"
                 "  override_header: { name: X-Canary, loopback_only: true }\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string yaml = render_yaml(*r);
  EXPECT_NE(yaml.find("drain_timeout: 1m30s"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("enabled"), std::string::npos) << yaml;  // a default
  for (const std::string& text : {yaml, render_json(*r)}) {
    auto back = parse(text);
    ASSERT_TRUE(back.ok()) << back.error().str() << "\n" << text;
    EXPECT_EQ(back->proxy.workers, 3);
    EXPECT_EQ(back->proxy.address, "::1");
    EXPECT_EQ(back->proxy.drain_timeout, Duration(90s));
    EXPECT_TRUE(back->proxy.override_header.enabled);
    EXPECT_EQ(back->proxy.override_header.name, "X-Canary");
    EXPECT_TRUE(back->proxy.override_header.loopback_only);
    EXPECT_EQ(render_yaml(*back), yaml);
  }
}

}  // namespace
}  // namespace gantry::spec
