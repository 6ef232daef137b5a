"""Logs keep readers' e-mail addresses and secret tokens out."""

import logging

from kawalis.logs import RedactPersonalData, redact


def test_email_addresses_are_replaced():
    assert redact("sent digest to amina.b+news@example.ma ok") == "sent digest to [email] ok"


def test_tokens_in_paths_and_query_strings_are_replaced():
    line = "Not Found: /newsletter/confirm/MTI:1tQx9a:Zk3n0b8xQ2Vd7pLmA9sYt1/ ?token=abc&x=1"
    cleaned = redact(line)
    assert "MTI:1tQx9a" not in cleaned
    assert "token=abc" not in cleaned
    assert "[token]" in cleaned
    assert "x=1" in cleaned


def test_readable_slugs_and_arabic_text_are_kept():
    line = "GET /article/12/breaking-news-from-rabat-2026-11-29/ خبر عاجل"
    assert redact(line) == line


def test_filter_rewrites_the_record_with_its_arguments(caplog):
    logger = logging.getLogger("kawalis.tests.redaction")
    logger.addFilter(RedactPersonalData())
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("subscriber %s confirmed", "reader@example.com")
    finally:
        logger.filters.clear()
    assert caplog.records[-1].getMessage() == "subscriber [email] confirmed"
