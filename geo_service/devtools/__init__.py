"""Development tooling shipped with the CLI, never imported by the web app: the project-local PostGIS cluster
(``geo-service db start|stop|status`` and the development default of ``DATABASE_URL``)."""
