/* tests/helpers.h — small helpers shared by the suites.
 *
 * Ownership: tmpfile_with() returns a malloc'ed path the caller removes and
 * frees (tmpfile_drop does both).
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <jansson.h>

/* Parses a JSON document the test wrote; fails the test if it does not
 * parse. Returns a new reference. */
json_t *test_json(const char *doc);

/* Writes `text` to a new file under /tmp whose name ends in `suffix`;
 * returns its path. Aborts the test on failure. */
char *tmpfile_with(const char *text, const char *suffix);
void tmpfile_drop(char *path);

#endif
