#include "testutil_scen.h"
#include "dl_util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *tu_write_temp(const char *name, const char *text, char *dir)
{
    struct dl_error err;
    char *path;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    path = dl_xasprintf("%s/%s.yaml", dir, name);
    ck_assert_int_eq(dl_write_file(path, text, strlen(text), 0644, &err), 0);
    return path;
}

void tu_remove_temp(char *path, const char *dir)
{
    unlink(path);
    rmdir(dir);
    free(path);
}

void tu_load_fails(const char *name, const char *text, const char *msg)
{
    char dir[] = "/tmp/check-scen-XXXXXX", *path = tu_write_temp(name, text, dir), *want;
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_load(path, &s, &err) == -1, "%s loaded", name);
    ck_assert_ptr_null(s);
    want = dl_xasprintf("%s:%s", path, msg);
    ck_assert_str_eq(err.msg, want);
    free(want);
    tu_remove_temp(path, dir);
}

struct scen *tu_load_ok(const char *path)
{
    struct scen *s = NULL;
    struct dl_error err = {{0}};
    ck_assert_msg(scen_load(path, &s, &err) == 0, "%s", err.msg);
    return s;
}
