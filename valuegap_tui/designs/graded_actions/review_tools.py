"""The poster's own review tools: blind labels and agreement on them, the second opinion's suggested
fix, dilemmas written by hand, and the curated dataset with its card.

Every change goes through ``store.dilemmas`` (the one item store), so the history records who
changed what; the generic changes (decide, relabel, edit, notes, undo) are ``review/decisions.py``.
"""

from __future__ import annotations

from valuegap_tui.designs.graded_actions.models import AlignmentLabel, Dilemma, DilemmaStatus, describe_label_problems, dilemma_id
from valuegap_tui.review.agreement import GENERATOR, Disagreement, PairAgreement, disagreements, pairwise
from valuegap_tui.review.decisions import ReviewError, revalidated
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import review as review_store
from valuegap_tui.store.db import Study
from valuegap_tui.text import one_line


def _load(study: Study, dilemma_id: str) -> Dilemma:
    dilemma = dilemma_store.get(study, dilemma_id)
    if dilemma is None:
        raise ReviewError(f"no dilemma {dilemma_id!r}")
    return dilemma


def swap_labels(labels: list, option: int, label: AlignmentLabel | None) -> list:
    """Give ``option`` the label; the option that had it takes the option's old label (a swap)."""
    labels = list(labels)
    if label is not None and label in labels:
        other = labels.index(label)
        labels[other] = labels[option]
    labels[option] = label
    return labels


def apply_label_fix(study: Study, dilemma_id: str, *, reviewer: str) -> Dilemma:
    """Give the dilemma the labels its latest label check suggests, as this reviewer's relabel.

    It is a person's decision: saved under the reviewer's name with action "relabel", so ``undo`` takes it
    back like any relabel. Refused when there is no suggestion or the labels changed since the check.
    """
    from valuegap_tui.designs.graded_actions import label_check

    dilemma = _load(study, dilemma_id)
    check = review_store.latest_label_check(study, dilemma_id)
    if check is None or not check.suggested_labels:
        raise ReviewError(f"no suggested fix for {dilemma_id}: its label check found nothing to fix")
    if not label_check.fix_applies(dilemma, check):
        raise ReviewError(f"the labels of {dilemma_id} changed since its label check: check it again")
    record = dilemma.to_record()
    for raw, new in zip(record["options"], check.suggested_labels):
        raw["label"] = new
    record["flags"] = [f for f in record["flags"] if f != label_check.FLAG]
    changed = revalidated(Dilemma, record)
    dilemma_store.save(study, changed, who=reviewer, action="relabel")
    return changed


def add_new(study: Study, dilemma: Dilemma, *, reviewer: str) -> Dilemma:
    """Store a dilemma written by hand; refuses one whose id is taken (nothing is overwritten)."""
    if not dilemma_store.insert_new(study, dilemma, who=reviewer, action="new"):
        raise ReviewError(f"{dilemma.id} exists already: nothing was overwritten")
    return dilemma


def next_variant(study: Study, value: str, topic: str) -> int:
    """The first variant number no dilemma of (value, topic) uses yet."""
    taken = dilemma_store.existing_ids(study)
    variant = 1
    while dilemma_id(value, topic, variant) in taken:
        variant += 1
    return variant


# --- blind labelling ----------------------------------------------------------------------------
def blind_labels(study: Study, dilemma_id: str, reviewer: str) -> list[AlignmentLabel | None]:
    saved = review_store.reviewer_labels(study, dilemma_id, reviewer)
    return list(saved.labels) if saved else [None] * 6


def blind_relabel(study: Study, dilemma_id: str, option: int, label: AlignmentLabel, *, reviewer: str) -> list:
    labels = swap_labels(blind_labels(study, dilemma_id, reviewer), option, label)
    complete = not describe_label_problems(labels)
    review_store.save_reviewer_labels(study, dilemma_id, reviewer, labels, complete=complete)
    return labels


def blind_submit(study: Study, dilemma_id: str, *, reviewer: str) -> list[AlignmentLabel]:
    """Check the reviewer's own labels are one per label (the blind-mode accept)."""
    labels = blind_labels(study, dilemma_id, reviewer)
    problems = describe_label_problems(labels)
    if problems:
        raise ReviewError(f"your labels for {dilemma_id} are not complete: {problems}")
    review_store.save_reviewer_labels(study, dilemma_id, reviewer, labels, complete=True)
    return labels


# --- agreement --------------------------------------------------------------------------------
def collect_ratings(study: Study) -> dict[str, dict[str, list[AlignmentLabel]]]:
    """rater -> dilemma -> labels: every reviewer's complete blind labels, plus the generator's (first stored)."""
    ratings: dict[str, dict[str, list[AlignmentLabel]]] = {}
    for entry in review_store.all_reviewer_labels(study):
        ratings.setdefault(entry.reviewer, {})[entry.dilemma_id] = list(entry.labels)
    if ratings:
        rated = set().union(*(set(per) for per in ratings.values()))
        generator = review_store.first_labels(study)
        ratings[GENERATOR] = {d: [AlignmentLabel(v) for v in generator[d]] for d in rated if d in generator}
    return ratings


def agreement_report(study: Study) -> tuple[list[PairAgreement], list[Disagreement]]:
    ratings = collect_ratings(study)
    return pairwise(ratings), disagreements(ratings)


def format_agreement(pairs: list[PairAgreement]) -> list[str]:
    if not pairs:
        return ["no agreement figures yet: reviewers label dilemmas in blind mode first"]
    lines = []
    for p in pairs:
        kappa = "n/a" if p.kappa is None else f"{p.kappa:.3f}"
        lines.append(
            f"{p.rater_a} vs {p.rater_b}: weighted kappa {kappa}, exact {p.exact:.0%} ({p.dilemmas} dilemmas, {p.items} actions)"
        )
    return lines


# --- export of the curated dataset -----------------------------------------------------------------
def export_dataset(study: Study, out_dir, *, include_all: bool = False) -> dict[str, int]:
    """dataset.jsonl, dataset.csv and README.md (a dataset card) in out_dir; returns counts written."""
    from collections import Counter
    from pathlib import Path

    from valuegap_tui.catalogue import catalogue
    from valuegap_tui.paths import PROMPTS_DIR
    from valuegap_tui.dataset.transfer import write_dilemmas

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    status = None if include_all else DilemmaStatus.ACCEPTED.value
    dilemmas = list(dilemma_store.iter_dilemmas(study, status=status))
    write_dilemmas(dilemmas, out / "dataset.jsonl", "jsonl")
    write_dilemmas(dilemmas, out / "dataset.csv", "csv")
    cat = catalogue()
    by_value = Counter(cat.value(d.value).name for d in dilemmas)
    by_topic = Counter(cat.topic(d.topic).name for d in dilemmas)
    by_status = Counter(d.status.value for d in dilemmas)
    templates = sorted({d.provenance.prompt_template for d in dilemmas if d.provenance.prompt_template})
    pairs, _ = agreement_report(study)
    lines = [
        "# valuegap dilemma dataset", "",
        f"{len(dilemmas)} dilemmas ({'all statuses' if include_all else 'accepted only'}) from study `{study.path.name}`.",
        "Each has a second-person scenario, the Schwartz value at stake and six actions labelled from strongly",
        "aligning to strongly opposing the value. Files: `dataset.jsonl`, `dataset.csv`.", "",
        "## Counts per status", "", *_table(by_status, "Status"), "",
        "## Counts per value", "", *_table(by_value, "Value"), "",
        "## Counts per topic", "", *_table(by_topic, "Topic"), "",
        "## Label agreement", "",
        "Quadratic-weighted Cohen's kappa on the ordinal labels, per pair of raters (blind reviewer labels and",
        "the generator's original labels).", "",
        *[f"- {line}" for line in format_agreement(pairs)], "",
        "## Prompt templates used", "",
    ]
    if not templates:
        lines.append("No generation template is recorded for these dilemmas (imported or written by hand).")
    shipped = {p.name: p for p in PROMPTS_DIR.iterdir() if p.is_file()}
    for name in templates:
        # A template is recorded by its stem (generate_dilemma: its .system.txt and .user.txt parts);
        # only the shipped files are read, whatever an imported record names.
        parts = sorted(f for f in shipped if f == name or f.startswith(f"{name}."))
        lines += [f"### {one_line(name)}", ""]
        if not parts:
            lines += ["(no template of this name ships with this version of valuegap)", ""]
        for part in parts:
            lines += [f"`prompts/{part}`:", "", "```text", shipped[part].read_text(encoding="utf-8").rstrip(), "```", ""]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"dilemmas": len(dilemmas)}


def _table(counts, heading: str) -> list[str]:
    rows = [f"| {heading} | Dilemmas |", "|---|---:|"]
    rows += [f"| {key} | {n} |" for key, n in sorted(counts.items())]
    return rows
