/* lab_htmlpic: the chain-of-trust pictures of the HTML report. */
#include "lab_htmlpic.h"
#include "lab_graph.h"

#include "dl_json.h"
#include "dl_log.h"
#include "dl_util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RENDER_TIMEOUT_MS 10000

char *lab_htmlpic_relpath(const char *from_dir, const char *to)
{
    struct dl_buf b = {0};
    const char *from_rest, *to_rest;
    size_t common = 0, i;
    /* the longest common prefix that ends at a component boundary */
    for (i = 0; from_dir[i] && from_dir[i] == to[i]; i++)
        if (from_dir[i] == '/')
            common = i + 1;
    from_rest = from_dir + common;
    to_rest = to + common;
    if (from_dir[i] == '\0' && (to[i] == '/' || to[i] == '\0')) {
        from_rest = from_dir + i;
        to_rest = to + i + (to[i] == '/');
    }
    for (const char *p = from_rest; *p;) {
        dl_buf_printf(&b, "../");
        p += strcspn(p, "/");
        p += strspn(p, "/");
    }
    dl_buf_printf(&b, "%s", to_rest);
    if (b.len == 0)
        dl_buf_printf(&b, ".");
    return b.data;
}

/* `path` percent-encoded for a URL ('/' kept). */
static char *url_path(const char *path)
{
    struct dl_buf b = {0};
    dl_buf_append(&b, "", 0);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            dl_buf_append(&b, p, 1);
        else
            dl_buf_printf(&b, "%%%02X", *p);
    }
    return b.data;
}

/* ---- chain-of-trust pictures ---- */

/* dot -Tsvg -o OUT.tmp IN, renamed to OUT; killed after the timeout.
 * Returns 0, 127 when dot could not be run, -1 on another failure. */
static int render_svg(const char *in, const char *out)
{
    char *tmp = dl_xasprintf("%s.tmp", out);
    int status = 0, rc = -1;
    pid_t pid = fork(), w = 0;
    if (pid == 0) {
        execlp("dot", "dot", "-Tsvg", "-o", tmp, in, (char *)NULL);
        _exit(127);
    }
    for (int ms = 0; pid > 0 && ms < RENDER_TIMEOUT_MS; ms += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        if ((w = waitpid(pid, &status, WNOHANG)) != 0)
            break;
        nanosleep(&ts, NULL);
    }
    if (pid > 0 && w == 0) {
        dl_warn("html: dot took more than %d s to render %s: killed", RENDER_TIMEOUT_MS / 1000,
                out);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else if (pid > 0 && w == pid && WIFEXITED(status))
        rc = WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 127 ? 127 : -1;
    if (rc == 0 && rename(tmp, out) != 0)
        rc = -1;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* RUN/graphs/NAME.dot written when its text changed; *changed says so. */
static int write_dot(const struct scen *s, const char *path, bool *changed, struct dl_error *err)
{
    char *text = NULL, *old = NULL;
    size_t len = 0, oldlen = 0;
    FILE *m = open_memstream(&text, &len);
    int rc = 0;
    if (m == NULL)
        return dl_error_set(err, "%s: %s", path, strerror(errno));
    lab_graph_write(s, m);
    fclose(m);
    *changed = dl_read_file(path, 1 << 20, &old, &oldlen, NULL) != 0 || oldlen != len ||
               memcmp(old, text, len) != 0;
    if (*changed)
        rc = dl_write_file(path, text, len, 0644, err);
    free(old);
    free(text);
    return rc;
}

/* The picture of scenario `name`: written into `graphs` (canonical), linked
 * from `html_dir` (canonical) or by file:// URL when it is NULL. *dot_ok is
 * cleared once dot turns out not to be installed. */
static struct lab_htmlpic picture(const scen_catalog *cat, const char *graphs, const char *html_dir,
                                  const char *name, bool *dot_ok)
{
    struct lab_htmlpic p = {0};
    const struct scen *s = scen_catalog_find(cat, name);
    struct dl_error err;
    char *dot, *svg, *target, *rel;
    bool changed = false, rendered = false;
    struct stat st;
    if (s == NULL) {
        p.note = dl_xstrdup("not in the catalogue");
        return p;
    }
    dot = dl_xasprintf("%s/%s.dot", graphs, s->name);
    svg = dl_xasprintf("%s/%s.svg", graphs, s->name);
    if (write_dot(s, dot, &changed, &err) != 0) {
        dl_warn("html: chain of trust of %s: %s", name, err.msg);
        p.note = dl_xasprintf("not written: %s", err.msg);
        goto out;
    }
    if (!changed && stat(svg, &st) == 0)
        rendered = true;
    else if (*dot_ok) {
        int rc = render_svg(dot, svg);
        rendered = rc == 0;
        if (rc == 127) {
            dl_warn("html: Graphviz 'dot' could not be run: chain-of-trust pictures as dot text "
                    "only");
            *dot_ok = false;
        } else if (rc != 0)
            dl_warn("html: dot could not render %s", svg);
    }
    if (!rendered)
        p.note = dl_xstrdup(*dot_ok ? "dot could not render the picture: dot text only"
                                    : "Graphviz dot is not installed: dot text only");
    target = rendered ? svg : dot;
    rel = html_dir ? lab_htmlpic_relpath(html_dir, target) : dl_xstrdup(target);
    p.href = url_path(rel);
    if (html_dir == NULL) {
        char *u = dl_xasprintf("file://%s", p.href);
        free(p.href);
        p.href = u;
    }
    free(rel);
out:
    free(dot);
    free(svg);
    return p;
}

struct lab_htmlpic *lab_htmlpic_all(const scen_catalog *cat, const char *run_dir,
                                    const char *html_path, const json_t *scens)
{
    struct lab_htmlpic *pics = dl_xcalloc(json_array_size(scens) + 1, sizeof(*pics));
    char *gdir, graphs[PATH_MAX], html_dir[PATH_MAX], *hp = NULL;
    const json_t *s;
    struct dl_error err;
    bool dot_ok = true, rel;
    size_t i;
    if (cat == NULL || run_dir == NULL)
        return pics;
    gdir = dl_xasprintf("%s/graphs", run_dir);
    err.msg[0] = '\0';
    if (dl_mkdir_p(gdir, 0755, &err) != 0 || realpath(gdir, graphs) == NULL) {
        dl_warn("html: no chain-of-trust pictures: %s", err.msg[0] ? err.msg : strerror(errno));
        json_array_foreach(scens, i, s)
            pics[i].note = dl_xstrdup("not written");
        free(gdir);
        return pics;
    }
    free(gdir);
    rel = html_path && strcmp(html_path, "-") != 0;
    if (rel) {
        const char *slash = strrchr(html_path, '/');
        hp = slash
                 ? dl_xasprintf("%.*s", (int)(slash - html_path + (slash == html_path)), html_path)
                 : dl_xstrdup(".");
        rel = realpath(hp, html_dir) != NULL;
        free(hp);
    }
    json_array_foreach(scens, i, s)
        pics[i] = picture(cat, graphs, rel ? html_dir : NULL, dl_json_str(s, "name"), &dot_ok);
    return pics;
}

void lab_htmlpic_free(struct lab_htmlpic *pics, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(pics[i].href);
        free(pics[i].note);
    }
    free(pics);
}
