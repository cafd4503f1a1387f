"""Imports every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from workflow.audit.models import AuditChain, AuditEntry  # noqa: F401
from workflow.auth.models import ApiToken  # noqa: F401
from workflow.calendar.models import CalendarDay  # noqa: F401
from workflow.cash.models import BaseSalary  # noqa: F401
from workflow.catalog.models import AwardType, RuleSet  # noqa: F401
from workflow.council.models import (  # noqa: F401
    AgendaItem,
    Attendance,
    BallotReceipt,
    BallotTally,
    Meeting,
    Recusal,
    SealedBallot,
)
from workflow.decisions.models import (  # noqa: F401
    Decision,
    DecisionItem,
    DocumentCounter,
    DossierImport,
    Submission,
    SubmissionItem,
)
from workflow.ops.models import WorkerProbe  # noqa: F401
from workflow.org.models import (  # noqa: F401
    Authority,
    AwardRecord,
    CouncilMember,
    Nominee,
    RoleAssignment,
    Unit,
    User,
)
from workflow.proposals.models import (  # noqa: F401
    Attachment,
    Objection,
    PaperReceipt,
    Proposal,
    ProposalTransition,
    Round,
)
from workflow.reminders.models import Notification, Reminder, ReminderPolicy, ReminderPreference  # noqa: F401
from workflow.reports.models import ReportCount  # noqa: F401
from workflow.storage import StoredFile  # noqa: F401
