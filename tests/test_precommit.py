"""The shipped pre-commit hook, run by the real ``pre-commit`` framework on real commits.

``pre-commit try-repo`` copies only committed, staged and modified tracked files of the
hook repository, so files not yet added to git would be missing. Instead this test makes
its own hook repository from the files of this checkout (``.pre-commit-hooks.yaml``,
``pyproject.toml``, ``README.md``, ``vaultkit/``) and commits them: it tests the working
tree on a developer's machine and the commit under test in CI alike. pre-commit then
builds the hook's virtualenv from it (``pip install .``) as it would for any user.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("pre_commit") is None and shutil.which("pre-commit") is None,
        reason="pre-commit is not installed (pip install -e '.[test]')"),
]


def pre_commit_cmd() -> list[str]:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    return [str(shutil.which("pre-commit"))]


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull, PRE_COMMIT_HOME=str(home / "cache"),
        PRE_COMMIT_COLOR="never", NO_COLOR="1", VIRTUALENV_NO_DOWNLOAD="1",
    )
    env.pop("VAULTKIT_VAULT", None)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=600)


def ok(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = run(cmd, cwd, env)
    assert done.returncode == 0, (cmd, done.stdout, done.stderr)
    return done.stdout


def hook_repo(dest: Path, env: dict[str, str]) -> str:
    """A git repository holding this checkout's hook and package; returns its commit."""
    for name in (".pre-commit-hooks.yaml", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "vaultkit", dest / "vaultkit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for extra in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        if (ROOT / extra).exists():
            shutil.copy2(ROOT / extra, dest / extra)
    ok(["git", "init", "-q"], dest, env)
    ok(["git", "add", "-A"], dest, env)
    ok(["git", "commit", "-qm", "hook"], dest, env)
    return ok(["git", "rev-parse", "HEAD"], dest, env).strip()


def test_hook_passes_fails_and_catches_a_deleted_note(tmp_path: Path) -> None:
    env = environment(tmp_path)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    rev = hook_repo(hooks, env)

    repo = tmp_path / "notes"
    (repo / ".obsidian").mkdir(parents=True)
    (repo / ".obsidian" / "app.json").write_text("{}\n", encoding="utf-8")
    (repo / ".gitignore").write_text(".vaultkit/\n", encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: vaultkit-check\n",
        encoding="utf-8")
    (repo / "Home.md").write_text("# Home\nSee [[Ideas]].\n", encoding="utf-8")
    (repo / "Ideas.md").write_text("# Ideas\n", encoding="utf-8")
    (repo / "Other.md").write_text("Also [[Ideas#Ideas]].\n", encoding="utf-8")
    ok(["git", "init", "-q"], repo, env)
    ok(["git", "add", "-A"], repo, env)
    ok(["git", "commit", "-qm", "init"], repo, env)  # the hook is not installed yet
    ok([*pre_commit_cmd(), "install"], repo, env)

    # a passing commit (the first one also builds the hook's environment)
    (repo / "Home.md").write_text("# Home\nSee [[Ideas]] and [[Other]].\n", encoding="utf-8")
    ok(["git", "add", "Home.md"], repo, env)
    done = run(["git", "commit", "-m", "good link"], repo, env)
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "vaultkit check....." in done.stderr and "Passed" in done.stderr

    # a failing commit: the broken link is reported and the commit does not happen
    (repo / "Home.md").write_text("# Home\nSee [[Ideaz]].\n", encoding="utf-8")
    ok(["git", "add", "Home.md"], repo, env)
    done = run(["git", "commit", "-m", "broken link"], repo, env)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert 'Home.md:2:5: error unresolved-link: no note "Ideaz" in the vault' in out
    assert "(did you mean [[Ideas]]?)" in out
    ok(["git", "reset", "-q", "--hard"], repo, env)

    # a commit that only deletes a note: no markdown file is passed, the links break anyway
    ok(["git", "rm", "-q", "Ideas.md"], repo, env)
    done = run(["git", "commit", "-m", "delete Ideas"], repo, env)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "Home.md:2:5: error unresolved-link" in out
    assert "Other.md:1:6: error unresolved-link" in out
    assert "(target Ideas.md deleted in this commit)" in out
    assert ok(["git", "log", "--format=%s"], repo, env).splitlines()[0] == "good link"
