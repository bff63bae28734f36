"""GIS exports (GeoPackage, GeoJSON, Shapefile zip, KML, CSV) and print-ready maps (PNG, PDF).

``service`` is the entry point for the API and the CLI; ``formats`` holds the allow-lists,
``layers`` builds the layers with findings columns, ``vector`` writes files through GDAL and
``print_map`` renders sheets with matplotlib.
"""
