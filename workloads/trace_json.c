#include "workloads/trace_json.h"

#include <stdlib.h>
#include <string.h>

#include "common/tn_file.h"
#include "common/tn_json.h"

#define MAX_BYTES (1ull << 44)
#define MAX_DURATION_PS (1ull << 62)

static const char *const kinds[] = {"compute", "collective", "send", "recv", NULL};
static const char *const colls[] = {"allreduce", "reducescatter", "allgather", "broadcast",
                                    "reduce", "alltoall", NULL};

/* A rank list entry: an integer, or "a-b" for a..b inclusive. */
static int rank_span(tn_jobj_t *o, const char *key, const json_t *e, int32_t n_ranks, int32_t *lo,
                     int32_t *hi)
{
    char b[64];
    if (json_is_integer(e)) {
        json_int_t v = json_integer_value(e);
        if (v < 0 || v >= n_ranks)
            return tn_jobj_fail(o, key, "rank %s is not from 0 to %d", tn_json_brief(e, b, sizeof b),
                                n_ranks - 1);
        *lo = *hi = (int32_t)v;
        return 0;
    }
    if (json_is_string(e)) {
        /* digits, '-', digits: nothing else */
        const char *str = json_string_value(e), *q = str;
        long a = 0, z = 0;
        bool ok = *q >= '0' && *q <= '9';
        for (; ok && *q >= '0' && *q <= '9'; q++)
            a = a < 100000000 ? a * 10 + (*q - '0') : a;
        ok = ok && *q == '-' && q[1] >= '0' && q[1] <= '9';
        for (q += ok; ok && *q >= '0' && *q <= '9'; q++)
            z = z < 100000000 ? z * 10 + (*q - '0') : z;
        if (ok && *q == '\0' && a <= z && z < n_ranks) {
            *lo = (int32_t)a;
            *hi = (int32_t)z;
            return 0;
        }
    }
    return tn_jobj_fail(o, key, "expected a rank (0 to %d) or a range \"a-b\", got %s", n_ranks - 1,
                        tn_json_brief(e, b, sizeof b));
}

static int read_comms(wl_trace_t *t, tn_jobj_t *top, const char ***names)
{
    static const char *const keys[] = {"name", "groups", NULL};
    const json_t *arr = json_object_get(top->obj, "communicators");
    char b[64];
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return tn_jobj_fail(top, "communicators", "expected an array, got %s",
                            tn_json_brief(arr, b, sizeof b));
    *names = tn_calloc(json_array_size(arr) + 1, sizeof **names);
    int32_t *group = tn_malloc((size_t)t->n_ranks * sizeof *group);
    int rc = 0;
    for (size_t ci = 0; ci < json_array_size(arr) && rc == 0; ci++) {
        char where[64];
        snprintf(where, sizeof where, "communicators[%zu]", ci);
        tn_jobj_t c;
        const char *name = NULL;
        if ((rc = tn_jobj_open(&c, json_array_get(arr, ci), top->src, where, keys, top->err)) ||
            (rc = tn_jobj_str(&c, "name", true, &name) < 0 ? -1 : 0))
            break;
        for (size_t k = 0; k < ci && rc == 0; k++)
            if (!strcmp((*names)[k], name))
                rc = tn_jobj_fail(&c, "name", "\"%s\" names communicators[%zu] too", name, k);
        const json_t *groups = json_object_get(c.obj, "groups");
        if (rc == 0 && (!groups || !json_is_array(groups) || json_array_size(groups) == 0))
            rc = tn_jobj_fail(&c, "groups", "expected a non-empty array of rank arrays");
        for (int32_t r = 0; r < t->n_ranks; r++)
            group[r] = -1;
        for (size_t g = 0; g < (rc ? 0 : json_array_size(groups)) && rc == 0; g++) {
            const json_t *members = json_array_get(groups, g);
            char key[64];
            snprintf(key, sizeof key, "groups[%zu]", g);
            if (!json_is_array(members) || json_array_size(members) == 0) {
                rc = tn_jobj_fail(&c, key, "expected a non-empty array of ranks");
                break;
            }
            for (size_t i = 0; i < json_array_size(members) && rc == 0; i++) {
                snprintf(key, sizeof key, "groups[%zu][%zu]", g, i);
                int32_t lo, hi;
                if ((rc = rank_span(&c, key, json_array_get(members, i), t->n_ranks, &lo, &hi)))
                    break;
                for (int32_t r = lo; r <= hi && rc == 0; r++) {
                    if (group[r] >= 0)
                        rc = tn_jobj_fail(&c, key, "rank %d is in groups[%d] already", r, group[r]);
                    group[r] = (int32_t)g;
                }
            }
        }
        if (rc == 0) {
            wl_trace_add_comm(t, name, (int32_t)json_array_size(groups), group);
            (*names)[ci] = t->comms[t->n_comms - 1].name;
        }
    }
    free(group);
    return rc;
}

/* Reads one op into *op and its deps (indices, unchecked) into deps. */
static int read_op(wl_trace_t *t, tn_jobj_t *o, wl_op_t *op, const char *const *comm_names,
                   uint32_t n_ops, uint32_t **deps, uint32_t *n_deps)
{
    static const char *const keys[] = {"kind",        "deps", "duration_ps", "flops",
                                       "memory_bytes", "op",   "comm",        "size_bytes",
                                       "peer",        "tag",  NULL};
    int kind = 0;
    memset(op, 0, sizeof *op);
    op->comm = -1;
    if (tn_jobj_open(o, o->obj, o->src, o->path, keys, o->err) ||
        tn_jobj_enum(o, "kind", true, kinds, &kind) < 0)
        return -1;
    op->kind = (uint8_t)kind;
    const json_t *d = json_object_get(o->obj, "deps");
    *n_deps = 0;
    if (d) {
        char b[64];
        if (!json_is_array(d))
            return tn_jobj_fail(o, "deps", "expected an array of op indices, got %s",
                                tn_json_brief(d, b, sizeof b));
        *n_deps = (uint32_t)json_array_size(d);
        *deps = tn_malloc(((size_t)*n_deps + 1) * sizeof **deps);
        if (tn_jobj_int_array(o, "deps", true, *n_deps, 0, (int64_t)n_ops - 1, (int32_t *)*deps) < 0)
            return -1;
    }
    const char *key_bad[] = {NULL, NULL};
    if (kind == WL_OP_COMPUTE) {
        uint64_t ps = 0, mem = 0;
        double flops = 0;
        int has_d = tn_jobj_u64(o, "duration_ps", false, 0, MAX_DURATION_PS, &ps);
        int has_f = tn_jobj_double(o, "flops", false, 0, 1e24, &flops);
        if (has_d < 0 || has_f < 0 || tn_jobj_u64(o, "memory_bytes", false, 0, MAX_BYTES, &mem) < 0)
            return -1;
        if (has_d == 1 && has_f == 1)
            return tn_jobj_fail(o, NULL, "a compute op needs \"duration_ps\" or \"flops\"");
        op->duration_ps = ps;
        op->flops = flops;
        op->bytes = mem;
        key_bad[0] = json_object_get(o->obj, "comm") ? "comm"
                     : json_object_get(o->obj, "op")  ? "op"
                     : json_object_get(o->obj, "peer") ? "peer"
                                                       : NULL;
    } else {
        const char *cname = NULL;
        uint64_t size = 0;
        if (tn_jobj_str(o, "comm", true, &cname) < 0 ||
            tn_jobj_u64(o, "size_bytes", true, 0, MAX_BYTES, &size) < 0)
            return -1;
        int32_t ci = -1;
        for (int32_t i = 0; i < t->n_comms; i++)
            if (!strcmp(comm_names[i], cname))
                ci = i;
        if (ci < 0)
            return tn_jobj_fail(o, "comm", "no communicator \"%s\"", cname);
        op->comm = ci;
        op->bytes = size;
        if (kind == WL_OP_COLLECTIVE) {
            int c = 0;
            if (tn_jobj_enum(o, "op", true, colls, &c) < 0)
                return -1;
            op->coll = (uint8_t)c;
            key_bad[0] = json_object_get(o->obj, "peer") ? "peer" : NULL;
        } else {
            uint64_t peer = 0, tag = 0;
            if (tn_jobj_u64(o, "peer", true, 0, WL_MAX_RANKS, &peer) < 0 ||
                tn_jobj_u64(o, "tag", false, 0, INT32_MAX, &tag) < 0)
                return -1;
            op->peer = (int32_t)peer;
            op->tag = (int32_t)tag;
            key_bad[0] = json_object_get(o->obj, "op") ? "op" : NULL;
        }
        if (!key_bad[0])
            key_bad[0] = json_object_get(o->obj, "duration_ps") ? "duration_ps"
                         : json_object_get(o->obj, "flops")     ? "flops"
                                                                : NULL;
    }
    if (key_bad[0])
        return tn_jobj_fail(o, key_bad[0], "not a key of a %s op", kinds[kind]);
    return 0;
}

/* Orders a program's ops so dependencies come first (Kahn; among the
 * ready, the lowest file index first, from a heap), into order[]. Returns
 * the number ordered: fewer than n means a cycle among the rest.
 * O((n + deps) log n). */
static uint32_t topo_order(uint32_t n, uint32_t *const *deps, const uint32_t *n_deps,
                           uint32_t *order)
{
    uint32_t *left = tn_calloc((size_t)n + 1, sizeof *left);
    uint32_t *off = tn_calloc((size_t)n + 2, sizeof *off), *succ;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < n_deps[i]; k++)
            off[deps[i][k] + 1]++;
    for (uint32_t i = 0; i < n; i++)
        off[i + 1] += off[i];
    succ = tn_malloc(((size_t)off[n] + 1) * sizeof *succ);
    uint32_t *fill = tn_malloc(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (uint32_t i = 0; i < n; i++) {
        left[i] = n_deps[i];
        for (uint32_t k = 0; k < n_deps[i]; k++)
            succ[fill[deps[i][k]]++] = i;
    }
    /* a min-heap of ready indices */
    uint32_t *heap = tn_malloc(((size_t)n + 1) * sizeof *heap), hn = 0, done = 0;
#define PUSH(x)                                                                                    \
    do {                                                                                           \
        uint32_t _i = hn++;                                                                        \
        heap[_i] = (x);                                                                            \
        while (_i && heap[(_i - 1) / 2] > heap[_i]) {                                             \
            uint32_t _p = (_i - 1) / 2, _t = heap[_p];                                             \
            heap[_p] = heap[_i];                                                                   \
            heap[_i] = _t;                                                                         \
            _i = _p;                                                                               \
        }                                                                                          \
    } while (0)
    for (uint32_t i = 0; i < n; i++)
        if (left[i] == 0)
            PUSH(i);
    while (hn) {
        uint32_t v = heap[0], i = 0;
        heap[0] = heap[--hn];
        for (;;) {
            uint32_t l = 2 * i + 1, r = l + 1, m = i;
            if (l < hn && heap[l] < heap[m])
                m = l;
            if (r < hn && heap[r] < heap[m])
                m = r;
            if (m == i)
                break;
            uint32_t tmp = heap[m];
            heap[m] = heap[i];
            heap[i] = tmp;
            i = m;
        }
        order[done++] = v;
        for (uint32_t k = off[v]; k < off[v + 1]; k++)
            if (--left[succ[k]] == 0)
                PUSH(succ[k]);
    }
#undef PUSH
    free(heap);
    free(fill);
    free(succ);
    free(off);
    free(left);
    return done;
}

static int read_program(wl_trace_t *t, tn_jobj_t *p, const char *const *comm_names)
{
    static const char *const keys[] = {"name", "ranks", "ops", NULL};
    const char *name = NULL;
    if (tn_jobj_open(p, p->obj, p->src, p->path, keys, p->err) ||
        tn_jobj_str(p, "name", true, &name) < 0)
        return -1;
    const json_t *ranks = json_object_get(p->obj, "ranks"), *ops = json_object_get(p->obj, "ops");
    if (!ranks || !json_is_array(ranks) || json_array_size(ranks) == 0)
        return tn_jobj_fail(p, "ranks", "expected a non-empty array of ranks or \"a-b\" ranges");
    if (!ops || !json_is_array(ops))
        return tn_jobj_fail(p, "ops", "expected an array of ops");
    int32_t pi = wl_trace_add_program(t, name);
    for (size_t i = 0; i < json_array_size(ranks); i++) {
        char key[48];
        snprintf(key, sizeof key, "ranks[%zu]", i);
        int32_t lo, hi;
        if (rank_span(p, key, json_array_get(ranks, i), t->n_ranks, &lo, &hi))
            return -1;
        for (int32_t r = lo; r <= hi; r++) {
            if (t->rank_prog[r] >= 0)
                return tn_jobj_fail(p, key, "rank %d runs program \"%s\" already", r,
                                    t->progs[t->rank_prog[r]].name);
            t->rank_prog[r] = pi;
        }
    }
    uint32_t n = (uint32_t)json_array_size(ops);
    wl_op_t *all = tn_calloc((size_t)n + 1, sizeof *all);
    uint32_t **deps = tn_calloc((size_t)n + 1, sizeof *deps), *n_deps = tn_calloc((size_t)n + 1, sizeof *n_deps);
    uint32_t *order = tn_malloc(((size_t)n + 1) * sizeof *order), *pos = tn_malloc(((size_t)n + 1) * sizeof *pos);
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        tn_jobj_t o;
        char where[320];
        snprintf(where, sizeof where, "%s.ops[%u]", p->path, i);
        rc = tn_jobj_open(&o, json_array_get(ops, i), p->src, where, NULL, p->err);
        if (rc == 0)
            rc = read_op(t, &o, &all[i], comm_names, n, &deps[i], &n_deps[i]);
        for (uint32_t k = 0; rc == 0 && k < n_deps[i]; k++)
            if (deps[i][k] == i)
                rc = tn_jobj_fail(&o, "deps", "op %u depends on itself", i);
    }
    /* peers, here where the file's op index is still known */
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const wl_op_t *op = &all[i];
        if (op->kind != WL_OP_SEND && op->kind != WL_OP_RECV)
            continue;
        const wl_comm_t *c = &t->comms[op->comm];
        for (int32_t r = 0; r < t->n_ranks && rc == 0; r++) {
            if (t->rank_prog[r] != pi)
                continue;
            int32_t g = c->rank_group[r];
            char key[48];
            snprintf(key, sizeof key, "ops[%u].peer", i);
            if (g < 0)
                rc = tn_jobj_fail(p, key, "rank %d is not in communicator %s", r, c->name);
            else if (op->peer >= c->group_off[g + 1] - c->group_off[g] || op->peer == c->rank_index[r])
                rc = tn_jobj_fail(p, key, "rank %d: %d is not another position in its group of %s "
                                          "(size %d)",
                                  r, op->peer, c->name, c->group_off[g + 1] - c->group_off[g]);
        }
    }
    if (rc == 0) {
        uint32_t done = topo_order(n, deps, n_deps, order);
        if (done < n) {
            /* the lowest index left out is in, or behind, a cycle */
            uint8_t *out = tn_calloc((size_t)n + 1, 1);
            for (uint32_t k = 0; k < done; k++)
                out[order[k]] = 1;
            uint32_t first = 0;
            while (out[first])
                first++;
            free(out);
            char key[32];
            snprintf(key, sizeof key, "ops[%u]", first);
            rc = tn_jobj_fail(p, key, "is in a dependency cycle, or waits on one (%u ops never "
                                      "become ready)",
                              n - done);
        }
    }
    for (uint32_t k = 0; rc == 0 && k < n; k++)
        pos[order[k]] = k;
    for (uint32_t k = 0; rc == 0 && k < n; k++) {
        uint32_t i = order[k];
        for (uint32_t d = 0; d < n_deps[i]; d++)
            deps[i][d] = pos[deps[i][d]];
        wl_program_add_op(t, pi, &all[i], deps[i], n_deps[i]);
    }
    for (uint32_t i = 0; i < n; i++)
        free(deps[i]);
    free(deps);
    free(n_deps);
    free(all);
    free(order);
    free(pos);
    return rc;
}

int wl_trace_read_json(wl_trace_t *t, const char *path, tn_error_t *err)
{
    static const char *const keys[] = {"tensim_trace", "ranks", "communicators", "programs", NULL};
    memset(t, 0, sizeof *t);
    json_t *root = tn_json_load_file(path, err);
    if (!root)
        return -1;
    tn_jobj_t top;
    uint64_t version = 0, ranks = 0;
    const char **comm_names = NULL;
    int rc = -1;
    if (tn_jobj_open(&top, root, path, "", keys, err) ||
        tn_jobj_u64(&top, "tensim_trace", true, 1, 1, &version) < 0 ||
        tn_jobj_u64(&top, "ranks", true, 1, WL_MAX_RANKS, &ranks) < 0)
        goto out;
    wl_trace_init(t, (int32_t)ranks);
    if (read_comms(t, &top, &comm_names))
        goto fail;
    const json_t *progs = json_object_get(root, "programs");
    char b[64];
    if (!progs || !json_is_array(progs) || json_array_size(progs) == 0) {
        tn_jobj_fail(&top, "programs", "expected a non-empty array of programs, got %s",
                     progs ? tn_json_brief(progs, b, sizeof b) : "nothing");
        goto fail;
    }
    for (size_t i = 0; i < json_array_size(progs); i++) {
        tn_jobj_t p = top;
        p.obj = json_array_get(progs, i);
        snprintf(p.path, sizeof p.path, "programs[%zu]", i);
        if (!json_is_object(p.obj)) {
            tn_jobj_fail(&p, NULL, "expected an object");
            goto fail;
        }
        if (read_program(t, &p, comm_names))
            goto fail;
    }
    for (int32_t r = 0; r < t->n_ranks; r++)
        if (t->rank_prog[r] < 0) {
            tn_jobj_fail(&top, "programs", "rank %d has no program", r);
            goto fail;
        }
    if (wl_trace_check(t, err)) {
        tn_error_prefix(err, "%s", path);
        goto fail;
    }
    rc = 0;
    goto out;
fail:
    wl_trace_destroy(t);
out:
    free(comm_names);
    json_decref(root);
    return rc;
}

/* Ranks as compact JSON: runs of 3 or more as "a-b". */
static json_t *rank_list(const int32_t *r, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && r[j + 1] == r[j] + 1)
            j++;
        if (j - i >= 2) {
            char s[32];
            snprintf(s, sizeof s, "%d-%d", r[i], r[j]);
            json_array_append_new(a, json_string(s));
        } else {
            for (size_t k = i; k <= j; k++)
                json_array_append_new(a, json_integer(r[k]));
        }
        i = j + 1;
    }
    return a;
}

int wl_trace_write_json(const wl_trace_t *t, const char *path, tn_error_t *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "tensim_trace", json_integer(1));
    json_object_set_new(root, "ranks", json_integer(t->n_ranks));
    json_t *comms = json_array();
    for (int32_t i = 0; i < t->n_comms; i++) {
        const wl_comm_t *c = &t->comms[i];
        json_t *groups = json_array();
        for (int32_t g = 0; g < c->n_groups; g++)
            json_array_append_new(groups, rank_list(c->members + c->group_off[g],
                                                    (size_t)(c->group_off[g + 1] - c->group_off[g])));
        json_array_append_new(comms, json_pack("{s:s, s:o}", "name", c->name, "groups", groups));
    }
    json_object_set_new(root, "communicators", comms);
    json_t *progs = json_array();
    int32_t *ranks = tn_malloc((size_t)t->n_ranks * sizeof *ranks);
    for (int32_t pi = 0; pi < t->n_progs; pi++) {
        const wl_program_t *p = &t->progs[pi];
        size_t nr = 0;
        for (int32_t r = 0; r < t->n_ranks; r++)
            if (t->rank_prog[r] == pi)
                ranks[nr++] = r;
        json_t *ops = json_array();
        for (uint32_t i = 0; i < p->n_ops; i++) {
            const wl_op_t *o = &p->ops[i];
            json_t *j = json_object();
            json_object_set_new(j, "kind", json_string(kinds[o->kind]));
            if (o->n_deps) {
                json_t *d = json_array();
                for (uint32_t k = 0; k < o->n_deps; k++)
                    json_array_append_new(d, json_integer(p->deps[o->dep_off + k]));
                json_object_set_new(j, "deps", d);
            }
            if (o->kind == WL_OP_COMPUTE) {
                /* both when both are known: a duration replays as it is,
                 * FLOPs tell what it was made of */
                if (o->duration_ps || o->flops <= 0)
                    json_object_set_new(j, "duration_ps", json_integer((json_int_t)o->duration_ps));
                if (o->flops > 0)
                    json_object_set_new(j, "flops", json_real(o->flops));
                if (o->bytes)
                    json_object_set_new(j, "memory_bytes", json_integer((json_int_t)o->bytes));
            } else {
                if (o->kind == WL_OP_COLLECTIVE)
                    json_object_set_new(j, "op", json_string(colls[o->coll]));
                json_object_set_new(j, "comm", json_string(t->comms[o->comm].name));
                json_object_set_new(j, "size_bytes", json_integer((json_int_t)o->bytes));
                if (o->kind != WL_OP_COLLECTIVE) {
                    json_object_set_new(j, "peer", json_integer(o->peer));
                    json_object_set_new(j, "tag", json_integer(o->tag));
                }
            }
            json_array_append_new(ops, j);
        }
        json_array_append_new(progs, json_pack("{s:s, s:o, s:o}", "name", p->name, "ranks",
                                               rank_list(ranks, nr), "ops", ops));
    }
    free(ranks);
    json_object_set_new(root, "programs", progs);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(root);
    TN_ASSERT(text != NULL);
    size_t len = strlen(text);
    text[len++] = '\n';
    int rc = tn_write_file(path, text, len, err);
    free(text);
    return rc;
}
