"""The interface's languages and the locale in force, in one place: the language list, the
configured default (``TDKT_DEFAULT_LOCALE``, Vietnamese unless a deployment says otherwise, which
``create_app`` hands to Flask-Babel as ``BABEL_DEFAULT_LOCALE``), the current locale, and the one
pick of an award's name in a language. Time lives beside it in ``workflow.vntime``."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, has_app_context
from flask_babel import get_locale, get_translations

# each named in its own language, never translated; the order of the language menu
LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
LOCALES = tuple(LANGUAGES)
PRODUCT_DEFAULT = "vi"  # outside an app (a bare script) and when a deployment sets nothing


def default_locale() -> str:
    """The deployment's default locale (``TDKT_DEFAULT_LOCALE``)."""
    if has_app_context():
        configured = current_app.config.get("BABEL_DEFAULT_LOCALE")
        if configured in LOCALES:
            return configured
    return PRODUCT_DEFAULT


def current_locale() -> str:
    """The locale in force: the request's (or the one a CLI command or task set on ``g``), else
    the configured default."""
    return str(get_locale() or default_locale())


def is_english(locale: str | None = None) -> bool:
    return (locale or current_locale()) == "en"


def award_name(rule: Mapping | object | None, fallback: str, locale: str | None = None) -> str:
    """An award's name in ``locale`` (the current one by default): ``name_en`` in English,
    ``name_vi`` otherwise, from a rule snapshot or anything with those keys; ``fallback`` (the
    award type's code) when it has no name there. Every screen, export, message and API answer
    that names an award goes through this."""
    if not rule:
        return fallback
    key = "name_en" if is_english(locale) else "name_vi"
    # a snapshot's JSON, an award type in force, or the typed snapshot (``proposal.rule``)
    value = rule.get(key) if isinstance(rule, Mapping) else getattr(rule, key, None)
    return value or fallback


TEMPLATE_MESSAGES = 10_000  # distinct (locale, message) pairs kept; beyond, a message is looked up each time


def cache_template_translations(app) -> None:
    """Templates' ``_()`` reads each message's translation once per locale and process, not once
    per call: Flask-Babel finds the catalogue again on every call (its domain, the locale, the
    cache of catalogues; some 75 Python calls), and a list page asks some sixty of them. The
    catalogues are loaded once and never change while the process runs (Flask-Babel keeps them
    so), hence neither does a translation. Only the lookup is kept: Jinja still formats the
    variables and escapes, as it did. Installed after ``babel.init_app``, over its callables."""
    found: dict[tuple[str, str], str] = {}

    def gettext(message: str) -> str:
        key = (str(get_locale()), message)
        text = found.get(key)
        if text is None:
            text = get_translations().ugettext(message)
            if len(found) < TEMPLATE_MESSAGES:
                found[key] = text
        return text

    app.jinja_env.install_gettext_callables(
        gettext=gettext,
        ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
