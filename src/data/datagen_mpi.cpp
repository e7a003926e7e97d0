// `mpirun -np N hamlet datagen ...`: rank 0 reads the input, holds the lock, hands out one
// structure at a time to ranks 1..N-1 (dynamic: fast ranks get more) and writes every part and
// the merged dataset; so crash safety and resume work exactly as with threads.
#include <mpi.h>
#include <omp.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "data/datagen_session.hpp"
#include "data/dataset_writer.hpp"

namespace hamlet::data::detail {
namespace {

enum Tag : int { kReady = 1, kResult = 2, kFailed = 3, kWork = 4 };
constexpr std::int64_t kStop = -1;

class MpiSession {
 public:
  MpiSession() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);  // OpenMP threads never call MPI
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank = 0, size = 1;
};

// Worker -> rank 0: [int64 index][int64 converged][payload: part file bytes or failure text].
struct Message {
  int source = 0, tag = 0;
  std::int64_t index = kStop;
  bool converged = false;
  std::string payload;
};

void send(int tag, std::int64_t index, bool converged, const std::string& payload) {
  const std::int64_t header[2] = {index, converged ? 1 : 0};
  std::string buffer(sizeof(header) + payload.size(), '\0');
  std::memcpy(buffer.data(), header, sizeof(header));
  std::memcpy(buffer.data() + sizeof(header), payload.data(), payload.size());
  MPI_Send(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, 0, tag, MPI_COMM_WORLD);
}

// Polls instead of blocking: Open MPI's blocking receive spins a core that rank 0 would take
// from a worker on the same node.
Message receive_from_any_worker() {
  MPI_Status status;
  for (int flag = 0;;) {
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (flag) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::string buffer(static_cast<size_t>(count), '\0');
  MPI_Recv(buffer.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  Message m;
  m.source = status.MPI_SOURCE;
  m.tag = status.MPI_TAG;
  if (buffer.size() >= 2 * sizeof(std::int64_t)) {
    std::int64_t header[2];
    std::memcpy(header, buffer.data(), sizeof(header));
    m.index = header[0];
    m.converged = header[1] != 0;
    m.payload = buffer.substr(sizeof(header));
  }
  return m;
}

void coordinate(DatagenSession& session, int workers) {
  const auto& todo = session.todo();
  size_t next = 0;
  while (workers > 0) {
    const Message m = receive_from_any_worker();
    if (m.tag == kResult) {
      write_file_durably(session.part_path(m.index), m.payload);
      session.finished(m.index, m.converged);
    } else if (m.tag == kFailed) {
      session.failed(m.index, m.payload);
    }
    const std::int64_t work = next < todo.size() ? todo[next++] : kStop;
    MPI_Send(&work, 1, MPI_INT64_T, m.source, kWork, MPI_COMM_WORLD);
    if (work == kStop) --workers;
  }
}

void compute(const DatagenOptions& o, const std::vector<Molecule>& molecules, const DatasetMetadata& metadata) {
  if (o.threads > 0) omp_set_num_threads(o.threads);
  send(kReady, kStop, false, "");
  while (true) {
    std::int64_t index = kStop;
    MPI_Recv(&index, 1, MPI_INT64_T, 0, kWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (index == kStop) return;
    const auto start = std::chrono::steady_clock::now();
    std::string image;
    bool converged = false;
    try {
      const auto run = scf::run_scf(molecules.at(index), o.settings);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      converged = run.result.converged;
      image = single_entry_dataset_image(metadata, make_entry(run, index, o.settings.method, seconds));
      if (image.size() > static_cast<size_t>(INT_MAX) - 64) throw Error("entry larger than one MPI message (2 GiB)");
    } catch (const std::exception& e) {
      send(kFailed, index, false, e.what());
      continue;
    }
    send(kResult, index, converged, image);
  }
}

}  // namespace

bool launched_by_mpirun() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(var); v && std::atoi(v) > 1) return true;
  return false;
}

DatagenSummary run_with_mpi(const DatagenOptions& o) {
  MpiSession mpi;
  if (mpi.size < 2) return run_with_threads(o);

  // Every rank reads the input (workers need the structures and the metadata); rank 0 also
  // validates, locks and scans. Failures are agreed on before any work is handed out.
  std::optional<DatagenSession> session;
  std::vector<Molecule> molecules;
  DatasetMetadata metadata;
  std::string error;
  try {
    if (mpi.rank == 0) {
      session.emplace(o);
    } else {
      molecules = read_structures(o.input);
      metadata = make_metadata(o.settings, molecules);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  int root_ok = error.empty() ? 1 : 0, all_ok = 0, ok = root_ok;
  MPI_Bcast(&root_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_ok) {
    if (mpi.rank == 0 && !root_ok) throw Error(error);
    if (mpi.rank == 0) throw Error("other MPI ranks could not read the input (their messages are above)");
    if (root_ok && !error.empty()) throw Error("MPI rank " + std::to_string(mpi.rank) + ": " + error);
    throw FailureReportedByRankZero("datagen failed on rank 0");
  }

  if (mpi.rank != 0) {
    compute(o, molecules, metadata);
  } else {
    try {
      coordinate(*session, mpi.size - 1);
    } catch (const std::exception& e) {  // cannot store results: the workers cannot be told
      std::fprintf(stderr, "hamlet: error: %s\n", e.what());
      MPI_Abort(MPI_COMM_WORLD, kExitError);
    }
  }

  // Rank 0 merges, then shares the outcome so that every rank exits with the same code.
  DatagenSummary summary;
  error.clear();
  if (mpi.rank == 0) {
    try {
      summary = session->finish();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  double numbers[7] = {static_cast<double>(error.empty()), double(summary.total), double(summary.computed),
                       double(summary.skipped), double(summary.not_converged), double(summary.failed),
                       summary.seconds};
  MPI_Bcast(numbers, 7, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (mpi.rank == 0) {
    if (!error.empty()) throw Error(error);
    return summary;
  }
  if (numbers[0] == 0) throw FailureReportedByRankZero("datagen failed on rank 0");
  summary.report = false;
  summary.total = static_cast<size_t>(numbers[1]);
  summary.computed = static_cast<size_t>(numbers[2]);
  summary.skipped = static_cast<size_t>(numbers[3]);
  summary.not_converged = static_cast<size_t>(numbers[4]);
  summary.failed = static_cast<size_t>(numbers[5]);
  summary.seconds = numbers[6];
  return summary;
}

}  // namespace hamlet::data::detail
