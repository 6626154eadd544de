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

#include "sim/job/measure.h"

/* The time of one collective alone on the first n GPUs of t
 * (sim_measure_collective()), spec's channels 0 taken as 1; fails the
 * test on an error. O(the simulation). */
sim_time_t test_coll_ps(const topo_t *t, sim_net_model_t model, sim_coll_spec_t spec, int32_t n);

/* Writes `text` to a new file under /tmp whose name ends in `suffix`;
 * returns its path. Aborts the test on failure. */
char *tmpfile_with(const char *text, const char *suffix);
void tmpfile_drop(char *path);

/* Chakra NodeType values, for the suites that read Chakra traces
 * (check_chakra.c) and write them (check_chakra_tiny.c). */
enum { METADATA_NODE = 1, MEM_LOAD_NODE = 2, COMP_NODE = 4, SEND_NODE = 5, RECV_NODE = 6,
       COLL_NODE = 7 };

#include <stddef.h>

/* Fails the test unless msg (a refusal) names every one of the n rows of
 * a table: `name` is the address of row 0's name (a const char * member),
 * the rows `stride` bytes apart. O(n x length of msg). */
void test_msg_names_rows(const char *msg, const char *const *name, size_t n, size_t stride);

/* The same for the table t, its names in `member`:
 * TEST_MSG_NAMES_ROWS(err.msg, wl_sources, wl_sources_n, key). */
#define TEST_MSG_NAMES_ROWS(msg, t, n, member) \
    test_msg_names_rows((msg), &(t)[0].member, (n), sizeof *(t))

/* For a conformance test that walks a table (a row per _i) with an
 * example per row, keyed by the row's name: the example among the n rows
 * of `stride` bytes at `examples` whose first member (a const char *) is
 * `name`; fails the test ("<what> <name> has no example in <file>") when
 * there is none, so a new row without one fails until it gets one. O(n). */
const void *test_example_for(const void *examples, size_t n, size_t stride, const char *name,
                             const char *what, const char *file);
/* The same for the array `examples` in this file. */
#define TEST_EXAMPLE_FOR(examples, name, what)                                                     \
    test_example_for((examples), sizeof(examples) / sizeof(examples)[0], sizeof(examples)[0],      \
                     (name), (what), __FILE__)

/* Fills text (cap bytes) from an example's template; a "%s" in it is a
 * file make_file() writes, whose path is returned (the caller
 * tmpfile_drop()s it), else NULL. O(length). */
char *test_example_text(char *text, size_t cap, const char *tmpl, char *(*make_file)(void));

#endif
