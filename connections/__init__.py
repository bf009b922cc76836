"""Everything about a grant to an accounting package.

connect (sign-in, choosing the organisation, disconnect), tokens (encrypted at rest, refreshed
once across every process, kept alive), lists (the ledger's accounts, tax rates, items and
contacts cached locally), ratelimit (each tenant's call budget, shared through Redis), mapping
(which ledger accounts and taxes Ledgerlink posts to), health (what a card shows about a grant),
and jobs (the background work: refreshing lists, keeping grants alive).
"""
