#pragma once
// Internal to the data layer: the bookkeeping of one datagen run on the process that owns the
// output (the only process with threads, rank 0 with MPI). It reads and checks the input, locks
// OUT.parts, finds what earlier runs finished, records finished parts and merges at the end.
// Computing is left to the callers (thread pool in datagen.cpp, MPI ranks in datagen_mpi.cpp).
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "data/datagen.hpp"
#include "data/dataset_reader.hpp"
#include "data/progress.hpp"

namespace hamlet::data::detail {

// Exclusive flock on OUT.parts (created if needed), held for the whole run. The kernel releases
// it when the process dies, so a killed run never leaves a stale lock.
class OutputLock {
 public:
  explicit OutputLock(const std::filesystem::path& dir);
  ~OutputLock();  // removes the folder if empty
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::filesystem::path dir_;
  int fd_ = -1;
};

class DatagenSession {
 public:
  // Throws hamlet::Error on bad input, settings differing from an existing OUT, an input that
  // no longer matches OUT, or another run holding the lock. Nothing is written before this
  // constructor succeeds.
  explicit DatagenSession(const DatagenOptions& options);

  const std::vector<Molecule>& molecules() const { return molecules_; }
  const DatasetMetadata& metadata() const { return metadata_; }
  const std::vector<std::int64_t>& todo() const { return todo_; }
  std::filesystem::path part_path(std::int64_t index) const;

  // Not thread-safe: callers serialise.
  void finished(std::int64_t index, bool converged);  // its part file is durably in place
  void failed(std::int64_t index, const std::string& cause);
  // Merges OUT and the new parts into a new OUT; returns the run's summary.
  DatagenSummary finish();

 private:
  DatagenOptions options_;
  std::chrono::steady_clock::time_point start_;
  std::vector<Molecule> molecules_;
  DatasetMetadata metadata_;
  std::filesystem::path parts_dir_;
  std::unique_ptr<OutputLock> lock_;
  std::optional<DatasetReader> existing_;              // the current OUT, if any
  std::map<std::int64_t, std::filesystem::path> parts_;  // finished parts not yet in OUT
  std::vector<std::int64_t> todo_;
  DatagenSummary summary_;
  std::unique_ptr<Progress> progress_;
};

// --jobs structures at a time in this process, --threads split among them.
DatagenSummary run_with_threads(const DatagenOptions& options);

#ifdef HAMLET_WITH_MPI
// True when started by mpirun/mpiexec with more than one rank (Open MPI's OMPI_COMM_WORLD_SIZE,
// MPICH's PMI_SIZE).
bool launched_by_mpirun();
// Rank 0 owns the session and writes every file; ranks 1..N-1 compute the structures rank 0
// hands out one at a time and send back each finished part as bytes.
DatagenSummary run_with_mpi(const DatagenOptions& options);
#endif

}  // namespace hamlet::data::detail
