// Tests of load_spec / parse_spec: the full model, overlays, env_schema sections, source
// locations, and one test per error class asserting file:line:col and the key path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "spec/spec.h"

namespace gantry::spec {
namespace {

const std::string kFixtures = std::string(GANTRY_FIXTURES) + "/spec";

LoadOptions options(std::string environment = "", Interpolation mode = Interpolation::Strict) {
  LoadOptions o;
  o.file = "gantry.yaml";
  o.environment = std::move(environment);
  o.interpolation = mode;
  return o;
}

Result<Spec> parse(std::string_view text, std::string environment = "") {
  return parse_spec(text, options(std::move(environment)));
}

Result<Spec> load_fixture(const std::string& name, std::string environment = "") {
  LoadOptions o = options(std::move(environment));
  o.file = kFixtures + "/" + name;
  return load_spec(o);
}

// The error of a parse that must fail.
Error error_of(std::string_view text, std::string environment = "") {
  auto r = parse(text, std::move(environment));
  EXPECT_FALSE(r.ok()) << "parsed, but should have failed:\n" << text;
  if (r.ok()) return Error{};
  return r.error();
}

void expect_at(const Error& e, int line, int column, const std::string& key_path) {
  EXPECT_EQ(e.where.file, "gantry.yaml") << e.str();
  EXPECT_EQ(e.where.line, line) << e.str();
  EXPECT_EQ(e.where.column, column) << e.str();
  EXPECT_EQ(e.key_path, key_path) << e.str();
}

const Service& service(const Spec& spec, std::string_view name) {
  const Service* s = spec.find_service(name);
  EXPECT_NE(s, nullptr) << name;
  static const Service kNone;
  return s ? *s : kNone;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("gantry-spec-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// ---- the full model ----

TEST(SpecParser, ParsesEveryKeyOfTheFullFixture) {
  auto r = load_fixture("full.yaml");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const Spec& spec = *r;
  EXPECT_EQ(spec.project, "shop");
  EXPECT_EQ(spec.environment, "");
  EXPECT_EQ(spec.file, kFixtures + "/full.yaml");
  ASSERT_EQ(spec.environments.size(), 2u);
  EXPECT_EQ(spec.environments[0].name, "staging");
  EXPECT_EQ(spec.environments[0].approval, Approval::Off);
  EXPECT_EQ(spec.environments[1].approval, Approval::Required);
  EXPECT_EQ(spec.environments[1].promote_from, "staging");
  EXPECT_EQ(spec.environments[0].vars.at("FEATURE_FLAGS").value, "beta,search");
  ASSERT_EQ(spec.services.size(), 3u);
  EXPECT_EQ(spec.services[0].name, "api");  // file order
  EXPECT_EQ(spec.services[1].name, "worker");
  EXPECT_EQ(spec.services[2].name, "web");

  const Service& api = service(spec, "api");
  EXPECT_EQ(api.command, (std::vector<std::string>{"./bin/api", "--port", "${PORT}"}));
  EXPECT_FALSE(api.shell);
  EXPECT_EQ(api.workdir, "services/api");
  EXPECT_EQ(api.port, 8080);
  EXPECT_EQ(api.host_ports, (std::vector<int>{9090, 9091}));
  EXPECT_EQ(api.replicas, 3);
  EXPECT_EQ(api.env.at("DATABASE_URL").value, "secret://database-url");
  EXPECT_TRUE(api.env.at("DATABASE_URL").is_secret_ref());
  EXPECT_EQ(api.env.at("DEBUG").value, "false");  // bools and numbers kept as written
  EXPECT_EQ(api.env.at("RATIO").value, "0.25");
  EXPECT_EQ(api.env.count("LOG_LEVEL"), 0u);  // vars only with an environment

  const VarSchema& db = api.env_schema.at("DATABASE_URL");
  EXPECT_EQ(db.type, VarType::Url);
  EXPECT_EQ(db.schemes, (std::vector<std::string>{"postgresql", "postgres"}));
  EXPECT_TRUE(db.required);
  EXPECT_TRUE(db.secret);
  const VarSchema& pool = api.env_schema.at("POOL_SIZE");
  EXPECT_EQ(pool.type, VarType::Int);
  EXPECT_EQ(pool.min, 5);
  EXPECT_EQ(pool.max, 50);
  EXPECT_EQ(pool.default_value, "10");
  EXPECT_EQ(pool.description, "Connection pool size");
  EXPECT_EQ(api.env_schema.at("REGION").values,
            (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(api.env_schema.at("LOG_LEVEL").regex, "^(debug|info|warn|error)$");
  EXPECT_EQ(api.env_schema.at("STRIPE_KEY").prefix, "sk_");
  EXPECT_EQ(api.env_schema.at("STRIPE_KEY").min_length, 10u);
  EXPECT_EQ(api.env_schema.at("STRIPE_KEY").max_length, 200u);
  EXPECT_EQ(api.env_schema.count("SENTRY_DSN"), 0u);  // production section only
  EXPECT_EQ(api.env_schema.count("production"), 0u);

  ASSERT_TRUE(api.health.startup && api.health.readiness && api.health.liveness && api.health.deep);
  EXPECT_EQ(api.health.startup->path, "/health");
  EXPECT_EQ(api.health.startup->period, 1s);
  EXPECT_EQ(api.health.startup->failure_threshold, 30);
  const Probe& live = *api.health.liveness;
  EXPECT_EQ(live.kind, ProbeKind::Http);
  EXPECT_EQ(live.method, "HEAD");
  EXPECT_EQ(live.port, 8081);
  ASSERT_EQ(live.headers.size(), 1u);
  EXPECT_EQ(live.headers[0].first, "X-Probe");
  EXPECT_EQ(live.status_min, 200);
  EXPECT_EQ(live.status_max, 299);
  EXPECT_EQ(live.initial_delay, 5s);
  EXPECT_EQ(live.success_threshold, 2);
  EXPECT_EQ(api.health.deep->status_min, 200);
  EXPECT_EQ(api.health.deep->status_max, 200);

  EXPECT_EQ(api.restart.policy, RestartPolicy::OnFailure);
  EXPECT_EQ(api.restart.max_retries, 5);
  EXPECT_EQ(api.restart.backoff.initial, 500ms);
  EXPECT_EQ(api.restart.backoff.max, 60s);
  EXPECT_DOUBLE_EQ(api.restart.backoff.multiplier, 1.5);
  EXPECT_DOUBLE_EQ(api.restart.backoff.jitter, 0.2);

  const Strategy& canary = api.strategy;
  EXPECT_EQ(canary.kind, StrategyKind::Canary);
  ASSERT_EQ(canary.steps.size(), 7u);
  EXPECT_EQ(canary.steps[0].kind, CanaryStep::Kind::Weight);
  EXPECT_EQ(canary.steps[0].weight, 10);
  EXPECT_EQ(canary.steps[1].kind, CanaryStep::Kind::Pause);
  EXPECT_EQ(canary.steps[1].duration, 30s);
  EXPECT_EQ(canary.steps[3].kind, CanaryStep::Kind::Analysis);
  EXPECT_EQ(canary.steps[3].duration, 60s);
  EXPECT_EQ(canary.steps[4].kind, CanaryStep::Kind::Approval);
  EXPECT_EQ(canary.steps[5].kind, CanaryStep::Kind::Pause);
  EXPECT_EQ(canary.steps[5].duration, 0ms);  // waits for `gantry promote`
  ASSERT_TRUE(canary.sticky);
  EXPECT_EQ(canary.sticky->cookie, "gantry-version");
  EXPECT_EQ(canary.sticky->header, "X-User-Id");
  ASSERT_TRUE(canary.analysis);
  const Analysis& a = *canary.analysis;
  EXPECT_EQ(a.interval, 5s);
  EXPECT_DOUBLE_EQ(*a.success_rate_min, 0.995);
  EXPECT_DOUBLE_EQ(*a.error_rate_max, 0.01);
  ASSERT_EQ(a.latency.size(), 4u);
  EXPECT_EQ(a.latency[0].quantile, "p50");
  EXPECT_EQ(a.latency[0].max, 100ms);
  EXPECT_FALSE(a.latency[1].max);
  EXPECT_DOUBLE_EQ(*a.latency[1].max_ratio_to_baseline, 1.5);
  EXPECT_EQ(a.latency[2].max, 500ms);
  EXPECT_EQ(a.judge, Analysis::Judge::Statistical);
  EXPECT_DOUBLE_EQ(a.confidence, 0.95);
  EXPECT_EQ(a.min_requests, 100);
  EXPECT_EQ(a.on_inconclusive, Analysis::Inconclusive::Approval);
  EXPECT_EQ(a.failure_limit, 2);

  ASSERT_EQ(api.hooks.pre_rollout.size(), 1u);
  EXPECT_EQ(api.hooks.pre_rollout[0].run, (std::vector<std::string>{"./bin/migrate", "--dry-run"}));
  EXPECT_EQ(api.hooks.pre_rollout[0].timeout, 120s);
  ASSERT_EQ(api.hooks.smoke.size(), 1u);
  const Hook& smoke = api.hooks.smoke[0];
  EXPECT_EQ(smoke.http_method, "GET");
  EXPECT_EQ(smoke.http_path, "/health/deep");
  EXPECT_EQ(smoke.expect_status, 200);
  ASSERT_EQ(smoke.expect_json.size(), 2u);
  EXPECT_EQ(smoke.expect_json[1], (std::pair<std::string, std::string>{"checks.db", "ok"}));
  EXPECT_EQ(smoke.timeout, 10s);
  EXPECT_EQ(api.hooks.post_rollout[0].run,
            (std::vector<std::string>{"/bin/sh", "-c", "./bin/notify-done --quiet"}));
  EXPECT_EQ(api.hooks.on_rollback.size(), 1u);

  EXPECT_DOUBLE_EQ(*api.resources.cpu, 0.5);
  EXPECT_EQ(*api.resources.memory, 512u * 1024 * 1024);
  ASSERT_TRUE(api.build);
  EXPECT_EQ(api.build->command, (std::vector<std::string>{"make api"}));
  EXPECT_TRUE(api.build->shell);
  EXPECT_EQ(api.build->artifact, "bin/api");
  EXPECT_EQ(api.depends_on, (std::vector<std::string>{"worker"}));
  EXPECT_EQ(api.stop_timeout, 30s);

  const Service& worker = service(spec, "worker");
  EXPECT_TRUE(worker.shell);
  EXPECT_EQ(worker.command, (std::vector<std::string>{"./bin/worker --queue default"}));
  EXPECT_EQ(worker.replicas, 0);
  EXPECT_EQ(worker.health.liveness->kind, ProbeKind::Exec);
  EXPECT_EQ(worker.health.liveness->command, (std::vector<std::string>{"./bin/worker", "--check"}));
  EXPECT_EQ(worker.health.readiness->kind, ProbeKind::Tcp);
  EXPECT_EQ(worker.health.readiness->port, 7000);
  EXPECT_EQ(worker.health.startup->port, 0);
  EXPECT_EQ(worker.restart.policy, RestartPolicy::Always);
  EXPECT_EQ(worker.strategy.kind, StrategyKind::Rolling);
  EXPECT_EQ(worker.strategy.max_surge.value, 1);
  EXPECT_FALSE(worker.strategy.max_surge.percent);
  EXPECT_EQ(worker.strategy.max_unavailable.value, 10);
  EXPECT_TRUE(worker.strategy.max_unavailable.percent);
  EXPECT_FALSE(worker.build->shell);

  const Service& web = service(spec, "web");
  EXPECT_EQ(web.strategy.kind, StrategyKind::BlueGreen);
  EXPECT_TRUE(web.strategy.auto_promote);
  EXPECT_EQ(web.strategy.scale_down_delay, 90s);
  EXPECT_EQ(web.strategy.preview_port, 3001);
  ASSERT_TRUE(web.strategy.analysis);
  EXPECT_DOUBLE_EQ(*web.strategy.analysis->error_rate_max, 0.005);
  EXPECT_EQ(web.health.readiness->command,
            (std::vector<std::string>{"/bin/sh", "-c", "curl -fsS localhost:3000/ready"}));

  ASSERT_EQ(spec.notify.size(), 3u);
  EXPECT_EQ(spec.notify[0].kind, NotifySink::Kind::Webhook);
  EXPECT_EQ(spec.notify[0].url.value, "https://hooks.example.com/gantry");
  EXPECT_EQ(spec.notify[1].url.value, "https://hooks.example.com/other");
  EXPECT_TRUE(spec.notify[1].url.interpolated);
  EXPECT_EQ(spec.notify[1].events, (std::vector<std::string>{"deployment.succeeded"}));
  EXPECT_EQ(spec.notify[2].kind, NotifySink::Kind::Slack);
  EXPECT_TRUE(spec.notify[2].url.is_secret_ref());
  EXPECT_EQ(spec.notify[2].events, (std::vector<std::string>{"deployment.failed", "rollback.*"}));
  EXPECT_EQ(spec.notify[2].environments, (std::vector<std::string>{"production"}));
}

TEST(SpecParser, AppliesDefaultsForOmittedKeys) {
  auto r = load_fixture("minimal.yaml");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const Service& web = service(*r, "web");
  EXPECT_EQ(web.replicas, 1);
  EXPECT_EQ(web.strategy.kind, StrategyKind::Rolling);
  EXPECT_EQ(web.restart.policy, RestartPolicy::OnFailure);
  EXPECT_EQ(web.stop_timeout, 10s);
  EXPECT_FALSE(web.health.readiness);
  EXPECT_TRUE(r->environments.empty());
}

TEST(SpecParser, StringCommandRunsThroughTheShell) {
  auto r = parse("services:\n  api:\n    command: ./api --port 80 && echo hi\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_TRUE(r->services[0].shell);
  EXPECT_EQ(r->services[0].command, (std::vector<std::string>{"./api --port 80 && echo hi"}));
}

TEST(SpecParser, StrategyMayBeNamedByItsKindAlone) {
  auto r = parse("services:\n  api:\n    command: [a]\n    strategy: recreate\n");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->services[0].strategy.kind, StrategyKind::Recreate);
  auto n = parse("services:\n  api:\n    command: [a]\n    strategy: { canary: }\n");
  ASSERT_TRUE(n.ok()) << n.error().str();
  EXPECT_EQ(n->services[0].strategy.kind, StrategyKind::Canary);
}

// ---- environments and overlays ----

TEST(SpecParser, AppliesTheEnvironmentOverlayKeyByKey) {
  auto r = load_fixture("full.yaml", "production");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->environment, "production");
  const Service& api = service(*r, "api");
  EXPECT_EQ(api.replicas, 6);                      // scalar replaced
  EXPECT_EQ(api.env.at("POOL_SIZE").value, "20");  // env map merged
  EXPECT_EQ(api.env.at("DATABASE_URL").value, "secret://database-url");
  EXPECT_EQ(api.health.readiness->period, 5s);             // nested map merged...
  EXPECT_EQ(api.health.readiness->path, "/health/ready");  // ...keeping base keys
  EXPECT_EQ(api.health.readiness->failure_threshold, 3);
  EXPECT_EQ(*api.resources.memory, 1024u * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*api.resources.cpu, 0.5);
  EXPECT_EQ(api.strategy.kind, StrategyKind::Canary);
  // A strategy kind in the overlay replaces the base's kind instead of adding a second one.
  EXPECT_EQ(service(*r, "worker").strategy.kind, StrategyKind::Recreate);
}

TEST(SpecParser, AddsEnvironmentVarsToEveryServiceWithServiceEnvWinning) {
  auto r = parse(
      "environments:\n"
      "  staging:\n"
      "    vars: { LOG_LEVEL: debug, REGION: eu }\n"
      "services:\n"
      "  api:\n"
      "    command: [a]\n"
      "    env: { REGION: us }\n"
      "  worker:\n"
      "    command: [b]\n",
      "staging");
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(service(*r, "api").env.at("LOG_LEVEL").value, "debug");
  EXPECT_EQ(service(*r, "api").env.at("REGION").value, "us");
  EXPECT_EQ(service(*r, "worker").env.at("REGION").value, "eu");
  // The added var points at the environment's vars entry.
  EXPECT_EQ((r->source.where("services.worker.env.LOG_LEVEL")).str(),
            (Location{"gantry.yaml", 3, 24}).str());
}

TEST(SpecParser, MergesTheEnvironmentSectionOfEnvSchemaOverTheBase) {
  auto r = load_fixture("full.yaml", "production");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const Service& api = service(*r, "api");
  const VarSchema& stripe = api.env_schema.at("STRIPE_KEY");
  EXPECT_EQ(stripe.prefix, "sk_live_");  // from the production section
  EXPECT_TRUE(stripe.required);          // from the production section
  EXPECT_EQ(stripe.min_length, 10u);     // kept from the base entry
  EXPECT_EQ(stripe.type, VarType::String);
  ASSERT_EQ(api.env_schema.count("SENTRY_DSN"), 1u);  // only in the section
  EXPECT_EQ(api.env_schema.at("SENTRY_DSN").type, VarType::Url);
  auto staging = load_fixture("full.yaml", "staging");
  ASSERT_TRUE(staging.ok()) << staging.error().str();
  EXPECT_EQ(service(*staging, "api").env_schema.at("STRIPE_KEY").prefix, "sk_");
  EXPECT_EQ(service(*staging, "api").env_schema.count("SENTRY_DSN"), 0u);
}

TEST(SpecParser, RejectsAnUndeclaredEnvironmentWithSuggestion) {
  auto r = load_fixture("full.yaml", "prodution");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().key_path, "environments");
  EXPECT_EQ(r.error().where.line, 3);
  EXPECT_NE(r.error().message.find("declared: staging, production"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("did you mean 'production'?"), std::string::npos);
}

TEST(SpecParser, RejectsAnEnvironmentWhenNoneAreDeclared) {
  const Error e = error_of("services:\n  api:\n    command: [a]\n", "staging");
  expect_at(e, 1, 1, "environments");
  EXPECT_NE(e.message.find("declares none"), std::string::npos) << e.message;
}

TEST(SpecParser, RejectsAnOverlayForAnUnknownService) {
  const Error e = error_of(
      "environments:\n"
      "  production:\n"
      "    services:\n"
      "      apii: { replicas: 2 }\n"
      "services:\n"
      "  api:\n"
      "    command: [a]\n");
  expect_at(e, 4, 7, "environments.production.services.apii");
  EXPECT_NE(e.message.find("did you mean 'api'?"), std::string::npos) << e.message;
}

TEST(SpecParser, RejectsPromoteFromAnUndeclaredEnvironment) {
  const Error e = error_of(
      "environments:\n"
      "  production: { promote_from: stagin }\n"
      "services:\n"
      "  api: { command: [a] }\n");
  expect_at(e, 2, 31, "environments.production.promote_from");
}

TEST(SpecParser, ListsEnvironmentsInFileOrder) {
  LoadOptions o = options();
  o.file = kFixtures + "/full.yaml";
  auto names = list_environments(o);
  ASSERT_TRUE(names.ok()) << names.error().str();
  EXPECT_EQ(*names, (std::vector<std::string>{"staging", "production"}));
}

// ---- source map ----

TEST(SpecParser, RecordsWhereEveryKeyCameFrom) {
  auto r = load_fixture("full.yaml");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const SourceMap& src = r->source;
  const std::string file = kFixtures + "/full.yaml";
  EXPECT_EQ(src.default_file, file);
  // Scalars: the value's mark.
  EXPECT_EQ((src.where("services.api.port")).str(), (Location{file, 31, 11}).str());
  EXPECT_EQ((src.where("services.api.env.DATABASE_URL")).str(), (Location{file, 35, 21}).str());
  EXPECT_EQ((src.where("services.api.health.readiness.period")).str(),
            (Location{file, 54, 49}).str());
  // Maps and lists: the key's mark.
  EXPECT_EQ((src.where("services.api")).str(), (Location{file, 28, 3}).str());
  EXPECT_EQ((src.where("services.api.health")).str(), (Location{file, 52, 5}).str());
  // List items by index.
  EXPECT_EQ((src.where("services.api.strategy.canary.steps.2")).str(),
            (Location{file, 75, 13}).str());
  EXPECT_EQ((src.where("services.api.strategy.canary.steps.2.weight")).str(),
            (Location{file, 75, 21}).str());
  EXPECT_EQ((src.where("notify.2")).str(), (Location{file, 137, 5}).str());
  // Unknown paths fall back to the nearest ancestor.
  EXPECT_EQ((src.where("services.api.env.NOPE")).str(), (Location{file, 34, 5}).str());
}

TEST(SpecParser, PointsOverlaidValuesAtTheOverlay) {
  auto r = load_fixture("full.yaml", "production");
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string file = kFixtures + "/full.yaml";
  EXPECT_EQ((r->source.where("services.api.replicas")).str(), (Location{file, 16, 19}).str());
  EXPECT_EQ((r->source.where("services.api.health.readiness.period")).str(),
            (Location{file, 21, 21}).str());
  EXPECT_EQ((r->source.where("services.api.health.readiness.http")).str(),
            (Location{file, 54, 26}).str());
}

// ---- errors: each with file:line:col, key path, and what would be valid ----

TEST(SpecParser, RejectsUnknownKeyWithSuggestion) {
  const Error e = error_of("services:\n  api:\n    command: [a]\n    helth: {}\n");
  expect_at(e, 4, 5, "services.api.helth");
  EXPECT_EQ(e.message, "unknown key, did you mean 'health'?");
  EXPECT_EQ(e.str(), "gantry.yaml:4:5: services.api.helth: unknown key, did you mean 'health'?");
}

TEST(SpecParser, RejectsUnknownKeyListingValidKeysWhenNothingIsClose) {
  const Error e = error_of("project: x\nzebra: 1\nservices:\n  api: { command: [a] }\n");
  expect_at(e, 2, 1, "zebra");
  EXPECT_EQ(e.message,
            "unknown key; valid keys here: project, environments, services, notify, proxy, api, "
            "metrics, events");
}

TEST(SpecParser, RejectsUnknownKeyDeepInAProbe) {
  const Error e = error_of(
      "services:\n  api:\n    command: [a]\n    health:\n      readiness: { http: /h, perod: 2s "
      "}\n");
  expect_at(e, 5, 30, "services.api.health.readiness.perod");
  EXPECT_NE(e.message.find("did you mean 'period'?"), std::string::npos);
}

TEST(SpecParser, RejectsWrongType) {
  const Error e = error_of("services:\n  api:\n    command: [a]\n    health:\n      - readiness\n");
  expect_at(e, 5, 7, "services.api.health");
  EXPECT_EQ(e.message, "expected a map, got a list");
  const Error s = error_of("services:\n  api:\n    command: [a]\n    workdir: { a: b }\n");
  expect_at(s, 4, 14, "services.api.workdir");
  EXPECT_EQ(s.message, "expected a string, got a map");
}

TEST(SpecParser, RejectsBadDuration) {
  LoadOptions o = options();
  o.file = kFixtures + "/invalid/bad_duration.yaml";
  auto r = load_spec(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ((r.error().where).str(), (Location{o.file, 5, 43}).str());
  EXPECT_EQ(r.error().key_path, "services.api.health.readiness.period");
  EXPECT_NE(r.error().message.find("'2' is not a valid duration"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("30s"), std::string::npos);  // says what is valid
}

TEST(SpecParser, RejectsBadPercent) {
  const Error e = error_of(
      "services:\n  api:\n    command: [a]\n    strategy:\n      canary:\n        analysis:\n"
      "          success_rate: { min: 101% }\n");
  expect_at(e, 7, 32, "services.api.strategy.canary.analysis.success_rate.min");
  EXPECT_NE(e.message.find("percentage"), std::string::npos) << e.message;
}

TEST(SpecParser, RejectsBadSize) {
  const Error e =
      error_of("services:\n  api:\n    command: [a]\n    resources: { memory: 12XB }\n");
  expect_at(e, 4, 26, "services.api.resources.memory");
  EXPECT_NE(e.message.find("not a valid size"), std::string::npos) << e.message;
}

TEST(SpecParser, RejectsBadPort) {
  const Error e = error_of("services:\n  api:\n    command: [a]\n    port: 70000\n");
  expect_at(e, 4, 11, "services.api.port");
  EXPECT_NE(e.message.find("1 to 65535"), std::string::npos) << e.message;
  const Error h = error_of("services:\n  api:\n    command: [a]\n    host_ports: [80, 0]\n");
  expect_at(h, 4, 22, "services.api.host_ports.1");
}

TEST(SpecParser, RejectsDuplicateKeyNamingTheFirstLine) {
  LoadOptions o = options();
  o.file = kFixtures + "/invalid/duplicate_key.yaml";
  auto r = load_spec(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ((r.error().where).str(), (Location{o.file, 7, 5}).str());
  EXPECT_EQ(r.error().key_path, "services.api.port");
  EXPECT_EQ(r.error().message, "duplicate key 'port' (first defined at line 5): keep only one");
}

TEST(SpecParser, RejectsDuplicateServiceNames) {
  const Error e = error_of("services:\n  api: { command: [a] }\n  api: { command: [b] }\n");
  expect_at(e, 3, 3, "services.api");
}

TEST(SpecParser, ReportsYamlSyntaxErrorsAtTheirMark) {
  LoadOptions o = options();
  o.file = kFixtures + "/invalid/syntax_error.yaml";
  auto r = load_spec(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where.file, o.file);
  EXPECT_EQ(r.error().where.line, 4);
  EXPECT_GT(r.error().where.column, 0);
  EXPECT_EQ(r.error().message.rfind("YAML syntax error: ", 0), 0u) << r.error().message;
  const Error e = error_of("services:\n  api:\n\tcommand: [a]\n");
  EXPECT_EQ(e.where.line, 3) << e.str();
}

TEST(SpecParser, RejectsAnEmptyFile) {
  for (const char* text : {"", "   \n\n", "# only a comment\n", "---\n"}) {
    const Error e = error_of(text);
    expect_at(e, 1, 1, "");
    EXPECT_EQ(e.message, "file is empty: expected a map with project: and services:");
  }
  LoadOptions o = options();
  o.file = kFixtures + "/invalid/empty.yaml";
  auto r = load_spec(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("file is empty"), std::string::npos);
}

TEST(SpecParser, RejectsATopLevelThatIsNotAMap) {
  LoadOptions o = options();
  o.file = kFixtures + "/invalid/not_a_map.yaml";
  auto r = load_spec(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ((r.error().where).str(), (Location{o.file, 1, 1}).str());
  EXPECT_EQ(r.error().message,
            "expected a map with project: and services: at the top level, got a list");
  EXPECT_EQ(error_of("just text\n").message,
            "expected a map with project: and services: at the top level, got a string");
}

TEST(SpecParser, RejectsMissingRequiredKeys) {
  const Error s = error_of("project: shop\n");
  expect_at(s, 1, 1, "services");
  EXPECT_NE(s.message.find("missing required key 'services'"), std::string::npos);
  const Error c = error_of("services:\n  api:\n    port: 8080\n");
  expect_at(c, 2, 3, "services.api");
  EXPECT_NE(c.message.find("missing required key 'command'"), std::string::npos);
  const Error n = error_of("services:\n  api:\n");
  expect_at(n, 2, 3, "services.api");
  const Error empty = error_of("services: {}\n");
  expect_at(empty, 1, 11, "services");
}

TEST(SpecParser, RejectsNegativeReplicas) {
  const Error e = error_of("services:\n  api:\n    command: [a]\n    replicas: -1\n");
  expect_at(e, 4, 15, "services.api.replicas");
  EXPECT_EQ(e.message, "replicas must be 0 or more");
  const Error t = error_of("services:\n  api:\n    command: [a]\n    replicas: three\n");
  expect_at(t, 4, 15, "services.api.replicas");
  EXPECT_NE(t.message.find("expected an integer"), std::string::npos);
}

TEST(SpecParser, RejectsInvalidServiceNames) {
  for (const char* name : {"Api", "my_api", "-api", "api.v2"}) {
    const Error e = error_of(std::string("services:\n  ") + name + ":\n    command: [a]\n");
    expect_at(e, 2, 3, std::string("services.") + name);
    EXPECT_NE(e.message.find("invalid service name"), std::string::npos) << e.message;
  }
  EXPECT_TRUE(parse("services:\n  tts-worker2:\n    command: [a]\n").ok());
}

TEST(SpecParser, RejectsDependsOnAnUnknownService) {
  const Error e = error_of(
      "services:\n  api:\n    command: [a]\n    depends_on: [db, wrker]\n  worker:\n"
      "    command: [b]\n  db:\n    command: [c]\n");
  expect_at(e, 4, 22, "services.api.depends_on");
  EXPECT_NE(e.message.find("unknown service 'wrker'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("did you mean 'worker'?"), std::string::npos) << e.message;
}

TEST(SpecParser, RejectsTwoStrategyKinds) {
  const Error e = error_of(
      "services:\n  api:\n    command: [a]\n    strategy:\n      canary: {}\n      rolling: {}\n");
  expect_at(e, 6, 7, "services.api.strategy.rolling");
  EXPECT_NE(e.message.find("exactly one of"), std::string::npos);
}

TEST(SpecParser, RejectsABadCanaryStep) {
  const Error e = error_of(
      "services:\n  api:\n    command: [a]\n    strategy:\n      canary:\n"
      "        steps: [ {weight: 10}, {weight: 150} ]\n");
  expect_at(e, 6, 41, "services.api.strategy.canary.steps.1.weight");
  EXPECT_NE(e.message.find("from 0 to 100"), std::string::npos) << e.message;
  const Error two = error_of(
      "services:\n  api:\n    command: [a]\n    strategy:\n      canary:\n"
      "        steps: [ {weight: 10, pause: 1s} ]\n");
  expect_at(two, 6, 18, "services.api.strategy.canary.steps.0");
}

TEST(SpecParser, RejectsAProbeWithoutAKind) {
  const Error e = error_of(
      "services:\n  api:\n    command: [a]\n    health:\n      readiness: { period: 1s }\n");
  expect_at(e, 5, 18, "services.api.health.readiness");
  EXPECT_NE(e.message.find("one of http, tcp or exec"), std::string::npos);
  const Error deep =
      error_of("services:\n  api:\n    command: [a]\n    health:\n      deep: { tcp: 80 }\n");
  expect_at(deep, 5, 15, "services.api.health.deep.tcp");
}

TEST(SpecParser, RejectsABadChoiceWithSuggestion) {
  const Error e =
      error_of("services:\n  api:\n    command: [a]\n    restart: { policy: on_failure }\n");
  expect_at(e, 4, 24, "services.api.restart.policy");
  EXPECT_NE(e.message.find("did you mean 'on-failure'?"), std::string::npos) << e.message;
}

TEST(SpecParser, RejectsAnEnvSchemaKeyThatIsNeitherVariableNorEnvironment) {
  const Error e = error_of(
      "environments: { production: {} }\nservices:\n  api:\n    command: [a]\n"
      "    env_schema:\n      prodution: { STRIPE_KEY: { required: true } }\n");
  expect_at(e, 6, 7, "services.api.env_schema.prodution");
  EXPECT_NE(e.message.find("did you mean 'production'?"), std::string::npos) << e.message;
}

TEST(SpecParser, ValidatesEveryEnvironmentSectionOfEnvSchema) {
  // Not the environment being resolved, still checked.
  const Error e = error_of(
      "environments: { staging: {}, production: {} }\nservices:\n  api:\n    command: [a]\n"
      "    env_schema:\n      production: { KEY: { typ: int } }\n");
  expect_at(e, 6, 28, "services.api.env_schema.production.KEY.typ");
}

TEST(SpecParser, RejectsAnUndeclaredNotifyEnvironment) {
  const Error e = error_of(
      "environments: { production: {} }\nservices:\n  api: { command: [a] }\nnotify:\n"
      "  - slack: { webhook: secret://s, environments: [prod] }\n");
  expect_at(e, 5, 50, "notify.0.slack.environments");
}

TEST(SpecParser, RejectsUnsetVariableInStrictModeAtTheScalar) {
  LoadOptions o = options();
  o.file = kFixtures + "/invalid/unset_var.yaml";
  o.use_process_env = false;
  auto r = load_spec(o);
  ASSERT_FALSE(r.ok());
  // Commands are left for the runtime; the env value is the first interpolated scalar.
  EXPECT_EQ((r.error().where).str(), (Location{o.file, 5, 21}).str());
  EXPECT_EQ(r.error().key_path, "services.api.env.DATABASE_URL");
  EXPECT_NE(r.error().message.find("${DATABASE_HOST} is not set"), std::string::npos)
      << r.error().message;
}

TEST(SpecParser, LeavesUnsetVariablesMarkedInLenientMode) {
  LoadOptions o = options("", Interpolation::Lenient);
  o.file = kFixtures + "/invalid/unset_var.yaml";
  o.use_process_env = false;
  auto r = load_spec(o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  const EnvValue& v = r->services[0].env.at("DATABASE_URL");
  EXPECT_TRUE(v.unresolved);
  EXPECT_TRUE(v.interpolated);
  EXPECT_EQ(v.value, "postgresql://app@${DATABASE_HOST}/app");
}

TEST(SpecParser, InterpolatesFromEnvFilesAndTheProcessEnvironment) {
  TempDir dir;
  const std::string a = dir.write("a.env", "GANTRY_T_HOST=from-a\nGANTRY_T_PORT=1\n");
  const std::string b = dir.write("b.env", "GANTRY_T_HOST=from-b\n");
  const std::string text =
      "services:\n  api:\n    command: [a]\n    port: ${GANTRY_T_PORT}\n"
      "    env:\n      HOST: ${GANTRY_T_HOST}\n      PRICE: $$5\n"
      "      TOKEN: secret://${GANTRY_T_HOST}\n";
  LoadOptions o = options();
  o.env_files = {a, b};
  o.use_process_env = false;
  auto r = parse_spec(text, o);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->services[0].port, 1);
  const EnvValue& host = r->services[0].env.at("HOST");
  EXPECT_EQ(host.value, "from-b");  // later files win
  EXPECT_EQ(host.raw, "${GANTRY_T_HOST}");
  EXPECT_TRUE(host.interpolated);
  EXPECT_EQ(r->services[0].env.at("PRICE").value, "$5");
  EXPECT_EQ(r->services[0].env.at("TOKEN").value, "secret://${GANTRY_T_HOST}");  // never resolved

  ::setenv("GANTRY_T_HOST", "from-process", 1);
  o.use_process_env = true;
  auto p = parse_spec(text, o);
  ::unsetenv("GANTRY_T_HOST");
  ASSERT_TRUE(p.ok()) << p.error().str();
  EXPECT_EQ(p->services[0].env.at("HOST").value, "from-process");  // process env wins
}

TEST(SpecParser, ReportsAMissingEnvFile) {
  LoadOptions o = options();
  o.env_files = {"/nonexistent/.env.production"};
  auto r = parse_spec("services:\n  api: { command: [a] }\n", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("/nonexistent/.env.production"), std::string::npos);
}

// ---- files that are not specs ----

TEST(SpecParser, RejectsFilesThatCannotBeSpecs) {
  TempDir dir;
  LoadOptions o = options();
  o.file = dir.path() + "/missing.yaml";
  auto missing = load_spec(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().str().find("missing.yaml"), std::string::npos);

  o.file = dir.path();
  auto directory = load_spec(o);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().str().find(dir.path()), std::string::npos);

  o.file = dir.write("big.yaml", "# " + std::string(11 * 1024 * 1024, 'x') + "\n");
  auto big = load_spec(o);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().str().find("big.yaml"), std::string::npos);

  o.file = kFixtures + "/invalid/binary.yaml";
  auto binary = load_spec(o);
  ASSERT_FALSE(binary.ok());
  EXPECT_NE(binary.error().str().find("binary.yaml"), std::string::npos);
  for (const auto* r : {&missing, &directory, &big, &binary}) {
    EXPECT_EQ(r->error().str().find('\n'), std::string::npos) << "one line";
  }
}

TEST(SpecParser, RefusesDeeplyNestedInputWithoutCrashing) {
  const std::string lists = "services: " + std::string(5000, '[') + std::string(5000, ']');
  EXPECT_FALSE(parse(lists).ok());
  std::string maps = "services:\n";
  for (int i = 0; i < 100; ++i)
    maps += std::string(2 * (i + 1), ' ') + "k" + std::to_string(i) + ":\n";
  const Error e = error_of(maps);
  EXPECT_NE(e.message.find("64 levels"), std::string::npos) << e.str();
}

TEST(SpecParser, RefusesAliasBombs) {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    bomb += "]\n";
  }
  const Error e = error_of(bomb);
  EXPECT_NE(e.message.find("more than 100000 nodes"), std::string::npos) << e.str();
}

TEST(SpecParser, RejectsNonScalarKeys) {
  const Error e = error_of("? [a, b]\n: 1\nservices: {}\n");
  EXPECT_EQ(e.where.line, 1) << e.str();
  EXPECT_NE(e.message.find("map keys must be plain names"), std::string::npos);
}

}  // namespace
}  // namespace gantry::spec
