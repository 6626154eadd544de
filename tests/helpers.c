#define _DEFAULT_SOURCE /* mkstemps */
#include "tests/helpers.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tmpfile_with(const char *text, const char *suffix)
{
    size_t n = strlen("/tmp/tensim-test-XXXXXX") + strlen(suffix) + 1;
    char *path = malloc(n);
    ck_assert_ptr_nonnull(path);
    snprintf(path, n, "/tmp/tensim-test-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    ck_assert_int_ge(fd, 0);
    size_t len = strlen(text);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

void tmpfile_drop(char *path)
{
    if (path)
        unlink(path);
    free(path);
}

sim_time_t test_coll_ps(const topo_t *t, sim_net_model_t model, sim_coll_spec_t spec, int32_t n)
{
    if (spec.channels == 0)
        spec.channels = 1;
    sim_measure_t m;
    tn_error_t err = {0};
    ck_assert_msg(sim_measure_collective(t, model, &spec, n, &m, &err) == 0, "%s", err.msg);
    return m.time_ps;
}

void test_msg_names_rows(const char *msg, const char *const *name, size_t n, size_t stride)
{
    for (size_t i = 0; i < n; i++) {
        const char *row = *(const char *const *)((const char *)name + i * stride);
        ck_assert_msg(strstr(msg, row), "%s: want \"%s\" named", msg, row);
    }
}

const void *test_example_for(const void *examples, size_t n, size_t stride, const char *name,
                             const char *what, const char *file)
{
    for (size_t i = 0; i < n; i++) {
        const void *row = (const char *)examples + i * stride;
        if (!strcmp(*(const char *const *)row, name))
            return row;
    }
    ck_abort_msg("%s %s has no example in %s", what, name, file);
    return NULL;
}

char *test_example_text(char *text, size_t cap, const char *tmpl, char *(*make_file)(void))
{
    char *file = strstr(tmpl, "%s") ? make_file() : NULL;
    snprintf(text, cap, tmpl, file ? file : "");
    return file;
}

json_t *test_json(const char *doc)
{
    json_error_t je;
    json_t *v = json_loads(doc, 0, &je);
    ck_assert_msg(v != NULL, "bad test json: %s", je.text);
    return v;
}

void test_fabric(const char *doc, topo_spec_t *s, topo_t *t)
{
    json_t *v = test_json(doc);
    tn_error_t err = {0};
    int rc = topo_spec_parse(s, v, "s.json", "topology", &err);
    json_decref(v);
    ck_assert_msg(rc == 0, "%s", err.msg);
    topo_init(t);
    ck_assert_msg(topo_spec_build(s, t, &err) == 0, "%s", err.msg);
}
