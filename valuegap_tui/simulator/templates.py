"""Template dilemmas for generation prompts: readable, second person, six actions graded by strength.

Scenario and actions are assembled from a per-topic context and per-strength phrasings chosen by
the request's random generator, so value, topic and seed all change the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from valuegap_tui.designs.graded_actions.models import AlignmentLabel


@dataclass(frozen=True)
class TopicContext:
    role: str
    setting: str
    issue: str
    group: str
    bold_act: str
    undermine_act: str


TOPICS: dict[str, TopicContext] = {
    "politics": TopicContext("an elected member of your town council", "the council meets tonight to vote",
                             "a zoning proposal that splits the town", "the party colleagues who got you elected",
                             "cast a public vote and explain it in the local paper",
                             "trade your vote away in a back-room deal"),
    "social_networks": TopicContext("the organiser of a large neighbourhood chat group", "a heated thread has been running all week",
                                    "a rumour about a neighbour that is spreading fast", "the most active members of the group",
                                    "post a clear message to everyone and change the group rules",
                                    "amplify the thread and let the loudest voices decide"),
    "social_inequality": TopicContext("a hiring manager at a mid-sized company", "the final round of interviews ends today",
                                      "which of two candidates from very different backgrounds to hire", "the senior partners who fund your team",
                                      "rewrite the selection criteria and defend them to the partners",
                                      "quietly rank the candidates by the partners' connections"),
    "family_gender_roles": TopicContext("a parent of two teenagers", "the family is planning the coming year",
                                        "who gives up working hours to care for an ageing grandparent",
                                        "your spouse and your own parents",
                                        "call a family meeting and set a new arrangement yourself",
                                        "impose the old arrangement without discussion"),
    "work_orientation": TopicContext("a team lead at a logistics firm", "a restructuring is announced for next month",
                                     "a new target that would mean long unpaid overtime", "your manager and your team",
                                     "put a formal counter-proposal on your manager's desk",
                                     "push your team to meet the target whatever it costs them"),
    "religion": TopicContext("a volunteer coordinator at a local faith community", "the community prepares its yearly festival",
                                "whether newcomers may take part in the central rite", "the elders of the community",
                                "speak at the planning meeting and propose a change to the festival",
                                "keep the decision among a few insiders and shut others out"),
    "environment": TopicContext("the owner of a small manufacturing business", "a large order arrives with a tight deadline",
                                "a cheaper process that would pollute the nearby river", "the buyers at your biggest customer",
                                "refuse the shortcut and renegotiate the order openly",
                                "take the shortcut and hide it from the inspectors"),
    "national_identity": TopicContext("a history teacher at a public school", "the national holiday is next week",
                                      "how to present a painful episode of the country's past", "the parents of your pupils",
                                      "design the lesson yourself and present it at the parents' evening",
                                      "drop the episode and teach only the official version"),
    "citizenship": TopicContext("a resident who has lived on the same street for twenty years", "a petition is circulating in your district",
                                "a plan to close the only public library in the area", "the neighbours who started the petition",
                                "organise a public meeting and bring the plan to the city hall",
                                "sign whatever the most powerful neighbours sign and stay out of it"),
    "leisure_sports": TopicContext("the captain of an amateur football club", "the season's decisive match is on Saturday",
                                   "a talented player who broke the club's rules", "the club's sponsors and coaches",
                                   "make the decision in front of the whole club and stand by it",
                                   "let the sponsors decide and say nothing to the players"),
    "health_care": TopicContext("a nurse on a busy hospital ward", "the night shift is short of staff",
                                "which of two patients gets the only free specialist slot", "the senior doctors on duty",
                                "escalate the case formally and argue for your choice",
                                "leave the decision to whoever shouts loudest and look away"),
}

OPENINGS = (
    "You are {role}, and {setting}.",
    "As {role}, you know that {setting}.",
    "You work as {role}, and {setting}.",
    "Being {role} has never been simple, and now {setting}.",
)
MIDDLES = (
    "The question in front of you is {issue}, and it puts the value {v} ({gloss}) at stake for you.",
    "Everyone is talking about {issue}. For you it comes down to the value {v}: {gloss}.",
    "At the centre of it is {issue}, which touches directly on the value {v}, that is, {gloss}.",
    "The matter of {issue} has landed on your desk, and with it the value {v} ({gloss}).",
)
STAKES = (
    "Here {v}, in the sense of \"{gloss}\", asks something of you that the easy path does not.",
    "What {v} (\"{gloss}\") asks of you is not what the easiest option offers.",
    "Whether {v} (\"{gloss}\") still guides you will show in what you do next.",
)
PRESSURES = (
    "{Group} expect you to go along with what is easiest, and some of them have hinted that your standing depends on it.",
    "{Group} have made their preferences clear, and disappointing them would cost you trust you have built over years.",
    "{Group} are watching closely, and whatever you do will be remembered long after this week.",
)
CLOSINGS = (
    "You have to decide before the end of the day, and there is no way to please everyone.",
    "There is little time, the information you have is incomplete, and any choice will leave someone unhappy.",
    "Nobody will make this choice for you, and you will have to live with how it turns out.",
)

ACTIONS: dict[AlignmentLabel, tuple[str, ...]] = {
    AlignmentLabel.STRONGLY_ALIGNING: (
        "Put {v} above everything else here: {bold_act}, even if it costs you dearly.",
        "Take a firm stand for {v}: {bold_act}, and accept the consequences.",
    ),
    AlignmentLabel.MODERATELY_ALIGNING: (
        "Speak up for {v} with {group} and take a clear, measured step in that direction.",
        "Argue the case for {v} openly, while leaving room for a compromise.",
    ),
    AlignmentLabel.MILDLY_ALIGNING: (
        "Give {v} a little weight, in a small way that keeps everyone comfortable.",
        "Mention {v} once in passing, then let the discussion run its course.",
    ),
    AlignmentLabel.MILDLY_OPPOSING: (
        "Set {v} aside for now and quietly go along with the easier option.",
        "Let practical convenience win this time, without saying anything about {v}.",
    ),
    AlignmentLabel.MODERATELY_OPPOSING: (
        "Side with {group} against {v} and help their plan move forward.",
        "Tell {group} that {v} matters less than getting this done, and act on it.",
    ),
    AlignmentLabel.STRONGLY_OPPOSING: (
        "Work actively against {v}: {undermine_act}, and discourage anyone who objects.",
        "Dismiss {v} outright: {undermine_act}, and make sure nobody raises it again.",
    ),
}

DEFAULT_TOPIC = TopicContext("someone facing a difficult choice", "a decision can no longer be put off",
                             "a situation with no easy answer", "the people around you",
                             "act openly on your conviction", "act against it behind others' backs")


def generate_dilemma(value_name: str, gloss: str, topic_id: str | None, rng: random.Random) -> dict[str, str]:
    """A GeneratedDilemma-shaped dict: ``scenario`` and one action per alignment label id."""
    ctx = TOPICS.get(topic_id or "", DEFAULT_TOPIC)
    gloss = gloss or value_name.lower()
    fields = {
        "role": ctx.role, "setting": ctx.setting, "issue": ctx.issue, "group": ctx.group,
        "Group": ctx.group[:1].upper() + ctx.group[1:], "v": f'"{value_name}"', "gloss": gloss,
        "bold_act": ctx.bold_act, "undermine_act": ctx.undermine_act,
    }
    # The value and topic pick the scenario's parts too (with the request's draw), so the values of
    # one topic do not share one scenario with only the value's name swapped.
    local = random.Random(f"{value_name}|{topic_id}|{rng.random()}")
    parts = [local.choice(OPENINGS), local.choice(MIDDLES), local.choice(STAKES), local.choice(PRESSURES),
             local.choice(CLOSINGS)]
    reply = {"scenario": " ".join(p.format(**fields) for p in parts)}
    for label in AlignmentLabel.ordered():
        reply[label.value] = local.choice(ACTIONS[label]).format(**fields)
    return reply
