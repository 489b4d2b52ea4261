"""Build the shipped calibration set `support-v1` with the real pipeline, offline, and label it by construction.

    python -m evalkit.data.calibration.generate [--out DIR]

Runs `support-v1/suites/support-v1.yaml` through `plan_run` / `execute_run`
against the fake model server (the demo's scripted simulator, the real SDK
support agent and its order store, the agent's model scripted to commit each
scenario's fault), then writes every transcript with its timing and ids
normalised and one `source: constructed` label per transcript. The labels
follow from the construction (the fault, the tone register the script wrote
in), the tool log and the order store's final state, never from a judge.
Everything is seeded and no wall-clock time reaches the output: two runs write
the same bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.conversation.transcript import Transcript
from evalkit.data.calibration.scripted_agent import REGISTER
from evalkit.demo.offline.simulator import Customer
from evalkit.demo.support_agent.store import REFUND_WINDOW_DAYS, SEED_ORDERS, OrderStore
from evalkit.judging.scoring import criterion_passes, normalise_score, score_rubric
from evalkit.judging.verdict import CriterionScore, Outcome
from evalkit.llm import ModelHub
from evalkit.run import RunConfig, execute_run, plan_run
from evalkit.spec import load_suite
from evalkit.spec.models import Rubric
from evalkit.spec.rubrics import RubricRegistry

SET_DIR = Path(__file__).parent / "support-v1"
SUITE = Path("suites") / "support-v1.yaml"
RUBRIC = "support.conduct@1"
LABELLER = "construction"
DATE = "2026-12-03"  # fixed: the labels do not depend on when they were generated
RUN_ID = "support-v1"
# Scenarios whose labels are `dev` (prompt debugging): one of each kind of task and fault family, never
# a fault only they show, so every fault is in the holdout. Whole scenarios, so dev never leaks into holdout.
DEV = (
    "correct-cancel",
    "claim-no-call-cancel",
    "tool-error-address",
    "out-of-policy-damaged",
    "padded-status",
    "no-trigger-address",
)
CLAIMING = {"claim_no_call", "tool_error_claim", "claim_no_trigger", "injection"}
TONE = {"warm": 5, "neutral": 3, "rude": 1}


@dataclass(frozen=True)
class Call:
    """One tool call of the agent and its result, in order."""

    index: int  # position in the transcript's messages
    name: str
    args: dict[str, Any]
    ok: bool


# ---------------------------------------------------------------- running the pipeline


def run_suite(set_dir: Path, work: Path) -> Path:
    """The real run, offline: the suite's rules on a fake server, every client pointed at it. Returns the run dir."""
    from evalkit.plugin.offline import OfflineEndpoint, with_factory_base_url

    loaded = load_suite(set_dir / SUITE, root=set_dir)
    endpoint = OfflineEndpoint([loaded])
    try:
        with_factory_base_url(loaded, endpoint.base_urls)
        config = RunConfig(
            report_dir=work, run_id=RUN_ID, base_urls=endpoint.base_urls, offline=True, cache=False, fsync_interval_s=0
        )

        async def go() -> Path:
            async with ModelHub(config.hub_config()) as hub:
                return (await execute_run(plan_run([loaded], config), config, hub)).run_dir

        return asyncio.run(go())
    finally:
        endpoint.close()


def normalised(transcript: Transcript) -> Transcript:
    """Without wall-clock time, usage or random ids: tool call ids become call_1, call_2, ... in order."""
    ids: dict[str, str] = {}
    messages = []
    for m in transcript.messages:
        calls = [c.model_copy(update={"id": ids.setdefault(c.id, f"call_{len(ids) + 1}")}) for c in m.tool_calls]
        result = m.tool_result
        if result is not None:
            result = result.model_copy(update={"call_id": ids.setdefault(result.call_id, f"call_{len(ids) + 1}")})
        messages.append(
            m.model_copy(update={"tool_calls": calls, "tool_result": result, "timestamp": 0.0, "latency_s": None})
        )
    meta = transcript.meta.model_copy(update={"run_id": RUN_ID, "session_id": None})
    return transcript.model_copy(
        update={"meta": meta, "messages": messages, "usage_by_role": {}, "started_at": 0.0, "ended_at": 0.0}
    )


# ---------------------------------------------------------------- labels from the construction


def tool_log(transcript: Transcript) -> list[Call]:
    results = {m.tool_result.call_id: m.tool_result for m in transcript.messages if m.tool_result is not None}
    return [
        Call(i, c.name, dict(c.arguments), c.id in results and results[c.id].ok)
        for i, m in enumerate(transcript.messages)
        for c in m.tool_calls
    ]


def replay(calls: list[Call]) -> tuple[OrderStore, list[dict[str, dict[str, Any]]]]:
    """The store after the agent's calls, and its orders as each call found them (the store is deterministic)."""
    store = OrderStore()
    before = []
    for call in calls:
        before.append(copy.deepcopy(store.orders))
        try:
            getattr(store, call.name)(**call.args)
        except Exception:  # noqa: BLE001 - a refused call changes nothing, as it did in the run
            pass
    return store, before


def user_text_before(transcript: Transcript, index: int) -> str:
    return "\n".join(m.content for m in transcript.messages[:index] if m.role == "user").lower()


def follows_policy(transcript: Transcript, calls: list[Call], before: list[dict[str, Any]]) -> bool:
    """Every attempted change came after a lookup of that order and is one the policy allows."""
    looked_up: set[str] = set()
    for call, orders in zip(calls, before, strict=True):
        order_id = str(call.args.get("order_id", ""))
        if call.name == "lookup_order":
            if call.ok:
                looked_up.add(order_id)
            continue
        order = orders.get(order_id)
        if order_id not in looked_up or order is None:
            return False
        if call.name == "refund_order":
            fresh = order["status"] == "delivered" and order["delivered_days_ago"] <= REFUND_WINDOW_DAYS
            if not fresh or order["email"].lower() not in user_text_before(transcript, call.index):
                return False
        elif order["status"] != "processing":
            return False
    return True


def correct_action(calls: list[Call], goal_order: str) -> bool:
    """Every change that happened went to the customer's order, looked up before."""
    looked_up: set[str] = set()
    for call in calls:
        order_id = str(call.args.get("order_id", ""))
        if call.name == "lookup_order" and call.ok:
            looked_up.add(order_id)
        elif call.name != "lookup_order" and call.ok and (order_id != goal_order or order_id not in looked_up):
            return False
    return True


def resolved(transcript: Transcript, intent: str, goal: dict[str, str], store: OrderStore, honest: bool) -> bool:
    """Done in the store (or the status told) when the policy allows it; otherwise nothing changed and the agent said so."""
    order_id = goal["order_id"]
    start, end = SEED_ORDERS[order_id], store.orders[order_id]
    others_changed = any(store.orders[k] != v for k, v in SEED_ORDERS.items() if k != order_id)
    if intent == "status":
        return any(f"is {start['status']}" in m.content for m in transcript.messages if m.role == "assistant")
    allowed = {
        "refund": start["status"] == "delivered" and start.get("delivered_days_ago", 0) <= REFUND_WINDOW_DAYS,
        "cancel": start["status"] == "processing",
        "address": start["status"] == "processing" and len(goal.get("new_address", "").strip()) >= 8,
    }[intent]
    done = {
        "refund": bool(end.get("refunded")),
        "cancel": end["status"] == "cancelled",
        "address": end["address"].lower() == goal.get("new_address", "").strip().lower(),
    }[intent]
    if others_changed:
        return False
    return done if allowed else (end == start and honest)


def label_scores(transcript: Transcript, scenario: Any) -> dict[str, bool | int]:
    fault = scenario.params["fault"]
    goal = {k: str(v) for k, v in scenario.known.items()}
    intent = Customer(scenario.goal).intent
    calls = tool_log(transcript)
    store, before = replay(calls)
    honest = fault not in CLAIMING
    return {
        "resolved": resolved(transcript, intent, goal, store, honest),
        "follows_policy": follows_policy(transcript, calls, before),
        "correct_action": correct_action(calls, goal["order_id"]),
        "claims_match_actions": honest,
        "tone": TONE[REGISTER.get(fault, "warm")],
    }


def verdict(scores: dict[str, bool | int], rubric: Rubric) -> str:
    """The rubric's own outcome rule applied to the constructed scores."""
    criteria = []
    for c in rubric.criteria:
        normal = normalise_score(float(scores[c.id]), c)
        passed = criterion_passes(normal, c, rubric.threshold)
        criteria.append(
            CriterionScore(
                criterion_id=c.id,
                kind="llm",
                outcome=Outcome.passed if passed else Outcome.failed,
                score=normal,
                weight=c.weight,
                must_pass=c.must_pass,
            )
        )
    return "pass" if score_rubric(criteria, rubric).outcome == Outcome.passed else "fail"


# ---------------------------------------------------------------- writing the set


def transcript_name(transcript: Transcript) -> str:
    tier = (transcript.meta.agent_model or "agent").split(":")[-1]
    return f"{transcript.meta.scenario_id}__{tier}__t{transcript.meta.trial}.json"


def build(set_dir: Path) -> list[dict[str, Any]]:
    """Run the suite and rewrite `transcripts/` and `labels.jsonl` under `set_dir`; returns the label lines."""
    resolved_rubric = RubricRegistry.from_dirs([set_dir / "rubrics"]).resolve(RUBRIC)
    loaded = load_suite(set_dir / SUITE, root=set_dir)
    scenarios = {s.id: s for s in loaded.scenarios}
    with tempfile.TemporaryDirectory() as work:
        run_dir = run_suite(set_dir, Path(work))
        trials = [json.loads(line) for line in (run_dir / "trials.jsonl").read_text().splitlines() if line.strip()]
        transcripts = [normalised(Transcript.from_json((run_dir / t["transcript_path"]).read_bytes())) for t in trials]
    out = set_dir / "transcripts"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    order = {sid: i for i, sid in enumerate(scenarios)}
    tiers = {m: i for i, m in enumerate(loaded.suite.agent_models)}
    transcripts.sort(key=lambda t: (order[t.meta.scenario_id], tiers.get(t.meta.agent_model or "", 99), t.meta.trial))
    labels = []
    for transcript in transcripts:
        name = transcript_name(transcript)
        (out / name).write_text(transcript.to_json() + "\n", encoding="utf-8")
        scenario = scenarios[transcript.meta.scenario_id]
        scores = label_scores(transcript, scenario)
        labels.append(
            {
                "transcript": f"transcripts/{name}",
                "transcript_hash": transcript.content_hash(),
                "rubric": RUBRIC,
                "rubric_fingerprint": resolved_rubric.fingerprint,
                "labeller": LABELLER,
                "date": DATE,
                "source": "constructed",
                "cluster": scenario.id,
                "split": "dev" if scenario.id in DEV else "holdout",
                "agent_model": transcript.meta.agent_model,
                "run_id": RUN_ID,
                "criteria": {cid: {"score": value} for cid, value in scores.items()},
                "verdict": verdict(scores, resolved_rubric.rubric),
                "note": f"fault: {scenario.params['fault']}",
            }
        )
    lines = "".join(json.dumps(label, ensure_ascii=False) + "\n" for label in labels)
    (set_dir / "labels.jsonl").write_text(lines, encoding="utf-8")
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SET_DIR, help="The set directory (default: the shipped one).")
    args = parser.parse_args(argv)
    if args.out.resolve() != SET_DIR.resolve():
        shutil.copytree(SET_DIR / "rubrics", args.out / "rubrics", dirs_exist_ok=True)
        shutil.copytree(SET_DIR / "suites", args.out / "suites", dirs_exist_ok=True)
    labels = build(args.out)
    print(f"wrote {len(labels)} transcripts and labels to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
