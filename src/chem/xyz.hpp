#pragma once
// XYZ and extended XYZ (ASE extxyz) readers. Coordinates in the file are Ångström; the
// returned molecules are in Bohr. Multi-frame files give one Molecule per frame.
// Recognised comment-line keys (extxyz key=value): charge=, multiplicity= (or mult=, spin=
// meaning 2S+1 is NOT assumed: only multiplicity/mult), Properties= (species and pos columns).
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "chem/molecule.hpp"

namespace hamlet {

std::vector<Molecule> read_xyz_frames(const std::filesystem::path& path);
// Parses text; `name` is used in error messages as the file name.
std::vector<Molecule> parse_xyz_frames(std::istream& in, const std::string& name);
// Reads a file that must hold exactly one frame.
Molecule read_xyz(const std::filesystem::path& path);

// Writes one frame (Ångström) with charge= and multiplicity= keys.
std::string format_xyz(const Molecule& mol);

}  // namespace hamlet
