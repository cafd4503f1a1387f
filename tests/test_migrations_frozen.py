"""Released migrations are frozen: a database upgraded once never sees an edited revision again.

If this test fails because you edited a file in workflow/migrations/versions that is listed in
``RELEASED`` below, undo the edit and add a NEW revision instead:

    copy the newest file to 00NN_<name>_<what>.py, set ``revision`` to that name and
    ``down_revision`` to the current head, write upgrade() and downgrade()

An installation that already ran the edited revision keeps its old schema, so the edit would
reach new databases only and the two would drift apart silently. Revision 0001 in particular is
the schema every existing installation was created with: it is spelt out operation by operation
(it does not import the models or build from ``Base.metadata``), so freezing its text freezes its
DDL. Revision 0011 calls ``workflow.folding.fold_name`` to fill ``nominee.name_folded`` for
existing rows: change that function's output and write a revision that refolds the names.

When a revision is released (merged to main), add its file and hash here:
``sha256sum workflow/migrations/versions/NEW.py``. The hash is over the file with line endings
normalised to LF, so a checkout with CRLF endings still passes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic.script import ScriptDirectory

from workflow.migrate import MIGRATIONS, alembic_config

VERSIONS = MIGRATIONS / "versions"

RELEASED = {
    "0001_initial_schema.py": "27d840d84202a1c29dd3d0b37e1525da3a67d1094d481d9069ba0aacb511bbe3",
    "0002_council_integrity.py": "8e61630fc8a81624049ff4c3c76d21194328aa6096a27d3983c8d76beadc08f9",
    "0003_exchange_integrity.py": "adf28a40efa3ad93f73b4dc124568d4e7fe4fa5d00848d41cd30e8837d32976c",
    "0005_cash.py": "ed9b7ca0646dece193803b51e552b1de9a8e1a80ff9ceb15a97ed92552df889a",
    "0006_council_counting.py": "e3238703850fe1a02fc83a9fa9c477f412e2c2e0e0aadbe6c80f828174dbba69",
    "0007_rounds.py": "875d001d38f91b71b0714ea3f41ebde2384f7cf6ac82242207005feff4f0bdcf",
    "0008_numbering.py": "458d56d2b3829aebe315a6403d507cfea948e29b62688239a292cac709aed271",
    "0009_notifications.py": "9260fd2adadb17540ca33a09423e3c317c4ed6cd898d5b6c325afc518dd8754d",
    "0010_scale_indexes.py": "c80c8a2ae641dab925a6b89293a6ce525e76724fb0b74402f4bee7d7fc8616d2",
    "0011_name_search.py": "5a54c645447cc4394dbe8acf888e6d0bdab1f82e7945b78e921e6ea2bd5c8b4b",
    "0012_stored_file.py": "0ee607368849fece0288720ee3f8164133d9c3be306fbfd0c513deea256f7991",
    "0013_report_columns.py": "e05beebca471b6b9af0b198cff92c783873193926bc249a0e91ebe846541bfb6",
    "0014_list_scope_index.py": "7279dc0931594b163e6f77d8cd4d4a9a74ae477147b40807479878144f677970",
    "0015_report_counts.py": "571e36df9b2dcfc51f2dd2a49eda28d4bfe127e07b03fa3a6f7354e92cf890cd",
}
# the revision ids the files above declare: a new revision descends from one of them, never replaces one
RELEASED_IDS = {
    "0001", "0002_council_integrity", "0003_exchange_integrity", "0005_cash", "0006_council_counting",
    "0007_rounds", "0008_numbering", "0009_notifications", "0010_scale_indexes", "0011_name_search",
    "0012_stored_file", "0013_report_columns", "0014_list_scope_index", "0015_report_counts",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def test_released_revisions_are_unchanged():
    changed = {name: _sha256(VERSIONS / name) for name in RELEASED
               if (VERSIONS / name).exists() and _sha256(VERSIONS / name) != RELEASED[name]}
    missing = sorted(name for name in RELEASED if not (VERSIONS / name).exists())
    assert not missing, f"released revisions deleted or renamed: {missing}; restore them"
    assert not changed, (
        f"released revisions edited: {sorted(changed)}. Never edit a released migration: undo the edit "
        "and add a new revision (see this module's docstring)"
    )


def test_new_revisions_build_on_the_released_chain():
    scripts = ScriptDirectory.from_config(alembic_config())
    by_file = {Path(s.path).name: s for s in scripts.walk_revisions()}
    assert {by_file[name].revision for name in RELEASED} == RELEASED_IDS
    for name, script in by_file.items():
        if name in RELEASED:
            continue
        # a new file must not take a released id nor fork the released history below its tip
        assert script.revision not in RELEASED_IDS, f"{name} reuses the released revision id {script.revision}"
    heads = scripts.get_heads()
    assert len(heads) == 1, f"several heads: {heads}; merge them in a new revision"
    # every released revision stays on the one line from base to head
    line = {s.revision for s in scripts.iterate_revisions(heads[0], "base")}
    assert RELEASED_IDS <= line
