// Tests of the rollout keys: build workdir/env/timeout, hook name/dry_run/backup, and analysis
// error_rate.max_over_baseline, judge tolerance/sequential, on_low_traffic and checks. Each key:
// its parsed value, a bad value's located error, and the round trip through render_yaml/json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "spec/spec.h"

namespace gantry::spec {
namespace {

using namespace std::chrono_literals;

const std::string kFixture = std::string(GANTRY_FIXTURES) + "/spec/rollout_fields.yaml";
const RenderOptions kNoRedaction{false, nullptr};

LoadOptions options(const std::string& file) {
  LoadOptions o;
  o.file = file;
  o.use_process_env = false;
  return o;
}

Result<Spec> parse(std::string_view text) { return parse_spec(text, options("gantry.yaml")); }

Spec fixture() {
  auto r = load_spec(options(kFixture));
  EXPECT_TRUE(r.ok()) << r.error().str();
  return r.ok() ? *r : Spec{};
}

const Service& service(const Spec& spec, std::string_view name) {
  const Service* s = spec.find_service(name);
  EXPECT_NE(s, nullptr) << name;
  static const Service kNone;
  return s ? *s : kNone;
}

// A one-service spec whose service "api" continues with body (indented 4).
std::string api(const std::string& body) {
  return "services:\n  api:\n    command: [a]\n    port: 8080\n" + body;
}

// The error of a parse that must fail.
Error error_of(const std::string& text) {
  auto r = parse(text);
  EXPECT_FALSE(r.ok()) << "parsed, but should have failed:\n" << text;
  return r.ok() ? Error{} : r.error();
}

// The error is at the first character of the first occurrence of needle in text.
void expect_at(const Error& e, const std::string& text, const std::string& needle,
               const std::string& key_path) {
  const auto pos = text.find(needle);
  ASSERT_NE(pos, std::string::npos) << needle;
  int line = 1, column = 1;
  for (std::size_t i = 0; i < pos; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  EXPECT_EQ(e.where.file, "gantry.yaml") << e.str();
  EXPECT_EQ(e.where.line, line) << e.str();
  EXPECT_EQ(e.where.column, column) << e.str();
  EXPECT_EQ(e.key_path, key_path) << e.str();
}

void expect_message_has(const Error& e, const std::string& part) {
  EXPECT_NE(e.message.find(part), std::string::npos) << e.str();
}

// Renders spec both ways and parses each back; both must give a spec that renders the same.
std::pair<Spec, Spec> round_trip(const Spec& spec) {
  const std::string yaml = render_yaml(spec, kNoRedaction);
  auto from_yaml = parse_spec(yaml, options("rendered.yaml"));
  EXPECT_TRUE(from_yaml.ok()) << from_yaml.error().str() << "\n" << yaml;
  const std::string json = render_json(spec, kNoRedaction);
  auto from_json = parse_spec(json, options("rendered.json"));
  EXPECT_TRUE(from_json.ok()) << from_json.error().str() << "\n" << json;
  if (!from_yaml.ok() || !from_json.ok()) return {};
  EXPECT_EQ(render_yaml(*from_yaml, kNoRedaction), yaml);
  EXPECT_EQ(render_json(*from_json, kNoRedaction), json);
  EXPECT_EQ(render_yaml(*from_json, kNoRedaction), yaml);
  return {*from_yaml, *from_json};
}

// ---- build ----

TEST(SpecBuild, ParsesWorkdirEnvAndTimeout) {
  const Spec spec = fixture();
  const Build& b = *service(spec, "api").build;
  EXPECT_EQ(b.command, (std::vector<std::string>{"make api"}));
  EXPECT_EQ(b.workdir, "services/api");
  EXPECT_EQ(b.env, (std::map<std::string, std::string>{
                       {"CGO_ENABLED", "0"}, {"EMPTY", ""}, {"GOFLAGS", "-mod=vendor"}}));
  EXPECT_EQ(b.timeout, 20min);
  EXPECT_EQ(b.artifact, "bin/api");
  const Build& web = *service(spec, "web").build;  // defaults
  EXPECT_EQ(web.workdir, "");
  EXPECT_TRUE(web.env.empty());
  EXPECT_EQ(web.timeout, 10min);
}

TEST(SpecBuild, InterpolatesEnvValues) {
  auto r = parse(api("    build: { command: make, env: { REGION: \"${R:-eu}\" } }\n"));
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->services[0].build->env.at("REGION"), "eu");
}

TEST(SpecBuild, RejectsATimeoutOfZero) {
  const std::string text = api("    build: { command: make, timeout: 0 }\n");
  const Error e = error_of(text);
  expect_at(e, text, "0 }", "services.api.build.timeout");
  EXPECT_EQ(e.message, "the build timeout must be above 0");
}

TEST(SpecBuild, RejectsATimeoutWithoutAUnit) {
  const std::string text = api("    build: { command: make, timeout: 600 }\n");
  const Error e = error_of(text);
  expect_at(e, text, "600", "services.api.build.timeout");
  expect_message_has(e, "'600' is not a valid duration");
}

TEST(SpecBuild, RejectsABadEnvNameAndANonScalarValue) {
  const std::string name = api("    build: { command: make, env: { 1X: a } }\n");
  const Error e = error_of(name);
  expect_at(e, name, "1X", "services.api.build.env.1X");
  expect_message_has(e, "not a valid variable name");
  const std::string value = api("    build: { command: make, env: { A: [x] } }\n");
  const Error v = error_of(value);
  expect_at(v, value, "[x]", "services.api.build.env.A");
  EXPECT_EQ(v.message, "expected a string, number or bool, got a list");
}

TEST(SpecBuild, SuggestsTheNewKeysForTypos) {
  const std::string text = api("    build: { command: make, workdr: x }\n");
  const Error e = error_of(text);
  expect_at(e, text, "workdr", "services.api.build.workdr");
  EXPECT_EQ(e.message, "unknown key, did you mean 'workdir'?");
}

TEST(SpecBuild, RedactsSecretLikeEnvValuesWhenRendering) {
  auto r = parse(api("    build: { command: make, env: { NPM_TOKEN: npm_abc123, MODE: prod } }\n"));
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string yaml = render_yaml(*r);
  EXPECT_EQ(yaml.find("npm_abc123"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("NPM_TOKEN: <redacted>"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("MODE: prod"), std::string::npos) << yaml;
}

// ---- hooks ----

TEST(SpecHook, ParsesNameDryRunAndBackup) {
  const Spec spec = fixture();
  const Hooks& hooks = service(spec, "api").hooks;
  ASSERT_EQ(hooks.pre_rollout.size(), 2u);
  const Hook& migrate = hooks.pre_rollout[0];
  EXPECT_EQ(migrate.name, "migrate");
  EXPECT_EQ(migrate.run, (std::vector<std::string>{"./bin/migrate", "up"}));
  EXPECT_EQ(migrate.dry_run, (std::vector<std::string>{"./bin/migrate", "up", "--dry-run"}));
  EXPECT_EQ(migrate.backup_dir, "/var/backups/shop");
  EXPECT_EQ(migrate.backup_keep, 7);
  EXPECT_EQ(migrate.timeout, 5min);
  const Hook& warm = hooks.pre_rollout[1];
  EXPECT_EQ(warm.name, "");
  EXPECT_EQ(warm.dry_run, (std::vector<std::string>{"/bin/sh", "-c", "./bin/warm-cache --check"}));
  EXPECT_EQ(warm.backup_keep, 0);
  ASSERT_EQ(hooks.smoke.size(), 1u);
  EXPECT_EQ(hooks.smoke[0].name, "spaced path");
  EXPECT_EQ(hooks.smoke[0].http_path, "/search/a b");
}

TEST(SpecHook, StillAcceptsARunSmokeHook) {
  auto r = parse(api("    hooks: { smoke: [ { name: e2e, run: ./bin/e2e } ] }\n"));
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->services[0].hooks.smoke[0].run,
            (std::vector<std::string>{"/bin/sh", "-c", "./bin/e2e"}));
}

TEST(SpecHook, RejectsAnEmptyName) {
  const std::string text = api("    hooks: { pre_rollout: [ { name: \"\", run: x } ] }\n");
  const Error e = error_of(text);
  expect_at(e, text, "\"\"", "services.api.hooks.pre_rollout.0.name");
  EXPECT_EQ(e.message, "the hook name is empty");
}

TEST(SpecHook, RejectsDryRunAndBackupOnAnHttpHook) {
  const std::string dry =
      api("    hooks:\n      smoke:\n        - { http: /health, dry_run: [x] }\n");
  const Error d = error_of(dry);
  expect_at(d, dry, "dry_run", "services.api.hooks.smoke.0.dry_run");
  EXPECT_EQ(d.message, "dry_run applies to run hooks only");
  const std::string backup = api(
      "    hooks:\n      post_rollout:\n        - { http: /h, backup: { dir: /b, keep: 1 } }\n");
  const Error b = error_of(backup);
  expect_at(b, backup, "backup", "services.api.hooks.post_rollout.0.backup");
  EXPECT_EQ(b.message, "backup applies to run hooks only");
}

TEST(SpecHook, RejectsAnEmptyDryRun) {
  const std::string text = api("    hooks: { pre_rollout: [ { run: x, dry_run: [] } ] }\n");
  const Error e = error_of(text);
  expect_at(e, text, "[] }", "services.api.hooks.pre_rollout.0.dry_run");
  EXPECT_EQ(e.message, "the command is empty");
}

TEST(SpecHook, RejectsAKeepOutOfRange) {
  for (const char* keep : {"0", "1001", "many"}) {
    const std::string text = api(
        std::string("    hooks:\n      pre_rollout:\n        - run: x\n          backup: { dir: "
                    "/b, keep: ") +
        keep + " }\n");
    const Error e = error_of(text);
    expect_at(e, text, std::string(keep) + " }", "services.api.hooks.pre_rollout.0.backup.keep");
    expect_message_has(e, "an integer from 1 to 1000");
  }
}

TEST(SpecHook, RejectsABackupWithoutDirOrKeep) {
  const std::string no_dir =
      api("    hooks:\n      pre_rollout:\n        - run: x\n          backup: { keep: 3 }\n");
  const Error d = error_of(no_dir);
  expect_at(d, no_dir, "{ keep", "services.api.hooks.pre_rollout.0.backup");
  expect_message_has(d, "missing required key 'dir'");
  const std::string no_keep =
      api("    hooks:\n      pre_rollout:\n        - run: x\n          backup: { dir: /b }\n");
  const Error k = error_of(no_keep);
  expect_at(k, no_keep, "{ dir", "services.api.hooks.pre_rollout.0.backup");
  expect_message_has(k, "missing required key 'keep' (how many backups to keep, from 1 to 1000)");
  const std::string empty_dir =
      api("    hooks:\n      pre_rollout:\n        - run: x\n          backup: { dir: '', keep: 3 "
          "}\n");
  const Error e = error_of(empty_dir);
  expect_at(e, empty_dir, "''", "services.api.hooks.pre_rollout.0.backup.dir");
  EXPECT_EQ(e.message, "the backup dir is empty");
}

TEST(SpecHook, SuggestsTheNewKeysForTypos) {
  const std::string hook = api("    hooks: { pre_rollout: [ { run: x, dryrun: y } ] }\n");
  const Error h = error_of(hook);
  expect_at(h, hook, "dryrun", "services.api.hooks.pre_rollout.0.dryrun");
  EXPECT_EQ(h.message, "unknown key, did you mean 'dry_run'?");
  const std::string backup =
      api("    hooks: { pre_rollout: [ { run: x, backup: { dir: /b, kep: 2 } } ] }\n");
  const Error b = error_of(backup);
  expect_at(b, backup, "kep", "services.api.hooks.pre_rollout.0.backup.kep");
  EXPECT_EQ(b.message, "unknown key, did you mean 'keep'?");
}

// ---- analysis ----

std::string canary_analysis(const std::string& body) {
  return api("    strategy:\n      canary:\n        analysis:\n" + body);
}

TEST(SpecAnalysis, ParsesTheNewKeys) {
  const Spec spec = fixture();
  const Analysis& a = *service(spec, "api").strategy.analysis;
  EXPECT_EQ(a.interval, 1234567ms);
  EXPECT_DOUBLE_EQ(*a.error_rate_max, 0.01);
  EXPECT_DOUBLE_EQ(*a.error_rate_max_over_baseline, 0.005);
  EXPECT_DOUBLE_EQ(a.latency_tolerance, 0.35);
  EXPECT_EQ(a.latency_min_shift, 3ms);
  EXPECT_FALSE(a.sequential);
  EXPECT_EQ(a.on_inconclusive, Analysis::Inconclusive::Approval);
  ASSERT_EQ(a.checks.size(), 2u);
  EXPECT_EQ(a.checks[0].name, "orders");
  EXPECT_EQ(a.checks[0].http_method, "GET");
  EXPECT_EQ(a.checks[0].http_path, "/internal/orders/health");
  EXPECT_EQ(a.checks[0].expect_status, 200);
  EXPECT_EQ(a.checks[0].expect_json, (std::vector<std::pair<std::string, std::string>>{
                                         {"status", "ok"}, {"queue.depth", "0"}}));
  EXPECT_EQ(a.checks[0].timeout, 2s);
  EXPECT_EQ(a.checks[1].http_path, "/health/deep");
  EXPECT_TRUE(a.checks[1].run.empty());

  const Analysis& web = *service(spec, "web").strategy.analysis;
  EXPECT_FALSE(web.error_rate_max);
  EXPECT_DOUBLE_EQ(*web.error_rate_max_over_baseline, 0.0025);
  EXPECT_DOUBLE_EQ(web.latency_tolerance, 0.05);
  EXPECT_TRUE(web.sequential);  // the default
  EXPECT_EQ(web.on_inconclusive, Analysis::Inconclusive::Pass);
  EXPECT_TRUE(web.checks.empty());
}

TEST(SpecAnalysis, AcceptsEachLowTrafficChoice) {
  const std::pair<const char*, Analysis::Inconclusive> cases[] = {
      {"extend", Analysis::Inconclusive::Extend},
      {"pass", Analysis::Inconclusive::Pass},
      {"require_approval", Analysis::Inconclusive::Approval}};
  for (const auto& [word, want] : cases) {
    auto r = parse(canary_analysis(std::string("          on_low_traffic: ") + word + "\n"));
    ASSERT_TRUE(r.ok()) << r.error().str();
    EXPECT_EQ(r->services[0].strategy.analysis->on_inconclusive, want) << word;
  }
}

TEST(SpecAnalysis, RequiresOneErrorRateBound) {
  const std::string text = canary_analysis("          error_rate: {}\n");
  const Error e = error_of(text);
  expect_at(e, text, "{}", "services.api.strategy.canary.analysis.error_rate");
  expect_message_has(e, "give max (a percentage, like 1%) and/or max_over_baseline");
}

TEST(SpecAnalysis, RejectsABadMaxOverBaseline) {
  const std::string text = canary_analysis("          error_rate: { max_over_baseline: 0.5 }\n");
  const Error e = error_of(text);
  expect_at(e, text, "0.5 }", "services.api.strategy.canary.analysis.error_rate.max_over_baseline");
  expect_message_has(e, "'0.5' is not a valid percentage");
  const std::string typo = canary_analysis("          error_rate: { max_over_baselin: 1% }\n");
  const Error t = error_of(typo);
  expect_at(t, typo, "max_over_baselin",
            "services.api.strategy.canary.analysis.error_rate.max_over_baselin");
  EXPECT_EQ(t.message, "unknown key, did you mean 'max_over_baseline'?");
}

TEST(SpecAnalysis, ReadsToleranceAsAFractionOrAPercentage) {
  for (const auto& [written, want] : std::vector<std::pair<std::string, double>>{
           {"0.2", 0.2}, {"20%", 0.2}, {"0", 0}, {"10", 10}, {"1000%", 10}, {".5", 0.5}}) {
    auto r = parse(canary_analysis("          judge: { tolerance: " + written + " }\n"));
    ASSERT_TRUE(r.ok()) << written << ": " << r.error().str();
    EXPECT_DOUBLE_EQ(r->services[0].strategy.analysis->latency_tolerance, want) << written;
  }
}

TEST(SpecAnalysis, RejectsAToleranceOutOfRange) {
  for (const char* bad : {"11", "1001%", "-0.1", "abc", "20 %", "inf", "%"}) {
    const std::string text =
        canary_analysis(std::string("          judge: { tolerance: \"") + bad + "\" }\n");
    const Error e = error_of(text);
    expect_at(e, text, std::string("\"") + bad,
              "services.api.strategy.canary.analysis.judge.tolerance");
    EXPECT_EQ(e.message,
              std::string("expected a fraction of the baseline from 0 to 10, like 0.2, or a "
                          "percentage like 20%, got '") +
                  bad + "'");
  }
}

TEST(SpecAnalysis, RejectsANonBooleanSequential) {
  const std::string text = canary_analysis("          judge: { sequential: sometimes }\n");
  const Error e = error_of(text);
  expect_at(e, text, "sometimes", "services.api.strategy.canary.analysis.judge.sequential");
  EXPECT_EQ(e.message, "expected true or false, got 'sometimes'");
  const std::string typo = canary_analysis("          judge: { sequentail: true }\n");
  const Error t = error_of(typo);
  expect_at(t, typo, "sequentail", "services.api.strategy.canary.analysis.judge.sequentail");
  EXPECT_EQ(t.message, "unknown key, did you mean 'sequential'?");
}

TEST(SpecAnalysis, RejectsABadLowTrafficChoiceWithSuggestion) {
  const std::string text = canary_analysis("          on_low_traffic: require_aproval\n");
  const Error e = error_of(text);
  expect_at(e, text, "require_aproval", "services.api.strategy.canary.analysis.on_low_traffic");
  expect_message_has(e, "use one of extend, pass, require_approval");
  expect_message_has(e, "did you mean 'require_approval'?");
  const std::string typo = canary_analysis("          on_low_trafic: pass\n");
  const Error t = error_of(typo);
  expect_at(t, typo, "on_low_trafic", "services.api.strategy.canary.analysis.on_low_trafic");
  EXPECT_EQ(t.message, "unknown key, did you mean 'on_low_traffic'?");
}

TEST(SpecAnalysis, AcceptsLowTrafficAndOnInconclusiveThatAgree) {
  auto r =
      parse(canary_analysis("          judge: { on_inconclusive: approval }\n"
                            "          on_low_traffic: require_approval\n"));
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->services[0].strategy.analysis->on_inconclusive, Analysis::Inconclusive::Approval);
}

TEST(SpecAnalysis, RejectsLowTrafficAndOnInconclusiveThatDisagreeAtTheSecond) {
  const std::string judge_first = canary_analysis(
      "          judge: { on_inconclusive: pass }\n"
      "          on_low_traffic: extend\n");
  const Error a = error_of(judge_first);
  expect_at(a, judge_first, "extend", "services.api.strategy.canary.analysis.on_low_traffic");
  EXPECT_EQ(a.message,
            "'extend' disagrees with services.api.strategy.canary.analysis.judge.on_inconclusive: "
            "'pass' (line 8); both say what a low-traffic interval does: keep one");
  const std::string low_first = canary_analysis(
      "          on_low_traffic: extend\n"
      "          judge: { on_inconclusive: pass }\n");
  const Error b = error_of(low_first);
  expect_at(b, low_first, "pass", "services.api.strategy.canary.analysis.judge.on_inconclusive");
  expect_message_has(b,
                     "'pass' disagrees with services.api.strategy.canary.analysis."
                     "on_low_traffic: 'extend' (line 8)");
}

TEST(SpecAnalysis, RejectsACommandCheck) {
  const std::string text = canary_analysis("          checks:\n            - run: ./bin/check\n");
  const Error e = error_of(text);
  expect_at(e, text, "run", "services.api.strategy.canary.analysis.checks.0.run");
  EXPECT_EQ(e.message, "analysis checks are http checks; use hooks for commands");
}

TEST(SpecAnalysis, RejectsACheckWithoutHttpOrWithHookOnlyKeys) {
  const std::string no_http =
      canary_analysis("          checks:\n            - { name: x, timeout: 1s }\n");
  const Error h = error_of(no_http);
  expect_at(h, no_http, "{ name", "services.api.strategy.canary.analysis.checks.0");
  expect_message_has(h, "missing required key 'http'");
  const std::string dry =
      canary_analysis("          checks:\n            - { http: /h, dry_run: [x] }\n");
  const Error d = error_of(dry);
  expect_at(d, dry, "dry_run", "services.api.strategy.canary.analysis.checks.0.dry_run");
  EXPECT_EQ(d.message, "unknown key; valid keys here: name, http, expect, timeout");
  const std::string bad = canary_analysis("          checks:\n            - http: GET health\n");
  const Error b = error_of(bad);
  expect_at(b, bad, "GET health", "services.api.strategy.canary.analysis.checks.0.http");
  expect_message_has(b, "expected \"METHOD /path\"");
  const std::string not_list = canary_analysis("          checks: { http: /h }\n");
  const Error l = error_of(not_list);
  expect_at(l, not_list, "{ http", "services.api.strategy.canary.analysis.checks");
  EXPECT_EQ(l.message, "expected a list of http checks, got a map");
}

TEST(SpecAnalysis, RecordsWhereEachCheckWasWritten) {
  const Spec spec = fixture();
  EXPECT_EQ(spec.source.where("services.api.strategy.canary.analysis.checks.1").line, 23);
  EXPECT_EQ(spec.source.where("services.api.strategy.canary.analysis.checks.0.timeout").line, 22);
  EXPECT_EQ(spec.source.where("services.api.hooks.pre_rollout.0.backup.keep").line, 29);
}

// ---- rendering ----

TEST(SpecRenderRollout, FixtureRoundTripsThroughYamlAndJson) {
  const Spec spec = fixture();
  const auto [from_yaml, from_json] = round_trip(spec);
  for (const Spec* back : {&from_yaml, &from_json}) {
    ASSERT_EQ(back->services.size(), 2u);
    const Service& a = back->services[0];
    EXPECT_EQ(a.build->env, service(spec, "api").build->env);
    EXPECT_EQ(a.build->workdir, "services/api");
    EXPECT_EQ(a.build->timeout, 20min);
    const Hook& migrate = a.hooks.pre_rollout[0];
    EXPECT_EQ(migrate.name, "migrate");
    EXPECT_EQ(migrate.dry_run, (std::vector<std::string>{"./bin/migrate", "up", "--dry-run"}));
    EXPECT_EQ(migrate.backup_dir, "/var/backups/shop");
    EXPECT_EQ(migrate.backup_keep, 7);
    EXPECT_EQ(a.hooks.smoke[0].http_path, "/search/a b");
    const Analysis& an = *a.strategy.analysis;
    EXPECT_EQ(an.interval, 1234567ms);
    EXPECT_EQ(*an.success_rate_min, 0.99123456789);  // exactly: not cut to 6 digits
    EXPECT_EQ(*an.error_rate_max_over_baseline, 0.005);
    EXPECT_EQ(an.latency_tolerance, 0.35);
    EXPECT_FALSE(an.sequential);
    EXPECT_EQ(an.on_inconclusive, Analysis::Inconclusive::Approval);
    ASSERT_EQ(an.checks.size(), 2u);
    EXPECT_EQ(an.checks[0].name, "orders");
    EXPECT_EQ(an.checks[0].expect_json.size(), 2u);
    EXPECT_EQ(an.checks[0].timeout, 2s);
    const Analysis& web = *back->services[1].strategy.analysis;
    EXPECT_EQ(web.latency_tolerance, 0.05);
    EXPECT_EQ(web.on_inconclusive, Analysis::Inconclusive::Pass);
    EXPECT_EQ(back->services[1].strategy.preview_port, 3001);
  }
}

TEST(SpecRenderRollout, PrintsTheNewKeysInSpecSyntax) {
  const std::string yaml = render_yaml(fixture(), kNoRedaction);
  for (const char* want :
       {"max_over_baseline: 0.5%", "tolerance: 35%", "sequential: false",
        "on_low_traffic: require_approval", "on_low_traffic: pass", "name: migrate",
        "dry_run: [./bin/migrate, up, --dry-run]", "dir: /var/backups/shop", "keep: 7",
        "http: GET '/search/a b'", "workdir: services/api", "timeout: 20m", "CGO_ENABLED: \"0\"",
        "interval: 1234567ms", "min: 99.123456789%"}) {
    EXPECT_NE(yaml.find(want), std::string::npos) << want << " in\n" << yaml;
  }
  // Defaults stay out: the web build's 10m timeout, the web analysis's sequential judge.
  EXPECT_EQ(yaml.find("timeout: 10m"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("sequential: true"), std::string::npos) << yaml;
}

// judge.on_inconclusive reads back the same from its analysis-level name.
TEST(SpecRenderRollout, PrintsOnInconclusiveAsOnLowTraffic) {
  auto r = parse(canary_analysis("          judge: { on_inconclusive: approval }\n"));
  ASSERT_TRUE(r.ok()) << r.error().str();
  const std::string yaml = render_yaml(*r, kNoRedaction);
  EXPECT_NE(yaml.find("on_low_traffic: require_approval"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("on_inconclusive"), std::string::npos) << yaml;
  round_trip(*r);
}

// Regression: format_percent kept 6 significant digits and printed tiny values with an
// exponent ("1e-05%") that the parser refuses; format_duration did the same to fractional
// seconds ("1234.57s"), and an http hook path with a space printed unquoted.
TEST(SpecRenderRollout, PrintsValuesThatReadBackExactly) {
  auto r =
      parse(api("    strategy:\n      rolling: { max_surge: 33.3333333% }\n"
                "    health:\n      readiness: { http: /r, period: 1000000500ms }\n"
                "    hooks:\n"
                "      smoke:\n"
                "        - http: \"GET \\\"/a b'c\\\"\"\n"
                "        - http: \"POST '/x\\\\y'\"\n"
                "    build: { command: make, timeout: 90061001ms }\n"));
  ASSERT_TRUE(r.ok()) << r.error().str();
  auto tiny = parse(canary_analysis("          error_rate: { max: 0.00001% }\n"));
  ASSERT_TRUE(tiny.ok()) << tiny.error().str();
  const auto [back, from_json] = round_trip(*r);
  ASSERT_EQ(back.services.size(), 1u);
  const Service& s = back.services[0];
  EXPECT_EQ(s.strategy.max_surge.value, r->services[0].strategy.max_surge.value);
  EXPECT_EQ(s.health.readiness->period, 1000000500ms);
  EXPECT_EQ(s.hooks.smoke[0].http_path, "/a b'c");
  EXPECT_EQ(s.hooks.smoke[1].http_method, "POST");
  EXPECT_EQ(s.hooks.smoke[1].http_path, "/x\\y");
  EXPECT_EQ(s.build->timeout, 90061001ms);
  const auto [tiny_back, tiny_json] = round_trip(*tiny);
  ASSERT_EQ(tiny_back.services.size(), 1u);
  EXPECT_EQ(*tiny_back.services[0].strategy.analysis->error_rate_max,
            *tiny->services[0].strategy.analysis->error_rate_max);
}

TEST(SpecRenderRollout, JsonHoldsTheNewKeys) {
  const auto j = nlohmann::json::parse(render_json(fixture(), kNoRedaction));
  const auto& a = j["services"]["api"];
  EXPECT_EQ(a["build"]["env"]["GOFLAGS"], "-mod=vendor");
  EXPECT_EQ(a["build"]["timeout"], "20m");
  EXPECT_EQ(a["hooks"]["pre_rollout"][0]["backup"]["keep"], 7);
  EXPECT_EQ(a["strategy"]["canary"]["analysis"]["checks"][0]["http"],
            "GET /internal/orders/health");
  EXPECT_EQ(a["strategy"]["canary"]["analysis"]["judge"]["sequential"], false);
}

}  // namespace
}  // namespace gantry::spec
