"""salesplan's text sources, installed as the package data of xl_addin.templates."""
