#pragma once
// Tiny molecules (XYZ text, Angstrom) for the data-layer tests: seconds per SCF at most.
#include <string>

namespace hamlet::test {

// H2, water, hydrogen fluoride and the OH radical (a doublet: exercises unrestricted entries).
inline const char* kFourFrames =
    "2\nhydrogen\nH 0 0 0\nH 0 0 0.74\n"
    "3\nwater\nO 0 0 0.117790\nH 0 0.755453 -0.471161\nH 0 -0.755453 -0.471161\n"
    "2\nhydrogen fluoride\nF 0 0 0\nH 0 0 0.917\n"
    "2\nmultiplicity=2 hydroxyl radical\nO 0 0 0\nH 0 0 0.97\n";

// Eight closed-shell molecules for the kill -9 test.
inline const char* kEightFrames =
    "2\nhydrogen\nH 0 0 0\nH 0 0 0.74\n"
    "3\nwater\nO 0 0 0.117790\nH 0 0.755453 -0.471161\nH 0 -0.755453 -0.471161\n"
    "2\nhydrogen fluoride\nF 0 0 0\nH 0 0 0.917\n"
    "4\nammonia\nN 0 0 0.1\nH 0 0.94 -0.27\nH 0.814 -0.47 -0.27\nH -0.814 -0.47 -0.27\n"
    "5\nmethane\nC 0 0 0\nH 0.629 0.629 0.629\nH -0.629 -0.629 0.629\nH -0.629 0.629 -0.629\n"
    "H 0.629 -0.629 -0.629\n"
    "3\nhydrogen cyanide\nH 0 0 -1.066\nC 0 0 0\nN 0 0 1.156\n"
    "4\nformaldehyde\nC 0 0 0\nO 0 0 1.205\nH 0 0.94 -0.59\nH 0 -0.94 -0.59\n"
    "2\nlithium hydride\nLi 0 0 0\nH 0 0 1.595\n";

}  // namespace hamlet::test
