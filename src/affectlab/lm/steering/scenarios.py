"""SEV-style controlled prompts: neutral scenarios, valenced events, emotion from the system prompt.

The design follows the SEV (Scenario-Event with Valence) set of Wang et al. 2025, "Do LLMs Feel?
Emotion Circuits", but the scenarios here are written for affectlab. Each skeleton is a neutral,
first-person setting ("I applied for a transfer to the Lisbon office three months ago.") plus three
parallel one-sentence events: a positive, a neutral and a negative outcome. Neither the setting
nor the events contain an emotion word (checked against the ontology vocabulary, see
`check_scenarios`), so the text itself carries content and valence but never names an emotion.

The emotion is elicited by the system prompt alone ("Always reply in {emotion}."). All items of
one (scenario, valence) group therefore share the same user text and differ only in the requested
emotion, so activation differences between emotions inside a group isolate emotion from content.
Train/test splits hold out whole skeletons (stratified by theme), never single items, so a probe
cannot pass the test by recognising a scenario it has seen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

EMOTIONS = ("anger", "sadness", "happiness", "fear", "surprise", "disgust")
VALENCES = ("positive", "neutral", "negative")

EMOTION_SYSTEM = "Always reply in {emotion}.\nKeep the reply to at most two sentences."
NEUTRAL_SYSTEM = "Keep the reply to at most two sentences."

#: How an emotion is elicited: by the system prompt (as the paper), or by the opening of the
#: model's own reply ("prefill": the reply already begins in that emotion, neutral system prompt).
ELICITATIONS = ("system", "prefill")

#: Reply openers for prefill elicitation, three per emotion, used in turn across scenarios so no
#: single wording defines an emotion. Written for affectlab.
EMOTION_OPENERS: dict[str, tuple[str, ...]] = {
    "anger": ("That makes me absolutely furious.", "Honestly, this is outrageous and I am livid.",
              "Ugh, this makes my blood boil with rage."),
    "sadness": ("That is so sad, it breaks my heart.", "Oh, this makes me feel so sad and low.",
                "I feel deeply sorrowful hearing this."),
    "happiness": ("That is wonderful, I am so happy.", "Oh, what a joy, this makes me so glad.",
                  "Yay, this is delightful news and I am thrilled."),
    "fear": ("Oh no, that is terrifying and I am scared.", "This frightens me, I feel so afraid.",
             "I am trembling, this is really scary."),
    "surprise": ("Wow, I did not see that coming at all.", "Whoa, that is truly astonishing.",
                 "No way, what a shock, I am amazed."),
    "disgust": ("Ew, that is absolutely disgusting.", "Yuck, that is revolting and gross.",
                "That is vile, it makes me feel sick."),
}

_DATA_PACKAGE = "affectlab.lm"
_DATA_FILE = "data/sev_scenarios.json"
_SCENARIO_KEYS = ("id", "theme", "setting", "events")
_WORD = re.compile(r"[a-z]+")

# Common emotion words and inflections that the ontology vocabulary may not hold; together with
# the vocabulary and node names these are the words a scenario must never contain.
_EXTRA_EMOTION_WORDS = """
happy happily happier happiest happiness unhappy unhappily sad sadly sadder sadness angry
angrily anger angered afraid scared scary scare fear feared fearful fearing worried worry
worries worrying excited exciting excitement upset glad gladly love loved loves loving lovely
hate hated hates hating hatred disappointed disappointing disappointment thrilled thrilling
nervous nervously proud proudly pride furious furiously disgusted disgusting disgust surprised
surprise surprising surprisingly shocked shock shocking delighted delight delightful anxious
anxiously anxiety lonely loneliness joy joyful cheerful cheer cheered grateful gratefully
gratitude thankful thankfully relieved relief hopeful hopefully hope hoped hopeless calm
relaxed tense stressed frustrated frustrating frustration annoyed annoying irritated bored
boring boredom confused embarrassed embarrassing ashamed shame guilty guilt jealous envious
envy terrified terrifying frightened horrified horrible awful terrible terribly wonderful
miserable depressed gloomy bitter resentful outraged enraged livid panicked panic startled
astonished amazed amazing stunned appalled sickened revolted content satisfied pleased
pleasant unpleasant enjoyed enjoy sorry regret regretted grief grieving heartbroken mourning
cry cried crying tears laugh laughed laughing smile smiled smiling emotion emotions emotional
feel feels feeling feelings felt mood moody fortunately unfortunately luckily unluckily eager
eagerly ecstatic elated euphoric dread dreaded dreading uneasy apprehensive optimistic
pessimistic sympathy pity curious curiosity awe fantastic
"""


def emotion_system(emotion: str) -> str:
    """The system prompt that asks for `emotion`; only the six names of EMOTIONS are accepted."""
    if emotion not in EMOTIONS:
        raise ValueError(f"unknown emotion {emotion!r}; known emotions: {', '.join(EMOTIONS)}")
    return EMOTION_SYSTEM.format(emotion=emotion)


def _check_valence(valence: str) -> None:
    if valence not in VALENCES:
        raise ValueError(f"unknown valence {valence!r}; known valences: {', '.join(VALENCES)}")


@dataclass(frozen=True)
class Scenario:
    """One skeleton: a neutral setting and one event per valence (read-only)."""

    id: str
    theme: str
    setting: str
    events: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", MappingProxyType(dict(self.events)))

    def prompt(self, valence: str) -> str:
        """The user text for `valence`: the setting followed by that event."""
        _check_valence(valence)
        return f"{self.setting} {self.events[valence]}"


@dataclass(frozen=True)
class SevItem:
    """One prompt: a (scenario, valence) user text under an emotion (or neutral) system prompt."""

    scenario_id: str
    theme: str
    valence: str
    emotion: str | None
    user: str
    system: str
    prefill: str = ""  # the start of the reply, read after the generation prompt (or "")


# --- loading and validation --------------------------------------------------------------------


def _read_text(path: str | Path | None) -> tuple[str, str]:
    if path is not None:
        return Path(path).read_text(encoding="utf-8"), str(path)
    return (resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8"),
            f"{_DATA_PACKAGE}/{_DATA_FILE}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected non-empty text, got {value!r}")
    return value.strip()


def _parse_scenario(entry: Any, index: int, source: str) -> Scenario:
    where = f"{source}: scenario #{index}"
    if not isinstance(entry, dict):  # a malformed data file is a ValueError, not a TypeError
        raise ValueError(f"{where}: expected an object, got {type(entry).__name__}")  # noqa: TRY004
    missing = [k for k in _SCENARIO_KEYS if k not in entry]
    if missing:
        raise ValueError(f"{where} ({entry.get('id', 'no id')}): missing keys {missing}")
    sid = _text(entry["id"], f"{where}: id")
    where = f"{source}: scenario {sid!r}"
    events = entry["events"]
    if not isinstance(events, dict) or set(events) != set(VALENCES):
        got = sorted(events) if isinstance(events, dict) else type(events).__name__
        raise ValueError(f"{where}: events must be an object with exactly the keys "
                         f"{list(VALENCES)}, got {got}")
    return Scenario(
        id=sid,
        theme=_text(entry["theme"], f"{where}: theme"),
        setting=_text(entry["setting"], f"{where}: setting"),
        events={v: _text(events[v], f"{where}: events.{v}") for v in VALENCES},
    )


def load_scenarios(path: str | Path | None = None) -> list[Scenario]:
    """The SEV skeletons, from the packaged JSON or from `path`, validated (ValueError if not)."""
    raw, source = _read_text(path)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or "scenarios" not in data:
        raise ValueError(f"{source}: expected an object with a 'scenarios' list")
    entries = data["scenarios"]
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: 'scenarios' must be a non-empty list")
    scenarios = [_parse_scenario(e, i, source) for i, e in enumerate(entries)]
    seen: set[str] = set()
    duplicates = sorted({s.id for s in scenarios if s.id in seen or seen.add(s.id)})
    if duplicates:
        raise ValueError(f"{source}: duplicate scenario ids {duplicates}")
    return scenarios


# --- splits and items ----------------------------------------------------------------------------


def split_scenarios(scenarios: Sequence[Scenario], test_fraction: float = 0.2,
                    seed: int = 0) -> tuple[list[Scenario], list[Scenario]]:
    """Hold out whole skeletons, stratified by theme: round(test_fraction * n) per theme, >= 1.

    Deterministic given `seed`; both lists keep the input order.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    by_theme: dict[str, list[int]] = {}
    for i, s in enumerate(scenarios):
        by_theme.setdefault(s.theme, []).append(i)
    rng = np.random.default_rng(seed)
    test_idx: set[int] = set()
    for theme in sorted(by_theme):
        idx = by_theme[theme]
        n_test = max(1, round(test_fraction * len(idx)))
        if n_test >= len(idx):
            raise ValueError(f"theme {theme!r} has {len(idx)} scenario(s): too few to hold "
                             f"out {n_test} and keep one for training")
        test_idx.update(idx[j] for j in rng.permutation(len(idx))[:n_test])
    train = [s for i, s in enumerate(scenarios) if i not in test_idx]
    test = [s for i, s in enumerate(scenarios) if i in test_idx]
    return train, test


def build_items(scenarios: Iterable[Scenario], emotions: Sequence[str] | None = EMOTIONS,
                valences: Sequence[str] = VALENCES, *,
                system: str | None = None, elicitation: str = "system") -> list[SevItem]:
    """One item per (scenario, valence, emotion), in that nesting order.

    With `emotions=None`, one item per (scenario, valence) with `emotion=None` and the neutral
    system prompt (or `system`). With emotions, `system` (if given) is a template with
    "{emotion}" replacing EMOTION_SYSTEM; without it only the names in EMOTIONS are accepted.
    With ``elicitation="prefill"`` the system prompt is neutral (or `system`, used as it is, not
    as a template) and each item's reply begins with one of the emotion's EMOTION_OPENERS (taken
    in turn by scenario).
    """
    for v in valences:
        _check_valence(v)
    if elicitation not in ELICITATIONS:
        raise ValueError(f"unknown elicitation {elicitation!r}; choose from "
                         f"{', '.join(ELICITATIONS)}")
    if elicitation == "prefill" and emotions is not None:
        unknown = [e for e in emotions if e not in EMOTION_OPENERS]
        if unknown:
            raise ValueError(f"no reply openers for {unknown}; known emotions: "
                             f"{', '.join(EMOTION_OPENERS)}")
        items_p: list[SevItem] = []
        for k, s in enumerate(scenarios):
            for v in valences:
                items_p.extend(SevItem(s.id, s.theme, v, e, s.prompt(v),
                                       NEUTRAL_SYSTEM if system is None else system,
                                       EMOTION_OPENERS[e][k % len(EMOTION_OPENERS[e])])
                               for e in emotions)
        return items_p
    if emotions is not None:
        systems = {e: (system.format(emotion=e) if system is not None else emotion_system(e))
                   for e in emotions}
    items: list[SevItem] = []
    for s in scenarios:
        for v in valences:
            user = s.prompt(v)
            if emotions is None:
                items.append(SevItem(s.id, s.theme, v, None, user,
                                     NEUTRAL_SYSTEM if system is None else system))
                continue
            items.extend(SevItem(s.id, s.theme, v, e, user, systems[e]) for e in emotions)
    return items


# --- emotion words -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def emotion_words() -> frozenset[str]:
    """Lower-cased emotion words: ontology vocabulary and node names plus a hand-written list."""
    from affectlab import ontology

    vocab = json.loads(resources.files("affectlab.ontology")
                       .joinpath("data/vocabulary.json").read_text(encoding="utf-8"))
    words: set[str] = set()
    for entries in vocab["nodes"].values():
        for word, _score in entries:
            words.update(_WORD.findall(word.lower()))
    for name in ontology.load().nodes:
        if name != ontology.NEUTRAL:
            words.update(_WORD.findall(name.lower()))
    words.update(_EXTRA_EMOTION_WORDS.split())
    return frozenset(words)


def _candidates(token: str) -> set[str]:
    """A token and its simple de-inflections (-s, -es, -ed, -d, -ing, -ly, -ily, -ied, -ies)."""
    out = {token}
    for suffix in ("s", "es", "ed", "d", "ing", "ly"):
        if suffix == "d" and not token.endswith("ed"):
            continue  # loved -> love, but fund is not fun + d
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            stem = token[: -len(suffix)]
            out.add(stem)
            if suffix in ("ed", "ing"):
                out.add(stem + "e")  # hating -> hate
                if len(stem) > 3 and stem[-1] == stem[-2]:
                    out.add(stem[:-1])  # upsetting -> upset
    for suffix in ("ily", "ied", "ies", "iness"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 2:
            out.add(token[: -len(suffix)] + "y")  # angrily -> angry, worried -> worry
    return out


def find_emotion_words(text: str) -> list[str]:
    """The words of `text` (lower-cased) that are emotion words or simple inflections of one."""
    words = emotion_words()
    return [tok for tok in _WORD.findall(text.lower()) if _candidates(tok) & words]


def check_scenarios(scenarios: Iterable[Scenario]) -> None:
    """Raise ValueError listing every (id, field, word) where a scenario uses an emotion word."""
    hits: list[tuple[str, str, str]] = []
    for s in scenarios:
        fields = {"theme": s.theme, "setting": s.setting,
                  **{f"events.{v}": t for v, t in s.events.items()}}
        hits.extend((s.id, name, w) for name, text in fields.items()
                    for w in find_emotion_words(text))
    if hits:
        listing = "; ".join(f"{sid} {name}: {word!r}" for sid, name, word in hits)
        raise ValueError(f"{len(hits)} emotion word(s) in scenarios: {listing}")
