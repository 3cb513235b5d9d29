"""Build hooks of the documentation site (mkdocs.yml).

The docstrings cross-reference in Sphinx's style (:class:`Pool`); mkdocstrings
renders the name as code but leaves the role's prefix, which this drops, and
shows ``~a.b.C`` as ``C``, as Sphinx does.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|data|mod|exc|obj|const|term):(?=<code)")
_SHORTENED = re.compile(r"<code>~(?:[\w]+\.)*(\w+)</code>")


def on_page_content(html: str, **kwargs: object) -> str:
    return _SHORTENED.sub(r"<code>\1</code>", _ROLE.sub("", html))
