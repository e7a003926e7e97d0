#pragma once
// Memory that is not handed back to the kernel only to be faulted in again: the allocator's
// settings for the whole process, and huge pages for large, long-lived buffers.
#include <cstddef>

namespace hamlet {

// Call once at program start (both executables do). glibc's malloc by default maps each block
// above a (dynamic) threshold separately and returns it to the kernel when freed, and trims
// the heaps' free tops; a training step of libtorch tensors then pays fresh page faults for
// the same sizes again and again. Here blocks up to 32 MB (glibc's largest threshold) come
// from the heaps and freed memory stays in the process for reuse (trimmed only above 1 GB).
// Measured (2-core VM, 2 epochs of examples/02-qm9 on 40 QM9 molecules, one thread, runs
// interleaved): 19.2 -> 11.7 s, page faults 490 k -> 114 k, the same losses.
void keep_freed_memory();

// Asks the kernel to back the 2 MB-aligned part of [data, data + bytes) with huge pages
// (madvise MADV_HUGEPAGE; a no-op where unsupported or for buffers under 2 MB). Call it before
// the buffer is first written. Why: on the 2-core VMs hamlet is measured on, a first write to a
// fresh 4 kB page costs ~10 us (a page fault); filling the 87 MB density-fitting tensor of a
// 19-atom QM9 molecule took 0.51 s with 4 kB pages and 0.31-0.35 s with huge pages.
void advise_huge_pages(void* data, std::size_t bytes);

}  // namespace hamlet
