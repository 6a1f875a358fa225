"""The review's stylesheet: one palette of field colours (classes ``gr-c0`` … ``gr-c11``), shared by the
self-contained file (inlined, allowed by its own Content-Security-Policy hash) and the web page (served
as a stylesheet: the app's policy allows no inline style).  No inline ``style`` attribute is ever
written, so both policies hold."""

from __future__ import annotations

import base64
import hashlib

# (fill, edge) per colour: light enough to read dark text on, edges far apart in hue.
PALETTE = (
    ("#dbeafe", "#1d4ed8"),  # blue
    ("#fef3c7", "#b45309"),  # amber
    ("#dcfce7", "#15803d"),  # green
    ("#fce7f3", "#be185d"),  # pink
    ("#ede9fe", "#6d28d9"),  # violet
    ("#ccfbf1", "#0f766e"),  # teal
    ("#ffedd5", "#c2410c"),  # orange
    ("#ecfccb", "#4d7c0f"),  # lime
    ("#ffe4e6", "#be123c"),  # rose
    ("#e0f2fe", "#0369a1"),  # sky
    ("#fae8ff", "#a21caf"),  # fuchsia
    ("#e7e5e4", "#57534e"),  # stone
)

_COLOURS = "\n".join(
    f".gr-c{index} {{ --gr-fill: {fill}; --gr-edge: {edge}; }}" for index, (fill, edge) in enumerate(PALETTE)
)

REVIEW_CSS = (
    """/* Genie review: the text with each value found in it marked in its field's colour. */
.gr { --gr-low: #b71c1c; --gr-line: #ddd; --gr-muted: #666; }
.gr-summary { margin: .3rem 0 .6rem; }
.gr-legend { display: flex; flex-wrap: wrap; gap: .3rem .9rem; list-style: none; padding: 0;
  margin: .4rem 0; }
.gr-legend li { white-space: nowrap; }
.gr-key { font-size: .9em; }
.gr-swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; background: var(--gr-fill);
  border: 1px solid var(--gr-edge); vertical-align: -.1em; margin-right: .3em; }
.gr-text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0; padding: .8rem; line-height: 1.9;
  font: inherit; background: #fff; border: 1px solid var(--gr-line); border-radius: 6px; }
.gr-text mark { position: relative; color: inherit; background: var(--gr-fill); border-radius: 3px;
  border-bottom: 2px solid var(--gr-edge); padding: .05em 0; cursor: help; }
.gr-text mark.gr-stacked { border-bottom-style: double; border-bottom-width: 4px; }
.gr-text mark.gr-low { text-decoration: underline wavy var(--gr-low); text-decoration-skip-ink: none;
  text-underline-offset: .25em; }
.gr-text mark:hover { outline: 2px solid var(--gr-edge); }
.gr-text mark:hover::after { content: attr(data-field); position: absolute; left: 0; bottom: 100%; z-index: 2;
  padding: .05rem .4rem; border-radius: 4px; background: #1d1d1f; color: #fff; font-size: .75rem;
  line-height: 1.4; white-space: nowrap; pointer-events: none; }
.gr-scroll { overflow-x: auto; }
.gr-leaves { border-collapse: collapse; width: 100%; margin: .6rem 0; }
.gr-leaves th, .gr-leaves td { text-align: left; padding: .35rem .5rem; vertical-align: top;
  border-bottom: 1px solid var(--gr-line); overflow-wrap: break-word; }
.gr-leaves code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; }
.gr-leaves .gr-quote { color: var(--gr-muted); }
tr.gr-missing td.gr-where { color: #8a5300; font-style: italic; }
tr.gr-low td.gr-sure { color: var(--gr-low); font-weight: 600; }
.gr-flag { display: inline-block; margin-left: .3em; padding: 0 .4em; border-radius: 999px; font-size: .75em;
  font-weight: 600; font-style: normal; background: #fdecea; color: var(--gr-low); }
tr.gr-missing td.gr-where .gr-flag { background: #fff4e5; color: #8a5300; }
@media (max-width: 600px) {
  .gr-leaves th, .gr-leaves td { padding: .3rem .2rem; font-size: .85rem; }
  .gr-text { padding: .5rem; }
}
"""
    + _COLOURS
    + "\n"
)

# The standalone file's own page style, beside the review's.
_DOCUMENT_CSS = """body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: #1d1d1f;
  background: #fafafa; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; }
"""

DOCUMENT_STYLE = _DOCUMENT_CSS + REVIEW_CSS
"""What the self-contained file's one ``<style>`` element holds."""

_STYLE_HASH = base64.b64encode(hashlib.sha256(DOCUMENT_STYLE.encode("utf-8")).digest()).decode("ascii")

DOCUMENT_CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none'; script-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
"""The file's policy: its own stylesheet and nothing else (no script, no request anywhere), so even a
text that escaped the escaping could not run or load anything.  Also sent as the header when the web app
serves the file."""
