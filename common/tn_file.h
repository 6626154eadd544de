/* common/tn_file.h — writing outputs as one transaction: a command's files
 * all appear, or none does. Every file goes to a temporary name in its
 * target directory first; only when all were written are they renamed
 * into place, and a failure of any step, a rename in the middle included,
 * puts back what the targets held before (see tn_outset_commit).
 *
 * Temporary names are tensim's own pattern, hidden and marked with the
 * writing process's id: ".NAME.PID.tmp" for a file being written and
 * ".NAME.PID.old.tmp" for the previous file kept during a commit. The
 * first file a set adds to a directory removes that directory's files of
 * this pattern whose process is gone (a run killed while writing).
 *
 * Ownership: a tn_outset_t is caller-owned (tn_outset_init, then
 * tn_outset_commit or not, then tn_outset_destroy, which undoes whatever
 * was not committed); it owns copies of the paths it was given.
 */
#ifndef TN_FILE_H
#define TN_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/tn_error.h"

typedef struct {
    struct tn_outfile {
        char *final;
        char *tmp; /* the new bytes; NULL once renamed into place or removed */
        char *old; /* during a commit: the previous file's second name, or NULL */
        bool no_link; /* old could not be a hard link: renamed aside instead */
        bool aside;   /* the previous file is now at old, renamed */
    } *files;
    size_t n, cap;
    char **made; /* directories tn_outset_mkdirs created, parents first */
    size_t n_made, cap_made;
    char **swept; /* directories already cleared of stale temporaries */
    size_t n_swept, cap_swept;
} tn_outset_t;

void tn_outset_init(tn_outset_t *o);

/* Undoes what was not committed (as tn_outset_abort), then frees. */
void tn_outset_destroy(tn_outset_t *o);

/* Creates directory `path` and its missing parents, as tn_mkdirs; those it
 * created are removed again (when still empty) if the set is aborted or
 * its commit fails. O(path length). */
int tn_outset_mkdirs(tn_outset_t *o, const char *path, tn_error_t *err);

/* Writes data to a temporary file beside `path` (same directory, so the
 * rename is atomic), first removing that directory's stale temporaries
 * (tn_file_sweep_stale) if this set has not yet. Errors (TN_EIO, "PATH:
 * cannot write: why"): the file cannot be created or written; its
 * temporary is removed (the others stay until commit or abort).
 * O(len + entries of the directory the first time). */
int tn_outset_add(tn_outset_t *o, const char *path, const void *data, size_t len,
                  tn_error_t *err);

/* tn_outset_add of "dir/name", or of name itself when dir is NULL. */
int tn_outset_add_in(tn_outset_t *o, const char *dir, const char *name, const void *data,
                     size_t len, tn_error_t *err);

/* Puts every file in place, all or nothing. First each existing target
 * gets a second, temporary name (a hard link; where the file system has
 * none, it is renamed aside just before its replacement goes in); then
 * the temporaries are renamed into place in order; then the second names
 * are removed. When a rename fails (TN_EIO, "PATH: cannot rename into
 * place: why", e.g. a directory stands at PATH), the files already renamed
 * are undone: each target holds its previous file again, by the same
 * rename, or is removed when it had none, and no temporary is left; the
 * directories the set made are removed. Only if one of those undoing
 * renames failed too (the directory changed under us mid-commit) can new
 * and previous files be mixed; each file is whole either way. Readers
 * that look while a commit runs may see some files new and some previous.
 * O(files). */
int tn_outset_commit(tn_outset_t *o, tn_error_t *err);

/* Removes every temporary written so far and the directories the set made
 * (when empty). Nothing once committed. O(files). */
void tn_outset_abort(tn_outset_t *o);

/* One file written as a set of one: whole or not at all. O(len). */
int tn_write_file(const char *path, const void *data, size_t len, tn_error_t *err);

/* Removes from directory dir every file named by tensim's temporary
 * pattern (".NAME.PID.tmp", ".NAME.PID.old.tmp") whose process no longer
 * exists: a run killed while writing leaves them. A temporary whose PID is
 * alive is kept, whoever holds it now: it may be another tensim writing
 * into the same directory, and a reused PID only keeps a stale file a
 * little longer, never removes a live one. (On a directory shared between
 * machines, the PID is checked on this machine only.) Returns how many
 * were removed. O(entries). */
int tn_file_sweep_stale(const char *dir);

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

/* tn_outset_mkdirs() (o NULL: tn_mkdirs()) for a command's output
 * directory: its errors read "output directory PATH: ..." and name PATH
 * once ("output directory out: exists and is not a directory"; a parent
 * at fault is named after PATH). O(path length). */
int tn_mkdirs_output(tn_outset_t *o, const char *path, tn_error_t *err);

#endif
