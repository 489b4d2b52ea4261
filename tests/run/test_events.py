from pathlib import Path

from evalkit.run.events import EventLog, read_events


def test_torn_last_line_is_skipped_and_the_next_writer_starts_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path, fsync_interval_s=0)
    log.emit("run_started", {"run_id": "r"})
    log.emit("session_started", {"key": "a"})
    log.close()
    with open(path, "ab") as fh:
        fh.write(b'{"ts": 1, "kind": "session_ended", "key": "a", "transcr')  # killed mid-write
    assert [e["kind"] for e in read_events(path)] == ["run_started", "session_started"]

    log = EventLog(path, fsync_interval_s=0)
    log.emit("session_ended", {"key": "a"})
    log.close()
    assert [e["kind"] for e in read_events(path)] == ["run_started", "session_started", "session_ended"]


def test_each_event_is_one_complete_json_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    log.emit("turn", {"key": "k", "text": "line\nbreak"})
    log.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    assert next(read_events(path))["text"] == "line\nbreak"
