"""Interrupting `pytest -n 2` loses nothing: SIGINT, SIGTERM or SIGKILL, to the controller or to a worker, early
or late; `--evalkit-resume latest` (under -n 2 too) then finishes the run without running a decided trial again,
and ends where a clean run ends. A second writer of a run is refused in one line.

Real subprocesses against the fake model server; sessions talk for 1-4 turns, so they end at different times
and a kill lands with some trials decided and others mid-session.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from evalkit.llm.request import LLMRequest
from evalkit.run import load_run
from evalkit.run.events import read_events
from evalkit.testing import FakeLLMServer, Rule

SCENARIOS, TRIALS = 4, 3
PLANNED = SCENARIOS * TRIALS
LATENCY_S = 0.15
REF = re.compile(r"ref-(\d+)")
PRINTED_TRANSCRIPT = re.compile(r"transcript: (\S+\.json)")


# ---------------------------------------------------------------- the project and its fake models
def _write_project(root: Path) -> None:
    (root / "rubrics").mkdir(parents=True)
    (root / "suites").mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npythonpath = ["."]\nasyncio_default_fixture_loop_scope = "function"\n'
    )
    rubric = {
        "id": "quality",
        "version": 1,
        "judge": {"model": "openai:judge-m"},
        "criteria": [{"id": "helpful", "question": "Was the agent helpful?", "scale": "binary"}],
    }
    (root / "rubrics" / "quality.yaml").write_text(json.dumps(rubric))
    suite = {
        "suite": "intr",
        "agent": {"kind": "model", "model": "openai:agent-m", "system_prompt": "You help."},
        "simulator": {"model": "openai:sim-m"},
        "rubrics": ["quality@1"],
        "trials": TRIALS,
        "defaults": {"max_turns": 2 * SCENARIOS + 2},
        "scenarios": [{"id": f"sc{i}", "goal": f"Find out where order {i} is."} for i in range(SCENARIOS)],
    }
    (root / "suites" / "intr.yaml").write_text(json.dumps(suite))


def _simulator(request: LLMRequest) -> dict[str, Any]:
    """Scenario scN talks for 2N+1 turns; every user turn names its session (`ref-<seed>`) and its order."""
    said = sum(1 for m in request.messages if m.role == "assistant")
    order = re.search(r"order (\d+) is", request.system)
    number = int(order.group(1)) if order else 0
    if said > 2 * number:
        return {"tool_calls": [{"name": "end_conversation", "arguments": {"reason": "goal_met"}}]}
    return {"text": f"Where is order {number}? Question {said + 1}, ref-{request.params.get('seed')}."}


def _judge(request: LLMRequest) -> dict[str, Any]:
    """Order 3's conversations fail, the others pass: the verdicts differ by scenario."""
    failed = "order 3?" in json.dumps([m.content for m in request.messages], default=str)
    return {"json": {"helpful": {"reasoning": "Checked.", "evidence": [], "score": not failed}}}


RULES = [
    Rule(role="simulator", handler=_simulator),
    Rule(role="judge", handler=_judge),
    Rule(role="agent", text="Let me look that up: it has shipped."),
]


def _session_ref(body: dict[str, Any]) -> str | None:
    """The session (its seed) a recorded request belongs to."""
    if body.get("seed") is not None and not REF.search(json.dumps(body.get("messages", []))):
        return str(body["seed"])
    found = REF.search(json.dumps(body))
    return found.group(1) if found else None


# ---------------------------------------------------------------- running pytest in a subprocess
@dataclass
class Env:
    project: Path
    server: FakeLLMServer

    def start(self, reports: Path, *extra: str, workers: bool = True) -> subprocess.Popen:
        # a file, not a pipe (a full pipe would stall pytest); it outlives this call, so no `with`
        log = open(reports.parent / f"out-{time.monotonic_ns()}.txt", "w+")  # noqa: SIM115
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "suites",
            "-q",
            "-p",
            "no:cacheprovider",
            "--evalkit-live",
            "--evalkit-no-cache",
            f"--evalkit-base-url=openai={self.server.openai_base_url}",
            f"--evalkit-report-dir={reports}",
            *(["-n", "2"] if workers else []),
            *extra,
        ]
        env = {**os.environ, "OPENAI_API_KEY": "sk-fake-interrupt", "PYTHONPATH": str(self.project)}
        for var in (
            "EVALKIT_LIVE",
            "GITHUB_STEP_SUMMARY",
            "CI",
            "GITHUB_ACTIONS",
            "PYTEST_ADDOPTS",
            "PYTEST_XDIST_WORKER",
        ):
            env.pop(var, None)
        proc = subprocess.Popen(
            cmd, cwd=self.project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.log = log  # type: ignore[attr-defined]
        return proc


def _output(proc: subprocess.Popen, timeout: float = 90) -> str:
    proc.wait(timeout=timeout)
    proc.log.seek(0)  # type: ignore[attr-defined]
    text = proc.log.read()  # type: ignore[attr-defined]
    proc.log.close()  # type: ignore[attr-defined]
    return text


def _glob(root: Path, pattern: str) -> list[Path]:
    """root.glob(pattern) while writers run: a part folded into its run vanishes mid-scan, so scan again."""
    for _ in range(50):
        try:
            return sorted(root.glob(pattern))
        except FileNotFoundError:
            time.sleep(0.01)
    return sorted(root.glob(pattern))


def _run_dirs(reports: Path) -> list[Path]:
    return [p for p in _glob(reports, "*-*") if p.is_dir()] if reports.exists() else []


def _logs(reports: Path) -> list[Path]:
    """Every event log of the run: the run directory's and its unmerged parts'."""
    return [
        p
        for run in _run_dirs(reports)
        for p in [run / "events.jsonl", *_glob(run, ".parts/*/*/events.jsonl")]
        if p.exists()
    ]


@dataclass
class Snapshot:
    """What the run had finished when an invocation ended: decided trials (key -> transcript), ended and judged
    sessions (by seed)."""

    decided: dict[str, str | None] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)
    judged: set[str] = field(default_factory=set)


def _all_events(reports: Path) -> list[dict[str, Any]]:
    """Every event, read again when a live process merged a part away between the glob and the read."""
    for _ in range(50):
        try:
            return sorted((e for log in _logs(reports) for e in read_events(log)), key=lambda e: e["ts"])
        except FileNotFoundError:
            time.sleep(0.1)
    raise AssertionError(f"the event logs under {reports} kept moving")


def _events_of(log: Path, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """A part's events for polling; a part merged away meanwhile has none left to count."""
    try:
        return list(read_events(log, kinds=kinds))
    except FileNotFoundError:
        return []


def _snapshot(reports: Path) -> Snapshot:
    snap, seeds, hashes = Snapshot(), {}, {}
    events = _all_events(reports)
    for e in events:
        key = e.get("key")
        if e["kind"] == "session_started":
            seeds[key] = str(e["seed"])
        elif e["kind"] == "session_ended":
            hashes[key] = e["transcript_hash"]
            snap.ended.add(seeds[key])
        elif e["kind"] == "judged" and key in seeds:
            snap.judged.add(seeds[key])
        elif e["kind"] == "trial_decided":
            snap.decided[key] = hashes.get(key)
    return snap


def _decided_count(reports: Path) -> int:
    return len({e["key"] for log in _logs(reports) for e in _events_of(log, ("trial_decided",))})


def _busy_worker_pid(controller: subprocess.Popen, reports: Path) -> int:
    """A worker of this controller with trials still undecided in its part (its pid is in the part's lock file)."""
    children = set(Path(f"/proc/{controller.pid}/task/{controller.pid}/children").read_text().split())
    for part in reversed(_glob(reports, "*-*/.parts/*/*/run.json")):
        try:
            planned = json.loads(part.read_text())["planned_sessions"]
            pid = (part.parent / ".lock").read_text().strip()
        except FileNotFoundError:  # merged away meanwhile
            continue
        kept = next(iter(_events_of(part.parent / "events.jsonl", ("run_started",))), {}).get("kept", 0)
        if pid in children and kept + _decided_count_in(part.parent / "events.jsonl") < planned:
            return int(pid)
    raise AssertionError("no worker with work left to kill")


def _sessions_started(controller: subprocess.Popen, reports: Path) -> bool:
    """This invocation's workers are running sessions (a part of theirs logged one)."""
    children = set(Path(f"/proc/{controller.pid}/task/{controller.pid}/children").read_text().split())
    return any(
        _text(lock).strip() in children and _events_of(lock.parent / "events.jsonl", ("session_started",))
        for lock in _glob(reports, "*-*/.parts/*/*/.lock")
    )


def _text(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def _decided_count_in(log: Path) -> int:
    return len(_events_of(log, ("trial_decided",)))


def _wait_for_writers_to_end(reports: Path, timeout: float = 30) -> None:
    """A killed controller's workers go away on their own; until then their parts are (rightly) locked."""
    deadline = time.monotonic() + timeout
    for lock in _glob(reports, "*-*/.parts/*/*/.lock"):
        try:
            fd = os.open(lock, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    assert time.monotonic() < deadline, f"{lock} still held after {timeout}s"
                    time.sleep(0.05)
        finally:
            os.close(fd)  # drops the lock: only waited for the writer


@dataclass(frozen=True)
class Kill:
    sig: signal.Signals
    target: str  # "controller", "group" (Ctrl-C in a terminal: every process) or "worker"
    after: int  # trials this invocation decides before the signal goes (0: once its workers started sessions)

    @property
    def stops_work(self) -> bool:
        """SIGINT to the controller alone lets the workers finish their share (xdist waits for them): not mid-run."""
        return not (self.sig == signal.SIGINT and self.target == "controller")


def _interrupt(env: Env, reports: Path, kill: Kill, resume: bool) -> tuple[Snapshot, str]:
    start = _decided_count(reports)
    proc = env.start(reports, *(["--evalkit-resume", "latest"] if resume else []))
    deadline = time.monotonic() + 60
    while _decided_count(reports) < start + kill.after or not _sessions_started(proc, reports):
        assert proc.poll() is None, f"pytest ended before the kill point:\n{_output(proc)[-3000:]}"
        assert time.monotonic() < deadline, "timed out waiting for the kill point"
        time.sleep(0.01)
    if kill.target == "worker":
        os.kill(_busy_worker_pid(proc, reports), kill.sig)
    elif kill.target == "group":
        os.killpg(proc.pid, kill.sig)
    else:
        os.kill(proc.pid, kill.sig)
    out = _output(proc)
    _wait_for_writers_to_end(reports)
    snap = _snapshot(reports)
    assert len(snap.decided) < PLANNED or not kill.stops_work, f"the kill ({kill}) should land mid-run"
    _assert_printed_transcripts_exist(out)
    if kill.target == "group":  # Ctrl-C: merged at once, reported as interrupted
        [run_dir] = _run_dirs(reports)
        assert json.loads((run_dir / "run.json").read_text())["status"] == "interrupted"
        assert not (run_dir / ".parts").exists() and (run_dir / "report.html").is_file()
    return snap, out


def _assert_printed_transcripts_exist(out: str) -> None:
    for path in PRINTED_TRANSCRIPT.findall(out):
        assert Path(path).is_file(), f"pytest printed {path}, which does not exist"


def _rows(run_dir: Path) -> tuple[set, set]:
    run = load_run(run_dir)
    assert run.problems == [], run.problems
    trials = {(t["scenario_id"], t["trial"], t["outcome"], t["transcript_hash"]) for t in run.trials}
    assert len(trials) == len(run.trials) == PLANNED, "every trial once"
    scores = {(r["scenario_id"], r["trial"], r["criterion_id"], r["outcome"], r["score"]) for r in run.results}
    assert len(scores) == len(run.results) == PLANNED
    return trials, scores


def _summary_line(out: str) -> str:
    """pytest's counts (`1 failed, 4 passed`), without the time."""
    line = [line for line in out.splitlines() if re.search(r"\d+ (passed|failed)", line)][-1]
    return re.sub(r" in [\d.]+s.*", "", line.strip("= "))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    project = tmp_path_factory.mktemp("interrupt") / "project"
    _write_project(project)
    with FakeLLMServer(RULES, latency_s=LATENCY_S) as server:
        yield Env(project, server)


@pytest.fixture(scope="module")
def clean(env: Env) -> tuple[int, str, tuple[set, set]]:
    """One uninterrupted run (single process: the same verdicts, quicker)."""
    reports = env.project.parent / "clean" / "reports"
    reports.mkdir(parents=True)
    proc = env.start(reports, workers=False)
    out = _output(proc)
    [run_dir] = _run_dirs(reports)
    return proc.returncode, _summary_line(out), _rows(run_dir)


def _check_interruptions(
    env: Env,
    clean: tuple[int, str, tuple[set, set]],
    name: str,
    kills: list[Kill],
    while_resuming: Any = None,
    resume_with_workers: bool = True,
) -> None:
    reports = env.project.parent / name / "reports"
    reports.mkdir(parents=True)
    snapshots = []
    for n, kill in enumerate(kills):
        snapshots.append(_interrupt(env, reports, kill, resume=n > 0))
    before = len(env.server.requests)
    final = env.start(reports, "--evalkit-resume", "latest", workers=resume_with_workers)
    if while_resuming is not None:
        while_resuming(env, reports, final)
    out = _output(final)
    [run_dir] = _run_dirs(reports)
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "complete", (manifest["status"], manifest.get("status_reason"), out[-3000:])
    assert not (run_dir / ".parts").exists()
    assert (final.returncode, _summary_line(out)) == clean[:2], out[-3000:]
    assert "error" not in _summary_line(out)
    assert _rows(run_dir) == clean[2], "verdict rows differ from the clean run's"
    _assert_printed_transcripts_exist(out)

    kept = {
        (t["suite"], t["scenario_id"], t["tier"], t["trial"]): t["transcript_hash"] for t in load_run(run_dir).trials
    }
    for snap, _ in snapshots:  # every trial decided at some interruption is still there, unchanged
        for key, digest in snap.decided.items():
            suite, rest = key.split("::")
            scenario, tier_trial = rest.split("[")
            tier, trial = tier_trial.split("]#")
            assert digest is None or kept[(suite, scenario, tier, int(trial))] == digest, f"{key} was run again"
    last = snapshots[-1][0]
    after = env.server.requests[before:]
    assert not [r for r in after if r.role in ("agent", "simulator") and _session_ref(r.body) in last.ended], (
        "a finished session was run again"
    )
    assert not [r for r in after if r.role == "judge" and _session_ref(r.body) in last.judged], (
        "a judged session was judged again"
    )
    assert any(r.role == "simulator" for r in after) or len(last.decided) == PLANNED, "undecided trials ran"


def _held(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _a_second_writer_is_refused(env: Env, reports: Path, resuming: subprocess.Popen) -> None:
    """While a resume under -n 2 holds the run, another one is refused in one line (one process: test_run_lock.py)."""
    [run_dir] = _run_dirs(reports)
    deadline = time.monotonic() + 60
    while not (any(_glob(run_dir, ".parts/*/*/run.json")) and _held(run_dir / ".lock")):
        assert resuming.poll() is None and time.monotonic() < deadline, _output(resuming)[-3000:]
        time.sleep(0.01)
    env.server.latency_s = 1.0  # hold the resume open while the other tries
    try:
        other = env.start(reports, "--evalkit-resume", "latest")
        out = _output(other)
    finally:
        env.server.latency_s = LATENCY_S
    assert other.returncode == pytest.ExitCode.USAGE_ERROR, out[-3000:]
    refusals = [line for line in out.splitlines() if "cannot resume" in line]
    assert len(refusals) == 1 and "Traceback" not in out, out
    assert str(run_dir.resolve()) in refusals[0], refusals[0]
    assert f"being written by another evalkit run (pid {resuming.pid})" in refusals[0], refusals[0]


def test_ctrl_c_then_sigterm_to_the_controller_then_sigkill_of_a_worker_and_a_second_writer_is_refused(
    env: Env, clean: tuple
) -> None:
    _check_interruptions(
        env,
        clean,
        "chain-a",
        [
            Kill(signal.SIGINT, "group", after=1),
            Kill(signal.SIGTERM, "controller", after=0),
            Kill(signal.SIGKILL, "worker", after=0),
        ],
        while_resuming=_a_second_writer_is_refused,
    )


def test_sigkill_of_the_controller_then_sigterm_to_a_worker_then_sigint_to_the_controller_and_a_resume_in_one_process(
    env: Env, clean: tuple
) -> None:
    _check_interruptions(
        env,
        clean,
        "chain-b",
        [
            Kill(signal.SIGKILL, "controller", after=1),
            Kill(signal.SIGTERM, "worker", after=0),
            Kill(signal.SIGINT, "controller", after=0),
        ],
        resume_with_workers=False,
    )
