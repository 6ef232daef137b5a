from django.core.mail import send_mail


def test_site_mail_travels_over_smtp_to_the_sink(smtp_sink):
    send_mail("موضوع", "نص الرسالة", "from@example.com", ["reader@example.com"])
    assert smtp_sink.wait_for(1)
    message = smtp_sink.messages[0]
    assert message["Subject"] == "موضوع"
    assert message.get_content().strip() == "نص الرسالة"
    assert smtp_sink.envelopes[0] == ("from@example.com", ["reader@example.com"])


def test_sink_can_refuse_a_recipient(smtp_sink):
    import smtplib

    import pytest

    smtp_sink.refuse("gone@example.com", 550)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_mail("s", "b", "from@example.com", ["gone@example.com"])
    assert smtp_sink.count == 0
