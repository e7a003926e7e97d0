#include "data/merge.hpp"

#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "data/dataset_reader.hpp"
#include "data/dataset_writer.hpp"
#include "data/progress.hpp"

namespace hamlet::data {
namespace fs = std::filesystem;
namespace {

// Adds the shell definitions of elements `from` has and `into` lacks (shared elements were
// checked equal by settings_difference).
void unite_basis(BasisLibrary& into, const BasisLibrary& from) {
  for (const auto& [Z, shells] : from.shells) into.shells.emplace(Z, shells);
  into.ecp_elements.insert(from.ecp_elements.begin(), from.ecp_elements.end());
}

}  // namespace

MergeSummary merge_datasets(const std::vector<fs::path>& inputs, const fs::path& output, bool progress) {
  if (inputs.empty()) throw Error("hamlet data merge: no input datasets");
  std::vector<DatasetReader> readers;
  size_t total = 0;
  for (const auto& path : inputs) {
    std::error_code ec;
    if (fs::exists(output) && fs::equivalent(path, output, ec))
      throw Error(output.string(), 0, "is one of the inputs; write the merged dataset to a new file");
    readers.emplace_back(path);
    total += readers.back().size();
  }
  DatasetMetadata merged = readers.front().metadata();
  for (size_t f = 1; f < readers.size(); ++f) {
    const std::string diff = settings_difference(readers.front().metadata(), readers[f].metadata());
    if (!diff.empty())
      throw Error(inputs[f].string(), 0, "cannot be merged with " + inputs.front().string() + ": " + diff);
    unite_basis(merged.basis, readers[f].metadata().basis);
    unite_basis(merged.auxiliary_basis, readers[f].metadata().auxiliary_basis);
  }
  merged.schema_version = kSchemaVersion;  // entries are rewritten in the current layout

  MergeSummary summary;
  DatasetWriter writer(output, merged);
  Progress bar(total, 0, progress, "entries");
  std::int64_t next = 0;  // smallest index the next file may start at
  for (size_t f = 0; f < readers.size(); ++f) {
    const DatasetReader& r = readers[f];
    summary.offsets.push_back(next);
    std::int64_t largest = -1;
    for (size_t i = 0; i < r.size(); ++i) {
      Entry e = r.read(i);
      largest = std::max(largest, e.index);
      e.index += summary.offsets.back();
      writer.add(e);
      bar.advance();
    }
    next += largest + 1;
  }
  writer.commit();
  bar.finish();
  summary.entries = writer.size();
  return summary;
}

}  // namespace hamlet::data
