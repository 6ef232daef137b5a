"""Reading delivery status notifications (RFC 3464) and complaint reports (RFC 5965)."""

import pytest

from newsletter.reports import UnusableReport, parse_report
from newsletter.return_path import return_path_for

from .bounce_reports import report

pytestmark = pytest.mark.django_db


def test_rfc_3464_example_is_a_soft_bounce_of_its_final_recipient():
    # "failed" after five days of "connection timed out": a 4.x.x status, not a dead mailbox.
    parsed = parse_report(report("rfc3464-example-failed-4.0.0.eml"))

    [notice] = parsed.notices
    assert (notice.kind, notice.status) == ("soft", "4.0.0")
    assert notice.addresses == ("louisl@larry.slip.umd.edu",)
    assert "426 connection timed out" in notice.reason
    assert parsed.report_id == "<199407072116.RAA14128@CS.UTK.EDU>"
    assert parsed.reported_at.year == 1994
    assert parsed.return_path_tokens == []


def test_postfix_user_unknown_is_a_hard_bounce_naming_its_return_path():
    return_path = return_path_for(31)
    parsed = parse_report(
        report("dsn-5.1.1-user-unknown.eml", return_path=return_path, recipient="gone@example.com")
    )

    [notice] = parsed.notices
    assert (notice.kind, notice.status) == ("hard", "5.1.1")
    assert notice.addresses == ("gone@example.com",)
    # The folded Diagnostic-Code comes out on one line.
    assert "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown" in notice.reason
    assert set(parsed.return_path_tokens) == {return_path.split("+")[1].split("@")[0]}


def test_delay_warning_is_a_soft_bounce():
    parsed = parse_report(report("dsn-4.2.2-mailbox-full-delayed.eml", recipient="full@example.com"))

    [notice] = parsed.notices
    assert (notice.kind, notice.status) == ("soft", "4.2.2")
    assert "over quota" in notice.reason


def test_rfc_5965_example_is_a_complaint_naming_the_original_recipient():
    parsed = parse_report(report("rfc5965-example-abuse.eml"))

    [notice] = parsed.notices
    assert (notice.kind, notice.status) == ("complaint", "abuse")
    assert notice.addresses == ("user@example.com",)
    assert notice.reason == "abuse report from dns; mail.example.com"
    # The example has no Message-ID: a digest of its content stands in, the same each time.
    assert parsed.report_id.startswith("sha256:")
    assert parse_report(report("rfc5965-example-abuse.eml")).report_id == parsed.report_id


def test_complaint_shows_the_return_path_and_unsubscribe_link_of_the_returned_message():
    return_path = return_path_for(5)
    parsed = parse_report(
        report(
            "arf-abuse.eml",
            return_path=return_path,
            recipient="reader@example.com",
            one_click="https://kawalis.example/newsletter/one-click/abc/",
        )
    )

    assert len(parsed.return_path_tokens) == 2  # Original-Mail-From and the returned Return-Path
    assert parsed.unsubscribe_urls == ["https://kawalis.example/newsletter/one-click/abc/"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (lambda: report("out-of-office.eml"), "not a report but text/plain"),
        (lambda: b"\x00\xff\xfe garbage \x00" * 40, "not a report"),
        (
            lambda: report("rfc3464-example-failed-4.0.0.eml").replace(b"Action: failed", b"Action: relayed"),
            "nothing failed or delayed (action relayed)",
        ),
        (
            lambda: report("rfc3464-example-failed-4.0.0.eml").replace(
                b"content-type: message/delivery-status", b"content-type: text/plain"
            ),
            "without its message/delivery-status part",
        ),
        (
            lambda: report("rfc5965-example-abuse.eml").replace(
                b"Feedback-Type: abuse", b"Feedback-Type: not-spam"
            ),
            "feedback type not-spam is not a complaint",
        ),
        (
            lambda: report("rfc5965-example-abuse.eml").replace(b"Feedback-Type: abuse\n", b""),
            "without Feedback-Type",
        ),
        (
            lambda: report("rfc5965-example-abuse.eml").replace(
                b"report-type=feedback-report", b"report-type=x"
            ),
            "report-type x is neither",
        ),
    ],
    ids=["auto-reply", "garbage", "relayed", "no-status-part", "not-spam", "no-feedback-type", "other-type"],
)
def test_messages_that_are_not_usable_reports_say_why(raw, reason):
    with pytest.raises(UnusableReport) as caught:
        parse_report(raw())

    assert reason in caught.value.reason
