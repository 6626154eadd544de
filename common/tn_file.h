/* common/tn_file.h — writing outputs so that a killed or failed run never
 * leaves a half-written file: everything goes to temporary names first and
 * is renamed into place only when all of it was written.
 *
 * Ownership: a tn_outset_t is caller-owned (tn_outset_init, then either
 * tn_outset_commit or tn_outset_abort, then tn_outset_destroy); it owns
 * copies of the paths it was given.
 */
#ifndef TN_FILE_H
#define TN_FILE_H

#include <stddef.h>

#include "common/tn_error.h"

typedef struct {
    struct tn_outfile {
        char *final, *tmp; /* tmp is NULL once renamed or removed */
    } *files;
    size_t n, cap;
} tn_outset_t;

void tn_outset_init(tn_outset_t *o);
void tn_outset_destroy(tn_outset_t *o);

/* Writes data to a temporary file beside `path` (same directory, so the
 * rename is atomic). Errors (TN_EIO): the file cannot be created or
 * written; the temporary is removed. O(len). */
int tn_outset_add(tn_outset_t *o, const char *path, const void *data, size_t len,
                  tn_error_t *err);

/* Renames every temporary into place. Errors (TN_EIO): a rename failed;
 * the temporaries not yet renamed are removed, and the files renamed
 * before it stay (each file is whole either way; a rename within one
 * directory fails only when the directory itself changed under us).
 * O(files). */
int tn_outset_commit(tn_outset_t *o, tn_error_t *err);

/* Removes every temporary written so far. O(files). */
void tn_outset_abort(tn_outset_t *o);

/* A path written inside file `src` (a trace named in a scenario), taken
 * relative to src's directory unless absolute. Returns a new string the
 * caller frees. O(length). */
char *tn_path_resolve(const char *src, const char *p);

/* "dir/name", a new string the caller frees. O(length). */
char *tn_path_join(const char *dir, const char *name);

/* Creates directory `path` and its missing parents (like mkdir -p).
 * Errors (TN_EIO): a component exists and is not a directory, or cannot be
 * created. O(path length). */
int tn_mkdirs(const char *path, tn_error_t *err);

/* tn_mkdirs() for a command's output directory: its errors read "output
 * directory PATH: ..." and name PATH once ("output directory out: exists
 * and is not a directory"; a parent at fault is named after PATH).
 * O(path length). */
int tn_mkdirs_output(const char *path, tn_error_t *err);

#endif
