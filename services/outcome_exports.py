"""The outcomes as files: a CSV for spreadsheets and an accessible SVG chart (docs/outcomes.md)."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from xml.sax.saxutils import escape

from services.checkins.instruments import INSTRUMENTS
from services.errors import InvalidInputError
from services.outcomes import GROUP_LABELS, Cell, MeasureOutcome, OutcomeSummary

CSV_COLUMNS = ("scope", "since", "until", "generated_at", "instrument", "measure", "higher_is_better", "group",
               "people", "suppressed", "mean_first", "mean_latest", "mean_change", "direction")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_csv(result: OutcomeSummary) -> str:
    """One row per (instrument, measure, group), with a header; starts with a byte-order mark so that
    spreadsheets read it as UTF-8. Suppressed cells show "<10" people and empty means."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    context = (result.scope.description, _iso(result.since), _iso(result.until), _iso(result.generated_at))
    for outcome in result.measures:
        for cell in outcome.groups:
            people = f"<{result.min_cell_size}" if cell.suppressed else cell.n
            writer.writerow([_neutralise(value) for value in (
                *context, outcome.instrument, outcome.measure, outcome.higher_is_better, GROUP_LABELS[cell.group],
                people, cell.suppressed, cell.mean_first, cell.mean_latest, cell.mean_change, cell.direction)])
    return "\ufeff" + out.getvalue()


def _neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection);
    numbers are written as numbers, so a negative change stays a number."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _iso(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


CHART_WIDTH, CHART_HEIGHT, PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 560, 300, 60, 250, 50  # bars stay below the legend
BAR_WIDTH, GROUP_WIDTH = 50, 170
COLOURS = {"first": "#9aa5b1", "latest": "#1f6feb"}  # grey then blue: also told apart by their labels


def chart_svg(result: OutcomeSummary, instrument: str, measure: str) -> str:
    """A self-contained SVG bar chart: mean first vs latest score per group, with a text alternative."""
    outcome = _find(result, instrument, measure)
    scale = INSTRUMENTS[instrument].measure(measure)
    top = scale.high  # bars on the measure's own scale
    title = f"{INSTRUMENTS[instrument].name}, {scale.name}: mean first and latest score"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(_describe(result, outcome))}</desc>',
        f'<line x1="{PLOT_LEFT}" y1="{PLOT_BOTTOM}" x2="{CHART_WIDTH - 10}" y2="{PLOT_BOTTOM}" stroke="#333"/>',
        f'<text x="{PLOT_LEFT}" y="20" font-weight="bold">{escape(title)}</text>',
    ]
    for index, cell in enumerate(outcome.groups):
        parts += _group_bars(cell, PLOT_LEFT + 10 + index * GROUP_WIDTH, top, result.min_cell_size)
    parts += [f'<rect x="{PLOT_LEFT + 300}" y="28" width="10" height="10" fill="{COLOURS["first"]}"/>',
              f'<text x="{PLOT_LEFT + 314}" y="37">first</text>',
              f'<rect x="{PLOT_LEFT + 360}" y="28" width="10" height="10" fill="{COLOURS["latest"]}"/>',
              f'<text x="{PLOT_LEFT + 374}" y="37">latest</text>', "</svg>"]
    return "\n".join(parts)


def _find(result: OutcomeSummary, instrument: str, measure: str) -> MeasureOutcome:
    if instrument not in INSTRUMENTS:
        raise InvalidInputError("instrument", f"Unknown instrument; one of {', '.join(INSTRUMENTS)}.")
    for outcome in result.measures:
        if outcome.instrument == instrument and outcome.measure == measure:
            return outcome
    keys = ", ".join(m.key for m in INSTRUMENTS[instrument].measures)
    raise InvalidInputError("measure", f"Unknown measure; one of {keys}.")


def _group_bars(cell: Cell, x: int, top: float, min_cell: int) -> list[str]:
    label = f'<text x="{x + BAR_WIDTH}" y="{PLOT_BOTTOM + 18}" text-anchor="middle">{GROUP_LABELS[cell.group]}</text>'
    if cell.suppressed:
        return [label, f'<text x="{x + BAR_WIDTH}" y="{PLOT_BOTTOM - 20}" text-anchor="middle" fill="#555">'
                       f'fewer than {min_cell} people</text>']
    bars = [label, f'<text x="{x + BAR_WIDTH}" y="{PLOT_BOTTOM + 34}" text-anchor="middle">{cell.n} people</text>']
    for offset, (kind, value) in enumerate((("first", cell.mean_first), ("latest", cell.mean_latest))):
        height = (PLOT_BOTTOM - PLOT_TOP) * value / top
        left = x + offset * BAR_WIDTH
        bars += [f'<rect x="{left}" y="{PLOT_BOTTOM - height:.1f}" width="{BAR_WIDTH - 6}" height="{height:.1f}" '
                 f'fill="{COLOURS[kind]}"><title>{kind}: {value}</title></rect>',
                 f'<text x="{left + (BAR_WIDTH - 6) / 2}" y="{PLOT_BOTTOM - height - 4:.1f}" '
                 f'text-anchor="middle">{value}</text>']
    return bars


def _describe(result: OutcomeSummary, outcome: MeasureOutcome) -> str:
    """The chart in words, for screen readers."""
    better = "higher" if outcome.higher_is_better else "lower"
    parts = [f"{result.scope.description}. {better.capitalize()} scores are better."]
    for cell in outcome.groups:
        if cell.suppressed:
            parts.append(f"{GROUP_LABELS[cell.group]}: fewer than {result.min_cell_size} people, not shown.")
        else:
            parts.append(f"{GROUP_LABELS[cell.group]}: {cell.n} people, mean first {cell.mean_first}, "
                         f"mean latest {cell.mean_latest}, mean change {cell.mean_change} ({cell.direction}).")
    return " ".join(parts)
