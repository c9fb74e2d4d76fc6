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
from valuegap_tui.respond.questionnaire import (Question, RespondError, build_questions, check_name,
                                                check_respondent, consent_text, plan_conflict_message, resolve_plan,
                                                stored_plan, text_hash)
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store.db import Study, now_iso


class StudyResponder:
    """A person answering into the study (at the researcher's machine, or in a browser through
    ``respond serve``): answers are written to the study as they are given."""

    def __init__(self, study: Study, run_id: int, name: str, *, persona_id: str = BASELINE_ID, repeats: int = 1,
                 time_limit_s: float | None = None, questions: int | None = None, overlap: int | None = None,
                 scale_order: str | None = None, channel: str = "terminal", consent: str | None = None):
        self.name = check_name(name)
        self.plan = resolve_plan(study, run_id, questions=questions, overlap=overlap, scale_order=scale_order)
        check_respondent(study, run_id, name, persona_id, repeats)  # refused: nothing is stored
        try:
            self.respondent = respondent_store.register(study, run_id, name, persona_id, repeats, time_limit_s,
                                                        stored_plan(self.plan))
        except respondent_store.PlanConflict as exc:
            raise RespondError(plan_conflict_message(run_id, exc)) from None
        self.questions = build_questions(study, run_id, name, persona_id, repeats,
                                         slot=self.respondent.share_slot, plan=self.plan)
        self.study, self.run_id, self.channel = study, run_id, channel
        self.time_limit_s = time_limit_s if time_limit_s is not None else self.respondent.time_limit_s
        self.consent = consent if consent is not None else consent_text(study)
        self._places = {q.key: place for place, q in enumerate(self.questions)}

    @property
    def scale_order(self) -> str:
        return self.plan.scale_order

    def consented(self) -> bool:
        return respondent_store.get(self.study, self.run_id, self.name).consented_at is not None

    def agree(self) -> None:
        respondent_store.record_consent(self.study, self.run_id, self.name, text_hash(self.consent))

    def answered_keys(self) -> set[str]:
        return {f"{d}/{q}/{r}" for d, q, r in respondent_store.answered(self.study, self.run_id, self.name)}

    def answer(self, question: Question, position: int | None, seconds: float | None) -> int:
        """Store the answer; 1 if it was new, 0 if the same answer was already there (ValueError if
        another answer to the question is)."""
        return respondent_store.store_answers(self.study, self.respondent, [respondent_store.GivenAnswer(
            question.dilemma_id, question.question, question.repeat, question.permutation, position, seconds,
            now_iso(), self._places.get(question.key))], scores=SCORES, scale_order=self.plan.scale_order,
            channel=self.channel)


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
        self.scale_order = pack.get("scale_order", "shuffled")
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
        place = next((i for i, q in enumerate(self.questions) if q.key == question.key), None)
        self.state["answers"].append({"key": question.key, "position": position, "seconds": seconds, "at": now_iso(),
                                      "place": place})
        self._save()

    def _save(self) -> None:
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self.state, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, self.path)
