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

#include "topology/spec.h"

/* Parses the topology block `doc` and builds it into t; fails the test on
 * an error. The caller topo_destroy()s t and topo_spec_destroy()s s. */
void test_fabric(const char *doc, topo_spec_t *s, topo_t *t);

/* Writes `text` to a new file under /tmp whose name ends in `suffix`;
 * returns its path. Aborts the test on failure. */
char *tmpfile_with(const char *text, const char *suffix);
void tmpfile_drop(char *path);

#endif
