"""minitron-labextension: the prebuilt JupyterLab 4 extension that renders the minitron kernel's outputs.

The extension's files are installed under share/jupyter/labextensions/minitron-labextension (wheel shared data);
this module only tells JupyterLab where they are for development installs.
"""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    """Where JupyterLab finds the prebuilt extension (relative to this package)."""
    return [{"src": "labextension", "dest": "minitron-labextension"}]
