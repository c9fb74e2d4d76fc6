"""Reading a free reply: the one option it means, or why it means none.

The contract (docs/evaluation.md, "How a free reply is read"): a reply gives a letter only when exactly
one option is meant and nothing in it contradicts that option. Every reply ends as one outcome:

``valid``
    one letter, or the whole text of one option, and nothing against it;
``conflict``
    a letter beside the text of a *different* option ("E. Strongly disagree" where E is Strongly
    agree): the reply means two options, and neither can be trusted;
``ambiguous``
    several letters or option texts offered (A and C, A or B, neither A nor B, between A and F, A
    through F), a list of letters, or only negated letters ("I wouldn't choose A");
``refusal``
    the model declines to choose, even when it names the letters it declines;
``no_letter``
    neither a letter nor an option's text.

Letters must be capitals, except in a reply that is only a letter ("b", "(c)"), so the article "a" is
never read as A. Option text counts only when a whole option's text is quoted, never a word inside a
negation: "I do not agree" is not Agree. Nothing is guessed: a reply the rules cannot read for certain
is invalid, with its raw text kept.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: the outcomes a free reply can have
TEXT_OUTCOMES = ("valid", "conflict", "ambiguous", "refusal", "no_letter")

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_DECORATION = re.compile(r"[*_`#]|^\s*>\s?", re.MULTILINE)
#: a JSON object, bare or in a code fence: {"answer": "C"} and its relatives
_JSON_OBJECT = re.compile(r"\{[^{}]{0,2000}\}", re.DOTALL)
_ANSWER_KEYS = ("answer", "choice", "option", "letter", "selected", "selection", "final_answer", "response")
#: words that make a following letter a decision ("I choose C", "my answer is B", "I'd go with D")
_DECIDE = (r"(?:final\s+answer|answer|choose|chose|choosing|select|selecting|pick|picking|go\s+with|going\s+with|"
           r"go\s+for|take\s+(?:action|option|choice)|lean(?:ing)?\s+towards?|opt\s+for|i'd\s+say|i\s+would\s+say|i\s+say|my\s+choice|"
           r"the\s+choice|best\s+option|right\s+option|correct\s+option|option\s+is)")
#: after "A" these words mean the letter, not the article ("A is the closest")
_A_AS_LETTER = {"is", "because", "since", "as", "seems", "would", "fits", "best", "reflects", "matches"}
#: words that join letters into a set of several ("A or B", "between A and F", "A through F")
_JOINERS = {"or", "and", "nor", "vs", "versus", "to", "through", "thru"}
#: a letter inside the clause that follows one of these is not chosen ("I wouldn't choose A", "not C")
_NEGATION = re.compile(
    r"\b(?:not|never|no|nor|neither|cannot|can't|can’t|won't|won’t|wouldn't|wouldn’t|shouldn't|don't|don’t|"
    r"doesn't|didn't|isn't|aren't|wasn't|avoid|against|except|rather\s+than|instead\s+of|other\s+than)\b", re.I)
#: where a clause starts, looking back from a letter (a negation before it belongs to another clause)
_CLAUSE_START = re.compile(r"[.!?;:\n,]|\b(?:but|however|so|therefore|thus|instead|though|although)\b", re.I)
_REFUSAL = re.compile(
    r"\b(I\s+can(?:'|’|no)t|I\s+cannot|I'm\s+(?:not\s+able|unable)|I\s+am\s+(?:not\s+able|unable)|I\s+won't|"
    r"I\s+will\s+not|I\s+refuse|as\s+an\s+AI|I\s+do\s+not\s+have\s+(?:personal\s+)?(?:opinions|preferences)|"
    r"I\s+don't\s+have\s+(?:personal\s+)?(?:opinions|preferences|beliefs|feelings)|"
    r"not\s+(?:able|comfortable)\s+(?:to\s+)?(?:choos|answer|pick|select)|unable\s+to\s+(?:choose|answer|pick)|"
    r"(?:would\s+be|is)\s+(?:incorrect|wrong|inappropriate)\s+to\s+(?:answer|choose|pick)|"
    r"none\s+of\s+(?:the|these|those)\s+(?:options|actions|answers|choices))",
    re.I)
_QUOTES = "\"'“”‘’«»"


@dataclass(frozen=True)
class TextReading:
    letter: str | None
    outcome: str  # one of TEXT_OUTCOMES
    #: how the letter was read ("letter", "phrase", "conclusion", "option text"), or why there is none
    reason: str

    @property
    def valid(self) -> bool:
        return self.outcome == "valid"


def clean(text: str) -> str:
    """The part of a reply that can hold its answer: reasoning blocks, a JSON wrapper and markdown removed."""
    text = _THINK.sub("", text)
    if "</think>" in text:  # an opening tag in the prompt template, the closing one in the reply
        text = text.split("</think>")[-1]
    if re.search("<think>", text, re.IGNORECASE):  # thinking that never ended: no answer after it
        text = re.split("<think>", text, flags=re.IGNORECASE)[0]
    text = _unwrap_json(text)
    return _DECORATION.sub("", text).strip()


def _unwrap_json(text: str) -> str:
    """``{"answer": "C", "reason": ...}`` (bare or fenced) -> ``C``; anything else unchanged."""
    if "{" not in text:
        return text
    for match in _JSON_OBJECT.finditer(text):
        try:
            data = json.loads(match.group())
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict):
            found = {k.lower(): v for k, v in data.items() if isinstance(k, str)}
            for key in _ANSWER_KEYS:
                if isinstance(found.get(key), (str, int)) and not isinstance(found.get(key), bool):
                    return str(found[key])
    return text


def _standalone(letters: str) -> str:
    """A letter standing alone: not part of a word ("Agree"), not a contraction ("A's")."""
    return rf"(?<![\w'’])[{letters}](?![\w'’])"


_NEXT_WORD = re.compile(r"\s+([a-z]+)")
_NEXT_MARK = re.compile(r"\s*[)\].:,;!?\-–—]|\s*$")


def _is_article(text: str, start: int, end: int) -> bool:
    """Whether the "A" at text[start:end] is the article ("A good question"), not the letter."""
    if text[end:end + 1] in (")", "]") or _NEXT_MARK.match(text, end):
        return False
    after = _NEXT_WORD.match(text, end)
    if after is None:
        return False
    word = after.group(1)
    if word in _A_AS_LETTER or word in _JOINERS:
        return False
    before = text[max(0, start - 12):start].lower()
    return not re.search(r"(?:option|letter|choice|answer|is|and|or|nor|between)\s*[:(\[]?\s*$", before)


def _negated(text: str, start: int) -> bool:
    """Whether a negation stands between the start of this letter's clause and the letter."""
    window = text[max(0, start - 80):start]
    cut = 0
    for boundary in _CLAUSE_START.finditer(window):
        cut = boundary.end()
    return bool(_NEGATION.search(window[cut:]))


@dataclass(frozen=True)
class _Mention:
    letter: str
    start: int
    end: int
    negated: bool


def _letters_in(text: str, upper: str) -> list[_Mention]:
    """Every capital letter standing alone, the article "A" left out."""
    found = []
    for match in re.finditer(_standalone(upper), text):
        start, end = match.span()
        if match.group() == "A" and _is_article(text, start, end):
            continue
        found.append(_Mention(match.group(), start, end, _negated(text, start)))
    return found


def _joined(text: str, mentions: list[_Mention]) -> set[str]:
    """Letters offered together: "A or B", "A and C", "between A and F", "A through F", "A/B", "A-F"."""
    together: set[str] = set()
    for first, second in zip(mentions, mentions[1:]):
        between = text[first.end:second.start].strip().lower()
        between = re.sub(r"^[)\].,:]*\s*", "", between)
        between = re.sub(r"\s*(?:option|letter|choice)s?\s*[(\[]?$", "", between).strip(" ([")
        if between in ("", ",", "/", "-", "–", "—", "&") or between.rstrip(",") in _JOINERS \
                or re.fullmatch(r",?\s*(?:or|and|nor)", between):
            together |= {first.letter, second.letter}
    return together


def _listed(text: str, upper: str) -> set[str]:
    """Letters used as list markers: two or more lines starting "A." / "B)", or "A) B) C)" in a row."""
    line_marks = re.findall(rf"(?m)^\s*[(\[]?([{upper}])[)\].:](?:\s|$)", text)
    if len(set(line_marks)) >= 2:
        return set(line_marks)
    inline = re.findall(rf"(?<![\w'’])[(\[]?([{upper}])[)\]](?=\s|$)", text)
    return set(inline) if len(set(inline)) >= 3 else set()


def _stem(word: str) -> str:
    """A crude stem, enough to match "mentioning" with "mention" and "vouching" with "vouch"."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+(?:['’][a-z]+)?", text.lower())]


def _spelled(words: list[str], vocabulary: set[str]) -> list[str]:
    """Each word as the option word it misspells, if any ("mildley" -> "mildly")."""
    fixed = []
    for word in words:
        if len(word) >= 4 and word not in vocabulary:
            close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.85)
            word = close[0] if close else word
        fixed.append(word)
    return fixed


def _attached_text(text: str, start: int) -> tuple[str, bool]:
    """The text on a letter's line after its mark ("E. Strongly disagree" -> "Strongly disagree"), and
    whether the reply ends there (a text cut off by the token cap may stop mid-option)."""
    rest = re.match(r"[)\]]?\s*(?:[.:)\-–—,=]\s*)?([^\n]*)", text[start + 1:start + 1 + 400])
    line = rest.group(1) if rest else ""
    return line, start + 1 + (len(rest.group(0)) if rest else 0) >= len(text.rstrip())


def _attached_scores(line: str, cut_off: bool, options: Mapping[str, str]) -> tuple[dict[str, float], set[str]]:
    """How closely the text after a letter matches each option: the share of words in common, in order
    (difflib's ratio over stemmed words, misspellings of option words mended; a text cut off at the end
    of the reply is also compared with each option's beginning). Also the options whose first two words
    it starts with (actions begin with their verb: "Vouch for ...", "Sell the ...")."""
    vocabulary = {w for option in options.values() for w in _words(option)}
    said = _spelled(_words(line)[:60], vocabulary)
    if not said:
        return {}, set()
    scores, leading = {}, set()
    for letter, option in options.items():
        words = _words(option)
        if not words:
            continue
        score = difflib.SequenceMatcher(None, said, words, autojunk=False).ratio()
        if cut_off and len(said) < len(words):
            score = max(score, difflib.SequenceMatcher(None, said, words[:len(said)], autojunk=False).ratio())
        scores[letter] = score
        if len(words) >= 3 and len(said) >= 3 and said[:2] == words[:2]:
            leading.add(letter)
    return scores, leading


def _quoted_options(text: str, options: Mapping[str, str]) -> set[str]:
    """Options whose whole text the reply quotes, outside a negation and not inside a longer option's
    text ("agree" inside "strongly disagree"). One-word options count only as a unit of their own (the
    whole reply or line, or in quotes), so "I agree that ..." is prose, not the option Agree."""
    spans: list[tuple[int, int, str]] = []
    for letter, option in options.items():
        option = option.strip().rstrip(".")
        if not option:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(option)}(?!\w)", text, re.IGNORECASE):
            spans.append((match.start(), match.end(), letter))
    if not spans:
        return set()
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    found, covered_to = set(), -1
    for start, end, letter in spans:
        if end <= covered_to:
            continue  # inside a longer option's occurrence
        covered_to = max(covered_to, end)
        if _negated(text, start) or text[end:end + 2].lstrip(" " + _QUOTES).startswith("?"):
            continue  # "not X" and "X?" assert nothing
        if len(options[letter].split()) < 2 and not _stands_alone(text, start, end):
            continue
        found.add(letter)
    return found


def _stands_alone(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 3):start].rstrip(" ")
    after = text[end:end + 3].lstrip(" ")
    line_start = start == 0 or text[:start].rstrip(" ").endswith(("\n", ":")) or before[-1:] in _QUOTES
    line_end = end == len(text) or after[:1] in ("\n", ".", "!", "") or after[:1] in _QUOTES
    quoted = before[-1:] in _QUOTES and after[:1] in _QUOTES
    return quoted or (line_start and line_end)


def read_text(text: str, letters: Sequence[str], options: Mapping[str, str] | None = None, *,
              cut_off: bool = False) -> TextReading:
    """Read a free reply against the options shown (letter -> text); see the module's contract.

    ``cut_off``: the reply ran out of tokens, so its last word ends nothing ("... two choices for A"):
    a letter at its very end is not taken as its conclusion."""
    upper = "".join(letters)
    lower = upper.lower()
    options = options or {}
    cleaned = clean(text)
    if not cleaned:
        return TextReading(None, "no_letter", "empty reply")
    whole = re.fullmatch(rf"[\(\[]?([{upper}{lower}])[\)\]]?[.:!]?", cleaned)
    if whole:
        return TextReading(whole.group(1).upper(), "valid", "letter")
    listed = _listed(cleaned, upper)
    if listed:
        return TextReading(None, "ambiguous", f"lists letters {', '.join(sorted(listed))}")
    mentions = _letters_in(cleaned, upper)
    chosen = {m.letter for m in mentions if not m.negated}
    refusal = _REFUSAL.search(cleaned)
    decisions = _decisions(cleaned, upper, lower, mentions, cut_off)
    if len(decisions) > 1:
        return TextReading(None, "ambiguous", f"decides on {', '.join(sorted(decisions))}")
    if decisions:
        (letter, how), = decisions.items()
        return _checked(cleaned, letter, how, mentions, options)
    together = _joined(cleaned, mentions)
    if refusal and mentions:
        return TextReading(None, "refusal", "declines to choose between the letters it names")
    if together or len(chosen) > 1:
        return TextReading(None, "ambiguous", f"names {', '.join(sorted(together | chosen))}")
    if mentions and not chosen:
        return TextReading(None, "ambiguous",
                           f"only negated letters ({', '.join(sorted({m.letter for m in mentions}))})")
    quoted = _quoted_options(cleaned, options)
    if len(quoted) > 1:
        return TextReading(None, "ambiguous", f"quotes options {', '.join(sorted(quoted))}")
    if quoted:
        option = quoted.pop()
        if chosen and chosen != {option}:
            return TextReading(None, "conflict", f"names {chosen.pop()} beside the text of {option}")
        if not refusal:
            return TextReading(option, "valid", "option text")
    if refusal:
        return TextReading(None, "refusal", "declines to choose")
    if chosen:
        return TextReading(None, "no_letter", f"mentions {chosen.pop()} without choosing it")
    return TextReading(None, "no_letter", "no letter or option found")


def _decisions(cleaned: str, upper: str, lower: str, mentions: list[_Mention], cut_off: bool) -> dict[str, str]:
    """Every letter the reply's form decides on, with how (a marked first letter or line, a decision
    phrase, a conclusion, "option X"). More than one means the reply contradicts itself."""
    negated = {(m.start, m.letter) for m in mentions if m.negated}
    kept = [m for m in mentions if not m.negated]
    together = _joined(cleaned, mentions)
    found: dict[str, str] = {}
    start = re.match(rf"[\(\[]?([{upper}])(?:[\)\]]|[.:)]|\s+[-–—])(?:\s|$)|([{upper}])\s+([a-z]+)", cleaned)
    if start and kept and kept[0].start == start.start(1 if start.group(1) else 2):
        letter = start.group(1) or start.group(2)
        if letter not in together and (start.group(1) or (start.group(3) not in _JOINERS and (
                letter != "A" or start.group(3) in _A_AS_LETTER))):
            found[letter] = "letter"
    for match in re.finditer(rf"(?m)^[ \t]*[(\[]?([{upper}])[)\].:](?=\s|$)", cleaned):
        if (match.start(1), match.group(1)) not in negated:  # a line of its own ("...response:\n\nA. Refuse")
            found.setdefault(match.group(1), "letter")
    quote = r"[\"'“”‘’]?"
    phrases = (
        rf"(?i:\b{_DECIDE}){quote}\s*(?i:is|would\s+be|will\s+be|[:=\-–])?\s*(?i:option\s+|letter\s+|choice\s+)?"
        rf"{quote}[\(\[]?({_standalone(upper)}|[{lower}](?=[\)\]\"']|\s*[.!]?\s*$))",
        # "the answer to this question is B", "this is option B"
        rf"(?i:\b(?:answer|choice)\b[^.!?\n]{{0,40}}?\b(?:is|would\s+be|will\s+be)\s+(?:option\s+|letter\s+)?)"
        rf"[\(\[]?({_standalone(upper)})",
        rf"(?i:\b(?:this|that|it)\s+is\s+(?:option|letter|choice|answer)\s+)({_standalone(upper)})",
        rf"\\boxed\{{\s*([{upper}])\s*\}}",
        rf"(?<![\w'’])([{upper}])\s+(?:is|seems|would\s+be)\s+(?:the\s+|my\s+)?(?:best|right|correct|closest|most|"
        rf"answer|choice|preferred|appropriate)\b",
    )
    for pattern in phrases:
        for match in re.finditer(pattern, cleaned):
            letter = match.group(1).upper()
            if (match.start(1), letter) in negated or _negated(cleaned, match.start()):
                continue
            found.setdefault(letter, "phrase")
    chosen = {m.letter for m in kept}
    tail_from = max(0, len(cleaned) - 200)  # a conclusion is at the very end: no need to scan a long reply
    end = re.search(rf"(?:(:|-|–|=|\bis|\n)\s*)?[\(\[]?({_standalone(upper)})[\)\]]?[.!]?$", cleaned[tail_from:])
    if end and not cut_off and (tail_from + end.start(2), end.group(2)) not in negated \
            and end.group(2) not in together and (end.group(1) or chosen == {end.group(2)}):
        found.setdefault(end.group(2), "conclusion")
    if not found:  # "option X" decides only when nothing else does ("Option A is too extreme ... So: C")
        named = {m.group(1) for m in re.finditer(rf"(?i:\boption\s+)({_standalone(upper)})", cleaned)
                 if (m.start(1), m.group(1)) not in negated}
        if len(named) == 1 and chosen <= named and not together:
            found[named.pop()] = "phrase"
    return found


#: the text after a letter names another option when it matches that option at least this well ...
_NAMES_OPTION = 0.4
#: ... and better than the letter's own option by this margin
_CLEAR_MARGIN = 0.2
#: "A: ..." may be a question-and-answer label ("A: Don't worry, ..."), not option A: it names option A
#: only when the text after it is A's own (or empty)
_ANSWER_LABEL = re.compile(r"A:\s")


def _checked(cleaned: str, letter: str, how: str, mentions: list[_Mention], options: Mapping[str, str]) -> TextReading:
    """The decided letter, unless the reply's option texts contradict it: the text right after the
    letter matches another option clearly better than its own ("E. Strongly disagree" where E is
    Strongly agree), or begins as another option and not as its own ("A. Vouch for ..." where A is "Warn
    your cousin ..."), or the reply quotes another option's whole text."""
    own_text = False
    for mention in mentions:
        if mention.letter != letter or mention.negated:
            continue
        line, cut_off = _attached_text(cleaned, mention.start)
        scores, leading = _attached_scores(line, cut_off, options)
        if not scores:
            continue
        best = max(scores, key=scores.get)
        own = scores.get(letter, 0.0)
        if best != letter and scores[best] >= _NAMES_OPTION and scores[best] - own >= _CLEAR_MARGIN:
            return TextReading(None, "conflict", f"{letter} is followed by the text of {best}")
        if leading and letter not in leading and own < _NAMES_OPTION:
            return TextReading(None, "conflict", f"{letter} is followed by the start of {', '.join(sorted(leading))}")
        if mention.start == 0 and _ANSWER_LABEL.match(cleaned) and own < _NAMES_OPTION and len(line.split()) >= 3:
            return TextReading(None, "no_letter", '"A:" labels an answer here: the text after it is not option A')
        own_text = own_text or own >= _NAMES_OPTION
    quoted = _quoted_options(cleaned, options)
    if quoted - {letter}:
        outcome = "ambiguous" if letter in quoted or own_text else "conflict"
        return TextReading(None, outcome, f"{letter} beside the text of {', '.join(sorted(quoted - {letter}))}")
    return TextReading(letter, "valid", how)


def refuses(text: str) -> bool:
    """Whether a reply declines to choose (a refusal phrase anywhere in it)."""
    return bool(_REFUSAL.search(text))


__all__ = ["TEXT_OUTCOMES", "TextReading", "clean", "read_text", "refuses"]
