"""A clean A4 PDF of the firm's own documents, rendered with fpdf2 from its details in Settings.

Supplier documents are the supplier's: Ledgerlink keeps the PDF they sent and never renders one as
if the firm had issued it. A void document carries a VOID mark; a document from a firm whose
details are incomplete is a preview marked NOT READY TO SEND, and cannot be downloaded.
"""

from io import BytesIO

from fpdf import FPDF

from models.firm import FirmProfile
from models.money import format_price

TITLES = {"sales_invoice": "INVOICE", "sales_credit_note": "CREDIT NOTE"}
SUPPLIER_NOT_SENT = ("This is the supplier's own document: the firm receives it and does not "
                     "send it, so there is nothing to mark sent.")
SUPPLIER_NO_PDF = ("This is the supplier's own document, so Ledgerlink does not render it as if "
                   "the firm had issued it. Attach the PDF the supplier sent.")


def pdf_refusal(document, download):
    """Why Ledgerlink will not render (or let you download) this document's PDF now, or None."""
    if not document.is_sales:
        return SUPPLIER_NO_PDF
    missing = FirmProfile.current().missing_for_documents()
    if download and missing:
        return (f"Not ready to send: the PDF still lacks {' and '.join(missing)}. An "
                "administrator fills them in under Settings, Firm details.")
    return None


def _text(value):
    """Text for the built-in fonts, which cover Latin-1 only."""
    return str(value or "").encode("latin-1", "replace").decode("latin-1")


def _money(document, amount):
    return f"{document.currency} {amount:,.2f}"


def _address_block(pdf, x, y, label, title, lines):
    pdf.set_xy(x, y)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(80, 4, label.upper(), new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(80, 5, _text(title), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in lines:
        pdf.cell(80, 5, _text(line), new_x="LEFT", new_y="NEXT")


def _firm_lines(firm):
    lines = [firm.address_line1, firm.address_line2, firm.city, firm.postcode, firm.email,
             firm.phone]
    if firm.vat_number:
        lines.append(f"VAT {firm.vat_number}")
    return [line for line in lines if line]


def _header(pdf, document, firm):
    if firm.logo:
        pdf.image(BytesIO(bytes(firm.logo)), x=15, y=12, h=18)
        top = 34
    else:
        top = 15
    _address_block(pdf, 15, top, "From", firm.name or "Your firm (set in Settings)",
                   _firm_lines(firm))
    pdf.set_xy(120, 15)
    pdf.set_font("Helvetica", "B", 18)
    title = TITLES.get(document.kind, "DOCUMENT")
    pdf.cell(75, 10, f"VOID {title}" if document.status == "void" else title, align="R",
             new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    facts = [("Number", document.number), ("Issue date", document.issue_date.isoformat())]
    if document.due_date:
        facts.append(("Due date", document.due_date.isoformat()))
    if document.reference:
        facts.append(("Reference", document.reference))
    if document.original_id:
        facts.append(("Credit for", document.original.number))
    for label, value in facts:
        pdf.cell(75, 5, _text(f"{label}: {value}"), align="R", new_x="LEFT", new_y="NEXT")
    contact = document.contact
    lines = contact.address_lines()
    if document.care_of_id:
        lines.append(f"c/o {document.care_of.name}")
    if contact.vat_number:
        lines.append(f"VAT {contact.vat_number}")
    label = "Credit to" if document.is_credit_note else "Bill to"
    _address_block(pdf, 15, max(pdf.get_y(), top + 35) + 5, label, contact.name, lines)


def _lines_table(pdf, document):
    pdf.ln(6)
    widths = (85, 20, 25, 20, 30)
    heads = ("Description", "Qty", "Unit price", "Tax %", "Net")
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(235, 238, 240)
    for width, head in zip(widths, heads, strict=True):
        pdf.cell(width, 7, head, border="B", fill=True, align="L" if head == "Description" else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in document.ordered_lines():
        cells = (_text(line.description)[:60] or "-", f"{line.quantity.normalize():f}",
                 format_price(line.unit_price), f"{line.tax_rate.normalize():f}",
                 f"{line.net:,.2f}")
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(width, 6, cell, border="B", align="L" if width == 85 else "R")
        pdf.ln()


def _totals(pdf, document, firm):
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 10)
    for label, amount, bold in (("Net", document.net_total, False),
                                ("Tax", document.tax_total, False),
                                ("Total", document.gross_total, True)):
        pdf.set_font("Helvetica", "B" if bold else "", 10)
        pdf.cell(150, 6, label, align="R")
        pdf.cell(30, 6, _money(document, amount), align="R", new_x="LMARGIN", new_y="NEXT")
    if firm.payment_terms and document.kind == "sales_invoice":
        pdf.ln(8)
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, _text(firm.payment_terms))


class _DocumentPDF(FPDF):
    """A4 pages that carry a diagonal mark (VOID, NOT READY TO SEND) when one is set."""

    mark = None  # (text, font size, the plain line saying why)

    def header(self):
        """Draw the mark under the page's content, and the reason along the top edge."""
        if not self.mark:
            return
        text, size, note = self.mark
        with self.local_context(fill_opacity=0.22, text_color=(190, 30, 30)):
            self.set_font("Helvetica", "B", size)
            with self.rotation(angle=35, x=105, y=160):
                self.text(105 - self.get_string_width(text) / 2, 160 + size * 0.12, text)
        with self.local_context(text_color=(190, 30, 30)):
            self.set_xy(15, 5)
            self.set_font("Helvetica", "B", 9)
            self.cell(180, 5, _text(note), align="C")
        self.set_xy(self.l_margin, self.t_margin)


def _mark_for(document, firm):
    if document.status == "void":
        return "VOID", 120, f"{document.number} is void: it is not to be paid or sent."
    missing = firm.missing_for_documents()
    if missing:
        return ("NOT READY TO SEND", 48,
                f"Preview only. Missing: {' and '.join(missing)} (set them in Settings).")
    return None


def render_invoice_pdf(document):
    """The document as A4 PDF bytes."""
    firm = FirmProfile.current()
    pdf = _DocumentPDF(format="A4")
    pdf.mark = _mark_for(document, firm)
    pdf.set_title(_text(f"{TITLES.get(document.kind, 'Document').title()} {document.number}"))
    pdf.set_author(_text(firm.name or "Ledgerlink"))
    pdf.set_creator("Ledgerlink")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, document, firm)
    _lines_table(pdf, document)
    _totals(pdf, document, firm)
    return bytes(pdf.output())
