"""Student-controlled HTML made harmless before a TA's browser renders it.

nbconvert's ``SanitizeHTML`` (bleach) with a tag list wide enough for lab notebooks (tables,
headings, images, details) and no way to run code: no ``<script>``, no ``on*`` attributes, no
``javascript:`` URLs, no JavaScript or widget outputs, no SVG (it can carry scripts; plots are
PNG).  Runs in the autograde pass (so the autograded notebook formgrader shows is clean) and
again in the feedback pass.
"""
from __future__ import annotations

from bleach import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from nbconvert.preprocessors.sanitize import SanitizeHTML
from traitlets import Bool

TAGS = sorted(set(ALLOWED_TAGS) | {
    "p", "div", "span", "br", "hr", "pre", "sub", "sup", "img", "table", "thead", "tbody", "tr", "th", "td",
    "h1", "h2", "h3", "h4", "h5", "h6", "details", "summary", "dl", "dt", "dd", "del", "ins", "kbd", "s", "u"})
ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": ["src", "alt", "title", "width", "height"],
              "td": ["colspan", "rowspan", "align"], "th": ["colspan", "rowspan", "align"],
              "*": ["class", "title"]}


class SanitizeStudentContent(SanitizeHTML):
    enabled = Bool(True).tag(config=True)   # nbconvert preprocessors are off unless enabled

    def __init__(self, **kw):
        super().__init__(**kw)
        self.tags = TAGS
        self.attributes = ATTRIBUTES

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "attachments" in cell:
            # Attachments render as data: URLs; only raster images are kept.
            cell.attachments = {name: {k: v for k, v in data.items() if k in ("image/png", "image/jpeg")}
                                for name, data in cell.attachments.items()}
        return super().preprocess_cell(cell, resources, index)
