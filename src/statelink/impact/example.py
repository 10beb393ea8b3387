"""One request of a domain as something a person can try: a one-line message and the
context the owner's node would derive for it, with how each policy set decides it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from statelink.directory import Agency
from statelink.impact.domain import Domain, Point
from statelink.messages.model import Message, Warrant
from statelink.messages.text import encode
from statelink.policy.context import Context
from statelink.policy.engine import PolicyEngine

SEARCH = {
    "DQ": {"OLN": "A1234567"},
    "KQ": {"OLN": "A1234567"},
    "DNQ": {"NAM": "DOE, JANE"},
    "RQ": {"LIC": "ABC1234"},
    "RNQ": {"NAM": "DOE, JANE"},
    "RPQ": {"LIC": "ABC*"},
}
SERIOUS_EXAMPLE = "0911"  # homicide: on every state's default serious-crime list


class SideJson(TypedDict):
    decision: str
    policies: list[str]
    digest: str


class ExampleJson(TypedDict):
    ori: str
    name: str
    mke: str
    state: str
    context: Context
    message: str
    decisions: list[SideJson]


@dataclass(frozen=True)
class Side:
    """How one policy set decides the example."""

    outcome: str
    policies: tuple[str, ...]
    digest: str

    def as_dict(self) -> SideJson:
        return {"decision": self.outcome, "policies": list(self.policies), "digest": self.digest}


@dataclass(frozen=True)
class Example:
    ori: str
    name: str
    mke: str
    state: str
    context: Context
    message: str
    decisions: tuple[Side, ...]  # one per policy set, in the order given

    def as_dict(self) -> ExampleJson:
        return {
            "ori": self.ori,
            "name": self.name,
            "mke": self.mke,
            "state": self.state,
            "context": self.context,
            "message": self.message,
            "decisions": [side.as_dict() for side in self.decisions],
        }


def example(
    domain: Domain,
    point: Point,
    engines: tuple[PolicyEngine, ...],
    agency: Agency | None = None,
) -> Example:
    """The point through ``agency`` (default: its class's representative)."""
    agency = agency or domain.classes[point.agency_class].representative
    request = domain.request(point, agency)
    context = request.context.copy()
    owner = request.dataset.split("/")[0]
    sides = []
    for engine in engines:
        decision = engine.decide(request, cached=False)
        sides.append(Side(decision.outcome.value, decision.policy_ids, decision.digest))
    return Example(
        ori=agency.ori,
        name=agency.name,
        mke=point.mke,
        state=owner,
        context=context,
        message=message_text(point.mke, agency.ori, owner, context, domain),
        decisions=tuple(sides),
    )


def message_text(mke: str, ori: str, owner: str, context: Context, domain: Domain) -> str:
    """The one-line message whose derived context is ``context`` (as near as a message
    can say it: ``certified`` and ``serious_crime`` come from the state's settings)."""
    dest = [owner]
    if context["multi_state"]:
        dest.append(next(s for s in ("OR", "WA", "ID") if s != owner))
    offense = context["offense"]
    if not offense and context["serious_crime"] and domain.dim_index("offense") is None:
        offense = SERIOUS_EXAMPLE
    warrant = context["warrant"]
    message = Message(
        mke=mke,
        ori=ori,
        dest=tuple(dest),
        purpose=context["purpose"],
        fields=SEARCH[mke],
        reason=context["reason"],
        offense=offense,
        case_number=context["case_number"],
        warrant=Warrant(**warrant) if context["has_warrant"] else None,
    )
    return encode(message)
