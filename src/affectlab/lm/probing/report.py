"""The probe study of one model on one data set: layer sweeps (raw and chat input), the
zero-shot baseline on the same test rows, figures and a JSON report written atomically."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from affectlab.core.files import write_json
from affectlab.lm.model.language_model import LanguageModel
from affectlab.lm.probing.probe_data import ProbeSet
from affectlab.lm.probing.sweep import SweepResult, layer_sweep, sweep_inputs

INPUTS = ("raw", "chat")


def remap_probe_set(probe_set: ProbeSet, scheme: str | None) -> ProbeSet:
    """The set in another label scheme through the ontology; rows that do not map to exactly one
    label of `scheme` are dropped."""
    from affectlab.ontology import get_scheme, map_label

    if scheme is None:
        return probe_set
    target = get_scheme(scheme)
    if target.name == get_scheme(probe_set.scheme).name:
        return probe_set
    table = {label: map_label(label, probe_set.scheme, target.name)
             for label in probe_set.labels}
    one = {k: v[0] for k, v in table.items() if len(v) == 1}
    if len(set(one.values())) < 2:
        raise ValueError(f"{probe_set.name} ({probe_set.scheme}) does not map onto {scheme}: "
                         f"mapping {table}")

    def keep(texts: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
        pairs = [(t, one[y]) for t, y in zip(texts, labels, strict=True) if y in one]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    tr = keep(probe_set.train_texts, probe_set.train_labels)
    te = keep(probe_set.test_texts, probe_set.test_labels)
    labels = tuple(x for x in target.labels if x in set(one.values()))
    return ProbeSet(probe_set.name, target.name, labels, tr[0], tr[1], te[0], te[1],
                    f"{probe_set.source}; labels mapped {probe_set.scheme}->{target.name}")


def probe_study(lm: LanguageModel, probe_set: ProbeSet, out_dir: str | os.PathLike[str], *,
                probe: str = "linear", probe_params: dict[str, Any] | None = None,
                inputs: Sequence[str] = INPUTS, zero_shot: bool = True, seed: int = 0,
                batch_size: int = 32, cache: bool = True, progress: bool = True,
                plots: bool = True) -> dict[str, Any]:
    """Sweep every layer for each input format, run zero-shot on the same test rows, save all."""
    from affectlab.lm.probing import plots as figures

    bad = [i for i in inputs if i not in INPUTS]
    if bad or not inputs:
        raise ValueError(f"inputs must be among {INPUTS}, got {list(inputs)}")
    out = Path(out_dir)
    started = time.perf_counter()
    results: dict[str, SweepResult] = {}
    test_rows: tuple[list[str], list[str]] | None = None
    for name in inputs:
        data = sweep_inputs(lm, probe_set, chat=name == "chat", seed=seed,
                            batch_size=batch_size, cache=cache, progress=progress)
        test_rows = (data.test_texts, data.y_test)
        results[name] = layer_sweep(lm, probe_set, probe=probe, chat=name == "chat", seed=seed,
                                    progress=progress, probe_params=probe_params, inputs=data)
    report: dict[str, Any] = {
        "model": lm.name, "dataset": probe_set.name, "scheme": probe_set.scheme,
        "labels": list(probe_set.labels), "probe": probe, "probe_params": probe_params or {},
        "source": probe_set.source, "seed": seed,
        "n_train": results[inputs[0]].n_train, "n_test": results[inputs[0]].n_test,
        "chance": 1.0 / len(probe_set.labels),
        "inputs": {k: v.to_dict() for k, v in results.items()},
    }
    best = max(results.values(), key=lambda r: r.peak.accuracy)
    report["peak"] = {"input": best.input, "layer": best.peak.layer,
                      "depth": best.peak.depth, "accuracy": best.peak.accuracy,
                      "macro_f1": best.peak.macro_f1}
    if zero_shot and test_rows is not None:
        from affectlab.lm.probing.zeroshot import zero_shot as run_zero_shot

        zs = run_zero_shot(lm, test_rows[0], list(probe_set.labels), chat=lm.has_chat_template,
                           batch_size=max(1, batch_size // 2), progress=progress)
        report["zero_shot"] = zs.score(test_rows[1])
    report["seconds"] = round(time.perf_counter() - started, 1)
    if plots:
        files = {"layer_curve": str(figures.plot_layer_curves(
            list(results.values()), out / "layer_curve.png",
            zero_shot=report.get("zero_shot", {}).get("accuracy")))}
        for name, res in results.items():
            files[f"pca_{name}"] = str(figures.plot_probe_pca(res, out / f"pca_{name}.png"))
            files[f"confusion_{name}"] = str(figures.plot_confusion(
                res, out / f"confusion_{name}.png"))
        report["plots"] = files
    report["report"] = str(write_json(report, out / "probe.json"))
    return report
