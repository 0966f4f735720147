/* HOSTILE: include_device. Asks the compiler to include a file that never
 * ends: it reads /dev/zero, holding all it read, until it has no memory
 * left. The build runs under a run's limits, so that is the grader's
 * memory limit (8 GiB, or the machine's share), not the machine's.
 *
 * Expected grade: not run, 0 points: "compile error:" with cc1's "out of
 * memory". */

#include "/dev/zero"
