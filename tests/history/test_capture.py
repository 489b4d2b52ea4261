"""Where a run happened: the CI job (GitHub, GitLab, others) and git's branch and dirty flag."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from evalkit.history.capture import capture_place, ci_job


def test_github_pull_request_names_the_source_branch_and_the_run_url() -> None:
    job = ci_job(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_RUN_ID": "9",
            "GITHUB_RUN_ATTEMPT": "2",
            "GITHUB_HEAD_REF": "feature",
            "GITHUB_REF_NAME": "12/merge",
            "GITHUB_SHA": "abc",
        }
    )
    assert (job.provider, job.branch, job.commit) == ("github", "feature", "abc")
    assert job.url == "https://github.example/o/r/actions/runs/9/attempts/2"
    push = ci_job(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "o/r",
            "GITHUB_RUN_ID": "9",
            "GITHUB_HEAD_REF": "",
            "GITHUB_REF_NAME": "main",
        }
    )
    assert (push.branch, push.url) == ("main", "https://github.com/o/r/actions/runs/9")


def test_gitlab_jenkins_and_a_generic_ci() -> None:
    gitlab = ci_job(
        {
            "GITLAB_CI": "true",
            "CI": "true",
            "CI_COMMIT_REF_NAME": "main",
            "CI_JOB_URL": "https://gitlab.example/o/r/-/jobs/5",
        }
    )
    assert (gitlab.provider, gitlab.branch, gitlab.url) == ("gitlab", "main", "https://gitlab.example/o/r/-/jobs/5")
    jenkins = ci_job(
        {
            "JENKINS_URL": "https://ci/",
            "GIT_BRANCH": "origin/release",
            "BUILD_URL": "https://user:tok3n@ci.example/job/7/",
        }
    )
    assert (jenkins.provider, jenkins.branch) == ("jenkins", "release")
    assert jenkins.url == "https://ci.example/job/7/"  # credentials never stored
    assert ci_job({"CI": "true"}).provider == "ci"
    assert ci_job({"CI": "false"}).provider is None and ci_job({}).provider is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_branch_and_dirty_flag_outside_ci(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "topic")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "first")
    (tmp_path / "tracked.txt").write_text("one")
    git("add", "tracked.txt")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "add")
    assert (capture_place(tmp_path, env={}).branch, capture_place(tmp_path, env={}).dirty) == ("topic", False)
    (tmp_path / "tracked.txt").write_text("two")
    assert capture_place(tmp_path, env={}).dirty is True
    assert capture_place(tmp_path, env={"CI": "true", "CI_BRANCH": "from-ci"}).branch == "from-ci"
    git("checkout", "-q", "--detach")
    assert capture_place(tmp_path, env={}).branch is None  # a detached HEAD has no branch


def test_no_git_checkout_knows_nothing(tmp_path: Path) -> None:
    place = capture_place(tmp_path / "nowhere", env={})
    assert (place.branch, place.dirty, place.ci_provider) == (None, None, None)
