"""The progress line shows each model endpoint's live limits (issue 17's live view)."""

from __future__ import annotations

from evalkit.plugin.terminal import ProgressDisplay
from evalkit.run.progress import Progress


def snapshot(**extra: object) -> Progress:
    return Progress(
        planned=10,
        done=4,
        running=3,
        judging=1,
        queued=2,
        tokens=12_345,
        cost_usd=0.0123,
        cost_unknown=False,
        elapsed_s=7.0,
        eta_s=11.0,
        **extra,
    )


def test_progress_shows_each_endpoints_concurrency_429s_and_tokens_per_minute() -> None:
    display = ProgressDisplay(write_line=print, live=False)
    display.update(
        snapshot(
            endpoints=[
                {
                    "provider": "openai",
                    "base_url": "https://api.example.test/v1",
                    "concurrency": 24,
                    "rate_limited": 3,
                    "tokens_per_min": 41_200,
                }
            ]
        )
    )
    text = display.text()
    assert text.startswith("evalkit: 4/10 sessions decided (3 talking, 1 judging), 12,345 tokens, $0.0123")
    assert "endpoints: openai api.example.test: 24 connections, 3 x 429, 41,200 tok/min" in text


def test_no_endpoint_line_before_any_model_call() -> None:
    display = ProgressDisplay(write_line=print, live=False)
    display.update(snapshot())
    assert "\n" not in display.text() and "endpoints" not in display.text()
