"""The sync engine: putting the firm's documents into its ledger, each exactly once.

Empty for now; the engine lands here (issue 10), in layers that keep the core pure:
- pure pre-flight checks: can this document go now, or what must be fixed first;
- outgoing documents: building what a provider receives from a document and its mapping;
- push orchestration: batches within each tenant's rate budget, stopping on auth or rate limits;
- recording: what the ledger answered, written back to our documents and sync runs;
- thin jobs: RQ entry points that take ids and call the above.
Importing a sync/ module pulls in neither Flask, peewee nor RQ (tests/test_layers.py checks).
"""
