"""Where salesplan's text sources are: `templates/`, installed as the package data of
`xl_addin.templates` (setup.cfg maps it), so a wheel install finds them as an editable one does."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

TEMPLATES = Path(str(files("xl_addin.templates")))
