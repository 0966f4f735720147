/* HOSTILE: constructor. A function that runs before main: once, in the
 * runner, which otherwise runs none of the student's functions, before it
 * forks each test's process (which so inherits whatever it did). This one only prints; it could as well
 * change what the runner will do.
 *
 * Expected grade: not run, 0 points: "has a constructor or destructor,
 * code that runs outside the tests, in raft.c". */

__attribute__((constructor)) static void before_main(void)
{
	printf("constructor: running before main\n");
}
