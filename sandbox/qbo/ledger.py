"""One QuickBooks Online company in memory: its lists, names, items, preferences and reads."""

from datetime import date

from sandbox.qbo import errors
from sandbox.qbo.documents import DOCUMENTS
from sandbox.qbo.documents import create_document
from sandbox.qbo.errors import QboFault
from sandbox.qbo.errors import stamp
from sandbox.qbo.payments import PAYMENTS
from sandbox.qbo.payments import apply
from sandbox.qbo.payments import create_payment
from sandbox.qbo.query import run_query

ENTITIES = ("Account", "TaxCode", "TaxRate", "Customer", "Vendor", "Employee", "Item", "Invoice",
            "CreditMemo", "Bill", "VendorCredit", "Payment", "BillPayment", "Attachable",
            "Preferences", "CompanyInfo", "CompanyCurrency")
BY_PATH = {name.lower(): name for name in ENTITIES}
PEOPLE = ("Customer", "Vendor", "Employee")


class QboLedger(dict):
    """A company file: {"name": ..., entity name: {Id: record}}, plus its id sequence."""

    def __init__(self, realm, name, clock):
        super().__init__(name=name)
        for entity in ENTITIES:
            self[entity] = {}
        self.realm, self.clock, self.sequence = realm, clock, 0
        self.country, self.currency, self.currency_name = "US", "USD", "United States Dollar"

    # --- storage ------------------------------------------------------------------------------
    def currency_ref(self):
        """The home currency as a ReferenceType."""
        return {"value": self.currency, "name": self.currency_name}

    def store(self, entity, record):
        """Give a record an Id, SyncToken and MetaData, and keep it."""
        self.sequence += 1
        now = stamp(self.clock.now(), millis=False)
        record = {"Id": record.get("Id") or str(self.sequence), **record, "SyncToken": "0",
                  "MetaData": {"CreateTime": now, "LastUpdatedTime": now},
                  "domain": "QBO", "sparse": False}
        self[entity][record["Id"]] = record
        return record

    def record(self, entity, record_id):
        """A record by Id, or None."""
        return self[entity].get(str(record_id))

    def referenced(self, entity, ref, must_be_active=True):
        """The record a ReferenceType points at (2500 when unknown, 610 when inactive)."""
        value = (ref or {}).get("value") if isinstance(ref, dict) else None
        if value is None:
            raise errors.required(f"{entity}Ref")
        record = self.record(entity, value)
        if record is None:
            raise errors.invalid_reference(entity, value)
        if must_be_active and record.get("Active") is False:
            raise errors.inactive(entity, value)
        return record

    def preferences(self):
        """The company's single Preferences record."""
        return next(iter(self["Preferences"].values()))

    def currencies(self):
        """The currencies a transaction may be in: the home one, and with multicurrency on the
        company's active CompanyCurrency records."""
        codes = {self.currency}
        if self.preferences().get("CurrencyPrefs", {}).get("MultiCurrencyEnabled"):
            codes |= {c["Code"] for c in self["CompanyCurrency"].values() if c.get("Active")}
        return codes

    def books_closed_on(self):
        """The books close date (AccountingInfoPrefs.BookCloseDate), or None."""
        closed = self.preferences().get("AccountingInfoPrefs", {}).get("BookCloseDate")
        return date.fromisoformat(closed) if closed else None

    def touch(self, entity, record):
        """Mark a record changed now, as an edit in QuickBooks would (SyncToken too)."""
        record["SyncToken"] = str(int(record["SyncToken"]) + 1)
        record["MetaData"] = {**record["MetaData"],
                              "LastUpdatedTime": stamp(self.clock.now(), millis=False)}
        return record

    # --- operations ---------------------------------------------------------------------------
    def read(self, entity, record_id):
        """GET /<entity>/<id>."""
        record = self.record(entity, record_id)
        if record is None:
            raise errors.not_found(entity, record_id)
        return record

    def query(self, text):
        """GET /query?query=..."""
        return run_query(text, {k: v for k, v in self.items() if isinstance(v, dict)})

    def write(self, entity, body, options=()):
        """POST /<entity>: create, or update when the body carries an Id."""
        if not isinstance(body, dict):
            raise QboFault("2010", "Request has invalid or unsupported property",
                           "Request body must be a JSON object")
        if body.get("Id") is not None:
            return self.update(entity, body)
        if entity in PEOPLE:
            return self.store(entity, self._person(entity, body))
        if entity == "Item":
            return self.store(entity, self._item(body))
        if entity in DOCUMENTS:
            return self.store(entity, create_document(self, entity, body, options))
        if entity in PAYMENTS:
            record, plan, listed_as = create_payment(self, entity, body)
            stored = self.store(entity, record)
            apply(self, entity, stored, plan, listed_as)
            return stored
        raise QboFault("500", "Unsupported Operation",
                       f"Operation Create is not supported for {entity} in this sandbox.")

    def update(self, entity, body):
        """A (sparse) update: the SyncToken must be the current one (5010 otherwise)."""
        current = self.read(entity, body["Id"])
        if str(body.get("SyncToken")) != current["SyncToken"]:
            raise errors.stale_object()
        if entity in PEOPLE and "DisplayName" in body:
            self._unique_name(body["DisplayName"], current["Id"])
        merged = {**current, **{k: v for k, v in body.items() if k not in ("MetaData",)}}
        if entity == "Preferences":
            for section, values in body.items():
                if isinstance(values, dict) and isinstance(current.get(section), dict):
                    merged[section] = {**current[section], **values}
        merged["SyncToken"] = str(int(current["SyncToken"]) + 1)
        merged["MetaData"] = {**current["MetaData"],
                              "LastUpdatedTime": stamp(self.clock.now(), millis=False)}
        merged["sparse"] = False
        self[entity][current["Id"]] = merged
        return merged

    def _person(self, entity, body):
        parts = [body.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName",
                                       "Suffix") if body.get(k)]
        name = (body.get("DisplayName") or " ".join(parts) or body.get("CompanyName") or "")
        name = name.strip()
        if not name:
            raise errors.required("DisplayName")
        if ":" in name:
            raise errors.business("DisplayName cannot contain a colon (:).")
        if len(name) > 500:
            raise errors.too_long("DisplayName", 500)
        self._unique_name(name)
        record = {**body, "DisplayName": name, "FullyQualifiedName": name,
                  "PrintOnCheckName": body.get("PrintOnCheckName") or name,
                  "Active": body.get("Active", True)}
        if entity != "Employee":
            record.update(Balance=0, CurrencyRef=body.get("CurrencyRef") or self.currency_ref())
        return record

    def _unique_name(self, name, own_id=None):
        # DisplayName is unique across customers, vendors and employees, inactive ones included.
        for entity in PEOPLE:
            for record in self[entity].values():
                same = record["DisplayName"].strip().lower() == name.strip().lower()
                if same and record["Id"] != own_id:
                    raise errors.duplicate_name(record["Id"])

    def _item(self, body):
        name = (body.get("Name") or "").strip()
        if not name:
            raise errors.required("Name")
        if len(name) > 100:
            raise errors.too_long("Name", 100)
        for record in self["Item"].values():
            if record["Name"].lower() == name.lower():
                raise errors.duplicate_name(record["Id"], "product or service")
        kind = body.get("Type") or "Inventory"
        record = {**body, "Name": name, "FullyQualifiedName": name, "Type": kind,
                  "Active": body.get("Active", True)}
        if kind not in ("Service", "NonInventory"):
            raise errors.business(f"Items of type {kind} need stock or group details; this "
                                  "sandbox creates Service and NonInventory items.")
        if "IncomeAccountRef" not in body:
            raise errors.required("IncomeAccountRef")
        account = self.referenced("Account", body["IncomeAccountRef"])
        record["IncomeAccountRef"] = {"value": account["Id"], "name": account["Name"]}
        return record
