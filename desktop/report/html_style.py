"""The report page's style sheet: readable on screen, tidy on paper, understood in part by Qt's
rich-text engine (which ignores what it does not know)."""

STYLE = """
body { margin: 0; background: #ffffff; color: #1f2933;
  font-family: "Segoe UI", system-ui, -apple-system, Roboto, "DejaVu Sans", Arial, sans-serif;
  font-size: 14px; }
.page { max-width: 1080px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; color: #102a43; }
h2 { font-size: 19px; margin: 28px 0 8px; color: #102a43; border-bottom: 2px solid #d9e2ec;
  padding-bottom: 4px; }
h2 small, h3 small { font-weight: normal; color: #616e7c; font-size: 13px; }
h3 { font-size: 15px; margin: 18px 0 6px; color: #243b53; }
.meta { color: #616e7c; margin: 0; font-size: 13px; }
.meta.full { font-size: 11px; color: #9aa5b1; word-break: break-all; }
.lead { font-size: 16px; line-height: 1.45; background: #eef4ff; border-left: 4px solid #2563eb;
  padding: 10px 14px; margin: 16px 0 8px; }
table.tiles { border-collapse: separate; table-layout: fixed; margin: 0 -8px; }
td.tile { background: #f8fafc; border: 1px solid #d9e2ec; border-radius: 8px; padding: 10px 12px;
  vertical-align: top; width: 25%; }
td.tile .label { font-size: 12px; color: #616e7c; text-transform: uppercase; letter-spacing: .04em; }
td.tile .figure { font-size: 24px; font-weight: bold; margin: 2px 0; overflow-wrap: anywhere; }
td.tile .note { font-size: 12px; color: #52606d; }
td.tile.good .figure { color: #15803d; }
td.tile.warn { background: #fff8eb; border-color: #f5c26b; }
td.tile.warn .figure { color: #b45309; }
td.tile.bad { background: #fdf0f0; border-color: #f0a5a5; }
td.tile.bad .figure { color: #b91c1c; }
table.grid { border-collapse: collapse; font-size: 13px; }
table.grid th { background: #f0f4f8; text-align: left; font-weight: 600; border: 1px solid #d9e2ec;
  padding: 4px 8px; }
table.grid td { border: 1px solid #d9e2ec; padding: 4px 8px; vertical-align: top; }
table.attention td.num { text-align: right; font-variant-numeric: tabular-nums; }
.title { color: #616e7c; font-size: 12px; }
.badge { display: inline-block; font-size: 11px; font-weight: 600; padding: 1px 7px; border-radius: 9px;
  white-space: nowrap; }
.badge.failed { background: #fde2e2; color: #9b1c1c; }
.badge.conflict { background: #ede9fe; color: #5b21b6; }
.badge.flagged { background: #fef3c7; color: #92400e; }
.ok { color: #15803d; font-weight: 600; }
.chart { margin: 8px 0 16px; }
.chart img, .strip img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
.rowcard { border-top: 1px solid #e4e7eb; padding-top: 4px; break-inside: avoid; page-break-inside: avoid; }
table.changes th.field { background: #f8fafc; white-space: nowrap; }
table.changes td { white-space: nowrap; }
.old { color: #7b8794; text-decoration: line-through; }
.same { color: #7b8794; }
b.gen { background: #dcfce7; color: #14532d; padding: 0 3px; }
.warn { color: #92400e; font-size: 12px; }
ul.warn { margin: 4px 0 6px; padding-left: 18px; }
td.warned, span.warned { background: #fff1d6; }
td.warned { border-bottom: 2px solid #f59e0b; }
.note { color: #52606d; font-size: 12px; }
.legend { color: #52606d; font-size: 13px; }
.footer { margin-top: 32px; color: #9aa5b1; font-size: 12px; }
a { color: #1d4ed8; }
@media print {
  body { background: #ffffff; font-size: 11px; }
  .page { max-width: none; padding: 0; }
  .newpage { break-before: page; page-break-before: always; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .lead { font-size: 13px; }
  td.tile .figure { font-size: 18px; }
}
"""

#: The same look for Qt's rich-text engine (the PDF): only plain class and tag selectors, which it
#: matches quickly (the full sheet makes laying out a long report three times slower), and the
#: properties it knows.
PRINT_STYLE = """
h1 { font-size: 22px; color: #102a43; }
h2 { font-size: 17px; color: #102a43; }
h3 { font-size: 14px; color: #243b53; }
small { color: #616e7c; font-size: 11px; font-weight: normal; }
.meta { color: #616e7c; font-size: 11px; }
.full { color: #9aa5b1; font-size: 10px; }
.lead { font-size: 14px; background-color: #eef4ff; }
.tile { background-color: #f8fafc; border: 1px solid #d9e2ec; }
.label { font-size: 10px; color: #616e7c; }
.figure { font-size: 20px; font-weight: bold; }
.good { color: #15803d; }
.warn { color: #92400e; font-size: 11px; }
.bad { color: #b91c1c; }
.grid { border-collapse: collapse; border-color: #d9e2ec; font-size: 11px; }
th { background-color: #f0f4f8; font-weight: bold; }
.title { color: #616e7c; font-size: 10px; }
.badge { font-size: 10px; font-weight: bold; color: #92400e; background-color: #fef3c7; }
.failed { color: #9b1c1c; background-color: #fde2e2; }
.conflict { color: #5b21b6; background-color: #ede9fe; }
.ok { color: #15803d; font-weight: bold; }
.old { color: #7b8794; text-decoration: line-through; }
.same { color: #7b8794; }
.gen { background-color: #dcfce7; color: #14532d; }
.warned { background-color: #fff1d6; }
.state { font-size: 11px; margin-top: 1px; margin-bottom: 1px; }
.note { color: #52606d; font-size: 11px; }
.legend { color: #52606d; font-size: 11px; }
.footer { color: #9aa5b1; font-size: 10px; }
.newpage { page-break-before: always; }
"""
