"""Folium map builders: views (what a page shows), layers, legend, palette and self-hosted assets."""
