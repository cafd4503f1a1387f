"""The README stays true: the two commands, and the state diagram generated from the machine."""

from pathlib import Path

from workflow.proposals.states import TRANSITIONS, mermaid

README = Path(__file__).resolve().parents[1] / "README.md"


def test_state_diagram_matches_the_machine():
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- state-diagram:start -->", 1)[1].split("<!-- state-diagram:end -->", 1)[0]
    assert block.strip() == f"```mermaid\n{mermaid()}\n```", "run `tdkt docs state-diagram --write`"


def test_diagram_has_every_transition():
    diagram = mermaid()
    for event, sources, dest, _guards in TRANSITIONS:
        for source in sources:
            assert f"{source} --> {dest}: {event}" in diagram


def test_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:25])
    assert "make run" in first_screen and "make test" in first_screen
