"""Where a person's answers go as they give them: straight into the study, or into an answer file.

Both keep every answer the moment it is given, so quitting loses nothing, and both skip what is
already answered, so starting again resumes where the person stopped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from valuegap_tui.evaluate.questions import SCORES
from valuegap_tui.personas import BASELINE_ID
from valuegap_tui.respond.questionnaire import Question, RespondError, build_questions, check_name, consent_text, text_hash
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store.db import Study, now_iso


class StudyResponder:
    """A person at the researcher's machine: answers are written to the study as they are given."""

    def __init__(self, study: Study, run_id: int, name: str, *, persona_id: str = BASELINE_ID, repeats: int = 1,
                 time_limit_s: float | None = None):
        self.name = check_name(name)
        self.questions = build_questions(study, run_id, name, persona_id, repeats)
        known = respondent_store.get(study, run_id, name)
        if known is not None and (known.persona_id, known.repeats) != (persona_id, repeats):
            raise RespondError(f"{name} already answers run {run_id} as persona {known.persona_id!r} with"
                               f" {known.repeats} round(s): use those, or another name")
        self.study, self.run_id = study, run_id
        self.respondent = respondent_store.register(study, run_id, name, persona_id, repeats, time_limit_s)
        self.time_limit_s = time_limit_s if time_limit_s is not None else self.respondent.time_limit_s
        self.consent = consent_text()

    def consented(self) -> bool:
        return respondent_store.get(self.study, self.run_id, self.name).consented_at is not None

    def agree(self) -> None:
        respondent_store.record_consent(self.study, self.run_id, self.name, text_hash(self.consent))

    def answered_keys(self) -> set[str]:
        return {f"{d}/{q}/{r}" for d, q, r in respondent_store.answered(self.study, self.run_id, self.name)}

    def answer(self, question: Question, position: int | None, seconds: float | None) -> None:
        respondent_store.store_answers(self.study, self.respondent, [respondent_store.GivenAnswer(
            question.dilemma_id, question.question, question.repeat, question.permutation, position, seconds,
            now_iso())], scores=SCORES)


class FileResponder:
    """A person on their own machine, answering a questionnaire pack: answers go to an answer file
    (rewritten whole, atomically, after each answer) that the researcher imports."""

    def __init__(self, pack: dict, answers_path: Path):
        from valuegap_tui.respond.pack import ANSWERS_FORMAT, read_answer_file

        self.pack, self.path = pack, Path(answers_path)
        self.name = pack["respondent"]
        self.questions = [Question.from_record(q) for q in pack["questions"]]
        self.time_limit_s = pack.get("time_limit_s")
        self.consent = pack["consent"]
        if self.path.exists():
            self.state = read_answer_file(self.path)
            if self.state["pack"].get("hash") != pack["hash"]:
                raise RespondError(f"{self.path} holds answers to another questionnaire: give another --answers file")
        else:
            self.state = {"format": ANSWERS_FORMAT, "version": 1, "pack": pack, "consented_at": None, "answers": []}

    def consented(self) -> bool:
        return self.state.get("consented_at") is not None

    def agree(self) -> None:
        self.state["consented_at"] = now_iso()
        self._save()

    def answered_keys(self) -> set[str]:
        return {a["key"] for a in self.state["answers"]}

    def answer(self, question: Question, position: int | None, seconds: float | None) -> None:
        if question.key in self.answered_keys():
            return
        self.state["answers"].append({"key": question.key, "position": position, "seconds": seconds, "at": now_iso()})
        self._save()

    def _save(self) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self.state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, self.path)
