"""Mutation testing of the clever parts with mutmut; writes the score and every survivor to
docs/mutation.md.

mutmut, because it forks each mutant from a process that has already imported the project and
collected its tests, and runs only the tests that reached the mutated function: several mutants
a second on two cores, where cosmic-ray starts a whole test run for each one.

Each part runs in its own copy of the project under the system's temporary folder, with its own
tests. They are tests that run in the test process (the Flask test client, real files, real
threads): mutmut learns which tests reach a function only in its own process, so a server in a
subprocess would kill nothing it could count. What only a real server shows (a user the system
binds, file events the system refuses) a part names as its server tests: each mutant that
survives the in-process tests is run once more against them, the mutant chosen by mutmut's own
MUTANT_UNDER_TEST, which the server inherits, and counts as killed when they fail.

Mutants that no test can tell from the original are listed with the reason in
bench/mutation_equivalent.toml, by name or by a rule over the line they change; the score leaves
them out.

Usage: .venv/bin/python bench/mutation.py [PART ...]      (default: every part; `--list`)
       .venv/bin/python bench/mutation.py --report          (the reasons again, nothing run)
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "docs" / "mutation.json"
REPORT = REPO / "docs" / "mutation.md"
EQUIVALENT = REPO / "bench" / "mutation_equivalent.toml"
CORPUS = REPO.parent / "shared" / "corpus" / "powerapps"
KILLED = {"killed", "timeout", "caught by type check"}
KILLED_BY_SERVER = "killed by a server test"
GOAL = 0.90


@dataclass(frozen=True)
class Part:
    """One clever part: the modules mutated and the tests that must catch it."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]
    server_tests: tuple[str, ...] = ()  # tried on survivors, each run in its own subprocess


PARTS = {
    "max-age": Part(("feeds/web/answer.py",),
                    ("tests/test_fastpath.py", "tests/test_answer_headers.py",
                     "tests/test_max_age.py")),
    "fast path": Part(("feeds/web/fastpath.py",),
                      ("tests/test_fastpath.py", "tests/test_cache_keys.py",
                       "tests/test_fastpath_keys.py", "tests/test_answer_headers.py",
                       "tests/test_max_age.py")),
    "document cache": Part(("feeds/output/keys.py", "feeds/output/documents.py",
                            "feeds/output/described.py"),
                           ("tests/test_cache_keys.py", "tests/test_document_cache.py",
                            "tests/test_document_validators.py", "tests/test_page_contents.py")),
    "forking reader": Part(("feeds/ingest/reading.py", "feeds/ingest/forking.py"),
                           ("tests/test_parallel_read.py", "tests/test_seed_memory.py",
                            "tests/test_cache_leftovers.py",
                            "tests/test_parsecache.py::test_parallel_read_equals_sequential_read",
                            "tests/test_parsecache.py::test_a_writer_killed_part_way_leaves_no_file_for_ever")),
    "parse cache": Part(("feeds/view/cache.py", "feeds/view/wellformed.py"),
                        ("tests/test_cache_damage.py",
                         "tests/test_cache_files.py",
                         "tests/test_cache_leftovers.py",
                         "tests/test_parsecache.py::test_restart_takes_unchanged_seeds_from_the_cache",
                         "tests/test_parsecache.py::test_changed_seed_is_read_again_despite_the_cache",
                         "tests/test_parsecache.py::test_restart_over_unchanged_seeds_serves_the_saved_view",
                         "tests/test_parsecache.py::test_damaged_cache_is_ignored",
                         "tests/test_parsecache.py::test_a_deleted_seed_leaves_the_cache_at_the_next_save",
                         "tests/test_parsecache.py::test_restart_over_unchanged_seeds_takes_the_saved_index_too",
                         "tests/test_parsecache.py::test_a_saved_index_that_does_not_fit_its_view_is_ignored",
                         "tests/test_parsecache.py::test_a_writer_killed_part_way_leaves_no_file_for_ever",
                         "tests/test_parsecache.py::test_a_cache_with_a_field_of_the_wrong_type_is_ignored",
                         "tests/test_parsecache.py::test_a_fifo_in_the_cache_place_is_ignored_at_once",
                         "tests/test_security_parse_cache.py::test_a_wrong_cache_is_a_slower_start_for_the_server_and_check",
                         "tests/test_security_parse_cache.py::test_a_truncated_cache_is_ignored",
                         "tests/test_security_parse_cache.py::test_a_cache_others_may_write_is_refused",
                         "tests/test_api_hostile.py::test_a_parse_cache_with_a_news_field_of_the_wrong_type_is_ignored")),
    "watcher": Part(("feeds/view/watcher.py", "feeds/view/reloading.py", "feeds/view/decide.py"),
                    ("tests/test_decide.py", "tests/test_publish_decisions.py",
                     "tests/test_reload_loop.py", "tests/test_who_walks.py",
                     "tests/test_unlistable_folder.py"),
                    ("tests/test_reload_faults_access.py",)),
    "made-to-measure index": Part(("feeds/view/index.py", "feeds/view/lookups.py"),
                                  ("tests/test_made_to_measure.py",
                                   "tests/test_index_follows_changes.py",
                                   "tests/test_saved_index.py", "tests/test_index_size.py")),
}


def copy_project(part_name: str) -> Path:
    """A fresh copy of the project for one part, with mutmut's settings for it."""
    slug = re.sub(r"[^a-z0-9]+", "-", part_name)
    dest = Path(tempfile.gettempdir()) / "seed-feeds-mutation" / slug
    shutil.rmtree(dest, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("feeds", "tests", "seeds"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    for name in ("wsgi.py", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    with (dest / "pyproject.toml").open("a") as settings:
        settings.write(mutmut_settings(PARTS[part_name]))
    return dest


def mutmut_settings(part: Part) -> str:
    """The [tool.mutmut] table for one part."""
    return ("\n[tool.mutmut]\n"
            'source_paths = ["feeds/"]\n'
            f"only_mutate = {json.dumps(list(part.modules))}\n"
            'also_copy = ["seeds/", "wsgi.py", "README.md"]\n'
            'pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider", "-q"]\n'
            f"pytest_add_cli_args_test_selection = {json.dumps(list(part.tests))}\n")


def mutmut(dest: Path, *args: str) -> str:
    """Run mutmut in a part's copy; its output."""
    env = {**os.environ, "FEEDS_TEST_CORPUS": str(CORPUS) if CORPUS.is_dir() else ""}
    done = subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=dest, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0 and args[0] != "run":
        sys.exit(f"mutmut {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def run_part(part_name: str, equivalent: dict) -> dict:
    """Mutate one part; its counts and its survivors with their diffs."""
    dest = copy_project(part_name)
    mutmut(dest, "run")
    statuses = dict(line.strip().rsplit(": ", 1)
                    for line in mutmut(dest, "results", "--all", "true").splitlines()
                    if ": " in line)
    if not statuses:
        sys.exit(f"{part_name}: mutmut made no mutants (see {dest})")
    if set(statuses.values()) == {"not checked"}:
        sys.exit(f"{part_name}: no mutant was checked: the part's tests fail unmutated "
                 f"(run them in {dest}/mutants)")
    unkilled = [{"name": name, "status": statuses[name], "diff": diff(dest, name)}
                for name in sorted(statuses) if statuses[name] not in KILLED]
    for mutant in unkilled:
        mutant["reason"] = why_equivalent(mutant, equivalent)
    server_tests = PARTS[part_name].server_tests
    if server_tests and not servers_fail(dest, server_tests, ""):
        for mutant in unkilled:
            if not mutant["reason"] and servers_fail(dest, server_tests, mutant["name"]):
                mutant["status"] = KILLED_BY_SERVER
    elif server_tests:
        sys.exit(f"{part_name}: its server tests fail unmutated (run them in {dest}/mutants)")
    return counted(part_name, len(statuses), unkilled)


def counted(part_name: str, mutants: int, unkilled: list[dict]) -> dict:
    """A part's result: its counts, and each mutant not killed in process, by how it ended."""
    by_server = [mutant for mutant in unkilled if mutant["status"] == KILLED_BY_SERVER]
    rest = [mutant for mutant in unkilled if mutant["status"] != KILLED_BY_SERVER]
    return {
        "modules": list(PARTS[part_name].modules),
        "mutants": mutants,
        "killed": mutants - len(rest),
        "killed_by_server": by_server,
        "equivalent": [mutant for mutant in rest if mutant["reason"]],
        "survived": [mutant for mutant in rest if not mutant["reason"]],
    }


def servers_fail(dest: Path, tests: tuple[str, ...], mutant: str) -> bool:
    """Whether the server tests fail with mutant in place ("": the original)."""
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant,
           "FEEDS_TEST_CORPUS": str(CORPUS) if CORPUS.is_dir() else ""}
    done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly",
                           "-p", "no:cacheprovider", *tests], cwd=dest / "mutants", env=env,
                          capture_output=True)
    return done.returncode != 0


def reported_again(results: dict[str, dict], equivalent: dict) -> dict[str, dict]:
    """Every part's last result, each mutant not killed judged again by today's reasons."""
    again = {}
    for name, result in results.items():
        unkilled = [*result.get("killed_by_server", []), *result["equivalent"],
                    *result["survived"]]
        for mutant in unkilled:
            mutant["reason"] = why_equivalent(mutant, equivalent)
        again[name] = counted(name, result["mutants"], unkilled)
    return again


def why_equivalent(mutant: dict, equivalent: dict) -> str:
    """Why no test can tell this mutant from the original, or "" when one should."""
    if mutant["name"] in equivalent["names"]:
        return str(equivalent["names"][mutant["name"]])
    removed = [line[1:] for line in mutant["diff"].splitlines() if line.startswith("-")]
    added = [line[1:] for line in mutant["diff"].splitlines() if line.startswith("+")]
    for rule in equivalent["rules"]:
        if (len(removed) == len(added) == 1 and re.search(rule["removed"], removed[0])
                and (not rule.get("case_only") or removed[0].lower() == added[0].lower())):
            return str(rule["reason"])
    return ""


def diff(dest: Path, name: str) -> str:
    """The lines a mutant changed."""
    shown = mutmut(dest, "show", name).splitlines()
    return "\n".join(line for line in shown
                     if line[:1] in "-+" and not line.startswith(("---", "+++")))


def score(result: dict) -> float:
    """Killed over the mutants that some test could tell apart."""
    told_apart = result["mutants"] - len(result["equivalent"])
    return result["killed"] / told_apart if told_apart else 1.0


def report(results: dict[str, dict]) -> str:
    """docs/mutation.md from every part's last result."""
    lines = ["# Mutation score of the clever parts", "",
             "Written by `bench/mutation.py` (mutmut; see its docstring for why). Run "
             "`.venv/bin/python bench/mutation.py [PART ...]` after changing a part or its "
             f"tests. Goal: at least {GOAL:.0%} of the mutants that a test could tell apart "
             "killed in each part.", "",
             "Killed includes, in brackets, the mutants that only a server test killed.",
             "",
             "| part | modules | mutants | killed | equivalent | survived | score |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, result in results.items():
        modules = ", ".join(f"`{m}`" for m in result["modules"])
        by_server = len(result.get("killed_by_server", []))
        killed = f"{result['killed']} ({by_server})" if by_server else str(result["killed"])
        lines.append(f"| {name} | {modules} | {result['mutants']} | {killed} | "
                     f"{len(result['equivalent'])} | {len(result['survived'])} | "
                     f"{score(result):.1%} |")
    for name, result in results.items():
        lines += ["", f"## {name}", ""]
        lines += [f"- survived: `{m['name']}` ({m['status']})\n\n```diff\n{m['diff']}\n```"
                  for m in result["survived"]] or ["No survivor."]
        lines += [f"- killed by a server test: `{m['name']}`\n\n```diff\n{m['diff']}\n```"
                  for m in result.get("killed_by_server", [])]
        lines += [f"- equivalent: `{m['name']}`: {m['reason']}\n\n```diff\n{m['diff']}\n```"
                  for m in result["equivalent"]]
    return "\n".join(lines) + "\n"


def main(asked: list[str]) -> None:
    """Run the asked parts (or all), then rewrite the report from every part's last result."""
    if asked == ["--list"]:
        print("\n".join(PARTS))
        return
    equivalent = tomllib.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else {}
    equivalent.setdefault("names", {})
    equivalent.setdefault("rules", [])
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if asked == ["--report"]:
        write(reported_again(results, equivalent))
        return
    unknown = [name for name in asked if name not in PARTS]
    if unknown:
        sys.exit(f"unknown parts {unknown}; the parts are: {', '.join(PARTS)}")
    for name in asked or list(PARTS):
        results[name] = run_part(name, equivalent)
        print(f"{name}: {score(results[name]):.1%} ({results[name]['killed']} of "
              f"{results[name]['mutants']} killed, {len(results[name]['survived'])} survived)")
        write(results)  # after each: a part that cannot run stops the rest, not the ones done


def write(results: dict[str, dict]) -> None:
    """docs/mutation.json and docs/mutation.md, the parts in their order."""
    ordered = {name: results[name] for name in PARTS if name in results}
    RESULTS.write_text(json.dumps(ordered, indent=1) + "\n")
    REPORT.write_text(report(ordered))


if __name__ == "__main__":
    main(sys.argv[1:])
