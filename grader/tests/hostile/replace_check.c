/* HOSTILE: replace_check. Check is linked statically: of its archive, the
 * linker takes only the members the program needs. This file defines
 * every global of one of them (check_error.o: emalloc, erealloc, eprintf,
 * error_jmp_buffer), so that member is never needed and Check allocates
 * through these functions, in the runner too, which otherwise runs none
 * of the student's functions. No duplicate definition, no link error.
 *
 * Expected grade: not run, 0 points: "defines names the C library or
 * Check already has: emalloc, ... (in raft.c)". */
#include <setjmp.h>

jmp_buf error_jmp_buffer;

void *emalloc(size_t n);
void *erealloc(void *p, size_t n);
void eprintf(const char *fmt, const char *file, int line, ...);

void *emalloc(size_t n)
{
	static bool said;
	if (!said) {
		said = true;
		printf("replace_check: Check allocates through raft.c\n");
	}
	void *p = malloc(n);
	if (p == NULL)
		abort();
	return p;
}

void *erealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (q == NULL)
		abort();
	return q;
}

void eprintf(const char *fmt, const char *file, int line, ...)
{
	fprintf(stderr, "check error at %s:%d: %s\n", file, line, fmt);
	abort();
}
