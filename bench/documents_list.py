"""Benchmark (not a test): the documents list with 100,000 documents.

Fills an empty database with 2,000 contacts and 100,000 documents (one line each), then times the
list's first page, a deep page (keyset cursor about 90% of the way down), filtered pages and
searches, as the server sees them (in-process WSGI, no network). Prints median and p95 in ms.

    python bench/documents_list.py                       # temporary SQLite database
    python bench/documents_list.py --database-url postgresql://postgres@127.0.0.1/ll_bench

The PostgreSQL database must exist and be empty (the script migrates it).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import models  # noqa: E402
from app import create_app  # noqa: E402
from models.contact import Contact  # noqa: E402
from models.document import Document  # noqa: E402
from models.document import DocumentLine  # noqa: E402
from models.user import User  # noqa: E402
from services.document_list import encode_cursor  # noqa: E402

KINDS = ["sales_invoice"] * 7 + ["sales_credit_note", "supplier_invoice", "supplier_credit_note"]
WORDS = ["Harbour", "Quay", "Clifton", "Redland", "Temple", "Avon", "Severn", "Kingsdown",
         "Bishop", "Mill", "Tower", "Castle", "Bridge", "Meadow", "Orchard", "Chapel"]
SUFFIXES = ["Ltd", "Lettings", "Dental", "Cafe", "School", "Vets", "Books", "Pharmacy", "LLP"]


def fill(contacts=2000, documents=100_000, batch=5000):
    """Insert the contacts, documents and lines in batches."""
    rng = random.Random(7)
    now = datetime.datetime.now()
    rows = [{"kind": "supplier" if n % 20 == 0 else "customer", "number": f"A{n:06d}",
             "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)} {n}",
             "created_at": now, "updated_at": now} for n in range(contacts)]
    with models.db.atomic():
        Contact.insert_many(rows).execute()
    ids = [c.id for c in Contact.select(Contact.id).order_by(Contact.id)]
    start = datetime.date.today() - datetime.timedelta(days=3 * 365)
    for offset in range(0, documents, batch):
        docs = []
        for n in range(offset, min(offset + batch, documents)):
            net = Decimal(rng.randint(1000, 500000)) / 100
            tax = (net / 5).quantize(Decimal("0.01"))
            docs.append({"kind": rng.choice(KINDS), "number": f"S{100000 + n}",
                         "contact": rng.choice(ids), "status": "approved",
                         "issue_date": start + datetime.timedelta(days=n * 3 * 365 // documents),
                         "currency": "GBP", "sent": rng.random() < 0.8,
                         "synced_at": now if rng.random() < 0.7 else None,
                         "net_total": net, "tax_total": tax, "gross_total": net + tax,
                         "created_at": now, "updated_at": now})
        with models.db.atomic():
            Document.insert_many(docs).execute()
            first = Document.select(Document.id).where(
                Document.number == docs[0]["number"]).scalar()
            DocumentLine.insert_many([
                {"document": first + i, "position": 0, "description": "Labour", "quantity": 1,
                 "unit_price": d["net_total"], "category": "labour", "tax_rate": 20,
                 "net": d["net_total"], "tax": d["tax_total"], "gross": d["gross_total"]}
                for i, d in enumerate(docs)]).execute()
    if models.db.obj.__class__.__name__.startswith("Pooled"):
        models.db.execute_sql("ANALYZE")


def timings(client, url, runs):
    """Milliseconds for each of `runs` requests to url (after one warm-up)."""
    assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return samples


def main():
    """Fill, then measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="ll-bench-")
    os.environ["INSTANCE_PATH"] = workdir
    url = args.database_url or f"sqlite://{workdir}/bench.db"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOG_LEVEL": "WARNING", "REDIS_URL": os.environ.get("REDIS_URL", "")})
    models.migrate()
    with app.app_context(), models.db.connection_context():
        started = time.perf_counter()
        fill(documents=args.documents)
        print(f"Filled {Document.select().count():,} documents in "
              f"{time.perf_counter() - started:.1f} s ({url.split('://')[0]})")
        User.create_user("bench@example.com", "bench-password-1", "staff")
        deep = (Document.select(Document.issue_date, Document.id)
                .order_by(Document.issue_date.desc(), Document.id.desc())
                .offset(int(args.documents * 0.9)).limit(1).get())
        cursor = encode_cursor(deep.issue_date, deep.id)
    client = app.test_client()
    client.post("/auth/login", data={"email": "bench@example.com",
                                     "password": "bench-password-1"})
    cases = [("first page", "/documents/"),
             ("deep page (90%)", f"/documents/?cursor={cursor}"),
             ("filtered: kind + not sent", "/documents/?kind=supplier_invoice&sent=no"),
             ("filtered: not synced, date range",
              "/documents/?synced=no&date_from=2025-01-01&date_to=2025-06-30"),
             ("search: number prefix", "/documents/?q=S1500"),
             ("search: contact name", "/documents/?q=harbour+quay"),
             ("search: no match", "/documents/?q=zzzz")]
    print(f"{'case':<36}{'median ms':>10}{'p95 ms':>10}")
    for name, path in cases:
        samples = sorted(timings(client, path, args.runs))
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        print(f"{name:<36}{statistics.median(samples):>10.1f}{p95:>10.1f}")


if __name__ == "__main__":
    main()
