"""The one module-level ``transitions`` machine of the proposal life cycle, built from
``states.TRANSITIONS`` with the data guards of ``guards`` as its conditions (``model=None``,
``auto_transitions=False``: never a model per row). Only ``services.transition`` fires it."""

from __future__ import annotations

from transitions import Machine

from workflow.proposals import guards, states
from workflow.proposals.vocab import State


def _guard(name):
    """The condition that runs ``guards.<name>``, looked up at call time (a test may replace one)."""

    def condition(event_data) -> bool:
        return getattr(guards, name)(event_data.model)

    condition.__name__ = name
    return condition


# ``transitions`` names an Enum state by its member name (DRAFT): it is given the plain values
machine = Machine(model=None, states=list(State.values()), initial=None, auto_transitions=False, send_event=True)
for _event, _sources, _dest, _guards in states.TRANSITIONS:
    machine.add_transition(_event.value, [s.value for s in _sources], _dest.value,
                           conditions=[_guard(g) for g in _guards])


def fire(event: str, context: states.Context) -> str | None:
    """Fire ``event`` on ``context`` (its ``state`` is the proposal's); return the new state.

    Raises GuardFailed when a guard refuses; returns None when no transition applies (a transition
    may lead back to the same state: the parent returning a proposal its council recommended).
    """
    # the machine knows the plain values: a state read back from a row just created in this
    # session is still the enum member, which ``transitions`` would look up by its name (DRAFT)
    context.state = str(context.state)
    if not machine.events[event].trigger(context):
        return None
    return context.state
