"""Our stable status codes for the sync grid: each with a plain message, the fix, and the kind of
problem (which section of the actions popup deals with it)."""

from dataclasses import dataclass

from providers.errors import CODES as PROVIDER_CODES


@dataclass(frozen=True)
class Code:
    """What a status code means to the person looking at the grid."""

    message: str
    fix: str
    problem: str


CODES = {
    "ready": Code("Ready to sync.", "", "ready"),
    "not_connected": Code("No accounting package is connected.",
                          "An administrator connects one on the Integrations page.",
                          "connection"),
    "needs_reconnect": Code("The connection to the package needs reconnecting; syncing is "
                            "paused.",
                            "An administrator reconnects it on the Integrations page.",
                            "connection"),
    "mapping_incomplete": Code("The account mapping is not finished.",
                               "An administrator maps every account on the Integrations page.",
                               "connection"),
    "not_sent": Code("Cannot sync until marked as sent.",
                     "Send the invoice to the customer, or mark it as sent.", "not_sent"),
    "not_approved": Code("Only approved documents are synced.", "Approve the document.",
                         "not_sent"),
    "contact_not_linked": Code("The contact is not linked to a contact in the ledger.",
                               "Link a ledger contact, or create one, from the actions.",
                               "contact"),
    "contact_archived": Code("The linked ledger contact is archived or deleted in the ledger.",
                             "Restore it in the ledger, or link another contact.", "contact"),
    "contact_wrong_kind": Code("The linked ledger contact is not of the right kind (customer or "
                               "supplier).", "Link a contact of the right kind.", "contact"),
    "care_of_not_linked": Code("The care-of contact is not linked to a ledger contact.",
                               "Link the care-of contact too.", "care_of"),
    "duplicate_number": Code("This number is already in the ledger on another document.",
                             "Check whether it was sent before; if it is a different document, "
                             "renumber it.", "duplicate"),
    "duplicate_matches": Code("A document with this number, total and contact is already in the "
                              "ledger.", "Link to it, so it is not sent twice.", "duplicate"),
    "account_unmapped": Code("A line's category has no ledger account mapped.",
                             "An administrator maps the account on the Integrations page.",
                             "account"),
    "account_inactive": Code("A line posts to a ledger account that is archived or of the wrong "
                             "type.", "Choose another account in the mapping, or restore it in "
                             "the ledger.", "account"),
    "tax_unmapped": Code("A line's tax rate has no active matching tax rate in the ledger.",
                         "Add or reactivate that tax rate in the ledger, then Refresh lists.",
                         "tax"),
    "blank_line": Code("A line has no text.", "Give every line a description.", "text"),
    "too_long": Code("A field is longer than the package accepts.", "Shorten it.", "text"),
    "waits_for_invoice": Code("Waiting for its invoice to be synced first.",
                              "Sync the invoice; the credit note follows.", "waits"),
    "currency_disabled": Code("The document's currency is not enabled in the ledger.",
                              "Enable the currency in the ledger, then Refresh lists.",
                              "currency"),
    "period_locked": Code("The document is dated in a period the ledger has closed.",
                          "Change the date, or reopen the period in the ledger.", "period"),
    "waits_for_customer": Code("Waiting for Sage 50 to confirm its customer or supplier.",
                               "Nothing to do: Zynk's next run imports the contact first.",
                               "waits"),
    "sent_to_zynk": Code("Fetched by Zynk; waiting for Sage 50's confirmation.",
                         "Nothing to do: it is confirmed when Zynk posts its success file.",
                         "uncertain"),
    "sage50_refused": Code("Sage 50 refused it.", "Correct what the message says; Zynk's next "
                           "run fetches it again.", "failed"),
    "excluded": Code("Excluded from syncing.", "Include it again to sync it.", "excluded"),
    "retry_waiting": Code("The ledger did not answer properly; Ledgerlink will retry.",
                          "Nothing to do; or press Retry now.", "failed"),
    "payment_waits_for_invoice": Code("The payment waits for its invoice to reach the ledger.",
                                      "Nothing to do: it goes after the invoice is synced.",
                                      "waits"),
    "payments_unsupported": Code("Ledgerlink does not send payments to this package yet.",
                                 "Record the payment in the package by hand.", "connection"),
    "bank_unmapped": Code("No usable bank account is mapped, so payments cannot go.",
                          "An administrator maps the bank account on the Integrations page.",
                          "account"),
    "payment_period_locked": Code("The payment is dated in a period the ledger has closed.",
                                  "Change its date, or reopen the period in the ledger.",
                                  "period"),
    "gave_up": Code("The ledger kept failing; Ledgerlink stopped retrying.",
                    "Press Retry now when the package is working again.", "failed"),
}
# Codes the providers report on a send (providers.errors), as failures the popup shows.
for _code, _message in PROVIDER_CODES.items():
    CODES.setdefault(_code, Code(_message, "", "uncertain" if _code == "uncertain" else "failed"))


def describe(code):
    """The Code for a status code (an unknown one reads as a refusal by the ledger)."""
    return CODES.get(code) or CODES["validation"]
