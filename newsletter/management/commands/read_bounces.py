"""``manage.py read_bounces``: apply the bounce and complaint reports waiting in the bounce mailbox.

Run it from cron every few minutes, like ``send_newsletter``. Each message read is marked so
that it is not read again (``newsletter/bounce_mailboxes.py``); a report read twice all the
same (a run killed in between) counts once.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from newsletter.bounce_mailboxes import ImapSource, MailboxError, MaildirSource
from newsletter.bounces import ReadReport, read_bounces


class Command(BaseCommand):
    help = (
        "Read bounce and complaint reports from a Maildir folder and/or an IMAP mailbox and stop "
        "mail to the addresses they are about."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--maildir",
            metavar="PATH",
            help="The Maildir folder the bounces arrive in (default: NEWSLETTER_BOUNCE_MAILDIR).",
        )
        parser.add_argument(
            "--imap",
            metavar="URL",
            help=(
                "imaps://user:password@host/INBOX[?processed=FOLDER] (default: NEWSLETTER_BOUNCE_IMAP); "
                "the environment variable keeps the password out of the process list."
            ),
        )

    def handle(self, *args, maildir=None, imap=None, **options):
        if maildir is None and imap is None:
            maildir, imap = settings.NEWSLETTER_BOUNCE_MAILDIR, settings.NEWSLETTER_BOUNCE_IMAP
        try:
            sources = [MaildirSource(maildir)] if maildir else []
            sources += [ImapSource(imap)] if imap else []
        except MailboxError as error:
            raise CommandError(str(error)) from error
        if not sources:
            raise CommandError(
                "Nothing to read: give --maildir PATH or --imap URL "
                "(or set NEWSLETTER_BOUNCE_MAILDIR or NEWSLETTER_BOUNCE_IMAP)."
            )
        total = ReadReport()
        for source in sources:
            report = ReadReport()
            try:
                read_bounces([source], report)
            except MailboxError as error:
                if report.total:
                    self.stdout.write(f"{source}, until the error: {report}")
                raise CommandError(str(error)) from error
            self.stdout.write(f"{source}: {report}")
            total.add_report(report)
        if len(sources) > 1:
            self.stdout.write(f"In all: {total}")
