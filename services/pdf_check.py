"""Checks for uploaded PDFs and logos: really that kind of file, and not too big."""

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def check_pdf_upload(content, max_mb):
    """An error message for a bad PDF upload, or None when it is fine."""
    if not content:
        return "Choose a PDF file to attach."
    if len(content) > max_mb * 1024 * 1024:
        return f"That PDF is larger than {max_mb} MB."
    if not content.startswith(PDF_MAGIC) or b"%%EOF" not in content[-2048:]:
        return "That file is not a PDF. Attach the invoice as a PDF file."
    return None


def image_type(content):
    """'png' or 'jpeg' for a logo's bytes, else None."""
    if content.startswith(PNG_MAGIC):
        return "png"
    if content.startswith(JPEG_MAGIC):
        return "jpeg"
    return None
