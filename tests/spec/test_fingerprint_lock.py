"""Fingerprints follow meaning, not formatting; the lockfile catches silent edits."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from evalkit.cli import main
from evalkit.spec import load_rubric
from evalkit.spec.lockfile import LOCK_NAME, read_lock

ROOT = Path(__file__).resolve().parents[2]
V2 = ROOT / "rubrics" / "support" / "resolution.v2.yaml"


def _fp(path: Path) -> str:
    return load_rubric(path).fingerprint


def _rewrite(tmp_path: Path, text: str) -> Path:
    target = tmp_path / "rubric.yaml"
    target.write_text(text)
    return target


def test_comments_quoting_key_order_and_defaults_do_not_change_the_fingerprint(tmp_path: Path) -> None:
    original = V2.read_text()
    lines = original.splitlines()
    # Move `threshold` and `judge` to the end, add comments and write a default (temperature: 0.0, must_pass: false).
    body = "\n".join(
        line
        for line in lines
        if not line.startswith(("threshold:", "judge:", "  model:", "  samples:", "  temperature:"))
    )
    reordered = (
        body.replace("    weight: 1\n", "    weight: 1.0   # explicit float\n    must_pass: false\n")
        + "\n# judge settings moved to the bottom\njudge: {temperature: 0.0, samples: 3, model: 'openai:gpt-4.1-mini'}\nthreshold: 0.75\n"
    )
    assert reordered != original
    assert _fp(_rewrite(tmp_path, reordered)) == _fp(V2)


def test_empty_or_default_judge_block_means_no_judge_block(tmp_path: Path) -> None:
    plain = "id: t\nversion: 1\ncriteria: [{id: ok, question: Fine}]\n"
    base = _fp(_rewrite(tmp_path, plain))
    assert _fp(_rewrite(tmp_path, plain + "judge: {}\n")) == base
    assert _fp(_rewrite(tmp_path, plain + "judge: {samples: 1, temperature: 0}\n")) == base
    assert _fp(_rewrite(tmp_path, plain + "judge: {samples: 2}\n")) != base


def test_any_change_of_meaning_changes_the_fingerprint(tmp_path: Path) -> None:
    original = V2.read_text()
    base = _fp(V2)
    edits = [
        ("How directly did the agent", "How quickly did the agent"),  # wording
        ("weight: 2", "weight: 2.5"),  # weight
        ("threshold: 0.75", "threshold: 0.8"),  # threshold
        ("samples: 3", "samples: 5"),  # judge settings
        ("5: Asked only", "4: Asked only"),  # anchors
        ("granularity: criterion", "granularity: rubric"),  # granularity (rubric is the default)
    ]
    seen = {base}
    for old, new in edits:
        assert old in original
        fp = _fp(_rewrite(tmp_path, original.replace(old, new, 1)))
        assert fp not in seen, f"{old!r} -> {new!r} did not change the fingerprint"
        seen.add(fp)


def test_template_text_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "judge.j2").write_text("Judge this: {{ transcript }}\n")
    rubric = _rewrite(tmp_path, "id: t\nversion: 1\ntemplate: judge.j2\ncriteria: [{id: ok, question: Fine}]\n")
    first = load_rubric(rubric)
    assert first.template_text == "Judge this: {{ transcript }}\n"
    (tmp_path / "judge.j2").write_text("Judge this strictly: {{ transcript }}\n")
    assert load_rubric(rubric).fingerprint != first.fingerprint


def test_examples_are_locked_and_check_passes() -> None:
    result = CliRunner().invoke(main, ["rubrics", "check", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output
    locked = read_lock(ROOT / "rubrics" / LOCK_NAME)
    assert set(locked) == {
        "support.resolution@1",
        "support.resolution@2",
        "support.resolution@3",
        "support.policy-tone@1",
        "support.honesty@1",
        "airline.honesty@1",
        "billing.honesty@1",
    }
    assert locked["support.resolution@2"] == _fp(V2)


def test_wording_change_fails_check_naming_the_version(project: Path) -> None:
    rubric = project / "rubrics" / "support" / "resolution.v2.yaml"
    rubric.write_text(rubric.read_text().replace("How directly did the agent", "How quickly did the agent"))
    runner = CliRunner()
    result = runner.invoke(main, ["rubrics", "check", "--root", str(project)])
    assert result.exit_code == 1
    assert (
        f"{rubric}:5:1: version: support.resolution@2 changed since it was locked: bump the version or revert"
        in result.stdout
    )
    assert "support.resolution@1" not in result.stdout and "Traceback" not in result.output

    before = (project / "rubrics" / LOCK_NAME).read_text()
    relock = runner.invoke(main, ["rubrics", "lock", "--root", str(project)])
    assert relock.exit_code == 1 and "changed since it was locked" in relock.stdout
    assert (project / "rubrics" / LOCK_NAME).read_text() == before  # never silently overwritten


def test_comment_and_reorder_keep_check_green(project: Path) -> None:
    rubric = project / "rubrics" / "support" / "honesty.v1.yaml"
    text = rubric.read_text().replace("threshold: 0.8\n", "")
    rubric.write_text("# reviewed 2026-11\n" + text + "threshold: 0.8  # moved\n")
    result = CliRunner().invoke(main, ["rubrics", "check", "--root", str(project)])
    assert result.exit_code == 0, result.output


def test_new_version_is_unlocked_until_lock_adds_it(project: Path) -> None:
    v3 = project / "rubrics" / "support" / "resolution.v3.yaml"
    v4 = v3.with_name("resolution.v4.yaml")
    v4.write_text(v3.read_text().replace("version: 3", "version: 4").replace("samples: 3", "samples: 5"))
    runner = CliRunner()
    check = runner.invoke(main, ["rubrics", "check", "--root", str(project)])
    assert check.exit_code == 1
    assert "support.resolution@4 is not locked yet: run `evalkit rubrics lock`" in check.stdout
    lock = runner.invoke(main, ["rubrics", "lock", "--root", str(project)])
    assert lock.exit_code == 0 and f"locked support.resolution@4 {_fp(v4)}" in lock.stdout
    lines = (project / "rubrics" / LOCK_NAME).read_text().splitlines()
    refs = [line.split(":")[0] for line in lines if not line.startswith("#")]
    assert refs == [
        "airline.honesty@1",
        "billing.honesty@1",
        "support.honesty@1",
        "support.policy-tone@1",
        "support.resolution@1",
        "support.resolution@2",
        "support.resolution@3",
        "support.resolution@4",
    ]
    assert runner.invoke(main, ["rubrics", "check", "--root", str(project)]).exit_code == 0


def test_list_shows_versions_fingerprints_state_and_users(project: Path) -> None:
    (project / "rubrics" / "support" / "honesty.v1.yaml").write_text(
        (project / "rubrics" / "support" / "honesty.v1.yaml").read_text().replace("threshold: 0.8", "threshold: 0.85")
    )
    result = CliRunner().invoke(main, ["rubrics", "list", "--root", str(project)])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip() + "@" + line.split("│")[2].strip(): line
        for line in result.stdout.splitlines()
        if line.count("│") >= 5
    }
    assert "support-demo" in rows["support.resolution@3"] and "support-demo" not in rows["support.resolution@2"]
    assert "changed" in rows["support.honesty@1"] and "locked" in rows["support.policy-tone@1"]
    assert _fp(project / "rubrics" / "support" / "resolution.v1.yaml") in rows["support.resolution@1"]
