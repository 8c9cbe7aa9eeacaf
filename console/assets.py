"""Where the console's data files are: resources/ beside the package, or inside it once installed."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """resources/: inside the package after ``pip install``, else beside it (source tree, frozen build)."""
    installed = _PACKAGE / "resources"
    return installed if installed.is_dir() else _PACKAGE.parent / "resources"


RESOURCES = resources_dir()
# A CJK font and a fontconfig file naming it, which only the frozen build carries (packaging/fonts/).
FONTS = RESOURCES.parent / "fonts"
