/* HOSTILE: read_secret. Includes /tmp/raft-grader-tests.root-only.h,
 * which grader/tests/run.sh makes as root, mode 0600, for this case, and
 * fills with an #error line holding a secret word. The file cannot compile
 * either way; but if the build runs as root, the compiler reads it, and its
 * message, secret and all, goes into the report the student sees. (With
 * .incbin a submission could instead carry any file root can read into its
 * test program, and print it in its log.)
 *
 * Expected grade: not run, 0 points, "compile error" with "Permission
 * denied", and the secret word nowhere in the report: the build must not
 * run with more rights than the tests. run.sh runs this case only as
 * root. */

#include "/tmp/raft-grader-tests.root-only.h"
