// The build phase: the build command through the hooks' command runner, then the artifact's
// digest in steps posted to the io_context. Not thread-safe: runs on the io_context's thread.
#include "rollout/build.h"

#include <memory>

#include "core/asio.h"
#include "rollout/artifact.h"
#include "rollout/hooks_impl.h"

namespace gantry::rollout {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Bytes of artifact read per turn of the io_context.
constexpr std::size_t kDigestStep = std::size_t{1} << 20;

class BuildRun : public std::enable_shared_from_this<BuildRun> {
 public:
  BuildRun(asio::io_context& io, const spec::Build& build, const BuildContext& ctx,
           std::function<void(const OutputLine&)> on_line, std::function<void(BuildResult)> done)
      : io_(io), build_(build), ctx_(ctx), on_line_(std::move(on_line)), done_(std::move(done)) {}

  void start() {
    started_ = Clock::now();
    detail::CommandSpec spec;
    if (build_.shell) {
      std::string script;
      for (const auto& part : build_.command) script += (script.empty() ? "" : " ") + part;
      if (!script.empty()) spec.argv = {"/bin/sh", "-c", script};
    } else {
      spec.argv = build_.command;
    }
    const std::string base = detail::absolute_under("", ctx_.workdir);
    spec.workdir = detail::absolute_under(base, build_.workdir);
    spec.env = ctx_.env;
    for (const auto& [k, v] : build_.env) detail::set_env(spec.env, k, v);
    spec.timeout = build_.timeout;
    spec.kill_grace = ctx_.kill_grace;
    workdir_ = spec.workdir;
    if (spec.argv.empty()) {
      return asio::post(io_, [self = shared_from_this()] {
        self->finish(false, "the build has no command to run");
      });
    }
    detail::run_command(io_, std::move(spec), on_line_,
                        [self = shared_from_this()](detail::CommandOutcome o) {
                          self->after_command(std::move(o));
                        });
  }

 private:
  void after_command(detail::CommandOutcome o) {
    result_.exit_code = o.exit_code;
    result_.timed_out = o.timed_out;
    result_.last_lines = std::move(o.last_lines);
    command_detail_ = detail::describe(o, build_.timeout);
    if (!o.ok() || build_.artifact.empty()) return finish(o.ok(), command_detail_);
    hasher_ = std::make_unique<ArtifactHasher>(detail::absolute_under(workdir_, build_.artifact));
    digest_step();
  }

  // One slice of the digest per handler, so a large artifact never holds up the io thread.
  void digest_step() {
    auto done = hasher_->step(kDigestStep);
    if (!done) {
      const Error& e = done.error();
      if (e.code == ErrorCode::NotFound) {
        return finish(false, command_detail_ + " but produced no artifact " + build_.artifact +
                                 " (" + e.message + ")");
      }
      return finish(false, "cannot digest the artifact " + build_.artifact + ": " + e.message);
    }
    if (*done) {
      result_.artifact_digest = hasher_->digest();
      return finish(true, command_detail_ + ", artifact " + result_.artifact_digest);
    }
    asio::post(io_, [self = shared_from_this()] { self->digest_step(); });
  }

  void finish(bool ok, std::string detail) {
    result_.ok = ok;
    result_.detail = std::move(detail);
    result_.took = std::chrono::duration_cast<Duration>(Clock::now() - started_);
    hasher_.reset();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result_));
  }

  asio::io_context& io_;
  spec::Build build_;
  BuildContext ctx_;
  std::function<void(const OutputLine&)> on_line_;
  std::function<void(BuildResult)> done_;
  Clock::time_point started_;
  std::string workdir_;
  std::string command_detail_;
  std::unique_ptr<ArtifactHasher> hasher_;
  BuildResult result_;
};

}  // namespace

void run_build(asio::io_context& io, const spec::Build& build, const BuildContext& ctx,
               std::function<void(const OutputLine&)> on_line,
               std::function<void(BuildResult)> done) {
  auto run = std::make_shared<BuildRun>(io, build, ctx, std::move(on_line), std::move(done));
  run->start();
}

}  // namespace gantry::rollout
