"""GIS exports (GeoPackage, GeoJSON, Shapefile zip, KML, CSV) and print-ready maps (PNG, PDF).

``service`` is the entry point for the API and the CLI: it resolves one :class:`geo_service.scope.Scope`
per export or print; ``formats`` holds the allow-lists, ``layers`` builds the layers (over the scope
fragments) with one findings column per rule-registry finding, ``vector`` writes files through GDAL with
the scope's data line in their metadata, and ``print_map`` renders sheets with matplotlib.
"""
