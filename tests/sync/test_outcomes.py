"""What happens after a send: the ledger's total compared with ours, the PDF attached."""

from decimal import Decimal

import pytest
from helpers.contract import recorded
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import ready_world
from helpers.sync import run_in_worker
from helpers.sync import states

from models.document import Document
from models.firm import FirmProfile
from models.sync import SYNCED
from models.sync import VARIANCE
from models.sync import SyncRecord
from models.sync import SyncRun
from sync.engine import landed_state
from sync.jobs import start_run


def test_variance_is_more_than_a_penny_either_way():
    assert landed_state(Decimal("120.00"), None) == (SYNCED, "")
    assert landed_state(Decimal("120.00"), Decimal("120.01")) == (SYNCED, "")
    state, message = landed_state(Decimal("120.00"), Decimal("119.98"))
    assert state == VARIANCE
    assert message.startswith("The ledger's total is 119.98; ours is 120.00.")


@pytest.mark.parametrize("provider_id", ["xero", "qbo", "sage", "zoho"])
def test_the_ledgers_total_is_kept_and_the_pdf_attached(sandbox_app, admin_web, sandbox,
                                                        provider_id):
    connection = ready_world(sandbox_app, admin_web, provider_id, options={"send_files": True})
    document = add_ready(sandbox_app, connection, "S9201")
    with Db(sandbox_app):
        run, _ = start_run(connection, "sales_invoice")
    run_in_worker(sandbox_app)
    assert states(sandbox_app, connection)["S9201"] == ("synced", "synced")
    with Db(sandbox_app):
        assert "1 synced with a warning (open the row for why)." in SyncRun.get_by_id(
            run.id).message  # the run's summary says so too
        record = SyncRecord.get(SyncRecord.document == document.id)
        assert record.ledger_total == Document.get_by_id(document.id).gross_total
        # The firm's details are still the placeholder, so the PDF is refused with a warning.
        assert record.warning.startswith("The PDF was not attached: Not ready to send")
    assert _uploads(sandbox, provider_id) == []
    with Db(sandbox_app):
        firm = FirmProfile.current()
        firm.name, firm.address_line1, firm.postcode = "Harbour Trades Ltd", "1 Quay St", "BS1 4AA"
        firm.save()
    add_ready(sandbox_app, connection, "S9202")
    with Db(sandbox_app):
        run, _ = start_run(connection, "sales_invoice")
    run_in_worker(sandbox_app)
    with Db(sandbox_app):
        assert "warning" not in SyncRun.get_by_id(run.id).message
        record = SyncRecord.get(SyncRecord.document == Document.get(number="S9202"))
        assert (record.state, record.warning) == ("synced", ""), (record.code, record.message)
    # Sage takes files on supplier documents only: a sales invoice goes without, no warning.
    assert len(_uploads(sandbox, provider_id)) == (0 if provider_id == "sage" else 1)


def _uploads(sandbox, provider_id):
    return [c for c in recorded(sandbox, provider_id) if c["method"] in ("POST", "PUT")
            and ("ttach" in c["path"] or "upload" in c["path"].lower())]
