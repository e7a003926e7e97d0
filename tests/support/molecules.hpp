#pragma once
// Test helpers: molecules from XYZ text, rigid rotations.
#include <Eigen/Geometry>
#include <sstream>
#include <string>

#include "chem/xyz.hpp"

namespace hamlet::test {

inline Molecule molecule_from_xyz_lines(const std::string& lines, int charge = 0, int multiplicity = 1) {
  int n = 0;
  for (char c : lines) n += c == '\n';
  if (!lines.empty() && lines.back() != '\n') ++n;
  std::istringstream in(std::to_string(n) + "\n\n" + lines + "\n");
  Molecule m = parse_xyz_frames(in, "test").front();
  m.charge = charge;
  m.multiplicity = multiplicity;
  return m;
}

// Rotate about the origin by `rotation` and then translate.
inline Molecule transformed(Molecule m, const Eigen::Matrix3d& rotation, const Eigen::Vector3d& shift) {
  for (auto& a : m.atoms) a.position = rotation * a.position + shift;
  return m;
}

inline Eigen::Matrix3d some_rotation() {
  return (Eigen::AngleAxisd(0.7, Eigen::Vector3d(1, 2, 3).normalized()) *
          Eigen::AngleAxisd(-1.3, Eigen::Vector3d(-2, 0.5, 1).normalized()))
      .toRotationMatrix();
}

}  // namespace hamlet::test
