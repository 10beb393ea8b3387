"""What a policy set would change, before a state adopts it.

- :func:`simulate`: replay the state's own audit log under a candidate set, with the
  fidelity of the replay under the sets that were in force;
- :func:`diff`: the exact difference of two sets over every request a node can decide;
- :func:`coverage`: who can obtain which data, and how (the diff against "release
  nothing").

:class:`WhatIf` answers them for a state of a nation on disk.
"""

from statelink.impact.candidates import Candidate, resolve
from statelink.impact.coverage import Coverage, Who, coverage
from statelink.impact.diff import Diff, Region, Verdict, diff
from statelink.impact.replay import Replay, simulate
from statelink.impact.whatif import WhatIf

__all__ = [
    "Candidate",
    "Coverage",
    "Diff",
    "Region",
    "Replay",
    "Verdict",
    "WhatIf",
    "Who",
    "coverage",
    "diff",
    "resolve",
    "simulate",
]
