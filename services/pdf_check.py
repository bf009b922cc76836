"""Checks for uploaded PDFs and logos: really that kind of file, and not too big."""

import io
import logging
import struct
import warnings
import zlib

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
NOT_A_PDF = "That file is not a PDF. Attach the invoice as a PDF file."


def check_pdf_upload(content, max_mb):
    """An error message for a bad PDF upload, or None when it is fine."""
    if not content:
        return "Choose a PDF file to attach."
    if len(content) > max_mb * 1024 * 1024:
        return f"That PDF is larger than {max_mb} MB."
    if not content.startswith(PDF_MAGIC) or b"%%EOF" not in content[-2048:]:
        return NOT_A_PDF
    if not _parses_as_pdf(content):
        return NOT_A_PDF
    return None


def _parses_as_pdf(content):
    """True when pypdf reads the file as a document with at least one page.

    The magic bytes alone let through an HTML page that merely starts with %PDF- and ends with
    %%EOF (a polyglot a browser might render as HTML); a real parse refuses it.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # its warnings about a file we refuse are noise
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content), strict=False)
            return len(reader.pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, struct.error, zlib.error):
        return False
    finally:
        pypdf_log.setLevel(level)


def image_type(content):
    """'png' or 'jpeg' for a logo's bytes, else None."""
    if content.startswith(PNG_MAGIC):
        return "png"
    if content.startswith(JPEG_MAGIC):
        return "jpeg"
    return None
