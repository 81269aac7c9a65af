// Internals shared by the analysis module's statistics files; no other module includes this.
// Pure functions; thread-safe.
#pragma once

#include <vector>

#include "analysis/stats.h"

namespace gantry::analysis {

// The bins sorted by micros, equal values merged, zero counts dropped. NaN values are dropped
// too: they have no rank.
std::vector<LatencyBin> normalized(const std::vector<LatencyBin>& bins);

}  // namespace gantry::analysis
