// Helpers shared by the importer tests: import text in memory, look for a note.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "spec/import_impl.h"
#include "spec/importer.h"

namespace gantry::spec::testing {

// Imports text as `format`; a failure is a test failure and gives an empty import.
inline import::FileImport import_ok(ImportFormat format, std::string_view text,
                                    const std::string& file) {
  auto r = import::import_text(format, text, file);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? std::move(*r) : import::FileImport{};
}

// True when a note contains text (and, when line is given, stands at that line).
inline bool has_note(const std::vector<ImportNote>& notes, std::string_view text, int line = 0) {
  for (const auto& n : notes) {
    if (n.message.find(text) != std::string::npos && (line == 0 || n.where.line == line)) {
      return true;
    }
  }
  return false;
}

}  // namespace gantry::spec::testing
