"""Sequential mode on a live ICE run: a target stops being asked once its verdict is decided."""

from __future__ import annotations

import json

from doubles.scripted import ScriptedServer

REPLIES = {
    "claimer": "I am ChatGPT, a model made by OpenAI.",
    "quiet": "I am a helpful assistant; I would rather talk about your question.",
    "zeta": "I am Zeta, built by Zeta Labs in Oslo.",
    "plainbot": "I'm just a plain assistant. How can I help?",
    "kite": "My name is Kite and I was trained by the Kite Collective.",
}


def reply(messages, payload):
    return REPLIES[payload["model"]]


def test_a_claimer_stops_in_one_iteration_and_a_quiet_model_well_before_the_budget(cli, tmp_path):
    with ScriptedServer(reply) as server:
        spec = f"{server.url}/v1"
        config = tmp_path / "audit.yaml"
        config.write_text(
            f"""reference: {{model: "openai:gpt-4o", label: GPT-4o}}
targets:
  - {{model: "{spec}#claimer", label: claimer, facts: deepseek}}
  - {{model: "{spec}#quiet", label: quiet, facts: deepseek}}
panel:
  - {{model: "{spec}#zeta", label: zeta}}
  - {{model: "{spec}#plainbot", label: plainbot}}
  - {{model: "{spec}#kite", label: kite}}
methods: [ice]
ice: {{budget: 100, languages: [en], per_category: 1}}
verdict: {{sequential: true}}
output: {tmp_path / "out"}
""",
            encoding="utf-8",
        )
        result = cli("audit", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    verdicts = {t["label"]: t for t in json.loads((out / "results.json").read_text())["verdict"]["targets"]}
    assert verdicts["claimer"]["verdict"] == "distilled" and verdicts["claimer"]["queries"] <= 10
    # The sequential test stops asking the quiet model early, but ICE's rates give no share: with no share, the
    # data cannot rule out a material one, so the verdict is inconclusive, never "not distinguishable".
    assert verdicts["quiet"]["verdict"] == "inconclusive" and verdicts["quiet"]["queries"] < 100
    assert verdicts["quiet"]["share"] is None
    ice = {
        t["target"].rsplit("#", 1)[1]: t for t in json.loads((out / "ice" / "ice-results.json").read_text())["targets"]
    }
    assert ice["claimer"]["fuzz"]["stop_reason"] == "sequential: distilled"
    assert ice["quiet"]["fuzz"]["stop_reason"] == "sequential: not distilled"
    assert all(ice[name]["fuzz"]["queries"] == 100 for name in ("zeta", "plainbot", "kite"))  # the panel in full
    assert "queries" in result.stdout.split("Verdict", 1)[1]
