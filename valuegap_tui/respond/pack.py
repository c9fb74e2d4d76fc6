"""Questionnaire packs for respondents elsewhere, and importing their answer files.

A pack holds what one respondent is asked and in which order, and nothing else: no answers, no
other respondent, no model output. Its hash (over everything in it) is stored in the study when it
is written; an answer file carries its pack, so on import a file whose pack was changed, or whose
pack was written by another study or for another respondent, does not match and is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from pathlib import Path

from valuegap_tui.plan.items import LETTERS
from valuegap_tui.evaluate.questions import SCORES
from valuegap_tui.limits import LimitError, parse_json, read_bytes
from valuegap_tui.personas import BASELINE_ID
from valuegap_tui.respond.questionnaire import (RespondError, build_questions, check_name, check_respondent,
                                                consent_text, plan_conflict_message, resolve_plan,
                                                stored_plan, text_hash)
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.settings import current_limits
from valuegap_tui.store.db import Study

PACK_FORMAT = "valuegap-questionnaire"
ANSWERS_FORMAT = "valuegap-answers"
STUDY_ID_KEY = "study.uuid"


def study_id(study: Study) -> str:
    """A random id the study keeps for ever, so a pack names the study it came from."""
    found = study.get_meta(STUDY_ID_KEY)
    if not found:
        found = secrets.token_hex(16)
        study.set_meta(STUDY_ID_KEY, found)
    return found


def content_hash(pack: dict) -> str:
    body = {k: v for k, v in pack.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
                          ).hexdigest()


def make_pack(study: Study, run_id: int, name: str, *, persona_id: str = BASELINE_ID, repeats: int = 1,
              time_limit_s: float | None = None, questions: int | None = None, overlap: int | None = None,
              scale_order: str | None = None, consent: str | None = None) -> dict:
    """The questionnaire of one respondent (registered in the run, with the pack's hash)."""
    plan = resolve_plan(study, run_id, questions=questions, overlap=overlap, scale_order=scale_order)
    check_respondent(study, run_id, name, persona_id, repeats)  # refused: nothing is stored
    try:
        respondent = respondent_store.register(study, run_id, name, persona_id, repeats, time_limit_s,
                                               stored_plan(plan))
    except respondent_store.PlanConflict as exc:
        raise RespondError(plan_conflict_message(run_id, exc)) from None
    asked = build_questions(study, run_id, name, persona_id, repeats, slot=respondent.share_slot, plan=plan)
    run = run_store.get_run(study, run_id)
    consent = consent if consent is not None else consent_text(study)
    pack = {
        "format": PACK_FORMAT, "version": 2, "study": study_id(study), "run_id": run_id,
        "run_config_hash": run.config_hash, "respondent": name, "persona_id": persona_id, "repeats": repeats,
        "time_limit_s": time_limit_s, "scale_order": plan.scale_order, "consent": consent,
        "consent_hash": text_hash(consent), "questions": [q.to_record() for q in asked],
    }
    pack["hash"] = content_hash(pack)
    respondent_store.set_pack_hash(study, run_id, name, pack["hash"])
    return pack


def write_json(path: Path, data: dict) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _load(path: Path, what: str) -> dict:
    limits = current_limits()
    try:
        data = parse_json(read_bytes(Path(path), limits), limits)
    except FileNotFoundError:
        raise RespondError(f"{path}: no such file") from None
    except LimitError as exc:
        raise RespondError(f"{path}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise RespondError(f"{path} is not a valuegap {what} file ({exc}): give the file"
                           f" `valuegap respond {'pack' if what == 'questionnaire' else 'answer'}` wrote") from None
    if not isinstance(data, dict):
        raise RespondError(f"{path} is not a valuegap {what} file")
    return data


def check_pack(pack: object, source: Path) -> dict:
    """The pack if it is whole and unchanged since it was written, else RespondError."""
    if not isinstance(pack, dict) or pack.get("format") != PACK_FORMAT:
        raise RespondError(f"{source} holds no valuegap questionnaire: give the file `valuegap respond pack` wrote")
    if pack.get("hash") != content_hash(pack):
        raise RespondError(f"{source}: the questionnaire in it was changed after it was written (its hash does not"
                           " match); ask the respondent for the file as the app wrote it, or pack again")
    try:
        check_name(pack["respondent"])
        whole = all(isinstance(q["text"], str) and isinstance(q["options"], list) and len(q["options"]) == len(LETTERS)
                    and sorted(str(q["permutation"])) == sorted("012345") and q["question"] in (0, 1)
                    and isinstance(q["repeat"], int) and isinstance(q["dilemma_id"], str) for q in pack["questions"])
        if not whole or not isinstance(pack["consent"], str) or pack.get("scale_order", "shuffled") not in (
                "shuffled", "fixed"):
            raise RespondError("incomplete")
    except (KeyError, TypeError, RespondError):
        raise RespondError(f"{source}: the questionnaire is incomplete; pack it again") from None
    return pack


def read_pack(path: Path) -> dict:
    return check_pack(_load(path, "questionnaire"), Path(path))


def read_answer_file(path: Path) -> dict:
    data = _load(path, "answer")
    if data.get("format") != ANSWERS_FORMAT or not isinstance(data.get("answers"), list):
        raise RespondError(f"{path} is not a valuegap answer file: give the file `valuegap respond answer` wrote")
    check_pack(data.get("pack"), Path(path))
    return data


def _given(pack: dict, answers: list, source: Path) -> list[respondent_store.GivenAnswer]:
    questions = {f"{q['dilemma_id']}/{q['question']}/{q['repeat']}": q for q in pack["questions"]}
    places = {key: place for place, key in enumerate(questions)}
    seen, given = set(), []
    for index, a in enumerate(answers, 1):
        key = a.get("key") if isinstance(a, dict) else None
        if key not in questions:
            raise RespondError(f"{source}: answer {index} is to no question of the questionnaire; nothing imported")
        if key in seen:
            raise RespondError(f"{source}: question {key} is answered twice; nothing imported")
        seen.add(key)
        position, seconds = a.get("position"), a.get("seconds")
        if position is not None and (not isinstance(position, int) or isinstance(position, bool)
                                     or not 0 <= position < len(LETTERS)):
            raise RespondError(f"{source}: answer {index} has letter position {position!r} (0-5 expected);"
                               " nothing imported")
        if position is None and pack.get("time_limit_s") is None:
            raise RespondError(f"{source}: answer {index} has no letter, and the questionnaire has no time limit;"
                               " nothing imported")
        if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool)
                                    or not math.isfinite(seconds) or seconds < 0):
            raise RespondError(f"{source}: answer {index} took {seconds!r} seconds; nothing imported")
        q = questions[key]
        given.append(respondent_store.GivenAnswer(q["dilemma_id"], int(q["question"]), int(q["repeat"]),
                                                  q["permutation"], position, seconds,
                                                  a.get("at") if isinstance(a.get("at"), str) else None,
                                                  places[key]))
    return given


def import_answers(study: Study, path: Path) -> tuple[str, int, int]:
    """Bring an answer file into the study, all or nothing; returns (respondent, new, already there)."""
    data = read_answer_file(path)
    pack = data["pack"]
    if pack.get("study") != study.get_meta(STUDY_ID_KEY):
        raise RespondError(f"{path} answers a questionnaire of another study, not {study.path}; nothing imported")
    respondent = respondent_store.get(study, pack.get("run_id"), pack["respondent"])
    if respondent is None or respondent.pack_hash != pack["hash"]:
        raise RespondError(f"{path} answers a questionnaire this study did not pack for {pack['respondent']!r} in"
                           f" run {pack.get('run_id')} (or a newer pack replaced it); nothing imported")
    given = _given(pack, data["answers"], Path(path))
    try:
        new = respondent_store.store_answers(study, respondent, given, scores=SCORES, channel="file",
                                             scale_order=str(pack.get("scale_order", "shuffled")))
    except ValueError as exc:
        raise RespondError(f"{path}: {exc}; nothing imported") from None
    if data.get("consented_at") and isinstance(data["consented_at"], str):
        respondent_store.record_consent(study, respondent.run_id, respondent.name, pack["consent_hash"],
                                        data["consented_at"])
    return respondent.name, new, len(given) - new
