"""The feedback page exporter, and a warm-up that renders one page before units fork."""
from __future__ import annotations

import re

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

# --------------------------------------------------------------------------- exporter
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)", re.IGNORECASE)
NO_ALT = "No description has been provided for this image"


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter without its BeautifulSoup pass over the finished page.

    ``HTMLExporter.from_notebook_node`` re-parses the whole page (every Pygments token is a
    tag) only to add missing ``alt`` texts and, in the ``lab`` template, ``tabindex``
    attributes.  On a lab's feedback page that pass was half of the rendering time (~0.2 s
    per submission).  nbgrader's feedback template extends ``classic``, which has no
    ``tabindex`` targets, so this class does the alt-text part with one regular expression
    and renders everything else exactly as ``HTMLExporter`` does (tests/test_pipeline.py
    compares the two pages).  Selected by ``GenerateFeedback.exporter_class`` in
    autograder/config.py; the template configuration nbgrader sets on ``HTMLExporter``
    applies to this subclass too.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        """Same filters as ``HTMLExporter.from_notebook_node``; returns ``(html, resources)``."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", data_types)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', html), resources


# --------------------------------------------------------------------------- warm-up
#: A 1x1 PNG: enough for the exporter's image path (the page embeds it as base64).
_PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJ"
          "RU5ErkJggg==")


def _warm_notebook():
    """A small notebook with every kind of cell and output a feedback page shows."""
    from nbformat import v4

    code = v4.new_code_cell("import numpy as np\nx = np.ones((2, 3)) @ np.ones((3, 1))\nprint(x)", outputs=[
        v4.new_output("stream", name="stdout", text="[[3.]\n [3.]]\n"),
        v4.new_output("display_data", data={"image/png": _PIXEL, "text/plain": "<Figure>"}),
        v4.new_output("error", ename="AssertionError", evalue="warm-up", traceback=["AssertionError: warm-up"]),
    ])
    code.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "warm", "points": 1, "score": 0}
    return v4.new_notebook(cells=[v4.new_markdown_cell("# Warm-up\nA formula $y = XW + b$ and `code`."), code],
                           metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}})


def configured_exporter(config, exporter_class=None):
    """An exporter set up as ``GenerateFeedback`` sets up its own, minus ``GetGrades``.

    ``exporter_class`` defaults to the configured one (``FeedbackExporter``).  ``GetGrades``
    reads the gradebook; pages rendered here carry the scores given in ``resources``.
    """
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = (exporter_class or converter.exporter_class)(parent=converter, config=converter.config)
    for pp in converter.preprocessors:
        exporter.register_preprocessor(pp)
    exporter._preprocessors = [pp for pp in exporter._preprocessors if not isinstance(pp, GetGrades)]
    return exporter


def warm(config) -> None:
    """Render one throw-away feedback page, as ``GenerateFeedback`` is configured.

    The first page a process renders pays for lazy imports, template loading, Pygments
    lexer discovery and CSS reads (~0.5 s of the ~0.9 s a forked unit spent on feedback,
    measured on lab 01).  Called in the pipeline before it forks its units (and in every
    Dask worker's fork server), so each unit starts warm.  Best effort: a failure here only
    costs time, never a grade.
    """
    try:
        resources = {"nbgrader": {"notebook": "warm-up", "score": 0, "max_score": 1, "late_penalty": 0}}
        configured_exporter(config).from_notebook_node(_warm_notebook(), resources=resources)
    except Exception:
        import logging
        logging.getLogger(__name__).debug("feedback warm-up failed", exc_info=True)
