"""The typed vocabulary: enum members are their strings everywhere a value leaves the code."""

import json

from flask_babel import force_locale
from sqlalchemy import select, text

from tests import factories as f
from workflow.org.models import RoleAssignment
from workflow.org.vocab import AuthorityKind, NomineeKind, Role
from workflow.proposals import machine, states
from workflow.proposals.vocab import Event, State
from workflow.vocab import LabelledEnum


def test_members_are_their_strings():
    assert State.DRAFT == "draft" and Event.RECORD_OUTCOME == "record_outcome" and Role.ADMIN == "admin"
    assert json.dumps({"state": State.UNDER_REVIEW, Event.PASS: [Role.CHAIR]}) == \
        '{"state": "under_review", "pass": ["chair"]}'
    assert f"{State.IN_COUNCIL}" == str(State.IN_COUNCIL) == "in_council"
    assert {"awarded": 1}[State.AWARDED] == 1 and State("revoked") is State.REVOKED


def test_every_member_has_its_label(app):
    with app.test_request_context():
        assert str(State.RETURNED.label) == "Bị trả lại để bổ sung"  # Vietnamese first
        with force_locale("en"):
            assert str(State.RETURNED.label) == "Returned for changes"
            assert str(Event.SKIP_COUNCIL.label) == "Recommend without a council vote"
            assert str(Role.CHAIR.label) == "Chairman"
            assert str(AuthorityKind.CENTRAL.label) == "central level"
        for enum in (State, Event, Role, AuthorityKind, NomineeKind):
            assert issubclass(enum, LabelledEnum)
            assert all(str(member.label) for member in enum)
        assert states.STATE_LABELS[State.DRAFT] is State.DRAFT.label


def test_machine_speaks_plain_values():
    assert set(machine.machine.states) == set(State.values())
    assert states.allowed_events("draft") == [Event.SUBMIT, Event.WITHDRAW]
    assert all(type(e) is str for e in machine.machine.events)


def test_columns_store_the_value(session):
    auth = f.authority(session)
    u = f.user(session, Role.SECRETARY, auth)
    session.commit()
    stored = session.execute(text("SELECT role FROM role_assignment WHERE user_id = :u"), {"u": u.id}).scalar_one()
    assert stored == "secretary" and type(stored) is str
    assert session.scalars(select(RoleAssignment).where(RoleAssignment.role == Role.SECRETARY)).first() is not None
