"""Every template parses with the design system's macros on the loader; the MoJ macros draw
MoJ Frontend's markup with what they are given escaped."""

from __future__ import annotations

import re


def test_every_template_parses(app):
    names = [n for n in app.jinja_env.list_templates() if n.endswith(".html")]
    own = [n for n in names if not n.startswith(("govuk_frontend_jinja/", "govuk_frontend_wtf/"))]
    assert "base.html" in own and len(own) > 30
    assert any(n.startswith("govuk_frontend_jinja/components/") for n in names)
    for name in names:
        app.jinja_env.get_template(name)


def _macro(app, name):
    return getattr(app.jinja_env.get_template("_moj.html").module, name)


def test_timeline_shows_each_event_with_its_date_escaped(app):
    with app.test_request_context():
        html = str(
            _macro(app, "mojTimeline")(
                {
                    "headingLevel": 3,
                    "items": [
                        {
                            "label": {"text": "Referral sent"},
                            "byline": {"text": "Olu <Officer>"},
                            "datetime": {"timestamp": "2026-11-30T10:00", "text": "30 November 2026 at 10am"},
                            "text": "Sent to <b>Riverside</b>",
                        },
                    ],
                }
            )
        )
    assert '<h3 class="moj-timeline__title">Referral sent</h3>' in html
    assert "by Olu &lt;Officer&gt;" in html
    assert '<time datetime="2026-11-30T10:00">30 November 2026 at 10am</time>' in html
    assert "Sent to &lt;b&gt;Riverside&lt;/b&gt;" in html


def test_filter_lists_what_is_selected_with_links_to_remove_each(app):
    with app.test_request_context():
        html = str(
            _macro(app, "mojFilter")(
                {
                    "heading": {"text": "Filter"},
                    "selectedFilters": {
                        "heading": {"text": "Selected filters"},
                        "clearLink": {"text": "Clear filters", "href": "/services"},
                        "categories": [
                            {"heading": {"text": "Borough"}, "items": [{"href": "/services", "text": "Lambeth"}]}
                        ],
                    },
                    "optionsHtml": '<div class="govuk-form-group">options</div>',
                }
            )
        )
    assert re.search(
        r'<a class="moj-filter__tag" href="/services"><span class="govuk-visually-hidden">'
        r"Remove this filter</span> Lambeth</a>",
        html,
    )
    assert '<a class="govuk-link govuk-link--no-visited-state" href="/services">Clear filters</a>' in html
    assert re.search(r'<button type="submit" class="govuk-button"[^>]*>\s*Apply filters\s*</button>', html)
    assert '<div class="govuk-form-group">options</div>' in html


def test_a_field_drawn_again_shows_its_own_value_and_error_escaped_never_an_earlier_ones(client):
    """Widgets keep the markup they drew per set of parameters; a field drawn with another
    value or error is drawn for that value, and text stays text."""
    from tests.conftest import csrf_from

    def sign_up(name: str, email: str) -> str:
        token = csrf_from(client.get("/signup").get_data(as_text=True))
        data = {"csrf_token": token, "name": name, "email": email, "password": "", "confirm": ""}
        return client.post("/signup", data=data).get_data(as_text=True)

    first = sign_up("<b>Robin</b>", "robin@example.org")
    assert "&lt;b&gt;Robin&lt;/b&gt;" in first and "<b>Robin</b>" not in first
    second = sign_up("Sam", "not an email")
    assert 'value="Sam"' in second and "Robin" not in second
    assert 'value="not an email"' in second and "robin@example.org" not in second
    again = sign_up("<b>Robin</b>", "robin@example.org")
    assert again.count("&lt;b&gt;Robin&lt;/b&gt;") == first.count("&lt;b&gt;Robin&lt;/b&gt;")
    blank = client.get("/signup").get_data(as_text=True)
    assert "Robin" not in blank and "Sam" not in blank and "govuk-error-message" not in blank
