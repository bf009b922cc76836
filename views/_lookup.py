"""Rows named in a URL: the row, or 404."""

from flask import abort


def get_or_404(model, row_id):
    """The model's row with this id, or a 404 answer."""
    return model.get_or_none(model.id == row_id) or abort(404)
