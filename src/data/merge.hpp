#pragma once
// `hamlet data merge`: several datasets (e.g. datagen runs on different machines, or a dataset
// extended later by new structures) into one file.
#include <cstdint>
#include <filesystem>
#include <vector>

namespace hamlet::data {

struct MergeSummary {
  size_t entries = 0;
  std::vector<std::int64_t> offsets;  // added to the entry indices of each input, in order
};

// Writes every entry of `inputs`, file after file, into a new dataset at `output` (a temporary
// file renamed into place, so a failed merge leaves nothing). The inputs must agree in every
// setting that determines the numbers (method, guess, grid, tolerances, basis functions of the
// elements they share: settings_difference); the merged file knows the basis of every element
// of any input. Entry indices stay unique: each file's are shifted past the largest index before
// it (offset = 1 + that index); sources ("file:frame N") are kept. `output` must not be an input.
MergeSummary merge_datasets(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& output,
                            bool progress = false);

}  // namespace hamlet::data
