"""The monthly report as PDF (reportlab): the document frame in document.py, the package's story in package.py."""
