"""Our stable error codes for provider failures, each with a plain-English default message.

Providers translate their own error shapes into these codes; the UI and the sync grid show the
message (a provider may give a more specific one, e.g. naming the field or the duplicate).
"""

CODES = {
    "duplicate_number": "The ledger already has a document with this number. Check whether it was "
                        "sent before; if it is a different document, renumber it.",
    "duplicate_contact_name": "The ledger already has a contact with this name. Rename one, or "
                              "link the existing contact.",
    "duplicate_contact_reference": "The ledger already has a contact with this reference (account "
                                   "code). Use another reference, or link the existing contact.",
    "contact_missing": "The linked contact no longer exists or is archived in the ledger. Link "
                       "another contact or restore it in the ledger.",
    "account_invalid": "A line's account is archived or missing in the ledger. Check the account "
                       "mapping, or restore the account in the ledger.",
    "tax_invalid": "A line's tax rate is not valid in the ledger. Choose a tax rate that exists "
                   "and is active.",
    "item_invalid": "The item for a line is missing or inactive in the ledger. Refresh lists, "
                    "then check the item mapping.",
    "validation": "The ledger rejected the document. Correct it and sync again.",
    "period_closed": "The ledger's accounting period for this date is closed. Change the date or "
                     "reopen the period in the ledger.",
    "stale_object": "The record changed in the ledger meanwhile. Refresh and try again.",
    "attachment_too_large": "The PDF is larger than the ledger accepts for an attachment.",
    "attachment_unsupported": "The ledger does not accept attachments on this kind of document; "
                              "the document was sent without its PDF.",
    "rate_limited": "The ledger asked us to slow down. Ledgerlink will retry automatically.",
    "daily_limit": "Today's API allowance for this ledger is used up. Syncing resumes tomorrow.",
    "transient": "The ledger did not answer properly. Ledgerlink will retry shortly.",
    "uncertain": "The ledger did not confirm whether it received the document. Ledgerlink will "
                 "check before sending it again.",
    "reconnect": "The connection to the ledger has ended. An administrator must reconnect it on "
                 "the Integrations page.",
    "subscription": "The ledger's subscription has lapsed or is restricted. Renew it, then "
                    "reconnect.",
    "organisation_removed": "The organisation is no longer connected to Ledgerlink. Reconnect it "
                            "on the Integrations page.",
    "forbidden": "The ledger refused access. Check the connected user's permissions, then "
                 "reconnect.",
    "not_found": "The record was not found in the ledger.",
    "overpayment": "The ledger refused the payment: it is more than the invoice still owes there. "
                   "Check the payments already recorded in the ledger, then correct the amount.",
    "unexpected_answer": "The ledger answered in a form Ledgerlink does not understand; nothing "
                         "was changed.",
}


def message_for(code, detail=""):
    """The default message for a code, with the provider's detail appended when useful."""
    base = CODES.get(code, CODES["validation"])
    return f"{base} ({detail})" if detail else base
