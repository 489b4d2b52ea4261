"""Where a run happened, read when it is recorded: git branch and dirty flag, and the CI job.

A CI checkout is usually a detached HEAD, so the CI's own variables name the branch first
(the source branch of a pull/merge request, else the pushed branch); outside CI, git does.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class RunPlace:
    """The branch, dirty flag and CI job of a run (None: not known)."""

    branch: str | None = None
    dirty: bool | None = None
    commit: str | None = None
    ci_provider: str | None = None
    ci_job_url: str | None = None


@dataclass(frozen=True)
class _CI:
    provider: str
    marker: str  # set (non-empty) in this CI's jobs
    branches: tuple[str, ...]  # variables naming the branch, first set wins
    commit: str | None


_CIS = (
    _CI("github", "GITHUB_ACTIONS", ("GITHUB_HEAD_REF", "GITHUB_REF_NAME"), "GITHUB_SHA"),
    _CI(
        "gitlab",
        "GITLAB_CI",
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME"),
        "CI_COMMIT_SHA",
    ),
    _CI("circleci", "CIRCLECI", ("CIRCLE_BRANCH",), "CIRCLE_SHA1"),
    _CI("buildkite", "BUILDKITE", ("BUILDKITE_BRANCH",), "BUILDKITE_COMMIT"),
    _CI("jenkins", "JENKINS_URL", ("CHANGE_BRANCH", "BRANCH_NAME", "GIT_BRANCH"), "GIT_COMMIT"),
    _CI("ci", "CI", ("CI_BRANCH", "BRANCH_NAME"), None),  # any other CI that sets CI=true
)
_JOB_URLS = {
    "gitlab": "CI_JOB_URL",
    "circleci": "CIRCLE_BUILD_URL",
    "buildkite": "BUILDKITE_BUILD_URL",
    "jenkins": "BUILD_URL",
    "ci": "BUILD_URL",
}


def capture_place(root: Path, env: Mapping[str, str] | None = None) -> RunPlace:
    """The place of a run in the project at `root`, now."""
    env = os.environ if env is None else env
    ci = ci_job(env)
    git_branch, dirty = _git(root)
    branch = ci.branch or git_branch
    return RunPlace(branch=branch, dirty=dirty, commit=ci.commit, ci_provider=ci.provider, ci_job_url=ci.url)


@dataclass(frozen=True)
class CIJob:
    provider: str | None = None
    url: str | None = None
    branch: str | None = None
    commit: str | None = None


def ci_job(env: Mapping[str, str]) -> CIJob:
    """The CI provider, job URL (credentials stripped), branch and commit from the environment."""
    for ci in _CIS:
        if env.get(ci.marker, "").strip().lower() not in ("", "false", "0"):
            branch = next((env[v].strip() for v in ci.branches if env.get(v, "").strip()), None)
            if branch and branch.startswith("origin/"):  # Jenkins' GIT_BRANCH
                branch = branch[len("origin/") :]
            return CIJob(ci.provider, _job_url(ci.provider, env), branch, env.get(ci.commit or "") or None)
    return CIJob()


def _job_url(provider: str, env: Mapping[str, str]) -> str | None:
    if provider == "github":
        server, repo, run = (env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
        if not (repo and run):
            return None
        attempt = env.get("GITHUB_RUN_ATTEMPT", "")
        url = f"{server or 'https://github.com'}/{repo}/actions/runs/{run}"
        return _clean(url + (f"/attempts/{attempt}" if attempt and attempt != "1" else ""))
    return _clean(env.get(_JOB_URLS.get(provider, ""), "")) or None


def _clean(url: str) -> str:
    """No user:password@ in a stored URL."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def _git(root: Path) -> tuple[str | None, bool | None]:
    """(branch, dirty) of the checkout at `root`; a detached HEAD has no branch; no git: (None, None)."""
    branch = _git_out(root, "rev-parse", "--abbrev-ref", "HEAD")
    if branch is None:
        return None, None
    status = _git_out(root, "status", "--porcelain", "--untracked-files=no")
    return (None if branch == "HEAD" else branch), (None if status is None else bool(status))


def _git_out(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None
