#include "common/tn_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tn_outset_init(tn_outset_t *o) { memset(o, 0, sizeof *o); }

void tn_outset_destroy(tn_outset_t *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        free(o->files[i].final);
        free(o->files[i].tmp);
    }
    free(o->files);
    memset(o, 0, sizeof *o);
}

int tn_outset_add(tn_outset_t *o, const char *path, const void *data, size_t len,
                  tn_error_t *err)
{
    /* The temporary is hidden beside the target and named by the process,
     * so two runs writing to one directory never share a temporary. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + 32;
    char *tmp = tn_malloc(n);
    snprintf(tmp, n, "%.*s.%s.%ld.tmp", (int)dirlen, path, path + dirlen, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        int e = errno;
        free(tmp);
        return tn_error_set(err, TN_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    size_t w = fwrite(data, 1, len, f);
    int bad = w != len || fflush(f) != 0;
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(tmp);
        free(tmp);
        return tn_error_set(err, TN_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    TN_GROW(o->files, o->cap, o->n + 1);
    o->files[o->n++] = (struct tn_outfile){tn_strdup(path), tmp};
    return 0;
}

int tn_outset_commit(tn_outset_t *o, tn_error_t *err)
{
    for (size_t i = 0; i < o->n; i++) {
        struct tn_outfile *f = &o->files[i];
        if (!f->tmp)
            continue;
        if (rename(f->tmp, f->final) != 0) {
            int e = errno;
            tn_error_set(err, TN_EIO, "%s: cannot rename into place: %s", f->final, strerror(e));
            tn_outset_abort(o);
            return -1;
        }
        free(f->tmp);
        f->tmp = NULL;
    }
    return 0;
}

void tn_outset_abort(tn_outset_t *o)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->files[i].tmp) {
            unlink(o->files[i].tmp);
            free(o->files[i].tmp);
            o->files[i].tmp = NULL;
        }
}

int tn_mkdirs(const char *path, tn_error_t *err)
{
    size_t n = strlen(path);
    if (n == 0)
        return tn_error_set(err, TN_EIO, "empty output directory name");
    char *p = tn_strdup(path);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            rc = tn_error_set(err, TN_EIO, "%s: cannot create directory: %s", p, strerror(e));
        } else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = tn_error_set(err, TN_EIO, "%s: exists and is not a directory", p);
        }
        p[i] = c;
    }
    free(p);
    return rc;
}

int tn_mkdirs_output(const char *path, tn_error_t *err)
{
    if (tn_mkdirs(path, err) == 0)
        return 0;
    if (!err)
        return -1;
    /* tn_mkdirs' message starts "PATH: " when PATH itself is at fault */
    size_t n = strlen(path);
    if (n && !strncmp(err->msg, path, n) && err->msg[n] == ':')
        memmove(err->msg, err->msg + n + 2, strlen(err->msg + n + 2) + 1);
    tn_error_prefix(err, "output directory %s", path);
    return -1;
}

char *tn_path_resolve(const char *src, const char *p)
{
    if (p[0] == '/' || !strchr(src, '/'))
        return tn_strdup(p);
    size_t dir = (size_t)(strrchr(src, '/') - src);
    size_t n = dir + 1 + strlen(p) + 1;
    char *out = tn_malloc(n);
    snprintf(out, n, "%.*s/%s", (int)dir, src, p);
    return out;
}

char *tn_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = tn_malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}
