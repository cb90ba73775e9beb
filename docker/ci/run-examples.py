"""Run the CI examples (github-actions.yml, gitlab-ci.yml) on this machine.

Called by docker/ci/run-examples, which puts a `docker` shim (podman with this
machine's flags) first on PATH. Every `run:` / `script:` command of the
examples runs as written; what belongs to the CI system is played here:
checkout (a fresh copy of the source tree per job), the matrix / parallel
expansion, the order of jobs (needs, stages), `if: always()` / `when: always`,
artifacts (folders copied), and the JUnit publishers (the files checked with
xmllint instead). Prints one line per job; exits 1 when a job failed or a
check did not hold, 2 when an example uses something this runner does not
play (so that a change to the examples cannot pass unseen).
"""

import argparse
import concurrent.futures
import fnmatch
import glob
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import yaml


class Unsupported(Exception):
    pass


RUNNING = set()  # the process groups of the job scripts running now


def stop(signum, _frame):
    """SIGTERM / SIGINT: end the running job scripts (their own process
    groups), then exit."""
    for pid in list(RUNNING):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    log("run-examples: stopped by signal %d" % signum)
    os._exit(128 + signum)


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------- the jobs


class Job:
    def __init__(self, example, name, deps, run_always, timeout):
        self.example = example
        self.name = name  # unique, e.g. "shards (shard=2)"
        self.deps = deps  # names of jobs this one waits for
        self.run_always = run_always
        self.timeout = timeout  # seconds
        self.status = None  # "success", "failure", "skipped", "not run" (--skip)
        self.seconds = 0.0
        self.ws = None
        self.logfile = None

    def execute(self, runner):  # -> bool
        raise NotImplementedError


def copy_tree_into(src, dst):
    """Copy the folder src's content, or the file src, into the folder dst."""
    os.makedirs(dst, exist_ok=True)
    if os.path.isdir(src):
        shutil.copytree(src, dst, dirs_exist_ok=True, symlinks=True)
    else:
        shutil.copy2(src, dst)


class Runner:
    def __init__(self, args):
        self.src = args.src
        self.work = args.work
        self.jobs_max = args.jobs
        self.lock = threading.Lock()
        self.shell_env = dict(os.environ)

    def workspace(self, job):
        d = os.path.join(self.work, job.example, re.sub(r"[^A-Za-z0-9_.=-]+", "_", job.name))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        job.ws = os.path.join(d, "ws")
        job.logfile = os.path.join(d, "log")
        return d

    def checkout(self, job):
        shutil.copytree(self.src, job.ws, symlinks=True, dirs_exist_ok=True)

    def shell(self, job, argv, script, env_extra, deadline):
        """Run one script in the job's workspace, output to the job's log."""
        env = dict(self.shell_env)
        env.update(env_extra)
        left = deadline - time.monotonic()
        if left <= 0:
            raise subprocess.TimeoutExpired(argv, 0)
        with open(job.logfile, "a") as out:
            out.write("$ " + script.rstrip("\n").replace("\n", "\n> ") + "\n")
            out.flush()
            p = subprocess.Popen(argv + [script], cwd=job.ws, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            RUNNING.add(p.pid)
            try:
                rc = p.wait(timeout=left)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 15)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, 9)
                    p.wait()
                out.write("runner: timed out\n")
                return 124
            finally:
                RUNNING.discard(p.pid)
            out.write("runner: exit %d\n" % rc)
            return rc

    def note(self, job, text):
        with open(job.logfile, "a") as out:
            out.write("runner: " + text + "\n")

    def junit_check(self, job, patterns):
        """What the JUnit publishers would read: every file well-formed XML
        with at least one <testcase>."""
        ok = True
        for pat in patterns:
            files = sorted(glob.glob(os.path.join(job.ws, pat)))
            if not files:
                self.note(job, "JUnit: no file matches %s" % pat)
                ok = False
            for f in files:
                rel = os.path.relpath(f, job.ws)
                r = subprocess.run(["xmllint", "--noout", f], capture_output=True, text=True)
                n = subprocess.run(["xmllint", "--xpath", "count(//testcase)", f],
                                   capture_output=True, text=True).stdout.strip()
                if r.returncode != 0:
                    self.note(job, "JUnit %s is not well-formed XML: %s" % (rel, r.stderr.strip()))
                    ok = False
                elif not n or float(n) < 1:
                    self.note(job, "JUnit %s has no testcase" % rel)
                    ok = False
                else:
                    self.note(job, "JUnit %s: well-formed, %d testcases" % (rel, int(float(n))))
        return ok

    def run_all(self, jobs):
        """Run the jobs in their dependency order, up to jobs_max at once."""
        by_name = {j.name: j for j in jobs}
        for j in jobs:
            for d in j.deps:
                if d not in by_name:
                    raise Unsupported("%s: job '%s' needs unknown job '%s'" % (j.example, j.name, d))
        pending = list(jobs)
        running = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs_max) as pool:
            while pending or running:
                for j in list(pending):
                    if all(by_name[d].status for d in j.deps):
                        pending.remove(j)
                        if not j.run_always and any(by_name[d].status != "success" for d in j.deps):
                            j.status = "skipped"
                            log("  %-44s skipped (a job it needs failed)" % j.name)
                            continue
                        running[pool.submit(self.one, j)] = j
                if not running:
                    if pending:
                        raise Unsupported("jobs waiting on each other: %s" % [j.name for j in pending])
                    break
                done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
                for f in done:
                    j = running.pop(f)
                    f.result()
                    log("  %-44s %-8s %5.1fs   (%s)" % (j.name, j.status, j.seconds,
                                                        os.path.relpath(j.logfile, self.work)))
                    if j.status != "success":
                        with open(j.logfile) as lf:
                            tail = lf.read().splitlines()[-25:]
                        for line in tail:
                            log("      | " + line)
        return all(j.status in ("success",) for j in jobs)

    def one(self, job):
        t0 = time.monotonic()
        self.workspace(job)
        try:
            ok = job.execute(self)
        except Unsupported:
            raise
        except Exception as e:  # the runner's own trouble: say it, fail the job
            self.note(job, "runner error: %r" % e)
            ok = False
        job.status = "success" if ok else "failure"
        job.seconds = time.monotonic() - t0


# ---------------------------------------------------------- GitHub Actions

GH_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def gh_subst(value, ctx, where):
    """Replace ${{ matrix.X }} in strings (recursively); any other expression
    is not played by this runner."""
    if isinstance(value, str):
        def one(m):
            e = m.group(1)
            if e.startswith("matrix.") and e[7:] in ctx:
                return str(ctx[e[7:]])
            raise Unsupported("%s: expression ${{ %s }}" % (where, e))
        return GH_EXPR.sub(one, value)
    if isinstance(value, dict):
        return {k: gh_subst(v, ctx, where) for k, v in value.items()}
    if isinstance(value, list):
        return [gh_subst(v, ctx, where) for v in value]
    return value


def gh_condition(cond, where):
    """-> 'always' or 'success' (the default)."""
    if cond is None:
        return "success"
    c = str(cond).strip()
    if c.startswith("${{") and c.endswith("}}"):
        c = c[3:-2].strip()
    if c in ("always()", "success()"):
        return c[:-2]
    raise Unsupported("%s: if: %s" % (where, cond))


class GitHubJob(Job):
    def __init__(self, example, name, spec, matrix, artifacts, deps):
        run_always = gh_condition(spec.get("if"), name) == "always"
        timeout = int(spec.get("timeout-minutes", 30)) * 60
        super().__init__(example, name, deps, run_always, min(timeout, 30 * 60))
        self.spec = spec
        self.matrix = matrix
        self.artifacts = artifacts

    def execute(self, r):
        deadline = time.monotonic() + self.timeout
        ok = True
        os.makedirs(self.ws)
        for i, step in enumerate(self.spec.get("steps", [])):
            where = "%s step %d" % (self.name, i + 1)
            step = gh_subst(step, self.matrix, where)
            when = gh_condition(step.get("if"), where)
            if not ok and when != "always":
                r.note(self, "step %d skipped" % (i + 1))
                continue
            ok = self.step(r, step, where, deadline) and ok
        return ok

    def step(self, r, step, where, deadline):
        uses = step.get("uses")
        with_ = step.get("with") or {}
        if "run" in step:
            shell = step.get("shell", "bash")
            if shell != "bash":
                raise Unsupported("%s: shell %s" % (where, shell))
            # GitHub's `shell: bash` (and its default on Linux runners).
            argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
            env = {str(k): str(v) for k, v in (step.get("env") or {}).items()}
            env.update({"GITHUB_WORKSPACE": self.ws, "CI": "true"})
            return r.shell(self, argv, step["run"], env, deadline) == 0
        if uses is None:
            raise Unsupported("%s: neither run nor uses" % where)
        action = uses.split("@")[0]
        if action == "actions/checkout":
            r.checkout(self)
            r.note(self, "checkout: a copy of %s" % r.src)
            return True
        if action == "actions/upload-artifact":
            name = with_.get("name", "artifact")
            paths = [p for p in str(with_["path"]).splitlines() if p.strip()]
            dst = os.path.join(self.artifacts, name)
            found = False
            for p in paths:  # (files of one folder, or one folder: land at the root)
                for src in sorted(glob.glob(os.path.join(self.ws, p.strip()))):
                    copy_tree_into(src, dst)
                    found = True
            # if-no-files-found: warn (the action's default)
            r.note(self, "upload-artifact %s: %s" % (name, "copied" if found else "warning: no files"))
            return True
        if action == "actions/download-artifact":
            dest = os.path.join(self.ws, with_.get("path", "."))
            names = sorted(os.listdir(self.artifacts)) if os.path.isdir(self.artifacts) else []
            if "name" in with_:
                if with_["name"] not in names:
                    r.note(self, "download-artifact: no artifact %s" % with_["name"])
                    return False
                copy_tree_into(os.path.join(self.artifacts, with_["name"]), dest)
                return True
            pat = with_.get("pattern", "*")
            merge = str(with_.get("merge-multiple", "false")).lower() == "true"
            got = [n for n in names if fnmatch.fnmatch(n, pat)]
            for n in got:
                copy_tree_into(os.path.join(self.artifacts, n), dest if merge else os.path.join(dest, n))
            r.note(self, "download-artifact %s: %s" % (pat, ", ".join(got) or "none"))
            return True
        if action == "mikepenz/action-junit-report":
            pats = [p for p in re.split(r"[\n,]", str(with_.get("report_paths", ""))) if p.strip()]
            return r.junit_check(self, [p.strip() for p in pats])
        raise Unsupported("%s: uses %s" % (where, uses))


def github_jobs(doc, example, artifacts):
    jobs, names = [], {}
    for jname, spec in (doc.get("jobs") or {}).items():
        matrix = ((spec.get("strategy") or {}).get("matrix")) or {}
        if any(k in matrix for k in ("include", "exclude")):
            raise Unsupported("%s: matrix include/exclude" % jname)
        keys = list(matrix)
        combos = [dict(zip(keys, vals)) for vals in itertools.product(*(matrix[k] for k in keys))] or [{}]
        names[jname] = []
        for c in combos:
            inst = jname + (" (%s)" % ", ".join("%s=%s" % kv for kv in c.items()) if c else "")
            names[jname].append(inst)
            jobs.append((inst, spec, c))
    out = []
    for inst, spec, c in jobs:
        needs = spec.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        deps = [d for n in needs for d in names.get(n, [n])]
        out.append(GitHubJob(example, inst, spec, c, artifacts, deps))
    return out


# -------------------------------------------------------------- GitLab CI

GL_RESERVED = {"stages", "variables", "default", "include", "workflow", "image", "services",
               "before_script", "after_script", "cache"}


def gl_merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = gl_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def gl_resolve(doc, name, seen=()):
    spec = doc[name]
    ext = spec.get("extends")
    if not ext:
        return spec
    if name in seen:
        raise Unsupported("extends loop at %s" % name)
    merged = {}
    for e in [ext] if isinstance(ext, str) else ext:
        merged = gl_merge(merged, gl_resolve(doc, e, seen + (name,)))
    return gl_merge(merged, {k: v for k, v in spec.items() if k != "extends"})


def gl_timeout(text):
    m = re.fullmatch(r"\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*", str(text or ""))
    if not text or not m:
        return 30 * 60
    h, mi, s = (int(x or 0) for x in m.groups())
    return min(h * 3600 + mi * 60 + s, 30 * 60) or 30 * 60


class GitLabJob(Job):
    def __init__(self, example, name, base, spec, variables, artifacts, deps, from_jobs):
        run_always = spec.get("when", "on_success") == "always"
        if spec.get("when", "on_success") not in ("always", "on_success"):
            raise Unsupported("%s: when: %s" % (name, spec.get("when")))
        super().__init__(example, name, deps, run_always, gl_timeout(spec.get("timeout")))
        self.base = base
        self.spec = spec
        self.variables = variables
        self.artifacts = artifacts
        self.from_jobs = from_jobs  # whose artifacts this job receives

    def execute(self, r):
        deadline = time.monotonic() + self.timeout
        r.checkout(self)
        for j in self.from_jobs:
            a = os.path.join(self.artifacts, j)
            if os.path.isdir(a):
                copy_tree_into(a, self.ws)
                r.note(self, "artifacts of %s" % j)
        lines = list(self.spec.get("before_script") or []) + list(self.spec.get("script") or [])
        # GitLab's shell executor: one bash, errexit, each command echoed.
        script = "set -eo pipefail\n" + "\n".join(lines) + "\n"
        env = {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": self.ws, "CI_JOB_NAME": self.name}
        env.update({str(k): str(v) for k, v in self.variables.items()})
        ok = r.shell(self, ["bash", "--noprofile", "--norc", "-c"], script, env, deadline) == 0
        if self.spec.get("after_script"):
            raise Unsupported("%s: after_script" % self.name)
        art = self.spec.get("artifacts") or {}
        when = art.get("when", "on_success")
        if art and (ok or when == "always"):
            dst = os.path.join(self.artifacts, self.name)
            for p in art.get("paths") or []:
                for f in glob.glob(os.path.join(self.ws, p)):
                    rel = os.path.relpath(f, self.ws)
                    copy_tree_into(f, os.path.join(dst, os.path.dirname(rel.rstrip("/"))) if not os.path.isdir(f)
                                   else os.path.join(dst, rel))
            junit = (art.get("reports") or {}).get("junit")
            if junit:
                ok = r.junit_check(self, [junit] if isinstance(junit, str) else junit) and ok
        return ok


def gitlab_jobs(doc, example, artifacts):
    stages = doc.get("stages") or ["build", "test", "deploy"]
    top_vars = doc.get("variables") or {}
    defs = []
    for name in doc:
        if name in GL_RESERVED or name.startswith("."):
            continue
        spec = gl_resolve(doc, name)
        for k in ("rules", "only", "except", "trigger", "include", "dependencies"):
            if k in spec:
                raise Unsupported("%s: %s" % (name, k))
        par = spec.get("parallel")
        if isinstance(par, dict):
            raise Unsupported("%s: parallel: matrix" % name)
        n = int(par or 1)
        stage = spec.get("stage", "test")
        if stage not in stages:
            raise Unsupported("%s: stage %s not in stages" % (name, stage))
        for k in range(1, n + 1):
            inst = "%s %d/%d" % (name, k, n) if par else name
            v = dict(top_vars)
            v.update(spec.get("variables") or {})
            if par:
                v.update({"CI_NODE_INDEX": k, "CI_NODE_TOTAL": n})
            defs.append((name, inst, stage, spec, v))
    insts = {}
    for name, inst, *_ in defs:
        insts.setdefault(name, []).append(inst)
    out = []
    for name, inst, stage, spec, v in defs:
        if "needs" in spec:
            deps = [d for n in spec["needs"] for d in insts[n if isinstance(n, str) else n["job"]]]
        else:  # every job of the earlier stages
            deps = [i for (_, i, st, *_r) in defs if stages.index(st) < stages.index(stage)]
        out.append(GitLabJob(example, inst, name, spec, v, artifacts, deps, deps))
    return out


# ------------------------------------------------------------------ checks


def check_reports(work, example, jobs, files, n_expected):
    """The reports that say the whole catalogue ran: every scenario counted
    once, none failed; the JUnit beside it well-formed."""
    ok = True
    by_name = {j.name: j for j in jobs}
    for jname, rel in files:
        j = by_name.get(jname)
        if j is not None and j.status == "not run":
            log("  check %-40s not run (--skip %s)" % (jname + ":" + rel, jname.split(" ")[0]))
            continue
        if j is None or j.status != "success":
            log("  check %s: job %s did not succeed" % (rel, jname))
            ok = False
            continue
        path = os.path.join(j.ws, rel)
        try:
            with open(path) as f:
                rep = json.load(f)
            # a skipped scenario (on a container's loopback: the IPv6 ones)
            # is counted once too, neither passed nor failed
            names = [s["name"] for s in rep["scenarios"] + rep.get("skipped", [])]
            failed = rep["summary"]["failed"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            log("  check %s/%s: not a danelab JSON report (%s)" % (jname, rel, e))
            ok = False
            continue
        good = len(names) == n_expected and len(set(names)) == len(names) and failed == 0
        log("  check %-40s %s: %d scenarios (%d distinct; catalogue %d), %d failed" % (
            jname + ":" + rel, "ok" if good else "WRONG", len(names), len(set(names)), n_expected, failed))
        ok = ok and good
    return ok


def catalogue_size(image):
    """`danelab list --json | jq length` in the image (the docker shim)."""
    try:
        out = subprocess.run(["docker", "run", "--rm", "--network", "none", image, "list", "--json"],
                             capture_output=True, text=True, timeout=120)
        n = len(json.loads(out.stdout))
    except (subprocess.TimeoutExpired, ValueError, TypeError) as e:
        log("  the catalogue's size: cannot list it in %s (%s)" % (image, e))
        return -1
    log("  the catalogue in %s: %d scenarios" % (image, n))
    return n


# The final reports of each example: a job and the JSON it leaves.
FINAL = {
    "github-actions.yml": [("catalogue", "reports/danelab.json"), ("merge", "shards/danelab.json")],
    "gitlab-ci.yml": [("danelab", "reports/danelab.json"), ("danelab-merge", "reports/danelab.json")],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True, help="the source tree each job checks out")
    ap.add_argument("--work", required=True, help="folder for workspaces, artifacts and logs")
    ap.add_argument("--jobs", type=int, default=2, help="jobs run at once (default 2)")
    ap.add_argument("--count-image", required=True,
                    help="the image whose `danelab list --json` counts the catalogue")
    ap.add_argument("--skip", action="append", default=[], help="a job (base name) not to run")
    ap.add_argument("examples", nargs="+")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    r = Runner(args)
    all_ok = True
    for path in args.examples:
        base = os.path.basename(path)
        with open(path) as f:
            doc = yaml.safe_load(f)
        artifacts = os.path.join(args.work, base, "artifacts")
        os.makedirs(artifacts, exist_ok=True)
        try:
            if "jobs" in doc:
                jobs = github_jobs(doc, base, artifacts)
            else:
                jobs = gitlab_jobs(doc, base, artifacts)
            for j in jobs:  # skipped on request: not run, and the jobs that need them not either
                if j.name.split(" ")[0] in args.skip:
                    j.status = "not run"
            jobs_run = [j for j in jobs if j.status is None]
            for j in jobs_run:
                j.deps = [d for d in j.deps if any(x.name == d and x.status is None for x in jobs)]
            t0 = time.monotonic()
            log("%s: %d jobs (%s)" % (base, len(jobs_run), ", ".join(j.name for j in jobs_run)))
            ok = r.run_all(jobs_run)
            n = catalogue_size(args.count_image)
            ok = check_reports(args.work, base, jobs, FINAL.get(base, []), n) and ok
        except Unsupported as e:
            log("run-examples: %s: not played by this runner: %s" % (base, e))
            return 2
        log("%s: %s in %.0fs" % (base, "ok" if ok else "FAILED", time.monotonic() - t0))
        all_ok = all_ok and ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
