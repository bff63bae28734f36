"""Request and response schemas of the HTTP API, one module per blueprint (marshmallow).

They are read twice: by webargs to validate a request (:func:`geo_service.web.openapi.operation`) and by
apispec to write ``/api/openapi.json``. :mod:`.common` holds the shared pieces (fields by parameter name,
problem+json, GeoJSON, response helpers).
"""
