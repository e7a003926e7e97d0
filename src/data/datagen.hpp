#pragma once
// `hamlet datagen`: one SCF per input structure, stored as a dataset; resumable and crash-safe.
//
// Crash safety (kill -9 at any moment loses at most the structures in flight):
//   - each finished structure is written as its own one-entry dataset OUT.parts/<index>.h5
//     (temporary name, fsync, rename, fsync of the folder), so a finished part is complete;
//   - OUT is rebuilt from the previous OUT plus the parts under a temporary name and renamed
//     over OUT (fsync before and after), so OUT is always a complete dataset, old or new;
//   - only then are the merged parts deleted; parts already in OUT are dropped on the next run;
//   - a rerun skips every index found in OUT or in a finished part, removes stale temporary
//     files and merges; an flock on OUT.parts keeps two runs from writing the same OUT.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "chem/molecule.hpp"
#include "scf/driver.hpp"

namespace hamlet::data {

struct DatagenOptions {
  std::filesystem::path input;   // multi-frame XYZ/extXYZ file or folder of *.xyz files
  std::filesystem::path output;  // the dataset, e.g. DATA.h5
  scf::ScfSettings settings;
  int jobs = 1;                  // structures computed at the same time (ignored with MPI)
  int threads = 0;               // OpenMP threads, split among jobs (per rank with MPI); 0 = all
  bool show_progress = true;     // progress bar on stderr
};

// Thrown by run_datagen on MPI ranks other than 0 when rank 0 reports the failure itself:
// exit non-zero without printing the same message once per rank.
struct FailureReportedByRankZero : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DatagenSummary {
  bool report = true;        // false on MPI ranks other than 0: rank 0 prints the summary
  size_t total = 0;          // structures in the input
  size_t computed = 0;       // SCFs run now (converged or not)
  size_t skipped = 0;        // already in the dataset or in a finished part
  size_t not_converged = 0;  // of the computed ones; stored with converged = false
  size_t failed = 0;         // SCF threw; nothing stored, retried on the next run
  double seconds = 0;
  std::vector<std::string> failures;  // "source: cause"
};

// Structures in the order that defines entry indices: the frames of one file, or the frames
// of every *.xyz file of a folder, files sorted by name. Throws hamlet::Error on bad input.
std::vector<Molecule> read_structures(const std::filesystem::path& input);

// Checks every structure against the settings before anything runs (spin, elements in the
// basis and auxiliary basis, method and guess names); throws hamlet::Error naming the frame.
void validate_structures(const std::vector<Molecule>& molecules, const scf::ScfSettings& settings);

DatagenSummary run_datagen(const DatagenOptions& options);

// Folder holding the finished per-structure parts of `output` until they are merged.
std::filesystem::path parts_directory(const std::filesystem::path& output);

}  // namespace hamlet::data
