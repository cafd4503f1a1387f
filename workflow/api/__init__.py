"""The /api/v1 blueprint. Each domain adds its endpoints in its own ``api.py``; importing them
here registers them on the shared blueprint."""

from workflow.api import openapi  # noqa: F401
from workflow.api.core import bp  # noqa: F401
from workflow.auth import api as _auth_api  # noqa: F401
from workflow.calendar import api as _calendar_api  # noqa: F401
from workflow.cash import api as _cash_api  # noqa: F401
from workflow.catalog import api as _catalog_api  # noqa: F401
from workflow.council import api as _council_api  # noqa: F401
from workflow.decisions import api as _decisions_api  # noqa: F401
from workflow.documents import api as _documents_api  # noqa: F401
from workflow.org import api as _org_api  # noqa: F401
from workflow.proposals import api as _proposals_api  # noqa: F401
from workflow.reminders import api as _reminders_api  # noqa: F401
from workflow.reports import api as _reports_api  # noqa: F401
