from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backoffice.reports import exports, selectors
from backoffice.reports.forms import DAY, MONTH, RANGE, WEEK, PeriodForm
from ocipizza.formatting import money
from orders.sales.selectors import sales_timezone, today
from orders.sales.services import sales_rebuild


def now():
    """The command's clock (tests set it)."""
    return timezone.now()


def brl(amount) -> str:
    return f"R$ {money(amount)}"


class Command(BaseCommand):
    help = (
        "Sales figures from the per-day totals: `report --day 2026-11-28` prints a day's figures (also "
        "--week DAY, --month YYYY-MM, --from/--to), `--csv` writes the orders behind them as CSV to "
        "stdout. `report --rebuild` recomputes the per-day totals from the orders (every day since the "
        "first order, or the period given), for instance after a crash between an order's write and its "
        "day's; `--dry-run` only says which days would change."
    )

    def add_arguments(self, parser):
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--day", help="a business day, YYYY-MM-DD (default: today)")
        period.add_argument("--week", help="the week (Monday to Sunday) holding this day, YYYY-MM-DD")
        period.add_argument("--month", help="a month, YYYY-MM")
        period.add_argument("--from", dest="start", help="first day of a range (with --to), YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day of a range, YYYY-MM-DD (at most 31 days)")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--csv", action="store_true", help="write the period's orders as CSV")
        action.add_argument("--rebuild", action="store_true", help="recompute the per-day totals")
        parser.add_argument("--dry-run", action="store_true", help="with --rebuild: change nothing")

    def handle(self, *args, day, week, month, start, end, csv, rebuild, dry_run, **options):
        now_ = now()
        tz = sales_timezone()
        current = today(now=now_, timezone=tz)
        if dry_run and not rebuild:
            raise CommandError("--dry-run goes with --rebuild (nothing else writes).")
        if rebuild and not (day or week or month or start):
            self._rebuild(first=None, last=current, now=now_, dry_run=dry_run)
            return
        first, last = self._period(day=day, week=week, month=month, start=start, end=end, today=current)
        if rebuild:
            self._rebuild(first=first, last=last, now=now_, dry_run=dry_run)
        elif csv:
            for line in exports.orders_csv_lines(first=first, last=last, timezone=tz):
                self.stdout.write(line, ending="")
        else:
            self._print(selectors.report_get(first=first, last=last))

    def _period(self, *, day, week, month, start, end, today):
        if end and not start:
            raise CommandError("--to goes with --from.")
        if month:
            data = {"periodo": MONTH, "data": f"{month}-01"}
        elif week:
            data = {"periodo": WEEK, "data": week}
        elif start:
            data = {"periodo": RANGE, "de": start, "ate": end or ""}
        else:
            data = {"periodo": DAY, "data": day or today.isoformat()}
        form = PeriodForm(data, today=today)
        if not form.is_valid():
            messages = [str(error) for errors in form.errors.values() for error in errors]
            raise CommandError(" ".join(messages))
        return form.period

    def _rebuild(self, *, first, last, now, dry_run):
        def progress(rebuilt):
            state = ("would change" if dry_run else "rebuilt") if rebuilt.changed else "unchanged"
            self.stdout.write(f"{rebuilt.day.isoformat()}: {rebuilt.orders} orders, {state}")

        done = sales_rebuild(first=first, last=last, now=now, dry_run=dry_run, progress=progress)
        changed = sum(rebuilt.changed for rebuilt in done)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(self.style.SUCCESS(f"{len(done)} days checked, {changed} {verb}."))

    def _print(self, report):
        w = self.stdout.write
        period = report.first.isoformat() if report.is_one_day else f"{report.first} to {report.last}"
        w(f"Sales {period}")
        w(f"  revenue          {brl(report.revenue)} ({report.revenue_orders} orders)")
        w(f"  average ticket   {brl(report.average_ticket)}")
        w(f"  orders placed    {report.placed}")
        w(f"  delivery fees    {brl(report.fees)}")
        w(f"  canceled         {report.canceled_orders} ({brl(report.canceled_value)})")
        w(f"  PIX pending      {report.pending_orders} ({brl(report.pending_value)})")
        w("By payment")
        for line in report.by_payment:
            w(f"  {line.key:<16} {line.orders:>5}  {brl(line.value)}")
        w("By fulfilment")
        for line in report.by_fulfilment:
            w(f"  {line.key:<16} {line.orders:>5}  {brl(line.value)}")
        w("Top items")
        for line in report.top_items:
            w(f"  {line.orders:>5}  {line.label}  {brl(line.value)}")
        w("Orders by hour")
        for line in report.hours:
            w(f"  {line.key}h {line.orders:>5}  {brl(line.value)}")
        if report.cancel_reasons:
            w("Cancellation reasons")
            for line in report.cancel_reasons:
                w(f"  {line.orders:>5}  {line.label or '(none)'}")
        w("Cash")
        w(
            f"  tendered {brl(report.cash_tendered)}, change given {brl(report.cash_change)}, "
            f"in the drawer {brl(report.cash_value)}"
        )
        w(
            f"PIX confirmed {report.pix_confirmed_orders} ({brl(report.pix_confirmed_value)}), "
            f"pending {report.pending_orders} ({brl(report.pending_value)})"
        )
