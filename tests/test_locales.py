"""One language list, one default locale (``TDKT_DEFAULT_LOCALE``), one award-name pick."""

from __future__ import annotations

import pytest

from workflow import create_app
from workflow.config import ConfigError, load_settings
from workflow.locales import LANGUAGES, LOCALES, award_name, current_locale, default_locale

RULE = {"name_vi": "Giấy khen", "name_en": "Certificate of merit"}


def _app(tmp_path, **settings):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'locale.sqlite'}", "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "test-secret-key-not-for-production", "BROKER_URL": "memory://",
                      "RATELIMIT_STORAGE_URL": "memory://", **settings})
    app.config["TESTING"] = True
    return app


def test_the_language_list_is_the_menu():
    assert LOCALES == ("vi", "en") and set(LANGUAGES) == set(LOCALES)


@pytest.mark.parametrize(("configured", "lang"), [(None, "vi"), ("en", "en"), ("vi", "vi")])
def test_a_visitor_sees_the_configured_default_locale(tmp_path, configured, lang):
    app = _app(tmp_path, **({"DEFAULT_LOCALE": configured} if configured else {}))
    page = app.test_client().get("/dang-nhap")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.get_data(as_text=True)
    with app.test_request_context("/"):
        assert default_locale() == lang == current_locale()
        assert award_name(RULE, "GK") == (RULE["name_en"] if lang == "en" else RULE["name_vi"])


def test_the_visitors_choice_wins_over_the_default(tmp_path):
    app = _app(tmp_path, DEFAULT_LOCALE="en")
    assert '<html lang="vi">' in app.test_client().get("/dang-nhap?lang=vi").get_data(as_text=True)


def test_an_unknown_default_locale_is_refused():
    with pytest.raises(ConfigError, match="TDKT_DEFAULT_LOCALE"):
        load_settings({"DEFAULT_LOCALE": "fr"}, environ={})


def test_award_name_falls_back_to_the_code():
    assert award_name(None, "GK", "en") == "GK"
    assert award_name({"name_vi": "Giấy khen", "name_en": ""}, "GK", "en") == "GK"
    assert award_name(RULE, "GK", "vi") == "Giấy khen"
    assert award_name(RULE, "GK", "en") == "Certificate of merit"
