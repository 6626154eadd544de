#include "common/tn_file.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tn_outset_init(tn_outset_t *o) { memset(o, 0, sizeof *o); }

static void free_list(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

void tn_outset_destroy(tn_outset_t *o)
{
    if (!o)
        return;
    tn_outset_abort(o);
    for (size_t i = 0; i < o->n; i++) {
        free(o->files[i].final);
        free(o->files[i].old);
    }
    free(o->files);
    free_list(o->made, o->n_made);
    free_list(o->swept, o->n_swept);
    memset(o, 0, sizeof *o);
}

/* ".NAME.PID<suffix>" beside path: hidden, and named by the process so two
 * runs writing to one directory never share a temporary. */
static char *temp_name(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + strlen(suffix) + 32;
    char *tmp = tn_malloc(n);
    snprintf(tmp, n, "%.*s.%s.%ld%s", (int)dirlen, path, path + dirlen, (long)getpid(), suffix);
    return tmp;
}

/* The PID in a name of tensim's temporary pattern, ".NAME.PID.tmp" or
 * ".NAME.PID.old.tmp" (NAME not empty), else 0. O(length). */
static long temp_pid(const char *name)
{
    size_t n = strlen(name);
    if (name[0] != '.' || n < sizeof ".x.1.tmp" - 1 || strcmp(name + n - 4, ".tmp"))
        return 0;
    n -= 4;
    if (n >= 4 && !strncmp(name + n - 4, ".old", 4))
        n -= 4;
    size_t d = n;
    while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
        d--;
    /* digits, a dot before them, and a NAME of at least one character */
    if (d == n || n - d > 9 || d < 3 || name[d - 1] != '.')
        return 0;
    return strtol(name + d, NULL, 10);
}

int tn_file_sweep_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid = temp_pid(e->d_name);
        /* kill(pid, 0) asks only whether the process exists: ESRCH is
         * "no such process"; EPERM is someone else's live process */
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *p = tn_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && unlink(p) == 0)
            removed++;
        free(p);
    }
    closedir(d);
    return removed;
}

/* Sweeps path's directory once per set. */
static void sweep_once(tn_outset_t *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? tn_strdup(path) : tn_strdup(".");
    if (slash)
        dir[slash == path ? 1 : slash - path] = '\0';
    for (size_t i = 0; i < o->n_swept; i++)
        if (!strcmp(o->swept[i], dir)) {
            free(dir);
            return;
        }
    tn_file_sweep_stale(dir);
    TN_GROW(o->swept, o->cap_swept, o->n_swept + 1);
    o->swept[o->n_swept++] = dir;
}

int tn_outset_add(tn_outset_t *o, const char *path, const void *data, size_t len,
                  tn_error_t *err)
{
    sweep_once(o, path);
    char *tmp = temp_name(path, ".tmp");
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
    o->files[o->n++] = (struct tn_outfile){tn_strdup(path), tmp, NULL, false, false};
    return 0;
}

int tn_outset_add_in(tn_outset_t *o, const char *dir, const char *name, const void *data,
                     size_t len, tn_error_t *err)
{
    if (!dir)
        return tn_outset_add(o, name, data, len, err);
    char *p = tn_path_join(dir, name);
    int rc = tn_outset_add(o, p, data, len, err);
    free(p);
    return rc;
}

/* Undoes a commit that failed at file `failed`: the files before it are
 * put back as they were (their previous file renamed back, or removed
 * when there was none); every temporary and second name goes. */
static void roll_back(tn_outset_t *o, size_t failed)
{
    for (size_t i = 0; i < o->n; i++) {
        struct tn_outfile *f = &o->files[i];
        bool restored = false;
        if (i < failed || f->aside) {
            /* the target holds the new file, or nothing when the previous
             * one was set aside and the rename in failed: the previous
             * one returns */
            if (f->old)
                restored = rename(f->old, f->final) == 0;
            else
                unlink(f->final);
        }
        /* a second name still there is a hard link (the previous file is
         * in place) unless it was renamed aside and could not come back:
         * then it is kept, the only copy, until a later run sweeps it */
        if (f->old && !restored && !f->aside)
            unlink(f->old);
        free(f->old);
        f->old = NULL;
        f->aside = f->no_link = false;
    }
    tn_outset_abort(o);
}

int tn_outset_commit(tn_outset_t *o, tn_error_t *err)
{
    /* every previous file gets a second name first, so that any later
     * failure can put it back; a directory standing at a target is left
     * alone (the rename onto it fails, and is undone) */
    for (size_t i = 0; i < o->n; i++) {
        struct tn_outfile *f = &o->files[i];
        struct stat st;
        if (lstat(f->final, &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        f->old = temp_name(f->final, ".old.tmp");
        unlink(f->old);
        f->no_link = link(f->final, f->old) != 0; /* then renamed aside below */
    }
    for (size_t i = 0; i < o->n; i++) {
        struct tn_outfile *f = &o->files[i];
        const char *why = NULL;
        if (f->no_link && rename(f->final, f->old) != 0)
            why = strerror(errno);
        f->aside = f->no_link && !why;
        if (!why && rename(f->tmp, f->final) != 0)
            why = strerror(errno);
        if (why) {
            tn_error_set(err, TN_EIO, "%s: cannot rename into place: %s", f->final, why);
            roll_back(o, i);
            return -1;
        }
        free(f->tmp);
        f->tmp = NULL;
    }
    for (size_t i = 0; i < o->n; i++) {
        struct tn_outfile *f = &o->files[i];
        if (f->old)
            unlink(f->old);
        free(f->old);
        f->old = NULL;
        f->aside = f->no_link = false;
    }
    /* committed: the directories made are the outputs' now */
    free_list(o->made, o->n_made);
    o->made = NULL;
    o->n_made = o->cap_made = 0;
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
    /* children before parents; a directory someone else filled stays */
    for (size_t i = o->n_made; i-- > 0;) {
        rmdir(o->made[i]);
        free(o->made[i]);
    }
    o->n_made = 0;
}

int tn_write_file(const char *path, const void *data, size_t len, tn_error_t *err)
{
    tn_outset_t o;
    tn_outset_init(&o);
    int rc = tn_outset_add(&o, path, data, len, err) || tn_outset_commit(&o, err) ? -1 : 0;
    tn_outset_destroy(&o);
    return rc;
}

/* mkdir -p, recording in o (when not NULL) each directory it created. */
static int mkdirs(const char *path, tn_outset_t *o, tn_error_t *err)
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
        if (mkdir(p, 0777) == 0) {
            if (o) {
                TN_GROW(o->made, o->cap_made, o->n_made + 1);
                o->made[o->n_made++] = tn_strdup(p);
            }
        } else if (errno != EEXIST) {
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

int tn_mkdirs(const char *path, tn_error_t *err) { return mkdirs(path, NULL, err); }

int tn_outset_mkdirs(tn_outset_t *o, const char *path, tn_error_t *err)
{
    return mkdirs(path, o, err);
}

int tn_mkdirs_output(tn_outset_t *o, const char *path, tn_error_t *err)
{
    if (mkdirs(path, o, err) == 0)
        return 0;
    if (!err)
        return -1;
    /* mkdirs' message starts "PATH: " when PATH itself is at fault */
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
