"""OGC API – Features (Part 1 Core, Part 2 CRS by reference) and Mapbox vector tiles over the scope service.

``catalogue`` names the collections (areas of each boundary set; practices, networks and memberships of each
scenario as of its date), ``reference_systems`` the CRSs offered, ``requests`` checks a request's parameters,
``features`` answers items and single features, ``tiles`` builds vector tiles and TileJSON. No Flask here:
the routes in :mod:`geo_service.web.routes.ogc` pass the public base URL in and shape responses.
"""
