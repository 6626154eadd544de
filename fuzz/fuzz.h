/* fuzz/fuzz.h — what every libFuzzer harness shares (docs/fuzzing.md).
 *
 * tensim's readers take paths, so each input is written to files in a
 * directory of this process's own (mkdtemp under $TMPDIR, else /tmp),
 * emptied before every input and removed at exit. Each harness includes
 * this header once; it defines static inline functions only.
 *
 * Ownership: the directory and its path are the process's; a harness
 * borrows the path fuzz_dir() returns.
 */
#ifndef TN_FUZZ_H
#define TN_FUZZ_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_path[4096];

/* Removes every file in the directory (no subdirectories are made).
 * O(files). */
static inline void fuzz_clear(void)
{
    DIR *d = opendir(fuzz_dir_path);
    if (!d)
        return;
    struct dirent *e;
    char p[4096 + 300];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", fuzz_dir_path, e->d_name);
            unlink(p);
        }
    closedir(d);
}

static inline void fuzz_remove_dir(void)
{
    fuzz_clear();
    rmdir(fuzz_dir_path);
}

/* The process's directory, made on first use and emptied on each call:
 * call once per input, before writing its files. Aborts when no
 * directory can be made (the harness cannot run at all). O(files). */
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/tensim-fuzz.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir_path)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_remove_dir);
    } else {
        fuzz_clear();
    }
    return fuzz_dir_path;
}

/* Writes n bytes to fuzz_dir()/name and puts its path in path[pn].
 * Aborts on a write error (a full /tmp is not a finding). O(n). */
static inline const char *fuzz_write(const char *name, const void *data, size_t n, char *path,
                              size_t pn)
{
    snprintf(path, pn, "%s/%s", fuzz_dir_path, name);
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) {
        perror(path);
        abort();
    }
    return path;
}

/* The next part of data[*at..size) up to the separator sep (or the end),
 * as a pointer and *len; *at moves past the separator. NULL when nothing
 * is left. O(part). */
static inline const uint8_t *fuzz_split(const uint8_t *data, size_t size, size_t *at, const char *sep,
                                 size_t *len)
{
    if (*at > size || (*at == size && *at > 0))
        return NULL;
    size_t m = strlen(sep);
    const uint8_t *start = data + *at;
    size_t rest = size - *at;
    for (size_t i = 0; i + m <= rest; i++)
        if (!memcmp(start + i, sep, m)) {
            *len = i;
            *at += i + m;
            return start;
        }
    *len = rest;
    *at = size + 1;
    return start;
}

#endif
