"""SEV scenarios: the packaged set (size, themes, no emotion words), splits, items, validation."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from affectlab.lm.steering.scenarios import (
    EMOTION_SYSTEM,
    EMOTIONS,
    NEUTRAL_SYSTEM,
    VALENCES,
    Scenario,
    SevItem,
    build_items,
    check_scenarios,
    emotion_system,
    emotion_words,
    find_emotion_words,
    load_scenarios,
    split_scenarios,
)


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return load_scenarios()


def _scenario(sid: str = "t-001", theme: str = "t") -> Scenario:
    return Scenario(sid, theme, "I sent a letter.",
                    {"positive": "It won.", "neutral": "It came.", "negative": "It failed."})


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "sev.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _entry(sid: str = "x-001", **overrides: object) -> dict:
    entry = {"id": sid, "theme": "x", "setting": "I sent a letter.",
             "events": {"positive": "It won.", "neutral": "It came.", "negative": "It failed."}}
    entry.update(overrides)
    return entry


# --- the packaged set ----------------------------------------------------------------------------


def test_packaged_set_size_and_themes(scenarios: list[Scenario]) -> None:
    assert len(scenarios) >= 132
    per_theme = Counter(s.theme for s in scenarios)
    assert len(per_theme) >= 11
    assert min(per_theme.values()) >= 12


def test_packaged_ids_unique_and_well_formed(scenarios: list[Scenario]) -> None:
    ids = [s.id for s in scenarios]
    assert len(ids) == len(set(ids))
    for s in scenarios:
        assert s.id.startswith(f"{s.theme}-")
        assert set(s.events) == set(VALENCES)
        # the setting puts the narrator in the first person; events continue that narration
        words = set(re.findall(r"[a-z]+", s.setting.lower()))
        assert words & {"i", "my", "me", "mine", "we", "our", "us"}, (s.id, s.setting)


def test_packaged_meta_matches_scenarios(scenarios: list[Scenario]) -> None:
    from importlib import resources

    meta = json.loads(resources.files("affectlab.lm").joinpath("data/sev_scenarios.json")
                      .read_text(encoding="utf-8"))["meta"]
    assert meta["licence"] == "Apache-2.0, written for affectlab"
    assert meta["valences"] == list(VALENCES)
    assert meta["themes"] == list(dict.fromkeys(s.theme for s in scenarios))


def test_packaged_texts_are_distinct(scenarios: list[Scenario]) -> None:
    for field in ("setting", *VALENCES):
        texts = [s.setting if field == "setting" else s.events[field] for s in scenarios]
        assert len(texts) == len(set(texts)), field
    for s in scenarios:
        assert len(set(s.events.values())) == 3, s.id


def test_packaged_set_has_no_emotion_words(scenarios: list[Scenario]) -> None:
    check_scenarios(scenarios)  # raises, listing every hit, if any text uses an emotion word
    for s in scenarios:
        for v in VALENCES:
            assert find_emotion_words(s.prompt(v)) == [], (s.id, v)


# --- emotion words -------------------------------------------------------------------------------


def test_emotion_words_cover_vocabulary_nodes_and_hand_list() -> None:
    words = emotion_words()
    assert {"happy", "sad", "angry", "afraid", "worried", "upset", "glad"} <= words
    assert {"loving", "heartbroken", "gloomy"} <= words   # ontology vocabulary
    assert {"dread", "remorse", "exasperation"} <= words   # ontology node names
    assert all(w == w.lower() and " " not in w for w in words)
    assert "neutral" not in words


@pytest.mark.parametrize("text, expected", [
    ("She worried all night.", ["worried"]),
    ("He hates the rain.", ["hates"]),
    ("They shouted angrily.", ["angrily"]),
    ("A thrilling, upsetting day", ["thrilling", "upsetting"]),
    ("She cares for the garden and fears storms.", ["cares", "fears"]),
    ("The fund paid for the painted family house.", []),
])
def test_find_emotion_words_catches_inflections(text: str, expected: list[str]) -> None:
    assert find_emotion_words(text) == expected


def test_check_scenarios_lists_every_hit() -> None:
    bad = Scenario("t-002", "t", "I was happy.",
                   {"positive": "It won.", "neutral": "It came.", "negative": "I cried."})
    with pytest.raises(ValueError) as err:
        check_scenarios([_scenario(), bad])
    message = str(err.value)
    assert "2 emotion word(s)" in message
    assert "t-002 setting: 'happy'" in message
    assert "t-002 events.negative: 'cried'" in message
    assert "t-001" not in message


# --- prompts and items ---------------------------------------------------------------------------


def test_emotion_system_text_exact() -> None:
    assert EMOTION_SYSTEM == "Always reply in {emotion}.\nKeep the reply to at most two sentences."
    assert NEUTRAL_SYSTEM == "Keep the reply to at most two sentences."
    assert emotion_system("fear") == "Always reply in fear.\nKeep the reply to at most two sentences."


def test_unknown_emotion_and_valence_raise() -> None:
    with pytest.raises(ValueError, match="known emotions: anger, sadness"):
        emotion_system("joy")
    with pytest.raises(ValueError, match="known valences: positive, neutral, negative"):
        _scenario().prompt("mixed")
    with pytest.raises(ValueError, match="unknown valence"):
        build_items([_scenario()], valences=("positive", "mixed"))
    with pytest.raises(ValueError, match="unknown emotion"):
        build_items([_scenario()], emotions=("anger", "boredom"))


def test_prompt_joins_setting_and_event() -> None:
    assert _scenario().prompt("negative") == "I sent a letter. It failed."


def test_scenario_events_are_read_only() -> None:
    s = _scenario()
    with pytest.raises(TypeError):
        s.events["positive"] = "changed"  # type: ignore[index]


def test_build_items_count_and_order(scenarios: list[Scenario]) -> None:
    subset = scenarios[:4]
    items = build_items(subset)
    assert len(items) == 4 * len(VALENCES) * len(EMOTIONS)
    expected = [(s.id, v, e) for s in subset for v in VALENCES for e in EMOTIONS]
    assert [(i.scenario_id, i.valence, i.emotion) for i in items] == expected
    first = items[0]
    assert first == SevItem(subset[0].id, subset[0].theme, "positive", "anger",
                            subset[0].prompt("positive"), emotion_system("anger"))
    # within one (scenario, valence) group only the emotion (and its system prompt) differs
    group = items[: len(EMOTIONS)]
    assert len({i.user for i in group}) == 1
    assert len({i.system for i in group}) == len(EMOTIONS)


def test_build_items_neutral_and_custom_system() -> None:
    items = build_items([_scenario(), _scenario("t-002")], emotions=None)
    assert len(items) == 2 * len(VALENCES)
    assert all(i.emotion is None and i.system == NEUTRAL_SYSTEM for i in items)
    assert [i.valence for i in items[:3]] == list(VALENCES)
    custom = build_items([_scenario()], emotions=None, valences=("neutral",), system="Be brief.")
    assert [(i.valence, i.system) for i in custom] == [("neutral", "Be brief.")]
    templated = build_items([_scenario()], emotions=("awe",), valences=("positive",),
                            system="Sound like {emotion}.")
    assert templated[0].system == "Sound like awe." and templated[0].emotion == "awe"


# --- splits --------------------------------------------------------------------------------------


def test_split_disjoint_stratified_and_covering(scenarios: list[Scenario]) -> None:
    train, test = split_scenarios(scenarios, test_fraction=0.2, seed=0)
    train_ids, test_ids = {s.id for s in train}, {s.id for s in test}
    assert not train_ids & test_ids
    assert train_ids | test_ids == {s.id for s in scenarios}
    per_theme = Counter(s.theme for s in scenarios)
    test_theme = Counter(s.theme for s in test)
    assert set(test_theme) == set(per_theme)
    for theme, n in per_theme.items():
        assert test_theme[theme] == max(1, round(0.2 * n))


def test_split_deterministic_and_seed_dependent(scenarios: list[Scenario]) -> None:
    a = split_scenarios(scenarios, seed=3)
    b = split_scenarios(scenarios, seed=3)
    c = split_scenarios(scenarios, seed=4)
    assert [s.id for s in a[1]] == [s.id for s in b[1]]
    assert [s.id for s in a[1]] != [s.id for s in c[1]]
    order = [s.id for s in scenarios]
    assert [s.id for s in a[0]] == [i for i in order if i in {s.id for s in a[0]}]


def test_split_small_themes_and_bad_fraction() -> None:
    small = [_scenario(f"a-{i}", "a") for i in range(3)] + [_scenario(f"b-{i}", "b")
                                                            for i in range(2)]
    train, test = split_scenarios(small, test_fraction=0.1)
    assert Counter(s.theme for s in test) == {"a": 1, "b": 1}
    assert len(train) == 3
    with pytest.raises(ValueError, match="test_fraction"):
        split_scenarios(small, test_fraction=1.0)
    with pytest.raises(ValueError, match="too few"):
        split_scenarios([_scenario()], test_fraction=0.2)


# --- loading errors ------------------------------------------------------------------------------


def test_load_from_path(tmp_path: Path) -> None:
    loaded = load_scenarios(_write(tmp_path, {"scenarios": [_entry(), _entry("x-002")]}))
    assert [s.id for s in loaded] == ["x-001", "x-002"]
    assert loaded[0].prompt("positive") == "I sent a letter. It won."


@pytest.mark.parametrize("data, message", [
    ("{not json", "not valid JSON"),
    ({"meta": {}}, "expected an object with a 'scenarios' list"),
    ({"scenarios": []}, "'scenarios' must be a non-empty list"),
    ({"scenarios": ["text"]}, "scenario #0: expected an object"),
    ({"scenarios": [{"id": "x-001", "theme": "x", "events": {}}]},
     r"scenario #0 \(x-001\): missing keys \['setting'\]"),
    ({"scenarios": [_entry(), _entry()]}, r"duplicate scenario ids \['x-001'\]"),
    ({"scenarios": [_entry(setting="  ")]}, "'x-001': setting: expected non-empty text"),
    ({"scenarios": [_entry(events={"positive": "A.", "neutral": "B.", "negative": ""})]},
     "events.negative: expected non-empty text"),
    ({"scenarios": [_entry(events={"positive": "A.", "neutral": "B.", "bad": "C."})]},
     "exactly the keys"),
    ({"scenarios": [_entry(events=["A.", "B.", "C."])]}, "events must be an object.*got list"),
])
def test_load_rejects_malformed(tmp_path: Path, data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_scenarios(_write(tmp_path, data))


def test_prefill_elicitation_opens_the_reply_in_the_emotion():
    from affectlab.lm.steering.scenarios import EMOTION_OPENERS

    scenarios = load_scenarios()[:4]
    got = build_items(scenarios, elicitation="prefill")
    assert len(got) == 4 * 3 * 6
    assert {it.system for it in got} == {NEUTRAL_SYSTEM}
    for it in got:
        assert it.prefill in EMOTION_OPENERS[it.emotion]
    # openers are taken in turn by scenario, so no single wording defines an emotion
    assert len({it.prefill for it in got if it.emotion == "fear"}) == 3
    assert all(it.prefill == "" for it in build_items(scenarios))
    with pytest.raises(ValueError, match="elicitation"):
        build_items(scenarios, elicitation="hypnosis")
    with pytest.raises(ValueError, match="no reply openers"):
        build_items(scenarios, ["ennui"], elicitation="prefill")
