// Deployment status names, as stored and shown.
#include <array>
#include <utility>

#include "store/store.h"

namespace gantry::store {
namespace {

constexpr std::array<std::pair<DeploymentStatus, std::string_view>, 11> kNames = {{
    {DeploymentStatus::Pending, "pending"},
    {DeploymentStatus::Preflight, "preflight"},
    {DeploymentStatus::Provisioning, "provisioning"},
    {DeploymentStatus::Progressing, "progressing"},
    {DeploymentStatus::Paused, "paused"},
    {DeploymentStatus::Promoting, "promoting"},
    {DeploymentStatus::Succeeded, "succeeded"},
    {DeploymentStatus::RollingBack, "rolling_back"},
    {DeploymentStatus::RolledBack, "rolled_back"},
    {DeploymentStatus::Failed, "failed"},
    {DeploymentStatus::Aborted, "aborted"},
}};

}  // namespace

std::string_view name_of(DeploymentStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "unknown";
}

std::optional<DeploymentStatus> parse_deployment_status(std::string_view s) {
  for (const auto& [status, name] : kNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

bool is_terminal(DeploymentStatus s) {
  return s == DeploymentStatus::Succeeded || s == DeploymentStatus::RolledBack ||
         s == DeploymentStatus::Failed || s == DeploymentStatus::Aborted;
}

}  // namespace gantry::store
