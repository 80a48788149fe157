"""gates.io.git against a real git: typed answers, and an error (never an empty answer) when git
cannot answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import ToolError, ToolMissing
from gates.io import git
from tests.support.git import git as _git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("one\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    (tmp_path / "sub" / "a.txt").write_text("two\n")
    (tmp_path / "b.txt").write_text("b\n")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "second")
    return tmp_path


def test_commits_ancestors_and_branch(repo: Path) -> None:
    run = git.runner_at(repo)
    head = git.head_commit(run)
    first = git.commit_of(run, "HEAD~1")
    assert len(head) == 40 and head == _git(repo, "rev-parse", "HEAD")
    assert git.ancestors(run, head, 10) == [head, first]
    assert git.is_ancestor(run, first, head) is True
    assert git.is_ancestor(run, head, first) is False
    assert git.merge_base(run, "main") == head
    assert git.current_branch(run) == "main"


def test_a_name_that_is_no_commit_is_an_error_not_an_empty_answer(repo: Path) -> None:
    run = git.runner_at(repo)
    with pytest.raises(ToolError, match="not a commit"):
        git.commit_of(run, "no-such-branch")
    with pytest.raises(ToolError):
        git.is_ancestor(run, "0" * 40, "HEAD")  # unknown object: neither True nor False
    with pytest.raises(ToolError):
        git.file_at(run, "no-such-branch", "b.txt")


def test_file_at_a_commit_relative_to_the_folder(repo: Path) -> None:
    run = git.runner_at(repo)
    first = git.commit_of(run, "HEAD~1")
    assert git.file_at(run, first, "sub/a.txt") == "one\n"
    assert git.file_at(run, "HEAD", "sub/a.txt") == "two\n"
    assert git.file_at(run, first, "b.txt") is None  # not yet committed then
    inner = git.runner_at(repo / "sub")
    assert git.file_at(inner, first, "a.txt") == "one\n"


def test_tracked_and_untracked_files(repo: Path) -> None:
    (repo / ".gitignore").write_text("ignored.txt\n")
    (repo / "ignored.txt").write_text("x")
    (repo / "new file.txt").write_text("x")
    run = git.runner_at(repo)
    assert sorted(git.tracked_files(run)) == ["b.txt", "sub/a.txt"]
    assert sorted(git.untracked_files(run)) == [".gitignore", "new file.txt"]


def test_outside_a_repository(tmp_path: Path) -> None:
    run = git.runner_at(tmp_path)
    # GIT_CEILING_DIRECTORIES is not needed: pytest's tmp_path is in no repository
    with pytest.raises(git.NotARepository):
        git.tracked_files(run)
    with pytest.raises(ToolError):
        git.head_commit(run)


def test_no_git_at_all_is_tool_missing(tmp_path: Path) -> None:
    from collections.abc import Sequence

    from gates.process import ToolRun, run_tool

    def run(argv: Sequence[str]) -> ToolRun:
        return run_tool(argv, timeout=5, cwd=tmp_path, env={"PATH": str(tmp_path)})

    with pytest.raises(ToolMissing):
        git.tracked_files(run)
