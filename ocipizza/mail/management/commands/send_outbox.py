import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocipizza.mail import outbox_send_due
from ocipizza.middleware import UNAVAILABLE
from ocipizza.nosql import StoreUnavailable
from ocipizza.nosql.commands import store_error_message, store_errors_as_command_error

# With --loop, a store that does not answer is waited for, checking again this often at most.
LONGEST_OUTAGE_WAIT = 60.0


class Command(BaseCommand):
    help = (
        "Send the e-mails waiting in the outbox. Safe to run in several processes at once: each message is "
        "claimed with a conditional write before it is sent. Run it from cron, or with --loop as a service."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=50, help="messages per round (default 50)")
        parser.add_argument("--loop", action="store_true", help="keep running, one round every --interval")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds with --loop")
        parser.add_argument(
            "--now",
            action="store_true",
            help="ignore the retry back-off and try every unsent message now (e.g. once SMTP is back)",
        )

    def handle(self, *args, batch, loop, interval, now, **options):
        if not 1 <= batch <= 1000:
            raise CommandError("--batch must be between 1 and 1000")
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds")
        wait = interval
        try:
            while True:
                if not loop:
                    with store_errors_as_command_error():
                        self.round(batch, now)
                    return
                try:
                    self.round(batch, now)
                    wait = interval
                except UNAVAILABLE as e:
                    # A service outlives an outage of the store (or of Redis): the mail stays queued in
                    # the store and goes out once it answers again. Waits grow, up to LONGEST_OUTAGE_WAIT.
                    wait = min(max(wait * 2, interval), LONGEST_OUTAGE_WAIT)
                    reason = store_error_message(e) if isinstance(e, StoreUnavailable) else f"Redis: {e}."
                    self.stderr.write(f"{reason} Trying again in {wait:g} s.")
                time.sleep(wait)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def round(self, batch, ignore_backoff):
        report = outbox_send_due(batch=batch, ignore_backoff=ignore_backoff, progress=self.stdout.write)
        for path in report.producer_errors:
            self.stderr.write(f"{path} failed (see the log); the messages already queued were still sent.")
        total = len(report.sent) + len(report.retrying) + len(report.failed) + len(report.skipped)
        if not total:
            self.stdout.write("Outbox: nothing due.")
            return
        summary = (
            f"Outbox: {len(report.sent)} sent, {len(report.retrying)} will be retried, "
            f"{len(report.failed)} given up, {len(report.skipped)} taken by another sender."
        )
        if report.retrying or report.failed:
            where = (
                "MAIL_FN_* and the function's log"
                if settings.MAIL_DISPATCHER == "oci_functions"
                else "EMAIL_URL"
            )
            self.stdout.write(self.style.WARNING(f"{summary} See the log for the errors; check {where}."))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
