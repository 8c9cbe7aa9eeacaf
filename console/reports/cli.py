"""``python main.py report KIND --period P --out FILE [--format pdf|xlsx|csv]``: a report as a document.

The figures come from a running hub over REST (``--hub URL --token T``, or ``--user`` to log in) or
straight from a hub's data directory (``--data-dir D``, no server needed). Bad kind, period, hub or
directory: one clear line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tomllib
from datetime import date
from pathlib import Path

from console.core.hubapi import HubApi, HubApiError
from console.core.report_figures import Kind, Report, parse_period
from console.reports.export import write_csv, write_xlsx
from console.reports.tables import kind_name, period_text

FORMATS = ("pdf", "xlsx", "csv")
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake the user can fix: printed as it is, exit status 2."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="main.py report",
        description="Write the bureau's air-quality report of a period as PDF, xlsx or csv.",
    )
    p.add_argument("kind", help=f"one of {', '.join(Kind)}")
    p.add_argument("--period", required=True, help="2015-12-01, 2015-W49, 2015-12, 2015 or START/END")
    p.add_argument("--out", required=True, type=Path, help="the file to write (csv: a zip of CSV files)")
    p.add_argument("--format", choices=FORMATS, help="default: from the --out suffix, else pdf")
    p.add_argument("--hub", help="a running hub: http(s):// or ws(s):// address")
    p.add_argument("--token", default=os.environ.get("ECO_HUB_TOKEN", ""), help="the hub's API token")
    p.add_argument("--user", help="log in to the hub as this user (password from ECO_HUB_PASSWORD)")
    p.add_argument("--data-dir", type=Path, help="a hub's data directory, read without a server")
    p.add_argument(
        "--dust", default="", help="dust days to deduct from concentrations: 2015-03-28,2015-04-15"
    )
    p.add_argument("--bureau", default="", help="the issuing bureau's name in the title block")
    return p.parse_args(argv)


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = args.out.suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else ("csv" if suffix == "zip" else "pdf")


def fetch(args: argparse.Namespace) -> tuple[Report, str]:
    """The report's figures and the bureau's name, from the hub or its data directory."""
    try:
        parse_period(args.kind, args.period)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if (args.hub is None) == (args.data_dir is None):
        raise UsageError("give either --hub URL (with --token or --user) or --data-dir D")
    if args.data_dir is not None:
        # The hub's own code reads its data directory; by name, as console/entry.py runs the hub.
        hub_report = importlib.import_module("console.hub.report")
        try:
            found: Report = hub_report.report_from_data_dir(
                args.data_dir, args.kind, args.period, dust=args.dust
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        bureau = args.bureau or _site_bureau(args.data_dir)
        return found, bureau
    return asyncio.run(_fetch_rest(args)), args.bureau


async def _fetch_rest(args: argparse.Namespace) -> Report:
    try:
        api = HubApi(args.hub, args.token)
    except (ValueError, OSError) as exc:
        raise UsageError(f"--hub {args.hub}: {exc}") from None
    try:
        if args.user:
            await api.login(args.user, os.environ.get("ECO_HUB_PASSWORD", ""))
        return await api.report_figures(args.kind, args.period, args.dust)
    except HubApiError as exc:
        raise UsageError(f"the hub at {args.hub} did not give the report: {exc}") from None
    finally:
        await api.close()


def _site_bureau(data_dir: Path) -> str:
    """The bureau's name from the site's name (site.toml), else none."""
    try:
        with (data_dir / "site" / "site.toml").open("rb") as handle:
            name = tomllib.load(handle).get("name", "")
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    return f"{name}生态环境局" if isinstance(name, str) and name else ""


def write(report: Report, out: Path, fmt: str, bureau: str = "") -> tuple[Path, str]:
    """Write the report in a format; returns the path written and what it holds."""
    if fmt == "pdf":
        from console.reports.pdf import write_pdf  # Qt only for the PDF

        pages = write_pdf(report, out, bureau=bureau, issued=date.today())
        return out, f"{pages} pages"
    if fmt == "xlsx":
        return write_xlsx(report, out, title=f"{bureau}环境空气质量{kind_name(report.kind)}"), "workbook"
    return write_csv(report, out), "zip of CSV files"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    fmt = output_format(args)
    try:
        if not args.out.parent.is_dir():
            raise UsageError(f"--out {args.out}: the folder {args.out.parent} does not exist")
        report, bureau = fetch(args)
        path, what = write(report, args.out, fmt, bureau)
    except UsageError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"report: cannot write {args.out}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{path}: {kind_name(report.kind)} {period_text(report)}, {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
