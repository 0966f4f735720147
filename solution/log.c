/*
 * The log: Raft's list of entries, each a term and a command.
 *
 * Every other file reaches the log through these functions, by index,
 * never through the array. That is what lets a snapshot replace a prefix
 * of the log (log_compact) without the rest of the code noticing: the
 * array then starts at the snapshot's last index instead of 0, and only
 * this file knows. The entry at the start of the array (the base) stands
 * for everything up to it; it keeps its term, for the consistency check
 * of AppendEntries, and no command.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

/* Where the entry with index sits in the array. */
static int64_t slot(const struct raft_log *l, int64_t index)
{
	assert(log_has(l, index));
	return index - l->base_index;
}

static void free_commands(struct raft_log *l, int64_t from_slot)
{
	for (int64_t i = from_slot; i < l->count; i++)
		free(l->entries[i].command);
}

void log_init(struct raft_log *l)
{
	l->cap = 16;
	l->entries = lab_calloc((size_t)l->cap, sizeof *l->entries);
	l->base_index = 0;
	l->count = 1; /* the base: index 0, term 0 */
}

void log_free(struct raft_log *l)
{
	free_commands(l, 0);
	free(l->entries);
	l->entries = NULL;
	l->count = 0;
}

void log_reset(struct raft_log *l, int64_t base_index, int64_t base_term)
{
	free_commands(l, 0);
	l->base_index = base_index;
	l->entries[0] = (struct log_entry){.term = base_term};
	l->count = 1;
}

int64_t log_base_index(const struct raft_log *l)
{
	return l->base_index;
}

int64_t log_base_term(const struct raft_log *l)
{
	return l->entries[0].term;
}

int64_t log_last_index(const struct raft_log *l)
{
	return l->base_index + l->count - 1;
}

int64_t log_last_term(const struct raft_log *l)
{
	return l->entries[l->count - 1].term;
}

bool log_has(const struct raft_log *l, int64_t index)
{
	return index >= l->base_index && index <= log_last_index(l);
}

int64_t log_term_at(const struct raft_log *l, int64_t index)
{
	return l->entries[slot(l, index)].term;
}

const struct log_entry *log_entry_at(const struct raft_log *l, int64_t index)
{
	assert(index > l->base_index);
	return &l->entries[slot(l, index)];
}

const struct log_entry *log_entries_from(const struct raft_log *l,
					 int64_t index, int64_t *n)
{
	assert(index > l->base_index && index <= log_last_index(l) + 1);
	*n = log_last_index(l) + 1 - index;
	return &l->entries[index - l->base_index];
}

int64_t log_append(struct raft_log *l, int64_t term, const void *command,
		   size_t len)
{
	if (l->count == l->cap) {
		l->cap *= 2;
		l->entries = lab_realloc(l->entries,
					 (size_t)l->cap * sizeof *l->entries);
	}
	uint8_t *copy = NULL;
	if (len > 0) {
		copy = lab_malloc(len);
		memcpy(copy, command, len);
	}
	l->entries[l->count++] =
		(struct log_entry){.term = term, .command = copy, .len = len};
	return log_last_index(l);
}

void log_truncate(struct raft_log *l, int64_t index)
{
	assert(index > l->base_index);
	if (index > log_last_index(l))
		return;
	int64_t from = slot(l, index);
	free_commands(l, from);
	l->count = from;
}

void log_compact(struct raft_log *l, int64_t index)
{
	int64_t keep_from = slot(l, index);
	assert(keep_from > 0);
	/* The entry at index becomes the base: it keeps its term, and its
	 * command goes with the rest, into the snapshot. */
	for (int64_t i = 1; i <= keep_from; i++)
		free(l->entries[i].command);
	l->entries[0] = (struct log_entry){.term = l->entries[keep_from].term};
	memmove(&l->entries[1], &l->entries[keep_from + 1],
		(size_t)(l->count - keep_from - 1) * sizeof *l->entries);
	l->count -= keep_from;
	l->base_index = index;
}

int64_t log_term_first_index(const struct raft_log *l, int64_t index)
{
	int64_t term = log_term_at(l, index);
	while (index - 1 > l->base_index && log_term_at(l, index - 1) == term)
		index--;
	return index;
}

int64_t log_term_last_index(const struct raft_log *l, int64_t term)
{
	/* Terms never decrease along the log, so search from the end and
	 * stop once they fall below term. */
	for (int64_t i = log_last_index(l); i > l->base_index; i--) {
		int64_t t = log_term_at(l, i);
		if (t == term)
			return i;
		if (t < term)
			break;
	}
	return -1;
}
