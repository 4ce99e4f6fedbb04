"""The HTML report: one self-contained file with a Gantt chart, the weekly load, a burn-up
and the milestone, deadline and session tables (DESIGN §11).

``picture.py`` computes what to draw; ``render.py`` fills the Jinja2 templates with it.
"""

from __future__ import annotations

from plan2cal.htmlreport.picture import Picture, ReportInput, build_picture
from plan2cal.htmlreport.render import render_picture, report_html

__all__ = ["Picture", "ReportInput", "build_picture", "render_picture", "report_html"]
