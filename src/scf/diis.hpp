#pragma once
// Pulay DIIS (CDIIS): extrapolate Fock matrices from the last few iterations so that the
// commutator error vectors combine to a minimum norm.
#include <Eigen/Core>
#include <deque>
#include <functional>
#include <vector>

namespace hamlet::scf {

class Diis {
 public:
  explicit Diis(int max_vectors = 8) : max_vectors_(max_vectors) {}
  // Stores (F per spin, error per spin, and optionally the densities F was built from) and
  // returns the extrapolated Fock matrices.
  std::vector<Eigen::MatrixXd> extrapolate(const std::vector<Eigen::MatrixXd>& fock,
                                           const std::vector<Eigen::MatrixXd>& error,
                                           const std::vector<Eigen::MatrixXd>& density = {});
  // Lets `update` change the stored (F, error) of every entry but the newest `keep_newest`,
  // given the entry's densities: when the Fock definition changes by a known term, the old
  // entries can be made those of the new definition instead of being dropped.
  using EntryUpdate = std::function<void(std::vector<Eigen::MatrixXd>& fock, std::vector<Eigen::MatrixXd>& error,
                                         const std::vector<Eigen::MatrixXd>& density)>;
  void update(int keep_newest, const EntryUpdate& update);
  // The stored densities combined with the last extrapolation's coefficients: the density the
  // extrapolated Fock matrix stands for (needs densities given to extrapolate).
  std::vector<Eigen::MatrixXd> extrapolated_density() const;
  void reset() { focks_.clear(); errors_.clear(); densities_.clear(); }
  int size() const { return static_cast<int>(focks_.size()); }

 private:
  int max_vectors_;
  Eigen::VectorXd coefficients_;  // of the last extrapolation, for the newest entries
  std::deque<std::vector<Eigen::MatrixXd>> focks_, errors_, densities_;
};

}  // namespace hamlet::scf
