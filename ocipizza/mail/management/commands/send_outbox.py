import time

from django.core.management.base import BaseCommand, CommandError

from ocipizza.mail import outbox_send_due
from ocipizza.nosql.commands import store_errors_as_command_error


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
        try:
            while True:
                self.round(batch, now)
                if not loop:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def round(self, batch, ignore_backoff):
        with store_errors_as_command_error():
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
            self.stdout.write(self.style.WARNING(summary + " See the log for the errors; check EMAIL_URL."))
        else:
            self.stdout.write(self.style.SUCCESS(summary))
