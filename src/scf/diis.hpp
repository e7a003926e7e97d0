#pragma once
// Pulay DIIS (CDIIS): extrapolate Fock matrices from the last few iterations so that the
// commutator error vectors combine to a minimum norm.
#include <Eigen/Core>
#include <deque>
#include <vector>

namespace hamlet::scf {

class Diis {
 public:
  explicit Diis(int max_vectors = 8) : max_vectors_(max_vectors) {}
  // Stores (F per spin, error per spin) and returns the extrapolated Fock matrices.
  std::vector<Eigen::MatrixXd> extrapolate(const std::vector<Eigen::MatrixXd>& fock,
                                           const std::vector<Eigen::MatrixXd>& error);
  void reset() { focks_.clear(); errors_.clear(); }
  int size() const { return static_cast<int>(focks_.size()); }

 private:
  int max_vectors_;
  std::deque<std::vector<Eigen::MatrixXd>> focks_, errors_;
};

}  // namespace hamlet::scf
