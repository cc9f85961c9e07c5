"""The catalogue of models, trims, colours and options the maker offers, read in one statement."""

from __future__ import annotations

from sqlalchemy import text

from order_service import domain
from plumbing.db import UnitOfWork

# The whole catalogue of the models asked for in one statement: placing or amending an order
# reads it every time, and five ORM queries (one per table) cost several times what one
# round trip with the rows folded into JSON does. Each list keeps the order it is shown in.
_CATALOGUE = """
SELECT m.code, m.name,
    COALESCE((SELECT json_agg(json_build_array(t.code, t.name, t.list_price_minor, t.currency)
                              ORDER BY t.list_price_minor, t.code)
              FROM catalogue_trims t WHERE t.model_code = m.code), '[]') AS trims,
    COALESCE((SELECT json_agg(json_build_array(c.code, c.name) ORDER BY c.code)
              FROM catalogue_colours c WHERE c.model_code = m.code), '[]') AS colours,
    COALESCE((SELECT json_agg(json_build_array(o.code, o.name, o.list_price_minor,
                                               ARRAY(SELECT ot.trim_code FROM catalogue_option_trims ot
                                                     WHERE ot.model_code = o.model_code
                                                       AND ot.option_code = o.code))
                              ORDER BY o.code)
              FROM catalogue_options o WHERE o.model_code = m.code), '[]') AS options
FROM catalogue_models m
"""
_ALL_MODELS = text(_CATALOGUE + "ORDER BY m.code")
_ONE_MODEL = text(_CATALOGUE + "WHERE m.code = :model_code")


def load_catalogue(uow: UnitOfWork, model_code: str | None = None) -> dict[str, domain.CatalogueModel]:
    """The catalogue, or only one model of it (placing an order needs no other)."""
    if model_code is None:
        rows = uow.session.execute(_ALL_MODELS)
    else:
        rows = uow.session.execute(_ONE_MODEL, {"model_code": model_code})
    models = {}
    for row in rows:
        model = domain.CatalogueModel(code=row.code, name=row.name)
        for code, name, price, currency in row.trims:
            model.trims[code] = domain.Trim(code, name, int(price), currency)
        for code, name in row.colours:
            model.colours[code] = domain.Colour(code, name)
        for code, name, price, trim_codes in row.options:
            model.options[code] = domain.CatalogueOption(code, name, int(price), frozenset(trim_codes))
        models[model.code] = model
    return models
